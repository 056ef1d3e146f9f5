"""The lucky draw's pages (issue 14 point 2): the organizers create, commit, run and redraw
from forms; the public page shows the rules before the draw and the check step by step with
the real numbers after it; a draft is 404 for the public; the screen's state answers 304 while
nothing changed; the event page links the draws for organizers only."""

from __future__ import annotations

import hashlib

import pytest

from eventhub.checkin import services as checkin
from eventhub.database import db
from eventhub.engagement import draws
from eventhub.engagement.models import Draw, DrawStatus
from eventhub.registrations import services as reg
from tests import factories


@pytest.fixture
def people(event, organizer, main_list):
    """Six confirmed registrations of the event, all checked in."""
    made = []
    for i in range(6):
        user = factories.UserFactory(name=f"孙小{i}", phone=f"1350000{i:04d}")
        registration = reg.register(user, event, reg.RegistrationInfo(consent=True))
        checkin.scan(organizer, main_list, registration.ticket_code, f"page-{i}")
        made.append(registration)
    return made


def test_an_organizer_runs_a_draw_from_the_pages(login, organizer, event, people):
    client = login(organizer)
    assert f"/events/{event.id}/draws" in client.get(f"/events/{event.id}").get_data(
        as_text=True)
    page = f"/events/{event.id}/draws"
    response = client.submit(page, {"name": "开幕抽奖", "prizes": "一等奖 1\n二等奖 × 2",
                                    "eligible": "checked_in",
                                    "list_id": str(factories.main_list_of(event).id)})
    assert response.status_code == 302, response.get_data(as_text=True)
    draw = db.session.query(Draw).one()
    assert draw.prizes == [{"name": "一等奖", "count": 1}, {"name": "二等奖", "count": 2}]
    assert draw.list_id is None  # the main list: the default
    manage = f"/draws/{draw.id}/manage"
    assert client.submit(f"/draws/{draw.id}/commit", form_url=manage).status_code == 302
    assert client.submit(f"/draws/{draw.id}/run", form_url=manage).status_code == 302
    db.session.expire_all()
    assert draw.status == DrawStatus.drawn
    winners, _ = draws.winners_of(draw)
    absent = winners[0]["registration_id"]
    refused = client.submit(f"/draws/{draw.id}/redraw",
                            {"registration_id": str(absent), "reason": ""}, form_url=manage)
    assert refused.status_code == 422
    done = client.submit(f"/draws/{draw.id}/redraw",
                         {"registration_id": str(absent), "reason": "未到场"}, form_url=manage)
    assert done.status_code == 302
    assert "未到场" in client.get(f"/draws/{draw.id}").get_data(as_text=True)


def test_a_bad_prize_line_is_told_beside_the_field(login, organizer, event, people):
    client = login(organizer)
    response = client.submit(f"/events/{event.id}/draws", {
        "name": "抽奖", "prizes": "一等奖", "eligible": "checked_in",
        "list_id": str(factories.main_list_of(event).id)})
    assert response.status_code == 422
    assert "field__error" in response.get_data(as_text=True)


def test_the_public_page_shows_the_rules_then_the_check(client, organizer, event, people):
    draw = draws.create_draw(organizer, event, "幸运抽奖", [{"name": "纪念品", "count": 2}],
                             "checked_in")
    assert client.get(f"/draws/{draw.id}").status_code == 404
    assert client.get(f"/draws/{draw.id}/screen").status_code == 404
    draws.commit_draw(organizer, draw)
    html = client.get(f"/draws/{draw.id}").get_data(as_text=True)
    assert "纪念品" in html and "data-draw-rules" in html
    assert draw.commitment in html and draw.pool_digest in html
    assert draw.seed not in html
    screen = client.get(f"/draws/{draw.id}/screen").get_data(as_text=True)
    assert "纪念品" in screen and draw.seed not in screen
    draws.run_draw(organizer, draw)
    html = client.get(f"/draws/{draw.id}").get_data(as_text=True)
    assert draw.seed in html
    first = draws.draw_order(draw.seed, draw.pool)[0]
    key = hashlib.sha256(f"{draw.seed}:{first}".encode()).hexdigest()
    assert key[:16] in html
    assert "verify_draw.py" in html and "hashlib" in html


def test_the_screen_state_answers_304_until_the_draw_changes(client, organizer, event, people):
    draw = draws.create_draw(organizer, event, "幸运抽奖", [{"name": "纪念品", "count": 1}],
                             "confirmed")
    draws.commit_draw(organizer, draw)
    first = client.get(f"/draws/{draw.id}/screen/state")
    assert first.get_json()["status"] == "committed" and first.get_json()["seed"] is None
    etag = first.headers["ETag"].strip('"')
    again = client.get(f"/draws/{draw.id}/screen/state", headers={"If-None-Match": etag})
    assert again.status_code == 304
    draws.run_draw(organizer, draw)
    drawn = client.get(f"/draws/{draw.id}/screen/state", headers={"If-None-Match": etag})
    assert drawn.status_code == 200 and drawn.get_json()["status"] == "drawn"
    assert len(drawn.get_json()["winners"]) == 1


def test_only_organizers_see_the_draw_pages(login, participant, event, organizer):
    assert "data-draws" not in login(participant).get(f"/events/{event.id}").get_data(
        as_text=True)
    assert login(participant).get(f"/events/{event.id}/draws").status_code == 403
