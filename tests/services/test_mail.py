"""The mail outbox: queued in the unit of work, handed over after the commit (never sent in the
request), delivered by a worker or the courier thread, retried with backoff on failure."""

from __future__ import annotations

import logging
import socket
import threading
import time
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import jinja2
import pytest
import sqlalchemy as sa

from eventhub.database import db, transactional, utcnow
from eventhub.mail import courier as courier_module
from eventhub.mail.courier import Courier
from eventhub.mail.models import MailStatus, OutboxMessage
from eventhub.mail.services import Attachment, deliver_pending, queue_mail, retry_delay
from tests.conftest import TEST_REDIS_URL

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


class Recorder:
    """Stands in for the courier: counts how often it is woken."""

    def __init__(self) -> None:
        self.wakes = 0

    def wake(self) -> None:
        self.wakes += 1


@pytest.fixture
def courier(app, monkeypatch) -> Recorder:
    """Development's setting (a courier thread per process), with the thread replaced by a
    recorder: the thread's own database session cannot see a test's transaction."""
    recorder = Recorder()
    monkeypatch.setitem(app.config, "MAIL_SEND_IN_BACKGROUND", True)
    monkeypatch.setattr(courier_module, "courier_for", lambda _app: recorder)
    return recorder


def test_committed_mail_is_handed_over_after_the_commit_and_sent_by_delivery(mail_dir,
                                                                             courier):
    @transactional
    def register() -> OutboxMessage:
        message = queue_notice()
        assert courier.wakes == 0  # not before the commit
        return message

    message = register()

    assert courier.wakes == 1
    assert message.status == MailStatus.pending and message.attempts == 0
    assert eml_files(mail_dir) == []  # the unit of work itself sends nothing

    assert deliver_pending() == {"sent": 1, "retry": 0, "failed": 0}
    assert message.status == MailStatus.sent
    assert message.attempts == 1
    assert message.sent_at is not None
    [eml] = eml_files(mail_dir)
    parsed = message_from_bytes(eml.read_bytes(), policy=default_policy)
    assert parsed["To"] == "zhangwei@example.com"
    assert parsed["Subject"] == "活动提醒：2026 沈阳创业周"
    assert "张伟，您好！" in parsed.get_body(("plain",)).get_content()
    assert "<strong>2026 沈阳创业周</strong>" in parsed.get_body(("html",)).get_content()


def test_attachments_are_kept_in_the_outbox_and_delivered(app, mail_dir):
    calendar = "BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\nSUMMARY:坐诊\r\nEND:VCALENDAR\r\n"
    files = [Attachment("invite.ics", "text/calendar; method=CANCEL; charset=utf-8", calendar),
             Attachment("data.bin", "application/octet-stream", b"\x00\xffeventhub")]
    message = transactional(lambda: queue_mail("zhangwei@example.com", "test_notice",
                                               "zh_Hans", attachments=files, name="张伟",
                                               title="路演"))()
    db.session.expire(message)
    assert [Attachment.from_row(row) for row in message.attachments] == files
    assert queue_notice().attachments is None  # a mail without files stays as it was

    assert deliver_pending()["sent"] == 2
    eml = next(path for path in eml_files(mail_dir) if path.name.endswith(f"-{message.id}.eml"))
    parsed = message_from_bytes(eml.read_bytes(), policy=default_policy)
    assert "张伟，您好！" in parsed.get_body(("plain",)).get_content()
    ics, blob = parsed.iter_attachments()
    assert ics.get_content_type() == "text/calendar" and ics.get_param("method") == "CANCEL"
    # Text parts travel with the mail's line ends.
    assert ics.get_filename() == "invite.ics"
    assert ics.get_content() == calendar.replace("\r\n", "\n")
    assert blob.get_filename() == "data.bin" and blob.get_content() == b"\x00\xffeventhub"


