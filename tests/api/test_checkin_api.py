"""The check-in API: lists, scans, revert, stats, search with masked phones."""

import uuid

import pytest
import sqlalchemy as sa

from eventhub.checkin import services as checkin_services
from eventhub.checkin.models import CheckinList
from eventhub.database import db
from eventhub.mail.models import OutboxMessage
from eventhub.registrations import form_builder
from eventhub.registrations import services as reg
from eventhub.registrations.models import Registration
from eventhub.registrations.services import RegistrationInfo
from tests import factories
from tests.api.conftest import assert_error, db_counts


def scan(client, list_id, code, **extra):
    body = {"code": code, "nonce": str(uuid.uuid4()), **extra}
    return client.post(f"/api/v1/checkin-lists/{list_id}/scans", json=body)


def test_lists_include_the_main_list(api, staff, event, main_list):
    response = api(staff).get(f"/api/v1/events/{event.id}/checkin-lists")
    assert response.status_code == 200
    assert response.get_json()["items"][0] == {
        "id": main_list.id,
        "event_id": event.id,
        "name": main_list.name,
        "session_id": None,
        "is_main": True,
        "allow_reentry": False,
    }


def test_scan_then_repeat_then_revert(api, staff, main_list, ticket):
    client = api(staff)
    first = scan(client, main_list.id, ticket.ticket_code, device="东门")
    assert first.status_code == 200
    body = first.get_json()
    assert body["status"] == "ok" and body["registration"]["name"] == ticket.name
    second = scan(client, main_list.id, ticket.ticket_code).get_json()
    assert second["status"] == "already_checked_in" and second["previous"]["device"] == "东门"
    stats = client.get(f"/api/v1/checkin-lists/{main_list.id}/stats").get_json()
    assert stats == {"expected": 1, "checked_in": 1, "inside": 1}
    assert client.post(f"/api/v1/checkins/{body['checkin_id']}/revert").status_code == 200
    assert client.get(f"/api/v1/checkin-lists/{main_list.id}/stats").get_json()["checked_in"] == 0
    assert_error(client.post(f"/api/v1/checkins/{body['checkin_id']}/revert"), 409)


def test_nonce_replay_gives_the_same_answer(api, staff, main_list, ticket):
    client = api(staff)
    body = {"code": ticket.ticket_code, "nonce": "device-7-000123"}
    first = client.post(f"/api/v1/checkin-lists/{main_list.id}/scans", json=body).get_json()
    again = client.post(f"/api/v1/checkin-lists/{main_list.id}/scans", json=body).get_json()
    assert first == again and first["status"] == "ok"


def test_another_organizations_door_never_gets_this_lists_answer(
    api, staff, main_list, ticket, outsider_organizer, other_org
):
    """A nonce is one scan at one list: the same nonce at another organization's door is
    recorded there and answered from there, never with this door's attendee."""
    theirs = factories.EventFactory(organization=other_org)
    their_list = factories.main_list_of(theirs)
    guest = factories.UserFactory(name="钱来宾", phone="13900002222")
    their_ticket = reg.register(guest, theirs, RegistrationInfo(consent=True))
    ours, other = api(staff), api(outsider_organizer)
    body = {"nonce": "device-7-000123"}
    first = ours.post(f"/api/v1/checkin-lists/{main_list.id}/scans",
                      json={**body, "code": ticket.ticket_code}).get_json()
    answer = other.post(f"/api/v1/checkin-lists/{their_list.id}/scans",
                        json={**body, "code": their_ticket.ticket_code}).get_json()
    assert answer["status"] == "ok" and answer["registration"]["name"] == "钱来宾"
    assert first["registration"]["name"] == ticket.name != "钱来宾"
    stats = other.get(f"/api/v1/checkin-lists/{their_list.id}/stats").get_json()
    assert stats["checked_in"] == 1


def test_outsiders_cannot_scan(api, outsider_organizer, participant, main_list, ticket):
    assert_error(scan(api(outsider_organizer), main_list.id, ticket.ticket_code), 403)
    assert_error(scan(api(participant), main_list.id, ticket.ticket_code), 403)
    assert_error(scan(api(), main_list.id, ticket.ticket_code), 401)
    assert_error(scan(api(participant), 999_999, ticket.ticket_code), 404)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"code": "X"},
        {"nonce": "n"},
        {"code": 5, "nonce": "n"},
        {"code": "X", "nonce": ""},
        {"code": "X", "nonce": "n" * 65},
        {"code": "X", "nonce": "n", "type": "sideways"},
        {"code": "x" * 10_000, "nonce": "n"},
        {"code": "X", "nonce": "n", "extra": 1},
    ],
)
def test_malformed_scans_are_refused(api, staff, main_list, body):
    response = api(staff).post(f"/api/v1/checkin-lists/{main_list.id}/scans", json=body)
    assert response.status_code in (400, 422)
    assert_error(response, response.status_code)


