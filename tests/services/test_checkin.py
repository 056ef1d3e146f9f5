"""Scanning at the door: every status, nonces, revert, exits and re-entry, session lists."""

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from eventhub.checkin import services as checkin
from eventhub.checkin.models import Scan
from eventhub.database import db
from eventhub.errors import Conflict, NotAllowed, NotFound
from eventhub.events import services as events
from eventhub.registrations import form_builder
from eventhub.registrations import services as reg
from eventhub.registrations.services import RegistrationInfo
from tests import factories


def nonce():
    return str(uuid.uuid4())


def test_every_new_event_gets_a_main_list(org, organizer, now):
    event = events.create_event(
        organizer,
        org,
        events.EventInfo(
            "创业沙龙", "salon", now + timedelta(days=3), now + timedelta(days=3, hours=2)
        ),
    )
    lists = checkin.lists_of(event)
    assert [(lst.is_main, lst.session_id) for lst in lists] == [(True, None)]


def test_first_scan_ok_then_already_checked_in(staff, main_list, ticket):
    first = checkin.scan(staff, main_list, ticket.ticket_code.lower(), nonce(), device="东门1号")
    assert first["status"] == "ok" and first["registration"]["name"] == ticket.name
    again = checkin.scan(staff, main_list, ticket.ticket_code, nonce(), device="西门")
    assert again["status"] == "already_checked_in"
    assert again["previous"]["device"] == "东门1号" and "checkin_id" not in again


def test_the_same_nonce_returns_the_first_answer_and_records_nothing(staff, main_list, ticket):
    n = nonce()
    first = checkin.scan(staff, main_list, ticket.ticket_code, n)
    assert checkin.scan(staff, main_list, ticket.ticket_code, n) == first
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Scan)) == 1


def test_a_nonce_used_at_another_organizations_list_is_a_scan_of_its_own(
    staff, main_list, ticket, outsider_organizer, other_org
):
    theirs = factories.EventFactory(organization=other_org, title="大连创业沙龙")
    their_list = factories.main_list_of(theirs)
    guest = factories.UserFactory(name="钱来宾", phone="13900002222")
    their_ticket = reg.register(guest, theirs, RegistrationInfo(consent=True))
    n = nonce()

    ours = checkin.scan(staff, main_list, ticket.ticket_code, n)
    other = checkin.scan(outsider_organizer, their_list, their_ticket.ticket_code, n)

    assert ours["status"] == other["status"] == "ok"
    assert other["registration"]["name"] == "钱来宾" and ours["registration"]["name"] == "赵参与"
    assert other["checkin_id"] != ours["checkin_id"]
    recorded = db.session.execute(sa.select(Scan.list_id, Scan.registration_id)).all()
    assert sorted(recorded) == sorted(
        [(main_list.id, ticket.id), (their_list.id, their_ticket.id)]
    )
    # A retry at either list still gets that list's own first answer and records nothing.
    assert checkin.scan(outsider_organizer, their_list, their_ticket.ticket_code, n) == other
    assert checkin.scan(staff, main_list, "anything", n) == ours
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Scan)) == 2


def test_a_walk_in_nonce_used_at_another_list_registers_anew(
    staff, main_list, ticket, outsider_organizer, other_org
):
    theirs = factories.EventFactory(organization=other_org, title="大连创业沙龙")
    their_list = factories.main_list_of(theirs)
    n = nonce()
    checkin.scan(staff, main_list, ticket.ticket_code, n)
    registration, answer = checkin.walk_in(
        outsider_organizer, their_list, RegistrationInfo(name="孙现场", phone="13900001111"), n
    )
    assert answer["status"] == "ok" and answer["registration"]["name"] == "孙现场"
    assert registration.event_id == theirs.id


def test_hand_typed_codes_are_normalized(staff, main_list, ticket):
    typed = " " + "-".join(ticket.ticket_code[i : i + 4] for i in range(0, 26, 4)).lower() + " "
    typed = typed.replace("1", "l").replace("0", "o")
    assert checkin.scan(staff, main_list, typed, nonce())["status"] == "ok"


def test_unknown_code_is_invalid(staff, main_list):
    answer = checkin.scan(staff, main_list, "N35ZX25DJGH5CZ0N96ZZPKMBGG", nonce())
    assert answer["status"] == "invalid" and "registration" not in answer


def test_ticket_of_another_event_is_wrong_event(staff, main_list, participant, org):
    other = factories.EventFactory(organization=org)
    elsewhere = reg.register(participant, other, RegistrationInfo(consent=True))
    answer = checkin.scan(staff, main_list, elsewhere.ticket_code, nonce())
    assert answer["status"] == "wrong_event" and "registration" not in answer


def test_cancelled_and_unconfirmed(staff, organizer, main_list, ticket, event):
    reg.cancel(organizer, ticket)
    assert checkin.scan(staff, main_list, ticket.ticket_code, nonce())["status"] == "cancelled"
    vip = form_builder.save_category(organizer, event, "嘉宾", None, requires_approval=True)
    waiting = reg.register(
        factories.UserFactory(phone="13900000009"),
        event,
        RegistrationInfo(consent=True, category_id=vip.id),
    )
    reg.approve(organizer, waiting)
    waiting.status = "pending"  # a ticket whose registration went back to pending
    db.session.commit()
    assert checkin.scan(staff, main_list, waiting.ticket_code, nonce())["status"] == "not_confirmed"


