"""The hot paths stay lean: a registration and a door scan take a fixed number of SQL
statements, whatever the size of the event (counted, not timed)."""

import uuid

from eventhub.database import db
from eventhub.registrations import services as reg
from eventhub.registrations.services import RegistrationInfo
from tests import factories


def _warm(api, event, n):
    """Some earlier registrations and a used token, so nothing is a first time."""
    for i in range(n):
        reg.register(
            factories.UserFactory(phone=f"1390000{i:04d}"), event, RegistrationInfo(consent=True)
        )


def test_a_registration_takes_a_fixed_number_of_statements(
    api, event, participant, count_statements
):
    event.capacity = 3
    db.session.commit()
    _warm(api, event, 5)
    client = api(participant)
    client.get("/api/v1/me")  # the token's first use writes its last-used time
    count_statements.clear()
    response = client.post(f"/api/v1/events/{event.id}/registrations", json={"consent": True})
    assert response.status_code == 201 and response.get_json()["status"] == "waitlisted"
    # token, event, categories, questions, lock, existing, counts, insert, outbox, commit
    # (BEGIN on SQLite): no more than these, however many registered before.
    assert len(count_statements) <= 11, count_statements


def test_a_door_scan_takes_a_fixed_number_of_statements(
    api, staff, event, participant, count_statements
):
    door = factories.main_list_of(event)
    ticket = reg.register(participant, event, RegistrationInfo(consent=True)).ticket_code
    client = api(staff)
    client.get("/api/v1/me")
    for expected in ("ok", "already_checked_in"):
        count_statements.clear()
        response = client.post(
            f"/api/v1/checkin-lists/{door.id}/scans",
            json={"code": ticket, "nonce": str(uuid.uuid4())},
        )
        assert response.get_json()["status"] == expected
        # token with the user's memberships, list with its event, locked registration, the
        # person's scans at the list, insert, commit (BEGIN on SQLite): no more than these,
        # however many scans came before. (pretix takes 25.)
        assert len(count_statements) <= 6, count_statements
