"""The mail outbox: queued in the unit of work, delivered after the commit, retried on failure."""

from __future__ import annotations

import socket
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import jinja2
import pytest
import sqlalchemy as sa

from eventhub.database import db, transactional, utcnow
from eventhub.mail.models import MailStatus, OutboxMessage
from eventhub.mail.services import deliver_pending, queue_mail

NOTICE = """\
{% block subject %}活动提醒：{{ title }}{% endblock %}
{% block text %}{{ name }}，您好！{{ title }} 明天开始。{% endblock %}
{% block html %}<p>{{ name }}，您好！<strong>{{ title }}</strong> 明天开始。</p>{% endblock %}
"""


class Boom(Exception):
    pass


@pytest.fixture
def mail_dir(app, monkeypatch, tmp_path) -> Path:
    """A fresh instance folder (mail goes to instance/mail) and a test mail template."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    loader = jinja2.ChoiceLoader(
        [jinja2.DictLoader({"emails/test_notice.html": NOTICE}), app.jinja_env.loader]
    )
    monkeypatch.setattr(app.jinja_env, "loader", loader)
    return tmp_path / "mail"


@pytest.fixture
def closed_port() -> int:
    """A local TCP port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def broken_smtp(app, monkeypatch, closed_port):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", closed_port)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)


def queue_notice(to: str = "zhangwei@example.com") -> OutboxMessage:
    return queue_mail(to, "test_notice", "zh_Hans", name="张伟", title="2026 沈阳创业周")


def outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def eml_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def test_mail_of_a_failed_unit_of_work_is_never_sent(mail_dir):
    @transactional
    def register_then_fail() -> None:
        queue_notice()
        db.session.flush()
        raise Boom

    with pytest.raises(Boom):
        register_then_fail()

    assert outbox() == []
    assert eml_files(mail_dir) == []


def test_committed_mail_is_delivered_after_the_commit(mail_dir):
    @transactional
    def register() -> OutboxMessage:
        message = queue_notice()
        assert eml_files(mail_dir) == []  # not before the commit
        return message

    message = register()

    assert message.status == MailStatus.sent
    assert message.attempts == 1
    assert message.sent_at is not None
    [eml] = eml_files(mail_dir)
    parsed = message_from_bytes(eml.read_bytes(), policy=default_policy)
    assert parsed["To"] == "zhangwei@example.com"
    assert parsed["Subject"] == "活动提醒：2026 沈阳创业周"
    assert "张伟，您好！" in parsed.get_body(("plain",)).get_content()
    assert "<strong>2026 沈阳创业周</strong>" in parsed.get_body(("html",)).get_content()


def test_queued_mail_waits_when_not_sent_after_commit(app, mail_dir, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SEND_AFTER_COMMIT", False)
    message = transactional(queue_notice)()

    assert message.status == MailStatus.pending
    assert eml_files(mail_dir) == []
    assert deliver_pending() == {"sent": 1, "retry": 0, "failed": 0}
    assert len(eml_files(mail_dir)) == 1


def test_failing_smtp_records_the_error_and_retries_later(app, mail_dir, broken_smtp,
                                                          monkeypatch):
    message = transactional(queue_notice)()

    assert message.status == MailStatus.pending
    assert message.attempts == 1
    assert "ConnectionRefused" in message.last_error
    assert message.next_attempt_at > utcnow()

    # Not due yet: nothing is tried again.
    assert deliver_pending() == {"sent": 0, "retry": 0, "failed": 0}
    assert message.attempts == 1

    # Later, the mail server is back: the same message goes out, nothing is lost.
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert deliver_pending() == {"sent": 1, "retry": 0, "failed": 0}
    assert message.status == MailStatus.sent
    assert message.attempts == 2
    assert message.last_error is None
    assert len(eml_files(mail_dir)) == 1


def test_mail_gives_up_after_the_last_attempt(app, mail_dir, broken_smtp, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 2)
    message = transactional(queue_notice)()
    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    assert deliver_pending() == {"sent": 0, "retry": 0, "failed": 1}
    assert message.status == MailStatus.failed
    assert message.attempts == 2
    assert message.last_error


def test_mail_send_command_delivers_the_outbox(app, mail_dir, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SEND_AFTER_COMMIT", False)
    transactional(lambda: [queue_notice(f"p{n}@example.com") for n in range(3)])()
    runner = app.test_cli_runner()

    status = runner.invoke(args=["eventhub", "mail", "status"])
    assert status.exit_code == 0, status.output
    assert "pending  3" in status.output

    result = runner.invoke(args=["eventhub", "mail", "send"])
    assert result.exit_code == 0, result.output
    assert "sent 3, to retry 0, failed 0" in result.output
    assert len(eml_files(mail_dir)) == 3
    assert {m.status for m in outbox()} == {MailStatus.sent}


def test_mail_worker_needs_redis(app):
    result = app.test_cli_runner().invoke(args=["eventhub", "mail", "worker"])
    assert result.exit_code != 0
    assert "REDIS_URL" in result.output
