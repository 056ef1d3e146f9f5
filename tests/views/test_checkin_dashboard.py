"""The organizers' check-in dashboard page and the fragment it polls: who may see it, ETags
and 304s, and news after a scan and after a revert."""

import re
import uuid

import pytest

from eventhub.checkin import dashboard as board
from eventhub.checkin import services as checkin
from eventhub.registrations import services as reg
from eventhub.registrations.services import RegistrationInfo
from tests import factories
from tests.views.conftest import text


@pytest.fixture
def tickets(event):
    return [
        reg.register(factories.UserFactory(phone=f"1390000{n:04d}", name=f"参会者{n}"), event,
                     RegistrationInfo(consent=True))
        for n in range(3)
    ]


def page_url(event, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/events/{event.id}/checkin/dashboard" + (f"?{query}" if query else "")


def live_url(event, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/events/{event.id}/checkin/dashboard/live" + (f"?{query}" if query else "")


def checked_in(html):
    """The main list's 已签到 figure on the page or in the fragment."""
    return int(re.search(r'data-count="checked_in">(\d+)<', html).group(1))


def test_organizers_see_the_dashboard(login, event, organizer, owner, admin, main_list, tickets,
                                      staff):
    checkin.scan(staff, main_list, tickets[0].ticket_code, "n-1", device="东门-1")
    for user in (organizer, owner, admin):
        response = login(user).get(page_url(event))
        assert response.status_code == 200
        html = text(response)
        assert "签到看板" in html and "主入口" in html and checked_in(html) == 1
        assert '<svg class="chart__svg"' in html and "每 5 分钟到场人数" in html
        assert "东门-1" in html and tickets[0].name in html
        assert response.headers["ETag"] and "no-cache" in response.headers["Cache-Control"]
        # The CSP forbids inline styles and scripts: none on the page.
        assert " style=" not in html and "<script>" not in html
        assert "js/dashboard.js" in html and "css/dashboard.css" in html


def test_door_staff_participants_and_other_organizers_get_403(
    login, event, staff, participant, outsider_organizer, main_list
):
    for user in (staff, participant, outsider_organizer):
        assert login(user).get(page_url(event)).status_code == 403
        assert login(user).get(live_url(event)).status_code == 403


def test_anonymous_visitors_are_sent_to_login_and_hidden_events_are_404(
    client, login, org, other_org, outsider_organizer, organizer
):
    draft = factories.EventFactory(organization=org, status="draft", published_at=None)
    assert client.get(page_url(draft)).status_code == 302
    assert "/login" in client.get(live_url(draft)).headers["Location"]
    assert login(outsider_organizer).get(page_url(draft)).status_code == 404
    assert login(organizer).get("/events/999999/checkin/dashboard").status_code == 404


def test_the_event_page_links_the_dashboard_for_organizers_only(login, event, organizer, staff):
    link = f'href="/events/{event.id}/checkin/dashboard"'
    assert link in text(login(organizer).get(f"/events/{event.id}"))
    assert link not in text(login(staff).get(f"/events/{event.id}"))


def test_the_fragment_answers_304_until_a_scan_then_the_new_numbers(
    login, event, organizer, staff, main_list, tickets
):
    browser = login(organizer)
    first = browser.get(live_url(event))
    assert first.status_code == 200 and checked_in(text(first)) == 0
    etag = first.headers["ETag"]
    assert etag == browser.get(page_url(event)).headers["ETag"]  # the page starts with it

    unchanged = browser.get(live_url(event), headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.get_data() == b""
    assert unchanged.headers["ETag"] == etag

    answer = checkin.scan(staff, main_list, tickets[0].ticket_code, str(uuid.uuid4()))
    after_scan = browser.get(live_url(event), headers={"If-None-Match": etag})
    assert after_scan.status_code == 200 and checked_in(text(after_scan)) == 1
    assert after_scan.headers["ETag"] != etag
    assert browser.get(
        live_url(event), headers={"If-None-Match": after_scan.headers["ETag"]}
    ).status_code == 304

    checkin.revert(staff, answer["checkin_id"])
    after_revert = browser.get(
        live_url(event), headers={"If-None-Match": after_scan.headers["ETag"]}
    )
    assert after_revert.status_code == 200 and checked_in(text(after_revert)) == 0
    assert "已撤销" in text(after_revert)


def test_a_scan_through_the_api_changes_the_etag(api, login, event, organizer, staff, main_list,
                                                  tickets):
    browser = login(organizer)
    etag = browser.get(live_url(event)).headers["ETag"]
    response = api(staff).post(
        f"/api/v1/checkin-lists/{main_list.id}/scans",
        json={"code": tickets[1].ticket_code, "nonce": str(uuid.uuid4()), "type": "entry",
              "device": "西门"},
    )
    assert response.status_code == 200 and response.get_json()["status"] == "ok"
    news = browser.get(live_url(event), headers={"If-None-Match": etag})
    assert news.status_code == 200 and checked_in(text(news)) == 1 and "西门" in text(news)


def test_a_304_never_computes_the_dashboard(login, event, organizer, main_list, monkeypatch):
    browser = login(organizer)
    etag = browser.get(live_url(event)).headers["ETag"]

    def refuse(*args, **kwargs):
        raise AssertionError("the dashboard was computed for a 304")

    monkeypatch.setattr(board, "dashboard", refuse)
    assert browser.get(live_url(event), headers={"If-None-Match": etag}).status_code == 304


def test_each_list_has_its_own_etag_and_chart(login, event, organizer, staff, main_list, tickets):
    door = checkin.create_list(organizer, event, "西侧门")
    checkin.scan(staff, door, tickets[2].ticket_code, str(uuid.uuid4()), device="西侧-1")
    browser = login(organizer)
    main_tag = browser.get(live_url(event)).headers["ETag"]
    door_response = browser.get(live_url(event, list=door.id), headers={"If-None-Match": main_tag})
    assert door_response.status_code == 200 and door_response.headers["ETag"] != main_tag
    assert "西侧门，" in text(door_response)  # the chart's summary names the list
    page = text(browser.get(page_url(event, list=door.id)))
    assert f'data-live-url="/events/{event.id}/checkin/dashboard/live?list={door.id}"' in page
    assert f'href="/events/{event.id}/checkin/dashboard?list={door.id}" aria-current="page"' in page


def test_polling_costs_a_fixed_number_of_statements(login, event, organizer, staff, main_list,
                                                     tickets, count_statements):
    """A 304 reads the user, the event and the version; a full answer adds a fixed few, however
    many scans there are."""
    browser = login(organizer)

    def cost(headers=None):
        count_statements.clear()
        response = browser.get(live_url(event), headers=headers or {})
        return response, len(count_statements)

    first, full_empty = cost()
    not_modified, cheap = cost({"If-None-Match": first.headers["ETag"]})
    assert not_modified.status_code == 304 and cheap <= 5
    for ticket in tickets:
        checkin.scan(staff, main_list, ticket.ticket_code, str(uuid.uuid4()))
    busy, full_busy = cost()
    assert busy.status_code == 200 and checked_in(text(busy)) == 3
    assert full_busy == full_empty + 1  # the day's arrival times, read only once there are any
