"""The mentor pool's rules (issue 13): inviting mentors, the directory, office hours and their
bookings, with ``now`` injected."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from eventhub.database import db
from eventhub.errors import Conflict, NotAllowed, ValidationFailed
from eventhub.mentors import services
from eventhub.mentors.models import BookingStatus, MentorBooking
from eventhub.mentors.services import ProfileInfo
from eventhub.models import OutboxMessage
from tests import factories


@pytest.fixture
def mentor(org, owner):
    return services.add_mentor(owner, org, "mentor@example.com", "陈导师",
                               ProfileInfo(title="合伙人", expertise=["人工智能", "融资"]))


@pytest.fixture
def slot(mentor, now):
    start = now + timedelta(days=2)
    return services.add_slot(mentor.user, mentor, start, start + timedelta(hours=1), "onsite")


def _mails_to(user):
    return list(db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.to_addr == user.email, OutboxMessage.template == "mentor_booking_cancelled")))


def _code(excinfo):
    return excinfo.value.code


def test_adding_a_new_person_makes_a_passwordless_account(org, owner, mentor):
    assert mentor.user.email == "mentor@example.com"
    assert mentor.user.password_hash is None
    assert mentor.name == "陈导师" and mentor.public is True
    assert mentor.expertise == ["人工智能", "融资"]


def test_the_same_person_twice_is_already_mentor(org, owner, mentor):
    with pytest.raises(Conflict) as excinfo:
        services.add_mentor(owner, org, "MENTOR@example.com")
    assert _code(excinfo) == "already_mentor"


def test_only_organizers_add_mentors(org, staff, participant):
    for user in (staff, participant):
        with pytest.raises(NotAllowed):
            services.add_mentor(user, org, "x@example.com")


def test_the_mentor_edits_their_own_profile_others_may_not(mentor, participant, organizer):
    services.update_mentor(mentor.user, mentor, ProfileInfo(bio="十年创业经验", public=False))
    assert mentor.bio == "十年创业经验" and mentor.public is False
    services.update_mentor(organizer, mentor, ProfileInfo(title="导师"))
    assert mentor.title == "导师"
    with pytest.raises(NotAllowed):
        services.update_mentor(participant, mentor, ProfileInfo(title="x"))


def test_bad_expertise_is_refused(org, owner):
    with pytest.raises(ValidationFailed):
        services.add_mentor(owner, org, "y@example.com", info=ProfileInfo(expertise=[""]))


def test_the_directory_hides_pool_only_mentors_from_others(mentor, organizer, participant,
                                                          outsider_organizer):
    services.update_mentor(organizer, mentor, ProfileInfo(public=False))

    def ids(viewer, **kw):
        return list(db.session.scalars(services.directory_query(viewer, **kw)))

    assert ids(participant) == [] and ids(outsider_organizer) == []
    assert ids(organizer) == [mentor]
    services.update_mentor(organizer, mentor, ProfileInfo(public=True))
    assert ids(participant) == [mentor]
    assert ids(participant, expertise="融资") == [mentor]
    assert ids(participant, expertise="医疗") == []
    assert ids(participant, q="陈") == [mentor]
    assert ids(participant, q="王") == []


@pytest.mark.parametrize(("minutes", "ok"), [(-30, False), (0, False), (9, False), (10, True),
                                             (240, True), (241, False)])
def test_slot_length_rules(mentor, now, minutes, ok):
    start = now + timedelta(days=1)
    end = start + timedelta(minutes=minutes)
    if ok:
        assert services.add_slot(mentor.user, mentor, start, end, "online").id
    else:
        with pytest.raises(ValidationFailed):
            services.add_slot(mentor.user, mentor, start, end, "online")


def test_overlapping_slots_are_refused_touching_ones_are_not(mentor, slot):
    with pytest.raises(Conflict) as excinfo:
        services.add_slot(mentor.user, mentor, slot.starts_at + timedelta(minutes=30),
                          slot.ends_at + timedelta(minutes=30), "online")
    assert _code(excinfo) == "slot_overlap"
    after = services.add_slot(mentor.user, mentor, slot.ends_at,
                              slot.ends_at + timedelta(minutes=30), "online")
    assert after.id


def test_only_the_mentor_or_organizers_publish_slots(mentor, participant, now):
    with pytest.raises(NotAllowed):
        services.add_slot(participant, mentor, now + timedelta(days=1),
                          now + timedelta(days=1, hours=1), "online")


def test_booking_counts_and_capacity(mentor, slot, participant, now):
    booking = services.book(participant, slot, "融资路演材料", now=now)
    assert booking.status == BookingStatus.booked
    assert services.slots_of(mentor) == [(slot, 1)]
    other = factories.UserFactory()
    with pytest.raises(Conflict) as excinfo:
        services.book(other, slot, "话题", now=now)
    assert _code(excinfo) == "slot_full"


def test_booking_twice_is_already_booked(mentor, slot, participant, now):
    slot.capacity = 2
    db.session.commit()
    services.book(participant, slot, "话题", now=now)
    with pytest.raises(Conflict) as excinfo:
        services.book(participant, slot, "话题", now=now)
    assert _code(excinfo) == "already_booked"


def test_one_upcoming_booking_per_mentor(mentor, slot, participant, now):
    later = services.add_slot(mentor.user, mentor, slot.ends_at + timedelta(days=1),
                              slot.ends_at + timedelta(days=1, hours=1), "online")
    services.book(participant, slot, "话题", now=now)
    with pytest.raises(Conflict) as excinfo:
        services.book(participant, later, "话题", now=now)
    assert _code(excinfo) == "booking_limit"
    # Once the first slot is over, the next one may be booked.
    assert services.book(participant, later, "话题", now=slot.ends_at).id


def test_a_started_slot_is_closed(slot, participant):
    with pytest.raises(Conflict) as excinfo:
        services.book(participant, slot, "话题", now=slot.starts_at)
    assert _code(excinfo) == "booking_closed"


def test_cancelling_frees_the_place_until_the_start(mentor, slot, participant, now):
    booking = services.book(participant, slot, "话题", now=now)
    with pytest.raises(NotAllowed):
        services.cancel_booking(factories.UserFactory(), booking, now=now)
    services.cancel_booking(participant, booking, now=now)
    assert booking.status == BookingStatus.cancelled
    assert services.slots_of(mentor) == [(slot, 0)]
    again = services.book(participant, slot, "再约", now=now)
    with pytest.raises(Conflict) as excinfo:
        services.cancel_booking(participant, again, now=slot.starts_at)
    assert _code(excinfo) == "booking_closed"
    assert _mails_to(participant) == []  # the booker cancelled: no mail to them
    services.cancel_booking(mentor.user, again, "临时出差", now=now)
    assert again.cancel_message == "临时出差"
    [mail] = _mails_to(participant)
    assert "陈导师" in mail.subject and "临时出差" in mail.text_body


def test_no_show_only_by_the_mentor_after_the_start(mentor, slot, participant, now):
    booking = services.book(participant, slot, "话题", now=now)
    with pytest.raises(Conflict) as excinfo:
        services.mark_no_show(mentor.user, booking, now=now)
    assert _code(excinfo) == "not_started"
    with pytest.raises(NotAllowed):
        services.mark_no_show(participant, booking, now=slot.starts_at)
    services.mark_no_show(mentor.user, booking, now=slot.starts_at)
    assert booking.status == BookingStatus.no_show


def test_cancelling_a_slot_cancels_its_bookings(mentor, slot, participant, now):
    booking = services.book(participant, slot, "话题", now=now)
    services.cancel_slot(mentor.user, slot, "身体不适", now=now)
    assert slot.cancelled_at is not None
    assert booking.status == BookingStatus.cancelled and booking.cancel_message == "身体不适"
    [mail] = _mails_to(participant)
    assert "身体不适" in mail.text_body
    assert services.slots_of(mentor) == []
    with pytest.raises(Conflict) as excinfo:
        services.book(factories.UserFactory(), slot, "话题", now=now)
    assert _code(excinfo) == "booking_closed"


def test_the_database_refuses_a_second_live_booking(slot, participant, now):
    services.book(participant, slot, "话题", now=now)
    db.session.add(MentorBooking(slot_id=slot.id, user_id=participant.id, topic="x", live=True))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
