"""The check-in dashboard page (door staff and organizers) and the fragment it polls: who may
see it, ETags and 304s, news after a scan and after a revert, and times with their date."""

import re
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from eventhub.checkin import dashboard as board
from eventhub.checkin import services as checkin
from eventhub.formatting import format_moment
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


def test_door_staff_see_the_dashboard_but_not_the_organizers_pages(
    login, event, staff, main_list, tickets
):
    checkin.scan(staff, main_list, tickets[0].ticket_code, "n-1", device="东门-1")
    door = login(staff)
    page = door.get(page_url(event))
    assert page.status_code == 200 and checked_in(text(page)) == 1
    assert door.get(live_url(event)).status_code == 200
    for manage in (f"/events/{event.id}/edit", f"/events/{event.id}/registrations",
                   f"/events/{event.id}/sessions"):
        assert door.get(manage).status_code == 403, manage


def test_participants_and_other_organizers_get_403(
    login, event, participant, outsider_organizer, main_list
):
    for user in (participant, outsider_organizer):
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


def test_the_event_page_links_the_dashboard_for_door_staff_and_organizers(
    login, event, organizer, staff, participant
):
    link = f'href="/events/{event.id}/checkin/dashboard"'
    assert link in text(login(organizer).get(f"/events/{event.id}"))
    assert link in text(login(staff).get(f"/events/{event.id}"))
    assert link not in text(login(participant).get(f"/events/{event.id}"))


def test_scan_times_of_another_day_show_their_date(login, event, organizer, staff, main_list,
                                                   tickets, now):
    """Over a week-long event "09:05" alone is ambiguous: a time not of today (in the event's
    zone) has its date; today's has its time alone."""
    earlier = now - timedelta(days=2)
    checkin.scan(staff, main_list, tickets[0].ticket_code, "n-1", device="东门-1", now=earlier)
    checkin.scan(staff, main_list, tickets[1].ticket_code, "n-2", device="东门-2", now=now)
    html = text(login(organizer).get(page_url(event)))
    times = {name: shown for shown, name in re.findall(
        r'<time class="scans__time"[^>]*>([^<]+)</time>\s*<span class="scans__name">([^<]+)<',
        html)}
    local = earlier.astimezone(ZoneInfo("Asia/Shanghai"))
    assert times[tickets[0].name] == local.strftime(f"{local.month}月{local.day}日 %H:%M:%S")
    assert re.fullmatch(r"\d\d:\d\d:\d\d", times[tickets[1].name])
    devices = dict(re.findall(r'<th scope="row">([^<]+)</th><td class="num">\d+</td>'
                              r'<td class="num">([^<]+)</td>', html))
    assert devices["东门-1"] == local.strftime(f"{local.month}月{local.day}日 %H:%M")
    assert re.fullmatch(r"\d\d:\d\d", devices["东门-2"])


@pytest.mark.parametrize(("locale", "other_day", "other_year"), [
    ("zh_Hans", "5月16日 09:05", "2025年12月31日 09:05"),
    ("en", "May 16, 09:05", "Dec 31, 2025, 09:05"),
])
def test_a_door_time_has_its_date_unless_it_is_today(app, locale, other_day, other_year):
    from flask_babel import force_locale

    now = datetime(2026, 5, 18, 2, tzinfo=UTC)  # 10:00 in Shanghai
    with app.test_request_context(), force_locale(locale):
        assert format_moment(datetime(2026, 5, 18, 1, 5, tzinfo=UTC), now=now) == "09:05"
        # 23:30 UTC on the 17th is already the 18th in Shanghai: today there.
        assert format_moment(datetime(2026, 5, 17, 23, 30, 7, tzinfo=UTC), now=now,
                             seconds=True) == "07:30:07"
        assert format_moment(datetime(2026, 5, 16, 1, 5, tzinfo=UTC), now=now) == other_day
        assert format_moment(datetime(2025, 12, 31, 1, 5, tzinfo=UTC), now=now) == other_year
        # "Today" is the event zone's: 05:00 UTC on the 17th is today in New York (its now is
        # 22:00 on the 17th), yesterday in Shanghai.
        yesterday_there = datetime(2026, 5, 17, 5, tzinfo=UTC)
        assert format_moment(yesterday_there, "America/New_York", now=now) == "01:00"
        shanghai = format_moment(yesterday_there, now=now)
        assert shanghai.endswith("13:00") and shanghai != "13:00"
        assert format_moment(None) == ""


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
