"""Event series (系列化、常态化, issue 15 point 6): the API as API.md says, joining a series
through the event's PATCH, subscribing, and the one mail per subscriber per published date."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from eventhub.database import db
from eventhub.events import series as series_services
from eventhub.events import services as event_services
from eventhub.mail.models import OutboxMessage
from eventhub.models import Event, SeriesNotice, SeriesSubscription
from tests import factories
from tests.api.conftest import assert_error, schema_errors
from tests.api.test_openapi import document  # noqa: F401 (fixture)


@pytest.fixture
def salon(owner, org):
    """A series of ``org``: the monthly 创业沙龙."""
    return series_services.create_series(owner, org, "创业沙龙", "每月一期")


def draft_of(org, now, **kw):
    return factories.EventFactory(organization=org, status="draft", published_at=None,
                                  kind="salon", starts_at=now + timedelta(days=20),
                                  ends_at=now + timedelta(days=20, hours=2), **kw)


def series_mail() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.template == "series_event_published").order_by(OutboxMessage.id)))


# Creating and reading -----------------------------------------------------------------------


def test_organizers_create_a_series(api, organizer, org, document):  # noqa: F811
    response = api(organizer).post(f"/api/v1/orgs/{org.id}/series",
                                   json={"title": " 创业沙龙 ", "description": "每月一期"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["title"] == "创业沙龙"
    assert body["org_id"] == org.id
    assert body["subscribers"] == 0 and body["events"] == []
    schema = document["paths"]["/api/v1/orgs/{org_id}/series"]["post"]["responses"]["201"][
        "content"]["application/json"]["schema"]
    assert schema_errors(document, schema, body) == []


def test_staff_and_outsiders_cannot_create_a_series(api, staff, outsider_organizer, org):
    for user in (staff, outsider_organizer):
        response = api(user).post(f"/api/v1/orgs/{org.id}/series", json={"title": "沙龙"})
        assert_error(response, 403)
    assert_error(api(None).post(f"/api/v1/orgs/{org.id}/series", json={"title": "沙龙"}), 401)


def test_a_series_needs_a_title(api, owner, org):
    response = api(owner).post(f"/api/v1/orgs/{org.id}/series", json={"title": "  "})
    assert "title" in assert_error(response, 422)["fields"]


def test_the_series_lists_its_published_events_only(api, owner, org, now, salon, document):  # noqa: F811
    published = factories.EventFactory(organization=org, title="第一期", kind="salon",
                                       starts_at=now + timedelta(days=3),
                                       ends_at=now + timedelta(days=3, hours=2))
    closed = factories.EventFactory(organization=org, title="第零期", kind="salon",
                                    status="closed", starts_at=now - timedelta(days=30),
                                    ends_at=now - timedelta(days=30) + timedelta(hours=2))
    draft = draft_of(org, now, title="第二期")
    cancelled = factories.EventFactory(organization=org, title="取消", status="cancelled")
    for event in (published, closed, draft, cancelled):
        event.series_id = salon.id
    series_services.subscribe(owner, salon)

    response = api(None).get(f"/api/v1/series/{salon.id}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["subscribers"] == 1
    assert [(e["id"], e["status"]) for e in body["events"]] == [
        (closed.id, "closed"), (published.id, "published")]
    assert set(body) >= {"id", "title", "org_id", "subscribers", "events"}
    schema = document["paths"]["/api/v1/series/{series_id}"]["get"]["responses"]["200"][
        "content"]["application/json"]["schema"]
    assert schema_errors(document, schema, body) == []


def test_an_unknown_series_is_404(api, participant):
    assert_error(api(participant).get("/api/v1/series/424242"), 404)
    assert_error(api(participant).post("/api/v1/series/424242/subscription"), 404)


# Joining through the event's PATCH ----------------------------------------------------------


def test_an_event_joins_and_leaves_a_series(api, owner, event, salon):
    response = api(owner).patch(f"/api/v1/events/{event.id}", json={"series_id": salon.id})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["series_id"] == salon.id
    db.session.expire_all()
    assert db.session.get(Event, event.id).series_id == salon.id

    response = api(owner).patch(f"/api/v1/events/{event.id}", json={"title": "新标题"})
    assert response.get_json()["series_id"] == salon.id  # other fields leave it

    response = api(owner).patch(f"/api/v1/events/{event.id}", json={"series_id": None})
    assert response.status_code == 200
    assert response.get_json()["series_id"] is None


@pytest.mark.parametrize("which", ["other_org", "unknown", "negative", "huge"])
def test_a_series_of_another_organization_is_422(api, owner, other_org, event, salon, which):
    foreign = series_services.create_series(factories.UserFactory(is_admin=True), other_org,
                                            "别家沙龙")
    value = {"other_org": foreign.id, "unknown": 424242, "negative": -1, "huge": 10**30}[which]
    response = api(owner).patch(f"/api/v1/events/{event.id}",
                                json={"series_id": value, "title": "改了"})
    assert "series_id" in assert_error(response, 422)["fields"]
    db.session.expire_all()
    changed = db.session.get(Event, event.id)
    assert changed.series_id is None and changed.title == "2026 沈阳创业周"


def test_creating_an_event_takes_no_series_id(api, owner, org, salon):
    response = api(owner).post(f"/api/v1/orgs/{org.id}/events", json={
        "title": "沙龙", "kind": "salon", "starts_at": "2031-05-18T09:30:00+08:00",
        "ends_at": "2031-05-18T11:30:00+08:00", "series_id": salon.id})
    assert_error(response, 422)


# Subscribing ----------------------------------------------------------------------------------


def test_subscribe_twice_is_200_and_one_subscription(api, participant, salon):
    client = api(participant)
    first = client.post(f"/api/v1/series/{salon.id}/subscription")
    assert first.status_code == 201, first.get_json()
    assert first.get_json() == {"series_id": salon.id, "subscribed": True, "subscribers": 1}
    second = client.post(f"/api/v1/series/{salon.id}/subscription", json={})
    assert second.status_code == 200
    assert second.get_json()["subscribers"] == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SeriesSubscription)) == 1


def test_unsubscribe(api, participant, salon):
    client = api(participant)
    client.post(f"/api/v1/series/{salon.id}/subscription")
    assert client.delete(f"/api/v1/series/{salon.id}/subscription").status_code == 204
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SeriesSubscription)) == 0
    # Not subscribed (any more): still 204, nothing to undo.
    assert client.delete(f"/api/v1/series/{salon.id}/subscription").status_code == 204
    assert client.get(f"/api/v1/series/{salon.id}").get_json()["subscribers"] == 0


def test_subscribing_needs_a_sign_in(api, salon):
    assert_error(api(None).post(f"/api/v1/series/{salon.id}/subscription"), 401)
    assert_error(api(None).delete(f"/api/v1/series/{salon.id}/subscription"), 401)


# The mail when a date is published ------------------------------------------------------------


@pytest.fixture
def subscribers(salon):
    people = [factories.UserFactory(name="钱订阅", locale="zh_Hans"),
              factories.UserFactory(name="Ann Reader", locale="en")]
    for person in people:
        series_services.subscribe(person, salon)
    return people


def test_one_mail_per_subscriber_when_a_date_is_published(api, owner, org, now, salon,
                                                          subscribers):
    outsider = factories.UserFactory()  # not subscribed: no mail
    draft = draft_of(org, now, title="第三期 创业沙龙", series_id=salon.id)
    assert series_mail() == []  # a draft mails nobody
    response = api(owner).post(f"/api/v1/events/{draft.id}/publish")
    assert response.status_code == 200
    mail = series_mail()
    assert sorted(m.to_addr for m in mail) == sorted(p.email for p in subscribers)
    assert outsider.email not in {m.to_addr for m in mail}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SeriesNotice)) == 2


def test_the_mail_is_in_the_subscribers_language(api, owner, org, now, salon, subscribers):
    draft = draft_of(org, now, title="第三期", series_id=salon.id)
    api(owner).post(f"/api/v1/events/{draft.id}/publish")
    by_addr = {m.to_addr: m for m in series_mail()}
    chinese, english = (by_addr[p.email] for p in subscribers)
    assert "创业沙龙" in chinese.subject and "新一期" in chinese.subject
    assert "钱订阅" in chinese.text_body
    assert english.subject.startswith("New date in 创业沙龙")
    assert "Hello Ann Reader" in english.text_body
    assert f"/events/{draft.id}" in english.text_body
    assert f"/series/{salon.id}" in english.text_body


def test_publishing_again_mails_nobody_twice(api, owner, org, now, salon, subscribers):
    draft = draft_of(org, now, series_id=salon.id)
    client = api(owner)
    client.post(f"/api/v1/events/{draft.id}/publish")
    assert client.post(f"/api/v1/events/{draft.id}/close").status_code == 200
    assert client.post(f"/api/v1/events/{draft.id}/publish").status_code == 200
    assert len(series_mail()) == 2
    # A new subscriber since the first publication hears of it at the next one, once.
    late = factories.UserFactory()
    series_services.subscribe(late, salon)
    client.post(f"/api/v1/events/{draft.id}/close")
    client.post(f"/api/v1/events/{draft.id}/publish")
    assert [m.to_addr for m in series_mail()][2:] == [late.email]


def test_events_outside_a_series_mail_no_subscriber(api, owner, org, now, salon, subscribers):
    draft = draft_of(org, now)
    api(owner).post(f"/api/v1/events/{draft.id}/publish")
    assert series_mail() == []


def test_an_unsubscribed_person_gets_no_mail(api, owner, org, now, salon, subscribers):
    series_services.unsubscribe(subscribers[0], salon)
    draft = draft_of(org, now, series_id=salon.id)
    db.session.expire(draft)  # the factory's status is a plain string until loaded
    event_services.change_status(owner, draft, "publish")
    assert [m.to_addr for m in series_mail()] == [subscribers[1].email]
