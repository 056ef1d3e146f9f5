"""Coaching records (辅导记录, issue 13): logging them (1..600 minutes, known mentees), mentees
confirming and rating them once, and the directory's rating (shown from 3 ratings on)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from eventhub.audit import AuditEntry
from eventhub.database import db
from eventhub.errors import Conflict, NotAllowed, ValidationFailed
from eventhub.mentors import services
from eventhub.mentors.models import CoachingStatus, MentorCoaching, MentorRating
from eventhub.mentors.services import CoachingInfo
from tests import factories


@pytest.fixture
def mentor(org, owner):
    return services.add_mentor(owner, org, "mentor@example.com", "陈导师")


def _info(mentees, now, **kw):
    base = {"mentee_ids": [m.id for m in mentees], "started_at": now - timedelta(hours=2),
            "minutes": 45, "mode": "onsite", "topic": "商业模式"}
    return CoachingInfo(**{**base, **kw})


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_the_mentor_or_an_organizer_logs_a_coaching(mentor, organizer, participant, now):
    coaching = services.log_coaching(mentor.user, mentor, _info([participant], now))
    assert coaching.status == CoachingStatus.logged and coaching.minutes == 45
    assert [m.id for m in coaching.mentees] == [participant.id]
    assert coaching.created_by == mentor.user.id
    services.log_coaching(organizer, mentor, _info([participant], now, minutes=30))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "mentor_coaching.logged")) == 2


def test_others_may_not_log_for_a_mentor(mentor, participant, outsider_organizer, now):
    for user in (participant, outsider_organizer):
        with pytest.raises(NotAllowed):
            services.log_coaching(user, mentor, _info([participant], now))
    assert _count(MentorCoaching) == 0


@pytest.mark.parametrize("bad", [
    {"minutes": 0}, {"minutes": 601}, {"minutes": -5}, {"mentee_ids": []},
    {"mentee_ids": [424242]}, {"topic": ""}, {"mode": "onsite", "started_at": None},
])
def test_bad_coachings_are_refused_and_change_nothing(mentor, participant, now, bad):
    if bad.get("started_at", 1) is None:
        bad = {"started_at": now + timedelta(hours=1)}  # in the future
    with pytest.raises(ValidationFailed):
        services.log_coaching(mentor.user, mentor, _info([participant], now, **bad))
    assert _count(MentorCoaching) == 0


def test_600_minutes_and_1_minute_are_fine(mentor, participant, now):
    for minutes in (1, 600):
        services.log_coaching(mentor.user, mentor, _info([participant], now, minutes=minutes))
    assert _count(MentorCoaching) == 2


def test_a_booking_of_another_mentor_is_refused(org, owner, mentor, participant, now):
    other = services.add_mentor(owner, org, "other@example.com", "另一位")
    start = now + timedelta(days=1)
    slot = services.add_slot(owner, other, start, start + timedelta(hours=1), "online")
    booking = services.book(participant, slot, "融资", now=now)
    with pytest.raises(ValidationFailed):
        services.log_coaching(mentor.user, mentor, _info([participant], now,
                                                         booking_id=booking.id))
    coaching = services.log_coaching(other.user, other, _info([participant], now,
                                                              booking_id=booking.id))
    assert coaching.booking_id == booking.id


def test_only_a_mentee_confirms(mentor, participant, organizer, now):
    coaching = services.log_coaching(mentor.user, mentor, _info([participant], now))
    for user in (mentor.user, organizer, factories.UserFactory()):
        with pytest.raises(NotAllowed):
            services.confirm_coaching(user, coaching)
    assert coaching.status == CoachingStatus.logged
    services.confirm_coaching(participant, coaching, now=now)
    assert coaching.status == CoachingStatus.confirmed and coaching.confirmed_at == now


def test_a_mentee_rates_once_with_1_to_5_stars(mentor, participant, now):
    coaching = services.log_coaching(mentor.user, mentor, _info([participant], now))
    for stars in (0, 6, True):
        with pytest.raises(ValidationFailed):
            services.rate_coaching(participant, coaching, stars)
    with pytest.raises(NotAllowed):
        services.rate_coaching(mentor.user, coaching, 5)
    services.rate_coaching(participant, coaching, 4, "很有帮助")
    with pytest.raises(Conflict) as excinfo:
        services.rate_coaching(participant, coaching, 5)
    assert excinfo.value.code == "already_rated"
    assert _count(MentorRating) == 1


def test_my_coachings_are_the_ones_i_received(mentor, participant, now):
    mine = services.log_coaching(mentor.user, mentor, _info([participant], now))
    services.log_coaching(mentor.user, mentor, _info([factories.UserFactory()], now))
    assert list(db.session.scalars(services.coachings_of(participant))) == [mine]


def test_the_rating_shows_from_three_ratings_on(mentor, now):
    people = [factories.UserFactory() for _ in range(3)]
    coaching = services.log_coaching(mentor.user, mentor, _info(people, now))
    services.rate_coaching(people[0], coaching, 5)
    services.rate_coaching(people[1], coaching, 4)
    assert services.ratings_of([mentor.id]) == {mentor.id: (None, 2)}
    services.rate_coaching(people[2], coaching, 4)
    # (5 + 4 + 4) / 3 = 4.333… → 4.33
    assert services.ratings_of([mentor.id]) == {mentor.id: (4.33, 3)}


def test_the_rule_defaults_and_changes_are_audited(org, owner, organizer, staff):
    assert services.rule_of(org.id) == services.Rule(10, 30)
    with pytest.raises(NotAllowed):
        services.set_rule(staff, org, 5, 30)
    with pytest.raises(ValidationFailed):
        services.set_rule(organizer, org, 5, 0)
    services.set_rule(organizer, org, 5, 45)
    assert services.rule_of(org.id) == services.Rule(5, 45)
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "mentor_rule.changed")).one()
    assert entry.before == {"min_coachings": 10, "min_minutes": 30}
    assert entry.after == {"min_coachings": 5, "min_minutes": 45}
