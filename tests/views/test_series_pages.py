"""A series' page (issue 15 point 6): its dates past and upcoming, the subscribe and
unsubscribe buttons, the link from the event page, attendance from the reporting layer's
global when it is there, in Chinese and in English."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eventhub.database import db
from eventhub.events import series as series_services
from eventhub.models import SeriesSubscription
from tests import factories
from tests.views.conftest import count, text

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en"}


@pytest.fixture
def salon(owner, org, now):
    """A series with a past date, an upcoming one and a draft."""
    series = series_services.create_series(owner, org, "创业沙龙", "每月一期，**欢迎**参加")
    past = factories.EventFactory(organization=org, title="第一期 融资", kind="salon",
                                  status="closed", starts_at=now - timedelta(days=30),
                                  ends_at=now - timedelta(days=30) + timedelta(hours=2))
    upcoming = factories.EventFactory(organization=org, title="第二期 路演", kind="salon",
                                      starts_at=now + timedelta(days=5),
                                      ends_at=now + timedelta(days=5, hours=2))
    draft = factories.EventFactory(organization=org, title="第三期 草稿", status="draft",
                                   published_at=None)
    for event in (past, upcoming, draft):
        event.series_id = series.id
    db.session.commit()
    series.dates = {"past": past, "upcoming": upcoming, "draft": draft}
    return series


def test_the_page_shows_past_and_upcoming_dates(client, salon):
    page = client.get(f"/series/{salon.id}", headers=ZH)
    assert page.status_code == 200
    body = text(page)
    assert "创业沙龙" in body and "系列活动" in body and "<strong>欢迎</strong>" in body
    assert "即将举办" in body and "往期回顾" in body
    upcoming, past = body.index("第二期 路演"), body.index("第一期 融资")
    assert body.index("即将举办") < upcoming < body.index("往期回顾") < past
    assert "第三期 草稿" not in body  # drafts are nobody's business
    assert "登录后订阅" in body


def test_the_page_in_english(client, salon):
    body = text(client.get(f"/series/{salon.id}", headers=EN))
    assert "Upcoming dates" in body and "Past dates" in body and "Sign in to subscribe" in body


def test_an_unknown_series_is_404(client):
    assert client.get("/series/424242").status_code == 404


def test_subscribe_and_unsubscribe_with_the_button(login, participant, salon):
    client = login(participant)
    url = f"/series/{salon.id}"
    response = client.submit(f"{url}/subscribe", form_url=url)
    assert response.status_code == 302
    assert count(SeriesSubscription) == 1
    body = text(client.get(url, headers=ZH))
    assert "你已订阅" in body and "取消订阅" in body and "1 人订阅" in body
    client.submit(f"{url}/subscribe", form_url=url)  # a double submit keeps one
    assert count(SeriesSubscription) == 1
    response = client.submit(f"{url}/unsubscribe", form_url=url)
    assert response.status_code == 302
    assert count(SeriesSubscription) == 0


def test_a_post_without_its_csrf_token_changes_nothing(login, participant, salon):
    client = login(participant)
    client.post(f"/series/{salon.id}/subscribe")
    assert count(SeriesSubscription) == 0


def test_subscribing_needs_a_sign_in(client, salon):
    response = client.post(f"/series/{salon.id}/subscribe")
    assert response.status_code in (302, 400, 401)
    assert count(SeriesSubscription) == 0


def test_the_event_page_links_its_series(client, salon, event):
    upcoming = salon.dates["upcoming"]
    body = text(client.get(f"/events/{upcoming.id}", headers=ZH))
    assert f'href="/series/{salon.id}"' in body and "查看本系列全部场次并订阅" in body
    assert f"/series/{salon.id}" not in text(client.get(f"/events/{event.id}"))


def test_attendance_comes_from_the_reporting_layers_global(app, client, salon):
    past = salon.dates["past"]
    registered = {name: app.jinja_env.globals.pop(name)
                  for name in ("series_attendance", "series_figures")}
    try:  # without the reporting layer's globals, the page shows dates alone
        assert "data-attendance" not in text(client.get(f"/series/{salon.id}"))
        app.jinja_env.globals["series_attendance"] = lambda series: {past.id: 17}  # alone
        body = text(client.get(f"/series/{salon.id}", headers=ZH))
    finally:
        app.jinja_env.globals.update(registered)
    assert "签到 17 人" in body and "累计签到：17 人次" in body