def test_without_a_courier_mail_waits_for_the_send_command(app, mail_dir, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SEND_IN_BACKGROUND", False)
    message = transactional(queue_notice)()

    assert message.status == MailStatus.pending
    assert eml_files(mail_dir) == []
    assert deliver_pending() == {"sent": 1, "retry": 0, "failed": 0}
    assert len(eml_files(mail_dir)) == 1


def test_failing_smtp_records_the_error_and_retries_later(app, mail_dir, broken_smtp,
                                                          monkeypatch):
    message = transactional(queue_notice)()
    assert deliver_pending() == {"sent": 0, "retry": 1, "failed": 0}

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


# An SMTP server that accepts connections and never answers ------------------------------


@pytest.fixture
def hanging_smtp(app, monkeypatch):
    """A server on 127.0.0.1 that accepts every connection and then says nothing (no
    greeting), as a hung mail server does; the app's SMTP settings point at it."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(conn)  # kept open, never answered

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", server.getsockname()[1])
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    yield held
    stop.set()
    thread.join(timeout=5)
    server.close()
    for conn in held:
        conn.close()


def test_a_registration_answers_at_once_while_the_mail_server_hangs(
    api, participant, event, mail_dir, hanging_smtp, courier
):
    # Development's setting, with a backlog: the request may not deliver any of it.
    transactional(lambda: [queue_notice(f"p{n}@example.com") for n in range(3)])()

    started = time.monotonic()
    response = api(participant).post(f"/api/v1/events/{event.id}/registrations",
                                     json={"consent": True})
    elapsed = time.monotonic() - started

    assert response.status_code == 201, response.get_json()
    assert elapsed < 5  # a request that sent mail would wait MAIL_TIMEOUT (10 s) per message
    assert hanging_smtp == []  # nobody even connected to the mail server
    assert courier.wakes >= 1
    queued = outbox()
    assert len(queued) == 4 and "p0@example.com" in {m.to_addr for m in queued}
    assert {(m.status, m.attempts) for m in queued} == {(MailStatus.pending, 0)}


def test_a_hanging_mail_server_is_given_up_on_and_retried_with_growing_delays(
    app, mail_dir, hanging_smtp, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 0.3)
    message = transactional(queue_notice)()

    started = time.monotonic()
    assert deliver_pending() == {"sent": 0, "retry": 1, "failed": 0}
    assert time.monotonic() - started < 5
    assert len(hanging_smtp) == 1
    assert message.status == MailStatus.pending
    assert message.attempts == 1
    assert "timed out" in message.last_error.lower()
    first_wait = message.next_attempt_at - utcnow()
    assert timedelta(minutes=1) < first_wait <= retry_delay(1)

    # Not due yet: the next round leaves it alone.
    assert deliver_pending() == {"sent": 0, "retry": 0, "failed": 0}
    assert message.attempts == 1

    # Due again and failing again: it waits longer this time.
    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert deliver_pending() == {"sent": 0, "retry": 1, "failed": 0}
    assert message.attempts == 2
    assert message.next_attempt_at - utcnow() > first_wait + timedelta(minutes=1)
    assert message.status == MailStatus.pending


def test_retry_delays_grow_and_are_capped():
    delays = [retry_delay(n) for n in range(1, 12)]
    assert delays == sorted(delays)
    assert delays[0] == timedelta(minutes=2) and delays[1] == timedelta(minutes=4)
    assert max(delays) == retry_delay(100) <= timedelta(hours=6)


# The courier thread ----------------------------------------------------------------------


def test_the_courier_delivers_in_its_own_thread_and_outlives_failures(app, caplog):
    calls: list[str] = []
    release = threading.Event()
    failed_once = threading.Event()
    done = threading.Event()

    def deliver() -> None:
        from flask import current_app

        calls.append(threading.current_thread().name)
        assert current_app._get_current_object() is app
        if len(calls) == 1:
            release.wait(5)  # a slow mail server
            failed_once.set()
            raise ConnectionError("mail server gone\nsecond line")
        done.set()

    courier = Courier(app, deliver=deliver, poll_seconds=30)
    started = time.monotonic()
    courier.wake()
    courier.wake()  # one thread, however often it is woken
    assert time.monotonic() - started < 1  # waking never waits for delivery
    release.set()
    assert failed_once.wait(5)
    courier.wake()
    assert done.wait(5)

    assert len(calls) == 2 and calls[0] == calls[1] != threading.current_thread().name
    [record] = [r for r in caplog.records if "mail courier" in r.getMessage()]
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert "mail server gone" in record.getMessage() and "second line" not in record.getMessage()


def test_each_process_has_one_courier_per_app(app):
    from eventhub.mail.courier import courier_for

    first = courier_for(app)
    assert courier_for(app) is first
    first.pid = -1  # as seen from a forked worker: its parent's courier has no thread there
    assert courier_for(app) is not first


# RQ -------------------------------------------------------------------------------------


def test_with_redis_a_commit_enqueues_a_delivery_job(app, mail_dir, redis_client, courier,
                                                     monkeypatch):
    from rq import Queue

    name = f"test-mail-{time.time_ns()}"
    monkeypatch.setitem(app.config, "REDIS_URL", TEST_REDIS_URL)
    monkeypatch.setitem(app.config, "MAIL_QUEUE", name)
    queue = Queue(name, connection=redis_client)
    try:
        message = transactional(queue_notice)()
        [job] = queue.get_jobs()
        assert job.func_name == "eventhub.mail.tasks.deliver_outbox"
    finally:
        queue.delete(delete_jobs=True)
    assert courier.wakes == 0
    assert message.status == MailStatus.pending


def test_redis_down_leaves_the_mail_to_the_courier(app, mail_dir, courier, closed_port,
                                                    monkeypatch, caplog):
    from eventhub import live

    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{closed_port}/0")
    monkeypatch.setattr(live, "_clients", {})
    message = transactional(queue_notice)()

    assert courier.wakes == 1
    assert message.status == MailStatus.pending
    [record] = [r for r in caplog.records if "enqueue" in r.getMessage()]
    assert record.exc_info is None


def test_mail_gives_up_after_the_last_attempt(app, mail_dir, broken_smtp, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 2)
    message = transactional(queue_notice)()
    assert deliver_pending() == {"sent": 0, "retry": 1, "failed": 0}
    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    assert deliver_pending() == {"sent": 0, "retry": 0, "failed": 1}
    assert message.status == MailStatus.failed
    assert message.attempts == 2
    assert message.last_error


def test_mail_send_command_delivers_the_outbox(app, mail_dir):
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
