"""What an offline door downloads: ticket hashes with who may enter, and deltas since a version."""

import hashlib
import uuid
from datetime import timedelta

import pytest

from eventhub.checkin import services as checkin
from eventhub.checkin import sync
from eventhub.database import db, utcnow
from eventhub.errors import NotAllowed, ValidationFailed
from eventhub.registrations import services as reg
from eventhub.registrations.services import RegistrationInfo
from tests import factories


def nonce():
    return str(uuid.uuid4())


def by_id(answer):
    return {row["id"]: row for row in answer["items"]}


def test_hash_is_the_first_16_bytes_of_sha256_in_hex():
    code = "N35ZX25DJGH5CZ0N96ZZPKMBGG"
    assert sync.ticket_hash(code) == hashlib.sha256(code.encode()).hexdigest()[:32]


def test_full_list_holds_hashes_never_codes(staff, main_list, ticket):
    answer = sync.door_tickets(staff, main_list)
    assert answer["full"] is True and answer["version"].isdigit()
    row = by_id(answer)[ticket.id]
    assert row == {
        "h": sync.ticket_hash(ticket.ticket_code),
        "id": ticket.id,
        "name": ticket.name,
        "category": None,
        "notes": None,
        "status": "confirmed",
        "valid": True,
        "checked_in_at": None,
        "inside": False,
    }
    assert ticket.ticket_code not in repr(answer)


def test_rows_show_check_ins_and_who_may_not_enter(staff, organizer, event, main_list, ticket):
    other = reg.register(
        factories.UserFactory(phone="13900000002"), event, RegistrationInfo(consent=True)
    )
    reg.cancel(organizer, other)
    checkin.scan(staff, main_list, ticket.ticket_code, nonce(), device="东门")
    rows = by_id(sync.door_tickets(staff, main_list))
    assert rows[ticket.id]["checked_in_at"] is not None and rows[ticket.id]["inside"] is True
    assert rows[other.id]["status"] == "cancelled" and rows[other.id]["valid"] is False


def test_session_list_marks_those_who_did_not_book(staff, organizer, event, participant):
    forum = factories.SessionFactory(event=event)
    booked = reg.register(participant, event, RegistrationInfo(consent=True,
                                                                session_ids=[forum.id]))
    other = reg.register(
        factories.UserFactory(phone="13900000003"), event, RegistrationInfo(consent=True)
    )
    forum_list = checkin.create_list(organizer, event, "投资论坛", forum.id)
    rows = by_id(sync.door_tickets(staff, forum_list))
    assert rows[booked.id]["valid"] is True and rows[other.id]["valid"] is False


def test_delta_has_what_changed_since_the_version(staff, organizer, event, main_list, ticket):
    quiet = reg.register(
        factories.UserFactory(phone="13900000004"), event, RegistrationInfo(consent=True)
    )
    past = utcnow() - timedelta(hours=1)
    # Both registrations are older than the version the door holds.
    for r in (ticket, quiet):
        r.updated_at = past
    db.session.commit()
    version = sync.make_version(past + timedelta(minutes=10))
    assert sync.door_tickets(staff, main_list, since=version)["items"] == []

    checkin.scan(staff, main_list, ticket.ticket_code, nonce())
    delta = sync.door_tickets(staff, main_list, since=version)
    assert delta["full"] is False
    assert [row["id"] for row in delta["items"]] == [ticket.id]
    assert delta["items"][0]["inside"] is True

    reg.regenerate_ticket(organizer, quiet)
    rows = by_id(sync.door_tickets(staff, main_list, since=version))
    assert rows[quiet.id]["h"] == sync.ticket_hash(quiet.ticket_code)


def test_delta_carries_a_reverted_check_in(staff, main_list, ticket):
    answer = checkin.scan(staff, main_list, ticket.ticket_code, nonce())
    ticket.updated_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    version = sync.door_tickets(staff, main_list)["version"]
    checkin.revert(staff, answer["checkin_id"], now=utcnow() + timedelta(minutes=5))
    row = by_id(sync.door_tickets(staff, main_list, since=version))[ticket.id]
    assert row["checked_in_at"] is None and row["inside"] is False


def test_a_bad_version_is_refused(staff, main_list):
    for bad in ("abc", "-5", "9" * 21):
        with pytest.raises(ValidationFailed):
            sync.door_tickets(staff, main_list, since=bad)


def test_only_door_staff_of_the_event(outsider_organizer, participant, main_list):
    for user in (outsider_organizer, participant):
        with pytest.raises(NotAllowed):
            sync.door_tickets(user, main_list)


def test_initials_of_names():
    assert sync.name_initials("王涛") == "wt"
    assert sync.name_initials("欧阳娜娜") == "oynn"
    assert sync.name_initials("Li Ming 李明") == "lmlm"


def test_search_by_pinyin_initials_adds_people_after_the_plain_matches(staff, event, main_list):
    wang = reg.register(factories.UserFactory(name="王涛", phone="13900000011"), event,
                        RegistrationInfo(consent=True))
    reg.register(factories.UserFactory(name="张伟", phone="13900000012"), event,
                 RegistrationInfo(consent=True))
    other_event = factories.EventFactory(organization=event.organization)
    reg.register(factories.UserFactory(name="王婷", phone="13900000013"), other_event,
                 RegistrationInfo(consent=True))
    assert [r.id for r in sync.with_initials(main_list, "wt", [])] == [wang.id]
    assert [r.id for r in sync.with_initials(main_list, "WT ", [wang])] == [wang.id]
    assert sync.with_initials(main_list, "w", []) == []  # one letter: too many
    assert sync.with_initials(main_list, "王", []) == []  # characters: the plain search
    assert len(sync.with_initials(main_list, "wt", [], limit=0)) == 0
