"""The investors' pages (融资对接, issue 13 point 6): the investor's page of an event with the
project on stage first and its level buttons, the team's page (counts, anonymous marks,
accepting with consent), 我的对接, the organizers' figures, and the event page's links."""

from __future__ import annotations

import pytest

from eventhub.database import db
from eventhub.engagement import investors
from eventhub.judging import roadshow
from eventhub.models import InvestorConnection, InvestorInterest
from eventhub.registrations import services as registrations
from eventhub.registrations.form_builder import save_category
from tests import factories
from tests.views.conftest import count, text


def register(user, event, category, phone="13900000001"):
    return registrations.register(user, event, registrations.RegistrationInfo(
        category_id=category.id, consent=True, phone=phone))


@pytest.fixture
def investor(organizer, contest):
    category = save_category(organizer, contest, "投资人", investor=True)
    user = factories.UserFactory(name="钱投资", email="vc@example.com", organization="红杉资本")
    register(user, contest, category)
    return user


@pytest.fixture
def entries(final, participant):
    """The final's entries, the first led by the participant (赵参与)."""
    made = final[1]
    made[0].leader_id = participant.id
    db.session.commit()
    return made


def _form_of(entry):
    return f"e{entry.id}"


def test_the_investor_page_lists_the_entries_with_the_one_on_stage_first(
    login, investor, entries, final, organizer, contest
):
    roadshow.show_entry(organizer, final[0], entries[2].id)
    page = login(investor).get(f"/events/{contest.id}/invest")
    assert page.status_code == 200
    body = text(page)
    assert body.index(entries[2].title) < body.index(entries[0].title)
    assert "现在路演" in body
    for label in ("感兴趣", "想约谈", "要BP"):
        assert label in body
    assert 'type="checkbox"' in body and "checked" not in body.split("invest-list")[1]


def test_an_investor_taps_a_level(login, investor, entries, contest):
    client = login(investor)
    url = f"/events/{contest.id}/invest"
    prefix = _form_of(entries[0])
    response = client.submit(f"{url}/{entries[0].id}", {f"{prefix}-level": "meeting",
                                                          f"{prefix}-consent": "y",
                                                          f"{prefix}-note": "下周见"},
                             form_url=url)
    assert response.status_code == 302
    mark = db.session.scalar(db.select(InvestorInterest))
    assert (mark.level, mark.note) == ("meeting", "下周见") and mark.share_consent_at
    page = text(client.get(url))
    assert "您的标记：想约谈" in page
    again = client.submit(f"{url}/{entries[0].id}", {f"{prefix}-level": "bp"}, form_url=url,
                          follow_redirects=True)
    assert "要BP" in text(again)
    db.session.expire_all()
    mark = db.session.scalar(db.select(InvestorInterest))
    assert mark.level == "bp" and mark.share_consent_at is None  # unticked: withdrawn
    assert count(InvestorInterest) == 1
    bad = client.submit(f"{url}/{entries[0].id}", {f"{prefix}-level": "hot"}, form_url=url,
                        follow_redirects=True)
    assert "请选择" in text(bad)


def test_only_investors_open_the_investor_page(login, participant, organizer, contest, entries):
    for user in (participant, organizer, factories.UserFactory()):
        client = login(user)
        assert client.get(f"/events/{contest.id}/invest").status_code == 403
    assert login(participant).post(
        f"/events/{contest.id}/invest/{entries[0].id}").status_code in (302, 400, 403)
    assert count(InvestorInterest) == 0
    assert login(participant).get("/events/999999/invest").status_code == 404


def test_the_team_sees_counts_then_accepts_with_consent(login, investor, entries, participant,
                                                        organizer):
    investors.mark_interest(investor, entries[0], "bp", note="钱投资想看BP", consent=True)
    team = login(participant)
    url = f"/entries/{entries[0].id}/investors"
    page = text(team.get(url))
    assert "要BP" in page
    for secret in ("钱投资", "红杉资本", "vc@example.com", "13900000001"):
        assert secret not in page
    mark = db.session.scalar(db.select(InvestorInterest))
    refused = team.submit(f"/interest/{mark.id}/accept", {}, form_url=url,
                          follow_redirects=True)
    assert "请先勾选同意" in text(refused) and count(InvestorConnection) == 0
    done = team.submit(f"/interest/{mark.id}/accept", {f"m{mark.id}-consent": "y"},
                       form_url=url, follow_redirects=True)
    assert done.status_code == 200
    assert count(InvestorConnection) == 1
    contacts = text(done)
    for shown in ("钱投资", "红杉资本", "vc@example.com", "tel:13900000001", "钱投资想看BP"):
        assert shown in contacts
    theirs = text(login(investor).get("/me/connections"))
    assert participant.name in theirs and participant.email in theirs
    for user in (organizer, factories.UserFactory()):
        assert "钱投资" not in text(login(user).get("/me/connections"))
        assert login(user).get(url).status_code == 403
        assert login(user).post(f"/interest/{mark.id}/accept").status_code in (302, 400, 403)


def test_the_organizers_figures(login, investor, entries, organizer, participant, contest):
    investors.mark_interest(investor, entries[0], "bp")
    investors.mark_interest(investor, entries[1], "interested")
    page = login(organizer).get(f"/events/{contest.id}/investors")
    assert page.status_code == 200
    body = text(page)
    assert "融资对接" in body and entries[0].title in body and "钱投资" not in body
    assert login(participant).get(f"/events/{contest.id}/investors").status_code == 403
    assert login(investor).get(f"/events/{contest.id}/investors").status_code == 403


def test_the_event_page_links_each_his_own(login, investor, entries, organizer, participant,
                                           contest):
    page = text(login(investor).get(f"/events/{contest.id}"))
    assert f"/events/{contest.id}/invest" in page and f"/events/{contest.id}/investors" not in page
    team = text(login(participant).get(f"/events/{contest.id}"))
    assert f"/entries/{entries[0].id}/investors" in team
    assert f"/events/{contest.id}/invest\"" not in team
    boss = text(login(organizer).get(f"/events/{contest.id}"))
    assert f"/events/{contest.id}/investors" in boss
    assert "invest-panel" not in text(login(factories.UserFactory()).get(f"/events/{contest.id}"))
