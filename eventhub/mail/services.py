"""Queue mail in the outbox and deliver it (SMTP, or .eml files when no SMTP is configured)."""

from __future__ import annotations

import base64
import functools
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage, Message
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from eventhub.database import after_commit, db, lock_for_write, transactional, utcnow
from eventhub.mail.models import MailStatus, OutboxMessage


def render_mail(template: str, locale: str, **context: Any) -> tuple[str, str, str]:
    """Render the subject, text and HTML blocks of ``templates/emails/<template>.html``."""
    env = current_app.jinja_env
    tmpl = env.get_template(f"emails/{template}.html")
    with force_locale(locale):
        ctx = dict(context)
        current_app.update_template_context(ctx)
        context = tmpl.new_context(ctx)  # one for the three blocks: a block's names are its own
        parts = {}
        for block in ("subject", "text", "html"):
            parts[block] = "".join(tmpl.blocks[block](context)).strip()
    return parts["subject"], parts["text"], parts["html"]


@dataclass(frozen=True)
class Attachment:
    """A file sent with a mail: its name, its MIME type with any parameters
    (``text/calendar; method=REQUEST; charset=utf-8``) and its content (text, or bytes)."""

    filename: str
    content_type: str
    content: str | bytes

    def as_row(self) -> dict[str, str]:
        """The attachment as stored in the outbox's JSON (bytes in base64)."""
        row = {"filename": self.filename, "content_type": self.content_type}
        if isinstance(self.content, bytes):
            row["base64"] = base64.b64encode(self.content).decode("ascii")
        else:
            row["content"] = self.content
        return row

    @classmethod
    def from_row(cls, row: dict[str, str]) -> Attachment:
        content: str | bytes = (
            base64.b64decode(row["base64"]) if "base64" in row else row["content"]
        )
        return cls(row["filename"], row["content_type"], content)


def queue_mail(
    to: str, template: str, locale: str, attachments: list[Attachment] | None = None,
    **context: Any,
) -> OutboxMessage:
    """Put one mail (with ``attachments``, if any) in the outbox of the current unit of work; it
    is handed over for delivery after the commit (`hand_over`)."""
    subject, text, html = render_mail(template, locale, **context)
    message = OutboxMessage(
        to_addr=to, subject=subject[:500], text_body=text, html_body=html, template=template,
        attachments=[a.as_row() for a in attachments] if attachments else None,
    )
    db.session.add(message)
    after_commit(hand_over)
    return message


#: How each template queued unrendered is rendered (`renderer`), by template name.
_RENDERERS: dict[str, Callable[..., tuple[str, str, str] | None]] = {}


