"""The event's 负责人 (lead_name) the reports name: set on the event form and through the API,
checked like every text field, shown to the event's organizers only."""

from __future__ import annotations

import re

import pytest

from eventhub.database import db
from eventhub.models import Event
from tests import factories
from tests.api.conftest import assert_error, row_snapshot
from tests.views.conftest import make_client

NEW_EVENT = {
    "title": "2026 沈阳创新创业大赛（负责人）",
    "kind": "contest",
    "starts_at": "2026-05-18T09:30:00+08:00",
    "ends_at": "2026-05-19T17:00:00+08:00",
}


def test_the_api_creates_and_patches_the_lead(api, organizer, org):
    body = api(organizer).post(f"/api/v1/orgs/{org.id}/events",
                               json={**NEW_EVENT, "lead_name": "孙负责"}).get_json()
    assert body["lead_name"] == "孙负责"
    assert db.session.get(Event, body["id"]).lead_name == "孙负责"
    patched = api(organizer).patch(f"/api/v1/events/{body['id']}", json={"lead_name": "周负责"})
    assert patched.status_code == 200 and patched.get_json()["lead_name"] == "周负责"
    assert api(organizer).post(f"/api/v1/orgs/{org.id}/events",
                               json=NEW_EVENT).get_json()["lead_name"] == ""


@pytest.mark.parametrize(("value", "status"), [("王" * 201, 422), ("负责\u0000人", 422),
                                               (42, 400)])
def test_a_bad_lead_is_refused_and_changes_nothing(api, organizer, org, value, status):
    event = factories.EventFactory(organization=org, lead_name="孙负责")
    before = row_snapshot(event)
    error = assert_error(api(organizer).patch(f"/api/v1/events/{event.id}",
                                              json={"lead_name": value}), status)
    assert "lead_name" in error["fields"]
    assert row_snapshot(event) == before


def test_the_lead_is_for_the_organizers_only(api, organizer, participant, org):
    event = factories.EventFactory(organization=org, lead_name="孙负责")
    assert api(organizer).get(f"/api/v1/events/{event.id}").get_json()["lead_name"] == "孙负责"
    for client in (api(participant), api()):
        body = client.get(f"/api/v1/events/{event.id}").get_json()
        assert "lead_name" not in body
        listed = client.get(f"/api/v1/events?org={org.id}&upcoming=false").get_json()
        assert listed["items"] and all("lead_name" not in item for item in listed["items"])


def test_the_event_form_sets_the_lead(app, organizer, org):
    event = factories.EventFactory(organization=org, lead_name="孙负责")
    c = make_client(app)
    with c.session_transaction() as s:
        s["_user_id"] = factories.session_key(organizer)
        s["_fresh"] = True
    page = c.get(f"/events/{event.id}/edit").get_data(as_text=True)
    assert "负责人" in page and 'value="孙负责"' in page
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = {"csrf_token": token, "title": event.title, "kind": "salon",
            "starts_at": "2030-05-18T09:30", "ends_at": "2030-05-18T17:00",
            "timezone": "Asia/Shanghai", "lead_name": "  周负责  "}
    response = c.post(f"/events/{event.id}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert db.session.get(Event, event.id).lead_name == "周负责"
    response = c.post(f"/events/{event.id}/edit", data={**data, "lead_name": "王" * 201})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Event, event.id).lead_name == "周负责"