def test_search_masks_phones_for_door_staff(api, staff, organizer, main_list, ticket):
    staff_view = api(staff).get(f"/api/v1/checkin-lists/{main_list.id}/search?q=5678")
    organizer_view = api(organizer).get(f"/api/v1/checkin-lists/{main_list.id}/search?q=5678")
    assert staff_view.get_json()["items"][0]["phone"] == "138****5678"
    assert organizer_view.get_json()["items"][0]["phone"] == "13812345678"
    by_name = api(staff).get(f"/api/v1/checkin-lists/{main_list.id}/search?q=赵").get_json()
    assert [p["id"] for p in by_name["items"]] == [ticket.id]


def test_search_says_who_is_checked_in_at_the_list_and_since_when(
    api, staff, organizer, event, main_list, ticket
):
    def found(checkin_list, q="赵"):
        response = client.get(f"/api/v1/checkin-lists/{checkin_list.id}/search?q={q}")
        assert response.status_code == 200
        [person] = response.get_json()["items"]
        return person["checked_in_at"], person["inside"]

    client = api(staff)
    assert found(main_list) == (None, False)
    first = scan(client, main_list.id, ticket.ticket_code).get_json()
    assert found(main_list) == (first["at"], True)
    assert found(main_list, "zcy") == (first["at"], True)  # found by pinyin initials too
    # Another list of the event knows nothing of it; an exit keeps the first entry's time.
    other = checkin_services.create_list(organizer, event, "西门", allow_reentry=True)
    assert found(other) == (None, False)
    scan(client, other.id, ticket.ticket_code)
    scan(client, other.id, ticket.ticket_code, type="exit")
    entered, inside = found(other)
    assert entered is not None and inside is False
    assert found(main_list) == (first["at"], True)


def test_session_list_via_api(api, organizer, staff, event, participant):
    from tests import factories

    forum = factories.SessionFactory(event=event)
    response = api(organizer).post(
        f"/api/v1/events/{event.id}/checkin-lists",
        json={"name": "投资论坛", "session_id": forum.id, "allow_reentry": True},
    )
    assert response.status_code == 201
    created = response.get_json()
    assert created["session_id"] == forum.id and created["allow_reentry"] is True
    not_booked = reg.register(participant, event, RegistrationInfo(consent=True))
    assert scan(api(staff), created["id"], not_booked.ticket_code).get_json()["status"] == (
        "not_on_list"
    )
    assert_error(
        api(staff).post(f"/api/v1/events/{event.id}/checkin-lists", json={"name": "x"}), 403
    )


# Walk-ins ---------------------------------------------------------------------------------


def walk_in(client, list_id, **extra):
    body = {"name": "现场来宾", "phone": "13600001111", "nonce": str(uuid.uuid4()), **extra}
    return client.post(f"/api/v1/checkin-lists/{list_id}/walk-ins", json=body)


def test_walk_in_registers_and_checks_in_at_once(api, staff, event, main_list):
    client = api(staff)
    response = walk_in(client, main_list.id, device="东门", organization="沈阳创客")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["scan"]["status"] == "ok" and body["scan"]["registration"]["name"] == "现场来宾"
    assert body["registration"]["status"] == "confirmed"
    registration = db.session.get(Registration, body["registration"]["id"])
    assert registration.source == "walk_in" and registration.user_id is None
    assert registration.organization == "沈阳创客" and registration.phone == "13600001111"
    assert registration.ticket_code == body["registration"]["ticket_code"]
    stats = client.get(f"/api/v1/checkin-lists/{main_list.id}/stats").get_json()
    assert stats == {"expected": 1, "checked_in": 1, "inside": 1}


def test_walk_in_with_email_gets_an_account_and_the_ticket_by_mail(api, staff, main_list):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    body = walk_in(api(staff), main_list.id, email="walkin@example.com").get_json()
    registration = db.session.get(Registration, body["registration"]["id"])
    assert registration.user.email == "walkin@example.com"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == before + 1


def test_a_retried_walk_in_registers_nobody_twice(api, staff, event, main_list):
    client = api(staff)
    first = walk_in(client, main_list.id, nonce="door-1-0001").get_json()
    again = walk_in(client, main_list.id, nonce="door-1-0001")
    assert again.status_code == 201 and again.get_json() == first
    registrations = db.session.scalars(
        sa.select(Registration.id).where(Registration.event_id == event.id)
    )
    assert list(registrations) == [first["registration"]["id"]]