def renderer(template: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the function that renders a mail of ``template`` queued unrendered
    (`queue_unrendered`) from its arguments: it returns the subject, text and HTML (as
    `render_mail`), or None when there is nothing to send any more (what it was about is
    gone)."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        _RENDERERS[template] = fn
        return fn

    return register


def queue_unrendered(to: str, template: str, **args: Any) -> None:
    """Put one mail in the outbox of the current unit of work without rendering it: one
    insert, no template work, for a change made under a lock that others queue on (a
    registration's decision holds its event's). The mail is written with the change, so it
    is never lost; it is rendered by ``template``'s `renderer` from ``args`` (JSON values)
    once the unit of work has committed, in a unit of its own, or by whoever sends it first
    should that not have happened (`deliver_pending`)."""
    outbox = OutboxMessage.__table__
    row_id = db.session.connection().execute(
        outbox.insert().values(to_addr=to, subject="", text_body="", html_body="",
                               template=template, render_args=args)
        .returning(outbox.c.id)
    ).scalar_one()
    after_commit(functools.partial(_render_committed, row_id, template, args))
    after_commit(hand_over)


def _render_committed(row_id: int, template: str, args: dict[str, Any]) -> None:
    # The change is committed whatever happens here: a failure (the database gone for a
    # moment, a template's bug) leaves the mail to its sender, which retries and records it.
    try:
        render_stored(row_id, template, args)
    except Exception:  # noqa: BLE001
        current_app.logger.exception("mail: %s mail %s left for its sender to render",
                                     template, row_id)


@transactional
def render_stored(row_id: int, template: str, args: dict[str, Any]) -> bool:
    """Render the outbox's unrendered mail ``row_id`` and store it (unless another process
    did first); delete it when its renderer finds nothing to send. False when deleted."""
    parts = _RENDERERS[template](**args)
    outbox = OutboxMessage.__table__
    unrendered = (outbox.c.id == row_id, outbox.c.render_args.is_not(None))
    if parts is None:
        db.session.connection().execute(outbox.delete().where(*unrendered))
        return False
    subject, text, html = parts
    db.session.connection().execute(
        outbox.update().where(*unrendered).values(
            subject=subject[:500], text_body=text, html_body=html, render_args=None
        )
    )
    return True


def hand_over() -> None:
    """Have freshly committed mail delivered outside the current request, which never waits for
    an SMTP server: an RQ job when REDIS_URL is set (``flask eventhub mail worker`` runs it),
    else this process's courier thread when MAIL_SEND_IN_BACKGROUND is on (development's
    default); otherwise the mail waits for ``flask eventhub mail send``."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("REDIS_URL") and _enqueue(app):
        return
    if app.config.get("MAIL_SEND_IN_BACKGROUND"):
        from eventhub.mail.courier import courier_for

        courier_for(app).wake()


def _enqueue(app: Any) -> bool:
    from rq import Queue

    from eventhub.live import redis_client

    try:
        Queue(app.config["MAIL_QUEUE"], connection=redis_client()).enqueue(
            "eventhub.mail.tasks.deliver_outbox"
        )
    except Exception as exc:  # noqa: BLE001 - Redis down: the outbox keeps the mail
        app.logger.warning("mail: could not enqueue delivery (%s: %s); the outbox keeps it",
                           type(exc).__name__, exc)
        return False
    return True


def build_message(row: OutboxMessage) -> EmailMessage:
    """The mail of an outbox row: its text and HTML as alternatives, then its attachments,
    each with its stored MIME type and parameters (a calendar file keeps its ``method``, which
    mail clients act on)."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = row.to_addr
    message["Subject"] = row.subject
    message["Message-ID"] = make_msgid(domain="eventhub.local")
    message.set_content(row.text_body)
    message.add_alternative(row.html_body, subtype="html")
    for attachment in map(Attachment.from_row, row.attachments or []):
        _attach(message, attachment)
    return message


def _attach(message: EmailMessage, attachment: Attachment) -> None:
    header = Message()
    header["Content-Type"] = attachment.content_type
    maintype, subtype = header.get_content_maintype(), header.get_content_subtype()
    params = {k: v for k, v in header.get_params()[1:] if k != "charset"}
    if isinstance(attachment.content, str):
        message.add_attachment(attachment.content, subtype=subtype, filename=attachment.filename,
                               params=params)
    else:
        message.add_attachment(attachment.content, maintype=maintype, subtype=subtype,
                               filename=attachment.filename, params=params)


def send_message(message: EmailMessage, row_id: int) -> None:
    """Send one message by SMTP (each wait for the server at most MAIL_TIMEOUT seconds), or
    write it as an .eml file when no SMTP server is configured."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        folder = Path(current_app.instance_path) / config["MAIL_FILE_DIR"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{utcnow():%Y%m%d-%H%M%S}-{row_id}.eml").write_bytes(bytes(message))
        return
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"],
                    timeout=config["MAIL_TIMEOUT"]) as smtp:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)


#: The longest wait between two attempts at one message.
MAX_RETRY_DELAY = timedelta(hours=6)


def retry_delay(attempts: int) -> timedelta:
    """How long a message waits after its ``attempts``-th failed attempt: 2, 4, 8, ... minutes,
    at most MAX_RETRY_DELAY."""
    return min(timedelta(minutes=2 ** min(attempts, 20)), MAX_RETRY_DELAY)


def deliver_pending(limit: int = 100) -> dict[str, int]:
    """Send up to ``limit`` due messages, one at a time, and count them by outcome.

    Each message is claimed in a short transaction of its own (its attempt counted, its next
    attempt set, so no other worker takes it while it is being sent), sent outside of any
    transaction, and its outcome recorded in another short one. A failure leaves it queued
    for a later attempt (`retry_delay`) until MAIL_MAX_ATTEMPTS, then marks it failed.
    """
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for _ in range(limit):
        row = _claim_next()
        if row is None:
            break
        try:
            if row.render_args is not None:  # its process ended before rendering it
                if not render_stored(row.id, row.template, row.render_args):
                    continue
                db.session.refresh(row)
            send_message(build_message(row), row.id)
        except Exception as exc:  # noqa: BLE001 - any failure of one message is recorded
            counts[_record_failure(row, exc)] += 1
        else:
            _record_sent(row)
            counts["sent"] += 1
    return counts


@transactional
def _claim_next() -> OutboxMessage | None:
    lock_for_write()  # SQLite: two couriers never claim the same message
    now = utcnow()
    query = (
        sa.select(OutboxMessage)
        .where(OutboxMessage.status == MailStatus.pending, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(1)
    )
    if db.session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update(skip_locked=True)
    row = db.session.scalars(query).first()
    if row is not None:
        row.attempts += 1
        row.next_attempt_at = now + retry_delay(row.attempts)
    return row


@transactional
def _record_sent(row: OutboxMessage) -> None:
    # An UPDATE statement, not a flush: a message deleted meanwhile (an account erased) is
    # simply gone.
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == row.id)
        .values(status=MailStatus.sent, sent_at=utcnow(), last_error=None)
    )


@transactional
def _record_failure(row: OutboxMessage, error: Exception) -> str:
    values: dict[str, Any] = {"last_error": f"{type(error).__name__}: {error}"[:2000]}
    if row.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        values["status"] = MailStatus.failed
    else:
        values["next_attempt_at"] = utcnow() + retry_delay(row.attempts)
    db.session.execute(
        sa.update(OutboxMessage).where(OutboxMessage.id == row.id).values(**values)
    )
    return "failed" if "status" in values else "retry"


@dataclass(frozen=True)
class OutboxCount:
    """The outbox's messages of one status: how many, how many of them were tried and failed
    at least once, the most attempts of one, and the earliest next attempt (pending ones)."""

    status: MailStatus
    count: int
    tried: int
    most_attempts: int
    next_attempt_at: Any


def outbox_status() -> list[OutboxCount]:
    """The outbox by status (pending, sent, failed, each even when empty), in one query."""
    rows = db.session.execute(
        sa.select(
            OutboxMessage.status,
            sa.func.count(),
            sa.func.count().filter(OutboxMessage.attempts > 0),
            sa.func.max(OutboxMessage.attempts),
            sa.func.min(OutboxMessage.next_attempt_at),
        ).group_by(OutboxMessage.status)
    ).all()
    found = {row[0]: row for row in rows}
    return [
        OutboxCount(status, *(found[status][1:] if status in found else (0, 0, 0, None)))
        for status in MailStatus
    ]


def undelivered(limit: int = 50) -> list[OutboxMessage]:
    """The messages not sent yet (pending, then failed ones), soonest next attempt first."""
    return list(db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.status != MailStatus.sent)
        .order_by(OutboxMessage.status.desc(), OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    ))
