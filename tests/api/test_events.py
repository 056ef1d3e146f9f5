"""Events and sessions: create, edit, publish/close/cancel, visibility, listing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from eventhub.database import db
from eventhub.models import Event, EventSession
from tests import factories
from tests.api.conftest import assert_error, row_snapshot

NEW_EVENT = {
    "title": "2026 沈阳创新创业大赛",
    "kind": "contest",
    "starts_at": "2026-05-18T09:30:00+08:00",
    "ends_at": "2026-05-19T17:00:00+08:00",
}


@pytest.fixture
def draft(org):
    return factories.EventFactory(organization=org, status="draft", published_at=None)


def test_organizer_creates_a_draft(api, organizer, org):
    response = api(organizer).post(
        f"/api/v1/orgs/{org.id}/events",
        json={**NEW_EVENT, "venue": "浑南创新大厦", "capacity": 300, "requires_approval": True,
              "registration_closes_at": "2026-05-17T18:00:00+08:00"},
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "draft"
    assert body["org_id"] == org.id
    assert body["organization"]["name"] == org.name
    assert body["timezone"] == "Asia/Shanghai"
    assert body["starts_at"] == "2026-05-18T09:30:00+08:00"
    assert body["registration_closes_at"] == "2026-05-17T18:00:00+08:00"
    assert body["capacity"] == 300 and body["requires_approval"] is True
    assert body["page_url"] == f"/events/{body['id']}"
    event = db.session.get(Event, body["id"])
    assert event.starts_at == datetime(2026, 5, 18, 1, 30, tzinfo=UTC)


def test_times_come_back_in_the_events_time_zone(api, organizer, org):
    body = api(organizer).post(
        f"/api/v1/orgs/{org.id}/events",
        json={**NEW_EVENT, "timezone": "Asia/Urumqi", "starts_at": "2026-05-18T01:30:00Z"},
    ).get_json()
    assert body["starts_at"] == "2026-05-18T07:30:00+06:00"


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_owners_and_admins_create_events(api, request, org, who):
    response = api(request.getfixturevalue(who)).post(
        f"/api/v1/orgs/{org.id}/events", json=NEW_EVENT
    )
    assert response.status_code == 201


@pytest.mark.parametrize("who", ["staff", "participant", "outsider_organizer"])
def test_others_cannot_create_events(api, request, org, owner, who):
    response = api(request.getfixturevalue(who)).post(
        f"/api/v1/orgs/{org.id}/events", json=NEW_EVENT
    )
    assert_error(response, 403, "forbidden")
    assert db.session.query(Event).count() == 0


def test_creating_needs_authentication(api, org):
    assert_error(api().post(f"/api/v1/orgs/{org.id}/events", json=NEW_EVENT), 401)


def test_creating_in_an_unknown_org_is_404(api, admin):
    assert_error(api(admin).post("/api/v1/orgs/424242/events", json=NEW_EVENT), 404)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_at": "2026-05-17T09:30:00+08:00"}, "ends_at"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"starts_at": "2026-05-18T09:30:00"}, "starts_at"),
        ({"starts_at": "next tuesday"}, "starts_at"),
        ({"starts_at": "0001-01-01T00:00:00+08:00"}, "starts_at"),
        ({"ends_at": "9999-12-31T23:59:59-08:00"}, "ends_at"),
        ({"kind": "party"}, "kind"),
        ({"title": "  "}, "title"),
        ({"title": "题" * 201}, "title"),
        ({"description": "x" * 10_001}, "description"),
        ({"capacity": -1}, "capacity"),
        ({"capacity": 10**12}, "capacity"),
        ({"registration_opens_at": "2026-05-10T00:00:00+08:00",
          "registration_closes_at": "2026-05-09T00:00:00+08:00"}, "registration_closes_at"),
        ({"status": "published"}, "status"),
        ({"title": "a\x00b"}, "title"),
        ({"venue": "\ud800"}, "venue"),
    ],
)
def test_event_field_errors(api, organizer, org, changes, field):
    response = api(organizer).post(f"/api/v1/orgs/{org.id}/events", json={**NEW_EVENT, **changes})
    error = assert_error(response, 422, "validation_failed")
    assert field in error["fields"]
    assert db.session.query(Event).count() == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"capacity": "300"}, "capacity"),
        ({"capacity": True}, "capacity"),
        ({"capacity": 1.5}, "capacity"),
        ({"requires_approval": "yes"}, "requires_approval"),
        ({"requires_approval": 1}, "requires_approval"),
        ({"title": ["a"]}, "title"),
    ],
)
def test_event_wrong_types_are_400(api, organizer, org, changes, field):
    response = api(organizer).post(f"/api/v1/orgs/{org.id}/events", json={**NEW_EVENT, **changes})
    error = assert_error(response, 400, "bad_request")
    assert field in error["fields"]


def test_description_of_10000_characters_is_fine(api, organizer, org):
    response = api(organizer).post(
        f"/api/v1/orgs/{org.id}/events", json={**NEW_EVENT, "description": "创" * 10_000}
    )
    assert response.status_code == 201


# Editing ----------------------------------------------------------------------------------


def test_patch_changes_only_what_is_given(api, organizer, event):
    before = row_snapshot(event)
    response = api(organizer).patch(
        f"/api/v1/events/{event.id}", json={"venue": "大连理工大学", "capacity": None}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["venue"] == "大连理工大学"
    assert body["capacity"] is None
    after = row_snapshot(event)
    assert after["title"] == before["title"]
    assert after["starts_at"] == before["starts_at"]


def test_patch_checks_fields_together(api, organizer, event):
    response = api(organizer).patch(
        f"/api/v1/events/{event.id}",
        json={"starts_at": (event.ends_at + timedelta(days=1)).isoformat()},
    )
    error = assert_error(response, 422, "validation_failed")
    assert "ends_at" in error["fields"]


@pytest.mark.parametrize("who", ["staff", "participant", "outsider_organizer"])
def test_others_cannot_edit_a_published_event(api, request, event, who):
    before = row_snapshot(event)
    response = api(request.getfixturevalue(who)).patch(
        f"/api/v1/events/{event.id}", json={"title": "改名"}
    )
    assert_error(response, 403, "forbidden")
    assert row_snapshot(event) == before


@pytest.mark.parametrize("who", ["participant", "outsider_organizer"])
def test_drafts_are_404_to_outsiders(api, request, draft, who):
    client = api(request.getfixturevalue(who))
    assert_error(client.get(f"/api/v1/events/{draft.id}"), 404, "not_found")
    assert_error(client.patch(f"/api/v1/events/{draft.id}", json={"title": "x"}), 404)
    assert_error(client.post(f"/api/v1/events/{draft.id}/publish"), 404)
    assert_error(client.get(f"/api/v1/events/{draft.id}/sessions"), 404)


def test_drafts_are_404_to_anonymous(api, draft):
    assert_error(api().get(f"/api/v1/events/{draft.id}"), 404, "not_found")


@pytest.mark.parametrize("who", ["staff", "organizer", "admin"])
def test_drafts_are_visible_to_their_org(api, request, draft, who):
    body = api(request.getfixturevalue(who)).get(f"/api/v1/events/{draft.id}").get_json()
    assert body["status"] == "draft"


def test_published_event_is_public(api, event):
    body = api().get(f"/api/v1/events/{event.id}").get_json()
    assert body["title"] == event.title
    assert body["status"] == "published"


@pytest.mark.parametrize("event_id", ["424242", "99999999999999999999", "0"])
def test_unknown_events_are_404(api, admin, event_id):
    assert_error(api(admin).get(f"/api/v1/events/{event_id}"), 404, "not_found")
    assert_error(api(admin).patch(f"/api/v1/events/{event_id}", json={"title": "x"}), 404)


# Status -----------------------------------------------------------------------------------


def test_publish_close_publish_cancel(api, organizer, draft):
    client = api(organizer)
    published = client.post(f"/api/v1/events/{draft.id}/publish").get_json()
    assert published["status"] == "published"
    assert published["published_at"] is not None
    assert client.post(f"/api/v1/events/{draft.id}/close").get_json()["status"] == "closed"
    assert client.post(f"/api/v1/events/{draft.id}/publish").get_json()["status"] == "published"
    assert client.post(f"/api/v1/events/{draft.id}/cancel").get_json()["status"] == "cancelled"
    error = assert_error(client.post(f"/api/v1/events/{draft.id}/publish"), 409, "invalid_status")
    assert error["message"]
    assert_error(client.patch(f"/api/v1/events/{draft.id}", json={"title": "x"}), 409,
                 "event_finished")


def test_closing_a_draft_is_409(api, organizer, draft):
    assert_error(api(organizer).post(f"/api/v1/events/{draft.id}/close"), 409, "invalid_status")


@pytest.mark.parametrize("action", ["publish", "close", "cancel"])
def test_staff_cannot_change_status(api, staff, event, action):
    assert_error(api(staff).post(f"/api/v1/events/{event.id}/{action}"), 403, "forbidden")
    assert row_snapshot(event)["status"] == "published"


def test_status_change_needs_authentication(api, event):
    assert_error(api().post(f"/api/v1/events/{event.id}/close"), 401, "not_authenticated")


# Listing ----------------------------------------------------------------------------------


def test_listing_shows_published_listed_upcoming_events(api, org, other_org, event, draft):
    factories.EventFactory(organization=org, is_listed=False)
    past = datetime.now(UTC) - timedelta(days=30)
    old = factories.EventFactory(
        organization=org, starts_at=past, ends_at=past + timedelta(hours=2)
    )
    factories.EventFactory(organization=org, status="cancelled")
    other = factories.EventFactory(organization=other_org, kind="roadshow")
    body = api().get("/api/v1/events").get_json()
    assert {e["id"] for e in body["items"]} == {event.id, other.id}
    assert body["total"] == 2
    assert {e["id"] for e in api().get("/api/v1/events?upcoming=false").get_json()["items"]} == {
        event.id, other.id, old.id,
    }
    by_org = api().get(f"/api/v1/events?org={other_org.id}").get_json()
    assert [e["id"] for e in by_org["items"]] == [other.id]
    by_kind = api().get("/api/v1/events?kind=week").get_json()
    assert [e["id"] for e in by_kind["items"]] == [event.id]


def test_listing_with_drafts_for_org_members(api, staff, org, event, draft):
    body = api(staff).get(f"/api/v1/events?org={org.id}&include_drafts=true").get_json()
    assert {e["id"] for e in body["items"]} == {event.id, draft.id}
    kinds = api(staff).get(f"/api/v1/events?org={org.id}&include_drafts=true&kind=salon")
    assert [e["id"] for e in kinds.get_json()["items"]] == [draft.id]


def test_listing_drafts_of_another_org_is_403(api, outsider_organizer, org, draft):
    response = api(outsider_organizer).get(f"/api/v1/events?org={org.id}&include_drafts=true")
    assert_error(response, 403, "forbidden")


def test_listing_drafts_needs_an_org(api, organizer):
    error = assert_error(api(organizer).get("/api/v1/events?include_drafts=true"), 422)
    assert "org" in error["fields"]


def test_listing_drafts_anonymously_is_401(api, org):
    assert_error(api().get(f"/api/v1/events?org={org.id}&include_drafts=true"), 401)


def test_listing_is_paginated(api, org):
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    ids = [
        factories.EventFactory(organization=org, starts_at=start + timedelta(days=n),
                               ends_at=start + timedelta(days=n, hours=2)).id
        for n in range(7)
    ]
    pages = [
        api().get(f"/api/v1/events?per_page=3&page={page}").get_json() for page in (1, 2, 3, 4)
    ]
    assert [len(p["items"]) for p in pages] == [3, 3, 1, 0]
    assert all(p["total"] == 7 and p["per_page"] == 3 for p in pages)
    assert [e["id"] for p in pages for e in p["items"]] == ids


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("page=0", 422),
        ("per_page=201", 422),
        ("page=abc", 400),
        ("kind=party", 422),
        ("org=99999999999999999999", 422),
        ("org=abc", 400),
        ("include_drafts=maybe", 400),
    ],
)
def test_listing_bad_query(api, query, status):
    assert_error(api().get(f"/api/v1/events?{query}"), status)


# Sessions ---------------------------------------------------------------------------------

NEW_SESSION = {
    "title": "创业投资分论坛",
    "starts_at": "2026-05-18T14:00:00+08:00",
    "ends_at": "2026-05-18T16:00:00+08:00",
}


def test_organizer_adds_a_session(api, organizer, event):
    response = api(organizer).post(
        f"/api/v1/events/{event.id}/sessions", json={**NEW_SESSION, "room": "A101", "capacity": 80}
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["event_id"] == event.id
    assert body["starts_at"] == "2026-05-18T14:00:00+08:00"
    assert body["room"] == "A101" and body["capacity"] == 80


@pytest.mark.parametrize("who", ["staff", "participant", "outsider_organizer"])
def test_others_cannot_add_sessions(api, request, event, who):
    response = api(request.getfixturevalue(who)).post(
        f"/api/v1/events/{event.id}/sessions", json=NEW_SESSION
    )
    assert_error(response, 403, "forbidden")
    assert db.session.query(EventSession).count() == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_at": "2026-05-18T13:00:00+08:00"}, "ends_at"),
        ({"title": ""}, "title"),
        ({"room": "r" * 201}, "room"),
        ({"capacity": -5}, "capacity"),
        ({"starts_at": "2026-05-18T14:00:00"}, "starts_at"),
    ],
)
def test_session_field_errors(api, organizer, event, changes, field):
    response = api(organizer).post(
        f"/api/v1/events/{event.id}/sessions", json={**NEW_SESSION, **changes}
    )
    error = assert_error(response, 422, "validation_failed")
    assert field in error["fields"]


def test_sessions_list_get_patch_delete(api, organizer, event):
    first = factories.SessionFactory(event=event, title="开幕式")
    second = factories.SessionFactory(
        event=event, title="路演", starts_at=event.starts_at + timedelta(hours=3),
        ends_at=event.starts_at + timedelta(hours=5),
    )
    listing = api().get(f"/api/v1/events/{event.id}/sessions").get_json()
    assert [s["id"] for s in listing["items"]] == [first.id, second.id]
    assert listing["total"] == 2
    assert api().get(f"/api/v1/sessions/{first.id}").get_json()["title"] == "开幕式"

    client = api(organizer)
    patched = client.patch(f"/api/v1/sessions/{first.id}", json={"room": "B201"}).get_json()
    assert patched["room"] == "B201" and patched["title"] == "开幕式"
    assert client.delete(f"/api/v1/sessions/{second.id}").status_code == 204
    assert api().get(f"/api/v1/events/{event.id}/sessions").get_json()["total"] == 1


def test_session_patch_checks_times_together(api, organizer, event):
    session = factories.SessionFactory(event=event)
    response = api(organizer).patch(
        f"/api/v1/sessions/{session.id}",
        json={"starts_at": (session.ends_at + timedelta(hours=1)).isoformat()},
    )
    assert_error(response, 422, "validation_failed")


def test_staff_cannot_edit_or_delete_sessions(api, staff, event):
    session = factories.SessionFactory(event=event)
    client = api(staff)
    assert_error(client.patch(f"/api/v1/sessions/{session.id}", json={"room": "x"}), 403)
    assert_error(client.delete(f"/api/v1/sessions/{session.id}"), 403)


def test_sessions_of_drafts_are_404_to_outsiders(api, participant, draft):
    session = factories.SessionFactory(event=draft)
    client = api(participant)
    assert_error(client.get(f"/api/v1/sessions/{session.id}"), 404)
    assert_error(client.patch(f"/api/v1/sessions/{session.id}", json={"room": "x"}), 404)
    assert_error(client.delete(f"/api/v1/sessions/{session.id}"), 404)


@pytest.mark.parametrize("session_id", ["424242", "99999999999999999999"])
def test_unknown_sessions_are_404(api, admin, session_id):
    assert_error(api(admin).delete(f"/api/v1/sessions/{session_id}"), 404, "not_found")