def test_walk_in_refused_when_full_or_known_changes_nothing(api, staff, event, main_list, ticket):
    client = api(staff)
    assert_error(walk_in(client, main_list.id, phone=ticket.phone), 409, "already_registered")
    event.capacity = 1
    db.session.commit()
    before = db_counts()
    assert_error(walk_in(client, main_list.id), 409, "event_full")
    assert_error(walk_in(client, main_list.id, phone="12345"), 422)
    assert_error(walk_in(client, main_list.id, phone=""), 422)
    assert db_counts() == before


def test_walk_in_to_a_category_that_needs_approval_is_refused(api, owner, staff, event, main_list):
    vip = form_builder.save_category(owner, event, "投资人", None, requires_approval=True)
    client = api(staff)
    before = db_counts()
    response = walk_in(client, main_list.id, category_id=vip.id)
    assert_error(response, 409, "approval_required")
    assert db_counts() == before


def test_walk_in_at_a_session_list_books_the_session(api, owner, staff, event):
    session = factories.SessionFactory(event=event)
    checkin_services.create_list(owner, event, "分论坛门口", session_id=session.id)
    door = db.session.scalar(sa.select(CheckinList).where(CheckinList.session_id == session.id))
    body = walk_in(api(staff), door.id).get_json()
    assert body["scan"]["status"] == "ok"
    registration = db.session.get(Registration, body["registration"]["id"])
    assert [s.id for s in registration.sessions] == [session.id]


def test_outsiders_cannot_walk_anyone_in(api, outsider_organizer, participant, main_list):
    clients = api(outsider_organizer), api(participant), api()
    before = db_counts()
    for client, status in zip(clients, (403, 403, 401), strict=True):
        assert_error(walk_in(client, main_list.id), status)
    assert db_counts() == before


def test_a_walk_in_may_leave_the_form_unanswered_but_not_answer_it_wrong(
    api, owner, staff, main_list, event
):
    question = form_builder.save_question(
        owner, event,
        form_builder.QuestionInfo("融资阶段", "choice", required=True, options=["天使轮", "A轮"]),
    )
    client = api(staff)
    assert_error(walk_in(client, main_list.id, answers={str(question.id): "C轮"}), 422)
    response = walk_in(client, main_list.id)
    assert response.status_code == 201 and response.get_json()["scan"]["status"] == "ok"


def test_every_scan_answer_is_in_its_documented_shape(api, staff, organizer, event, org, ticket):
    """The scan answer is sent as the service builds it (not dumped through its schema again):
    for every status it is exactly what ScanAnswerSchema would send."""
    from eventhub.api.checkin import ScanAnswerSchema

    client = api(staff)
    main = factories.main_list_of(event)
    elsewhere = reg.register(factories.UserFactory(phone="13900000011"),
                             factories.EventFactory(organization=org),
                             RegistrationInfo(consent=True))
    cancelled = reg.register(factories.UserFactory(phone="13900000012"), event,
                             RegistrationInfo(consent=True))
    reg.cancel(organizer, cancelled)
    pending = reg.register(factories.UserFactory(phone="13900000013"), event,
                           RegistrationInfo(consent=True))
    pending.status = "pending"
    forum = factories.SessionFactory(event=event)
    forum_list = checkin_services.create_list(organizer, event, "投资论坛", forum.id)
    db.session.commit()

    answers = [
        scan(client, main.id, ticket.ticket_code, device="东门"),
        scan(client, main.id, ticket.ticket_code),
        scan(client, main.id, "N35ZX25DJGH5CZ0N96ZZPKMBGG"),
        scan(client, main.id, elsewhere.ticket_code),
        scan(client, main.id, cancelled.ticket_code),
        scan(client, main.id, pending.ticket_code),
        scan(client, forum_list.id, ticket.ticket_code),
    ]
    assert all(a.status_code == 200 and a.is_json for a in answers)
    bodies = [a.get_json() for a in answers]
    assert [b["status"] for b in bodies] == [
        "ok", "already_checked_in", "invalid", "wrong_event", "cancelled", "not_confirmed",
        "not_on_list",
    ]
    schema = ScanAnswerSchema()
    for body in bodies:
        assert schema.dump(body) == body
        assert schema.validate(body) == {}
    assert set(bodies[0]) == {"status", "at", "registration", "checkin_id"}
    assert set(bodies[1]) == {"status", "at", "registration", "previous"}
    assert set(bodies[2]) == {"status", "at"}