def test_regenerated_ticket_stops_the_old_code(staff, organizer, main_list, ticket):
    old = ticket.ticket_code
    reg.regenerate_ticket(organizer, ticket)
    assert checkin.scan(staff, main_list, old, nonce())["status"] == "invalid"
    assert checkin.scan(staff, main_list, ticket.ticket_code, nonce())["status"] == "ok"


def test_session_list_only_admits_those_who_booked(staff, organizer, event, participant):
    forum = factories.SessionFactory(event=event)
    booked = reg.register(
        participant, event, RegistrationInfo(consent=True, session_ids=[forum.id])
    )
    other = reg.register(
        factories.UserFactory(phone="13900000002"), event, RegistrationInfo(consent=True)
    )
    forum_list = checkin.create_list(organizer, event, "投资论坛", forum.id)
    assert checkin.scan(staff, forum_list, other.ticket_code, nonce())["status"] == "not_on_list"
    assert checkin.scan(staff, forum_list, booked.ticket_code, nonce())["status"] == "ok"
    assert checkin.stats(forum_list) == {"expected": 1, "checked_in": 1, "inside": 1}


def test_exit_and_reentry(staff, organizer, event, ticket):
    door = checkin.create_list(organizer, event, "展厅", allow_reentry=True)
    code = ticket.ticket_code
    assert (
        checkin.scan(staff, door, code, nonce(), scan_type="exit")["status"] == "already_checked_in"
    )
    assert checkin.scan(staff, door, code, nonce())["status"] == "ok"
    assert checkin.stats(door)["inside"] == 1
    assert checkin.scan(staff, door, code, nonce(), scan_type="exit")["status"] == "ok"
    assert checkin.stats(door) == {"expected": 1, "checked_in": 1, "inside": 0}
    assert checkin.scan(staff, door, code, nonce())["status"] == "ok"
    assert checkin.scan(staff, door, code, nonce())["status"] == "already_checked_in"


def test_no_reentry_without_allow_reentry(staff, main_list, ticket):
    code = ticket.ticket_code
    checkin.scan(staff, main_list, code, nonce())
    assert checkin.scan(staff, main_list, code, nonce(), scan_type="exit")["status"] == "ok"
    assert checkin.scan(staff, main_list, code, nonce())["status"] == "already_checked_in"


def test_revert_is_audited_and_allows_a_new_check_in(staff, main_list, ticket):
    from eventhub.audit import AuditEntry

    first = checkin.scan(staff, main_list, ticket.ticket_code, nonce())
    checkin.revert(staff, first["checkin_id"])
    assert checkin.stats(main_list)["checked_in"] == 0
    assert checkin.scan(staff, main_list, ticket.ticket_code, nonce())["status"] == "ok"
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "checkin.reverted")
    ).one()
    assert entry.actor_id == staff.id and entry.object_id == first["checkin_id"]
    with pytest.raises(Conflict):
        checkin.revert(staff, first["checkin_id"])


def test_staff_of_another_organizer_cannot_scan_or_revert(
    main_list, ticket, staff, outsider_organizer
):
    with pytest.raises(NotAllowed):
        checkin.scan(outsider_organizer, main_list, ticket.ticket_code, nonce())
    ok = checkin.scan(staff, main_list, ticket.ticket_code, nonce())
    with pytest.raises(NotFound):
        checkin.revert(outsider_organizer, ok["checkin_id"])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Scan)) == 1


def test_which_scans_count_is_one_rule(staff, organizer, event, ticket):
    """`scan_stands` (ok, not reverted) and `scan_checks_in` (an entry among those): the rule
    every count of scans uses (stats, dashboard, wall, draws, surveys, reports)."""
    door = checkin.create_list(organizer, event, "展厅", allow_reentry=True)
    entered = checkin.scan(staff, door, ticket.ticket_code, nonce())["checkin_id"]
    refused = checkin.scan(staff, door, ticket.ticket_code, nonce())  # inside already
    left = checkin.scan(staff, door, ticket.ticket_code, nonce(), scan_type="exit")["checkin_id"]
    back = checkin.scan(staff, door, ticket.ticket_code, nonce())["checkin_id"]
    checkin.revert(staff, back)
    invalid = checkin.scan(staff, door, "N35ZX25DJGH5CZ0N96ZZPKMBGG", nonce())
    assert refused["status"] == "already_checked_in" and invalid["status"] == "invalid"

    def ids(clause):
        return set(db.session.scalars(sa.select(Scan.id).where(Scan.list_id == door.id, clause)))

    assert len(ids(sa.true())) == 5
    assert ids(checkin.scan_stands()) == {entered, left}
    assert ids(checkin.scan_checks_in()) == {entered}
    assert checkin.stats(door) == {"expected": 1, "checked_in": 1, "inside": 0}
