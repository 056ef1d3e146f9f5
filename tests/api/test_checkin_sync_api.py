"""GET /api/v1/checkin-lists/{id}/tickets: the offline list of a door, full and as a delta;
the door's search (masked phones) from a browser session, as the scanner page calls it."""

import uuid

from eventhub.checkin import sync
from eventhub.registrations import services as reg
from eventhub.registrations.services import RegistrationInfo
from tests import factories
from tests.api.conftest import assert_error


def test_door_staff_download_the_hashes_then_a_delta(api, staff, main_list, ticket):
    client = api(staff)
    response = client.get(f"/api/v1/checkin-lists/{main_list.id}/tickets")
    assert response.status_code == 200
    body = response.get_json()
    assert body["full"] is True
    [row] = body["items"]
    assert row["h"] == sync.ticket_hash(ticket.ticket_code) and row["name"] == ticket.name
    assert ticket.ticket_code not in response.get_data(as_text=True)

    scanned = client.post(
        f"/api/v1/checkin-lists/{main_list.id}/scans",
        json={"code": ticket.ticket_code, "nonce": str(uuid.uuid4()), "device": "东门"},
    )
    assert scanned.get_json()["status"] == "ok"
    delta = client.get(
        f"/api/v1/checkin-lists/{main_list.id}/tickets?since={body['version']}"
    ).get_json()
    assert delta["full"] is False
    assert [(r["id"], r["inside"]) for r in delta["items"]] == [(ticket.id, True)]


def test_a_version_that_is_no_version_is_422(api, staff, main_list):
    response = api(staff).get(f"/api/v1/checkin-lists/{main_list.id}/tickets?since=yesterday")
    assert "since" in assert_error(response, 422, "validation_failed")["fields"]


def test_others_get_no_list(api, outsider_organizer, participant, main_list, ticket):
    assert_error(api().get(f"/api/v1/checkin-lists/{main_list.id}/tickets"), 401)
    for user in (outsider_organizer, participant):
        response = api(user).get(f"/api/v1/checkin-lists/{main_list.id}/tickets")
        assert response.status_code in (403, 404)
        assert "items" not in response.get_json()
    assert_error(api(participant).get("/api/v1/checkin-lists/424242/tickets"), 404)


def test_the_scanner_page_session_searches_with_masked_phones(login, staff, main_list, ticket):
    client = login(staff)
    response = client.get(f"/api/v1/checkin-lists/{main_list.id}/search?q=5678")
    [found] = response.get_json()["items"]
    assert found["phone"] == "138****5678" and found["email"] == ""
    scanned = client.post(
        f"/api/v1/checkin-lists/{main_list.id}/scans",
        json={"code": ticket.ticket_code, "nonce": str(uuid.uuid4())},
        headers={"X-CSRFToken": client.csrf},
    )
    assert scanned.get_json()["status"] == "ok"
    refused = client.post(
        f"/api/v1/checkin-lists/{main_list.id}/scans",
        json={"code": ticket.ticket_code, "nonce": str(uuid.uuid4())},
    )
    assert refused.status_code == 400


def test_search_finds_pinyin_initials(api, staff, event, main_list):
    reg.register(factories.UserFactory(name="王涛", phone="13900000021"), event,
                 RegistrationInfo(consent=True))
    items = api(staff).get(f"/api/v1/checkin-lists/{main_list.id}/search?q=wt").get_json()
    assert [(i["name"], i["phone"]) for i in items["items"]] == [("王涛", "139****0021")]
