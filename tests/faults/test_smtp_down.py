"""SMTP down: the outbox keeps every mail, tries again later and later (`retry_delay`),
`flask eventhub mail status` shows it, and when the server is back every mail goes out
exactly once (PostgreSQL, real commits; the clock of the outbox is the test's)."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes

import pytest
import sqlalchemy as sa

from eventhub.accounts.services import create_token
from eventhub.database import db, utcnow
from eventhub.mail import services as mail
from eventhub.mail.models import MailStatus, OutboxMessage
from tests import factories
from tests.faults.conftest import SmtpSink, free_port

pytestmark = pytest.mark.concurrent("postgresql")

PEOPLE = 4


def outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def test_smtp_down_keeps_the_mail_retries_with_backoff_and_sends_once_when_back(
    fresh_db, make_app, monkeypatch
):
    port = free_port()  # nothing listens: every connection is refused
    app = make_app(
        fresh_db.config["SQLALCHEMY_DATABASE_URI"],
        MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_TIMEOUT=2,
        MAIL_MAX_ATTEMPTS=8,
    )
    with app.app_context():
        event = factories.EventFactory(title="SMTP 故障演练")
        tokens = [create_token(factories.UserFactory(phone=f"1390000{n:04d}"), "t")[1]
                  for n in range(PEOPLE)]
        event_id = event.id
    client = app.test_client()
    for token in tokens:  # each registration queues its confirmation
        answer = client.post(f"/api/v1/events/{event_id}/registrations", json={"consent": True},
                             headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 201, answer.get_json()

    clock = [utcnow()]  # the outbox's clock from now on
    monkeypatch.setattr(mail, "utcnow", lambda: clock[0])
    runner = app.test_cli_runner()
    with app.app_context():
        queued = outbox()
        assert len(queued) == PEOPLE
        for attempt in range(1, 4):
            assert mail.deliver_pending() == {"sent": 0, "retry": PEOPLE, "failed": 0}
            rows = outbox()
            assert {r.status for r in rows} == {MailStatus.pending}
            assert {r.attempts for r in rows} == {attempt}
            assert {r.next_attempt_at - clock[0] for r in rows} == {mail.retry_delay(attempt)}
            assert all("ConnectionRefusedError" in r.last_error for r in rows)
            # Not due yet: nothing is tried, however often the courier looks.
            clock[0] += mail.retry_delay(attempt) - timedelta(seconds=1)
            assert mail.deliver_pending() == {"sent": 0, "retry": 0, "failed": 0}
            clock[0] += timedelta(seconds=1)
        assert [mail.retry_delay(n) for n in (1, 2, 3)] == [
            timedelta(minutes=2), timedelta(minutes=4), timedelta(minutes=8)]

        status = runner.invoke(args=["eventhub", "mail", "status", "--list"])
        assert status.exit_code == 0, status.output
        lines = status.output.splitlines()
        assert lines[0].startswith(f"pending  {PEOPLE}  (retrying {PEOPLE}, most attempts 3, "
                                   "next try ")
        assert lines[1:3] == ["sent     0", "failed   0"]
        listed = [line for line in lines[3:] if line.startswith("#")]
        assert len(listed) == PEOPLE
        assert all("attempts 3" in line and "ConnectionRefusedError" in line for line in listed)

        sink = SmtpSink(port)  # the server is back, on the same port
        try:
            assert mail.deliver_pending() == {"sent": PEOPLE, "retry": 0, "failed": 0}
            # Later rounds, and a day later, send nothing again.
            clock[0] += timedelta(days=1)
            assert mail.deliver_pending() == {"sent": 0, "retry": 0, "failed": 0}
        finally:
            sink.stop()
        rows = outbox()
        assert {r.status for r in rows} == {MailStatus.sent}
        assert {r.attempts for r in rows} == {4}
        assert all(r.last_error is None and r.sent_at == clock[0] - timedelta(days=1)
                   for r in rows)
        sent = [message_from_bytes(raw) for raw in sink.messages]
        assert sorted(m["To"] for m in sent) == sorted(r.to_addr for r in queued)
        assert len({m["Message-ID"] for m in sent}) == PEOPLE
        status = runner.invoke(args=["eventhub", "mail", "status"])
        assert status.output.splitlines() == ["pending  0", f"sent     {PEOPLE}", "failed   0"]
