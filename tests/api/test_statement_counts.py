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
    # token, event, the mail's unrendered outbox row, lock, the insert that counts and
    # decides (one statement); then, committed and out of the lock, the rendered mail (the
    # registration it shows is the object that decided: no statement reads it again): no
    # more than these, however many registered before. The form (categories, questions) is
    # cached per form version.
    assert len(count_statements) <= 6, count_statements
    writes = [s.split("(")[0].split(" SET")[0].strip() for s in count_statements
              if s.startswith(("INSERT", "UPDATE"))]
    assert writes == [
        "INSERT INTO mail_outbox", "INSERT INTO registrations", "UPDATE mail_outbox"
    ], count_statements
    assert not [s for s in count_statements if "FROM categories" in s or "FROM questions" in s]
    assert not [s for s in count_statements if s.startswith("SELECT registrations.")]


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
        # the token's user with their role, the list and its event (on PostgreSQL with the
        # locked registration and the person's scans at the list; elsewhere they are a
        # statement of their own); the insert. No more than these, however many scans came
        # before (the commit is no statement here; pretix takes 25).
        postgresql = db.engine.dialect.name == "postgresql"
        assert len(count_statements) <= (2 if postgresql else 3), count_statements


def judging_setup(organizer, event):
    """An open round (3 criteria) of a contest with one judge assigned to two entries, and
    earlier scorecards of others, so nothing is a first time."""
    from eventhub.judging.assignments import assign
    from eventhub.judging.entries import EntryInfo, create_entry, create_track
    from eventhub.judging.scorecards import save_scorecard

    event.kind = "contest"
    db.session.commit()
    track = create_track(organizer, event, "医疗健康")
    entries = [
        create_entry(organizer, event, EntryInfo(
            title=f"项目{i}", track_id=track.id, institution=f"大学{i}"))
        for i in range(3)
    ]
    judges = [factories.judge(event, institution=f"机构{i}") for i in range(2)]
    round_ = factories.rubric_round(organizer, event)
    for judge in judges:
        for entry in entries:
            assign(organizer, round_, judge.id, entry.id)
    keys = [str(c.id) for c in round_.criteria]
    save_scorecard(judges[1].user, round_, entries[0], {keys[0]: 5}, submit=False)
    return round_, entries, judges[0].user, keys


def test_a_scorecard_save_takes_a_fixed_number_of_statements(
    api, organizer, event, count_statements
):
    round_, entries, user, keys = judging_setup(organizer, event)
    client = api(user)
    client.get("/api/v1/me")
    url = f"/api/v1/rounds/{round_.id}/scorecards"
    client.put(f"{url}/{entries[0].id}", json={"scores": {keys[0]: 1}})  # a first save before
    version = None
    for step in ("first", "update"):
        count_statements.clear()
        body = {"scores": {keys[0]: 8, keys[1]: 15}}
        if version is not None:
            body["version"] = version
        response = client.put(f"{url}/{entries[1].id}", json=body)
        assert response.status_code == 200, response.get_json()
        version = response.get_json()["version"]
        assert version == (1 if step == "first" else 2)
        # the token's user with the round and its rubric, the entry, the judge assigned
        # without a declared conflict and their card; insert or update (with its version
        # check); audit entry: no more than these, however many cards, rounds and judges
        # there are. (It was 4 with the token read by itself, 7 and 12 before that.)
        assert len(count_statements) <= 3, count_statements
    # A tablet opening the card: the token's user with the round, entry, judge and card.
    count_statements.clear()
    card = client.get(f"{url}/{entries[1].id}").get_json()
    assert (card["version"], card["complete"]) == (2, False)
    assert len(count_statements) <= 1, count_statements



def test_token_requests_note_the_login_time_at_most_once_a_minute(
    client, participant, count_statements
):
    """A script asking for tokens in a loop must not make each request write the account
    (on SQLite every write waits for the one write lock)."""
    import sqlalchemy as sa

    from eventhub.models import User

    def noted():
        return db.session.scalar(sa.select(User.last_login_at).where(User.id == participant.id))

    body = {"email": participant.email, "password": factories.PASSWORD, "name": "脚本"}
    assert client.post("/api/v1/tokens", json=body).status_code == 201
    first = noted()
    assert first is not None
    count_statements.clear()
    assert client.post("/api/v1/tokens", json=body).status_code == 201
    updates = [s for s in count_statements if s.lstrip().upper().startswith("UPDATE")]
    assert not any(s.split()[1].strip('"') == "users" for s in updates), updates
    assert noted() == first
