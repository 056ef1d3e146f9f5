"""A registration's mail is written in the outbox with the decision (never lost, never sent
for a decision rolled back) but rendered once the decision has committed, out of the event's
lock: a burst's other registrations never wait while one renders its mail (issue 16). A mail
whose process ended before rendering it is rendered by its sender."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
import sqlalchemy as sa

from eventhub.database import db, transactional
from eventhub.errors import Conflict
from eventhub.mail import services as mail
from eventhub.mail.models import MailStatus, OutboxMessage
from eventhub.models import Event, Organization, Registration, User
from eventhub.registrations import services as reg
from eventhub.registrations.services import RegistrationInfo
from tests import factories


def _mails_to(address):
    db.session.expire_all()
    return db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.to_addr == address)
    ).all()


@pytest.mark.concurrent
def test_the_mail_is_rendered_after_the_commit_with_the_event_unlocked(fresh_db, monkeypatch):
    """While the mail renders, another connection sees the registration and its unrendered
    mail committed, and can lock the event row at once."""
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
        render = mail._RENDERERS["registration"]

        def observed(**args):
            with db.engine.connect() as other:
                status = other.execute(sa.select(Registration.status)).scalar_one_or_none()
                waiting = other.execute(sa.select(OutboxMessage.subject).where(
                    OutboxMessage.render_args.is_not(None))).scalars().all()
                if other.dialect.name == "postgresql":  # raises while the lock is held
                    other.execute(sa.select(Event.id).where(Event.id == event.id)
                                  .with_for_update(nowait=True))
                # (SQLite: a committed registration is a released write lock.)
                other.rollback()
            seen.append((status, waiting))
            return render(**args)

        monkeypatch.setitem(mail._RENDERERS, "registration", observed)
        registration = reg.register(person, event, RegistrationInfo(consent=True))
        assert seen == [(registration.status, [""])]
        [message] = _mails_to("late@example.com")
        assert message.render_args is None and event.title in message.subject


def test_the_mail_is_written_with_the_decision_and_rendered_after_it(event, participant):
    @transactional
    def register():
        registration = reg.register(participant, event, RegistrationInfo(consent=True))
        [written] = _mails_to(participant.email)  # in the same unit of work, not rendered
        assert written.subject == ""
        assert written.render_args == {"event_id": event.id, "user_id": participant.id}
        return registration

    registration = register()
    [message] = _mails_to(participant.email)
    assert message.render_args is None and event.title in message.subject
    assert registration.ticket_code in message.text_body


def test_a_rolled_back_decision_leaves_no_mail(event, participant):
    @transactional
    def register_then_fail():
        reg.register(participant, event, RegistrationInfo(consent=True))
        raise Conflict("changed my mind")

    with pytest.raises(Conflict):
        register_then_fail()
    assert _mails_to(participant.email) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0
    other = factories.UserFactory(phone="13900005555")
    reg.register(other, event, RegistrationInfo(consent=True))
    assert _mails_to(participant.email) == [] and len(_mails_to(other.email)) == 1


def test_the_waitlisted_mail_says_the_position_decided(event):
    event.capacity = 1
    first, second, third = (factories.UserFactory(phone=f"1390000777{i}") for i in range(3))
    for person in (first, second, third):
        reg.register(person, event, RegistrationInfo(consent=True))
    [mail_of_third] = _mails_to(third.email)
    assert "2" in mail_of_third.text_body and mail_of_third.render_args is None


def test_a_mail_left_unrendered_is_rendered_by_its_sender(
    app, event, participant, monkeypatch, tmp_path, caplog
):
    """The process that decided ended (here: the database failed) before rendering it."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    render = mail._RENDERERS["registration"]

    def database_gone(**args):
        raise sa.exc.OperationalError("SELECT", {}, Exception("server closed"))

    monkeypatch.setitem(mail._RENDERERS, "registration", database_gone)
    registration = reg.register(participant, event, RegistrationInfo(consent=True))
    assert "left for its sender to render" in caplog.text
    [waiting] = _mails_to(participant.email)
    assert waiting.subject == "" and waiting.status == MailStatus.pending

    monkeypatch.setitem(mail._RENDERERS, "registration", render)
    assert mail.deliver_pending() == {"sent": 1, "retry": 0, "failed": 0}
    [sent] = _mails_to(participant.email)
    assert sent.status == MailStatus.sent and sent.render_args is None
    [eml] = (tmp_path / "mail").glob("*.eml")
    parsed = message_from_bytes(eml.read_bytes(), policy=default_policy)
    assert event.title in parsed["Subject"]
    assert registration.ticket_code in parsed.get_body(("plain",)).get_content()


def test_a_renderers_failure_is_the_senders_to_retry_and_record(
    app, event, participant, monkeypatch, tmp_path, caplog
):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    monkeypatch.setitem(mail._RENDERERS, "registration", lambda **args: 1 / 0)
    registration = reg.register(participant, event, RegistrationInfo(consent=True))
    assert registration.status == "confirmed" and "ZeroDivisionError" in caplog.text
    assert mail.deliver_pending() == {"sent": 0, "retry": 1, "failed": 0}
    [waiting] = _mails_to(participant.email)
    assert waiting.status == MailStatus.pending and "ZeroDivisionError" in waiting.last_error


def test_a_mail_whose_registration_is_gone_is_not_sent(app, event, participant, monkeypatch,
                                                      tmp_path):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    render = mail._RENDERERS["registration"]
    monkeypatch.setitem(mail._RENDERERS, "registration", lambda **args: 1 / 0)
    reg.register(participant, event, RegistrationInfo(consent=True))
    monkeypatch.setitem(mail._RENDERERS, "registration", render)
    db.session.execute(sa.delete(Registration))
    db.session.commit()
    assert mail.deliver_pending() == {"sent": 0, "retry": 0, "failed": 0}
    assert _mails_to(participant.email) == []
