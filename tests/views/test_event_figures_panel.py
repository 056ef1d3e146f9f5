"""The event page's figures panel (issue 15 point 3): the event's organizers see its figures
(the stats the API serves) in Chinese and English; nobody else sees the panel."""

from __future__ import annotations

import re

from eventhub.database import db
from tests import factories
from tests.api.test_event_stats import ended  # noqa: F401 (fixture)


def stat(html: str, name: str) -> str:
    found = re.search(rf'data-stat="{name}">([^<]*)<', html)
    assert found, name
    return found.group(1)


def test_organizers_see_the_figures_panel(login, organizer, ended):  # noqa: F811
    html = login(organizer).get(f"/events/{ended.id}").get_data(as_text=True)
    assert "数据统计" in html and "签到率" in html
    assert (stat(html, "confirmed"), stat(html, "checked_in")) == ("3", "2")
    assert stat(html, "checkin_rate") == "66.7%"
    assert stat(html, "no_shows") == "1"
    assert stat(html, "survey") == "4.33"
    assert stat(html, "entries") == "2"
    assert "已签到 1 / 2 人" in html
    organizer.locale = "en"
    db.session.commit()
    english = login(organizer).get(f"/events/{ended.id}").get_data(as_text=True)
    assert "Check-in rate" in english and "1 of 2 checked in" in english


def test_before_the_end_the_panel_shows_the_waitlist(login, organizer, event):
    html = login(organizer).get(f"/events/{event.id}").get_data(as_text=True)
    assert "data-figures" in html
    assert stat(html, "waitlisted") == "0"
    assert 'data-stat="no_shows"' not in html


def test_the_hosts_viewer_sees_the_figures_panel(login, org, ended):  # noqa: F811
    viewer = factories.UserFactory()
    factories.MembershipFactory(organization=org, user=viewer, role="viewer")
    html = login(viewer).get(f"/events/{ended.id}").get_data(as_text=True)
    assert stat(html, "checked_in") == "2"


def test_others_see_no_figures(login, client, staff, participant, ended):  # noqa: F811
    for browser in (client, login(staff), login(participant)):
        html = browser.get(f"/events/{ended.id}").get_data(as_text=True)
        assert "data-figures" not in html
