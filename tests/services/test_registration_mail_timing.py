"""A registration's mail is queued once its decision is committed, out of the event's lock: a
burst's other registrations never wait while one renders its mail (issue 16). A rolled-back
decision queues no mail; a mail that cannot be queued leaves the registration standing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from eventhub.database import db, transactional
from eventhub.errors import Conflict
from eventhub.mail.models import OutboxMessage
from eventhub.models import Event, Organization, Registration, User
from eventhub.registrations import services as reg
from eventhub.registrations.services import RegistrationInfo
from tests import factories


def _mails_to(address):
    return db.session.scalars(
        sa.select(OutboxMessage.subject).where(OutboxMessage.to_addr == address)
    ).all()


@pytest.mark.concurrent
def test_the_mail_is_rendered_after_the_commit_with_the_event_unlocked(fresh_db, monkeypatch):
    """While the mail renders, another connection sees the registration committed and can
    lock the event row at once."""
    app = fresh_db
    with app.app_context():
        org = Organization(name="邮件时机空间", slug="mail-timing", kind="maker_space")
        now = datetime.now(UTC)
        event = Event(organization=org, title="创业沙龙", kind="salon", status="published",
                      starts_at=now + timedelta(days=3), ends_at=now + timedelta(days=3, hours=2),
                      capacity=10, published_at=now)
        person = User(email="late@example.com", name="王涛", phone="13900001234")
        db.session.add_all([event, person])
        db.session.commit()
        seen = []
        render = reg._queue_mail

        def observed(registration, kind):
            with db.engine.connect() as other:
                committed = other.execute(
                    sa.select(Registration.status).where(Registration.id == registration.id)
                ).scalar_one_or_none()
                if other.dialect.name == "postgresql":  # raises while the lock is held
                    other.execute(sa.select(Event.id).where(Event.id == event.id)
                                  .with_for_update(nowait=True))
                # (SQLite: a committed registration is a released write lock.)
                other.rollback()
            seen.append((kind, committed))
            render(registration, kind)

        monkeypatch.setattr(reg, "_queue_mail", observed)
        registration = reg.register(person, event, RegistrationInfo(consent=True))
        assert seen == [("confirmed", registration.status)]
        assert len(_mails_to("late@example.com")) == 1


def test_a_rolled_back_decision_queues_no_mail(event, participant):
    @transactional
    def register_then_fail():
        reg.register(participant, event, RegistrationInfo(consent=True))
        raise Conflict("changed my mind")

    with pytest.raises(Conflict):
        register_then_fail()
    assert _mails_to(participant.email) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0
    # The next unit of work that commits sends nothing left over from the failed one.
    other = factories.UserFactory(phone="13900005555")
    reg.register(other, event, RegistrationInfo(consent=True))
    assert _mails_to(participant.email) == [] and len(_mails_to(other.email)) == 1


def test_mails_of_one_unit_are_queued_when_it_commits(event, organizer):
    event.capacity = 1
    first, second = (factories.UserFactory(phone=f"1390000777{i}") for i in range(2))

    @transactional
    def both():
        a = reg.register(first, event, RegistrationInfo(consent=True))
        b = reg.register(second, event, RegistrationInfo(consent=True))
        assert _mails_to(first.email) == [] and _mails_to(second.email) == []  # not yet
        return a, b

    a, b = both()
    assert (a.status, b.status) == ("confirmed", "waitlisted")
    assert len(_mails_to(first.email)) == 1 and len(_mails_to(second.email)) == 1


def test_a_mail_that_cannot_be_queued_leaves_the_registration_standing(
    event, participant, monkeypatch, caplog
):
    def database_gone(registration, kind):
        raise sa.exc.OperationalError("INSERT INTO outbox", {}, Exception("server closed"))

    monkeypatch.setattr(reg, "_queue_mail", database_gone)
    registration = reg.register(participant, event, RegistrationInfo(consent=True))
    assert registration.status == "confirmed"
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).status == "confirmed"
    assert _mails_to(participant.email) == []
    assert "was not queued" in caplog.text
