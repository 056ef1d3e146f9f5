"""Editing and deleting coaching records (issue 13): who is asked again, what stays."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from eventhub.database import db
from eventhub.errors import Conflict, NotAllowed
from eventhub.mail.models import OutboxMessage
from eventhub.mentors import services
from eventhub.mentors.models import CoachingStatus, MentorCoaching, MentorRating
from eventhub.mentors.services import CoachingInfo, coaching_state
from tests import factories


@pytest.fixture
def mentor(org, owner):
    return services.add_mentor(owner, org, "mentor@example.com", "陈导师")


@pytest.fixture
def coaching(mentor, participant, now):
    return services.log_coaching(mentor.user, mentor, CoachingInfo(
        [participant.id], now - timedelta(days=1), 45, "onsite", "商业模式"))


def _info(coaching, **changes):
    state = coaching_state(coaching)
    return CoachingInfo(**{"mentee_ids": state["mentee_ids"], "started_at": coaching.started_at,
                           "minutes": coaching.minutes, "mode": coaching.mode,
                           "topic": coaching.topic, "notes": coaching.notes, **changes})


def _mailed():
    return [m.to_addr for m in db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.template == "mentor_coaching_logged")
        .order_by(OutboxMessage.id))]


def test_a_mentee_added_to_an_unconfirmed_coaching_alone_is_asked(mentor, coaching,
                                                                  participant):
    newcomer = factories.UserFactory()
    services.update_coaching(mentor.user, coaching,
                             _info(coaching, mentee_ids=[participant.id, newcomer.id]))
    assert _mailed() == [participant.email, newcomer.email]
    assert coaching.status == CoachingStatus.logged


def test_editing_keeps_the_ratings(mentor, coaching, participant):
    services.confirm_coaching(participant, coaching)
    services.rate_coaching(participant, coaching, 2, "一般")
    other = factories.UserFactory()
    services.update_coaching(mentor.user, coaching, _info(coaching, mentee_ids=[other.id]))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MentorRating)) == 1
    assert coaching.status == CoachingStatus.logged and coaching.confirmed_at is None
    assert _mailed()[-1] == other.email


def test_an_unchanged_edit_records_nothing(mentor, coaching):
    from eventhub.audit import AuditEntry

    services.update_coaching(mentor.user, coaching, _info(coaching))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "mentor_coaching.changed")) == 0


def test_others_may_not_edit_or_delete(org, owner, mentor, coaching, participant,
                                       outsider_organizer):
    colleague = services.add_mentor(owner, org, "colleague@example.com", "李导师")
    for user in (colleague.user, participant, outsider_organizer):
        with pytest.raises(NotAllowed):
            services.update_coaching(user, coaching, _info(coaching, minutes=30))
        with pytest.raises(NotAllowed):
            services.delete_coaching(user, coaching)
    db.session.expire_all()
    assert db.session.get(MentorCoaching, coaching.id).minutes == 45


def test_a_double_rating_is_refused(coaching, participant):
    services.rate_coaching(participant, coaching, 4)
    with pytest.raises(Conflict) as refused:
        services.rate_coaching(participant, coaching, 5)
    assert refused.value.code == "already_rated"
    assert db.session.scalars(sa.select(MentorRating.stars)).all() == [4]
