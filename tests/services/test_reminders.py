"""Day-before reminders: `services.send_reminders` and `flask eventhub mail remind`."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from eventhub.database import db
from eventhub.mail.models import OutboxMessage
from eventhub.registrations import services as reg
from tests import factories


def info(**kw):
    return reg.RegistrationInfo(consent=True, **kw)


def reminders(to=None) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).where(OutboxMessage.text_body.contains("\n"))
    rows = [m for m in db.session.scalars(query.order_by(OutboxMessage.id))
            if m.subject.startswith(("Tomorrow", "明天"))]
    return [m for m in rows if to is None or m.to_addr == to]


@pytest.fixture
def tomorrow(org, now):
    return factories.EventFactory(organization=org, title="路演日",
                                  starts_at=now + timedelta(hours=20),
                                  ends_at=now + timedelta(hours=23))


def person(n, **kw):
    return factories.UserFactory(phone=f"136{n:08d}", **kw)


def test_only_confirmed_registrations_of_events_within_24_hours(tomorrow, event, organizer, now):
    tomorrow.capacity = 1
    db.session.commit()
    confirmed, waitlisted, cancelled = person(1), person(2), person(3)
    reg.register(confirmed, tomorrow, info())
    reg.register(waitlisted, tomorrow, info())
    gone = reg.register(cancelled, tomorrow, info(), actor=organizer)
    reg.cancel(organizer, gone)
    later = reg.register(person(4), event, info())  # ten days away
    draft = factories.EventFactory(organization=tomorrow.organization, status="draft",
                                   starts_at=now + timedelta(hours=5))
    reg.register(person(5), draft, info(), actor=organizer)

    assert reg.send_reminders() == 1
    assert [m.to_addr for m in reminders()] == [confirmed.email]
    assert later.reminded_at is None


def test_each_person_is_reminded_once(tomorrow, now):
    user = person(1)
    registration = reg.register(user, tomorrow, info())
    assert reg.send_reminders(now=now) == 1
    assert reg.send_reminders(now=now + timedelta(hours=1)) == 0
    assert len(reminders(user.email)) == 1
    assert registration.reminded_at == now


def test_events_that_started_are_not_reminded(tomorrow, now):
    reg.register(person(1), tomorrow, info())
    assert reg.send_reminders(now=tomorrow.starts_at + timedelta(minutes=1)) == 0
    assert reg.send_reminders(now=tomorrow.starts_at - timedelta(hours=25)) == 0
    assert reg.send_reminders(now=tomorrow.starts_at - timedelta(hours=23)) == 1


def test_reminders_are_in_each_participants_language(tomorrow):
    chinese, english = person(1), person(2, locale="en")
    for user in (chinese, english):
        reg.register(user, tomorrow, info())
    reg.send_reminders()
    [zh] = reminders(chinese.email)
    [en] = reminders(english.email)
    assert en.subject == "Tomorrow: 路演日"
    assert zh.subject != en.subject and "路演日" in zh.subject
    assert "明天" in zh.subject
    assert "Show the QR code" in en.text_body and "Show the QR code" not in zh.text_body
    assert tomorrow.venue in en.text_body


def test_cli_mail_remind(app, tomorrow):
    reg.register(person(1), tomorrow, info())
    runner = app.test_cli_runner()
    result = runner.invoke(args=["eventhub", "mail", "remind"])
    assert result.exit_code == 0, result.output
    assert "1" in result.output
    result = runner.invoke(args=["eventhub", "mail", "remind"])
    assert result.exit_code == 0 and "queued 0" in result.output
    assert len(reminders()) == 1
