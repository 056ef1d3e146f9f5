"""Queue mail in the outbox and deliver it (SMTP, or .eml files when no SMTP is configured)."""

from __future__ import annotations

import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from eventhub.database import after_commit, db, transactional, utcnow
from eventhub.mail.models import MailStatus, OutboxMessage


def render_mail(template: str, locale: str, **context: Any) -> tuple[str, str, str]:
    """Render the subject, text and HTML blocks of ``templates/emails/<template>.html``."""
    env = current_app.jinja_env
    tmpl = env.get_template(f"emails/{template}.html")
    with force_locale(locale):
        ctx = dict(context)
        current_app.update_template_context(ctx)
        parts = {}
        for block in ("subject", "text", "html"):
            parts[block] = "".join(tmpl.blocks[block](tmpl.new_context(ctx))).strip()
    return parts["subject"], parts["text"], parts["html"]


def queue_mail(to: str, template: str, locale: str, **context: Any) -> OutboxMessage:
    """Put one mail in the outbox of the current unit of work; it is sent after the commit."""
    subject, text, html = render_mail(template, locale, **context)
    message = OutboxMessage(
        to_addr=to, subject=subject[:500], text_body=text, html_body=html, template=template
    )
    db.session.add(message)
    after_commit(kick_delivery)
    return message


def kick_delivery() -> None:
    """Hand freshly committed mail to a worker (RQ), or deliver it now when so configured."""
    config = current_app.config
    if config.get("REDIS_URL"):
        try:
            from redis import Redis
            from rq import Queue

            Queue("mail", connection=Redis.from_url(config["REDIS_URL"])).enqueue(
                "eventhub.mail.tasks.deliver_outbox"
            )
            return
        except Exception:  # Redis down: the outbox keeps the mail for `mail send`.
            current_app.logger.warning("could not enqueue mail delivery", exc_info=True)
    if config.get("MAIL_SEND_AFTER_COMMIT"):
        deliver_pending()


def build_message(row: OutboxMessage) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = row.to_addr
    message["Subject"] = row.subject
    message["Message-ID"] = make_msgid(domain="eventhub.local")
    message.set_content(row.text_body)
    message.add_alternative(row.html_body, subtype="html")
    return message


def send_message(message: EmailMessage, row_id: int) -> None:
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        folder = Path(current_app.instance_path) / config["MAIL_FILE_DIR"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{utcnow():%Y%m%d-%H%M%S}-{row_id}.eml").write_bytes(bytes(message))
        return
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)


@transactional
def deliver_pending(limit: int = 100) -> dict[str, int]:
    """Send due mail; a failure is recorded and retried later with a growing delay."""
    now = utcnow()
    query = (
        sa.select(OutboxMessage)
        .where(OutboxMessage.status == MailStatus.pending, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if db.session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update(skip_locked=True)
    counts = {"sent": 0, "retry": 0, "failed": 0}
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    for row in db.session.scalars(query):
        row.attempts += 1
        try:
            send_message(build_message(row), row.id)
        except Exception as exc:
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if row.attempts >= max_attempts:
                row.status = MailStatus.failed
                counts["failed"] += 1
            else:
                row.next_attempt_at = now + timedelta(minutes=2**row.attempts)
                counts["retry"] += 1
            continue
        row.status = MailStatus.sent
        row.sent_at = utcnow()
        row.last_error = None
        counts["sent"] += 1
    return counts
