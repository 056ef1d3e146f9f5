"""`flask eventhub ...`: create-admin, demo, mail, purge."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup

from eventhub.database import transactional

eventhub_cli = AppGroup("eventhub", help="eventhub administration.")


@eventhub_cli.command("create-admin")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--name", default=None)
def create_admin(email: str, password: str, name: str | None) -> None:
    """Make or update a platform admin."""
    from eventhub.accounts import services
    from eventhub.errors import DomainError

    try:
        user = _create_or_update_admin(email, password, name)
    except DomainError as error:
        details = "; ".join(f"{k}: {v}" for k, v in error.fields.items()) or error.message
        raise click.ClickException(details)
    click.echo(f"admin {user.email} (id {user.id}) is ready")
    del services


@transactional
def _create_or_update_admin(email: str, password: str, name: str | None):  # noqa: ANN202
    from eventhub.accounts import services

    user = services.find_user_by_email(email)
    if user is None:
        user = services.sign_up(
            services.SignUpInfo(email=email, password=password, name=name or email.split("@")[0])
        )
    else:
        services.change_password(user, password)
        if name:
            user.name = name
    user.is_admin = True
    user.is_active_account = True
    return user


@eventhub_cli.command("demo")
@click.option("--reset", is_flag=True, help="Delete the demo data first and load it anew.")
@click.option("--small", is_flag=True,
              help="Leave out the bulk (a few registrants an event, no past years): quicker.")
def demo(reset: bool, small: bool) -> None:
    """Load the demo data set (idempotent)."""
    from eventhub.demo import load_demo

    logins = load_demo(reset=reset, small=small)
    click.echo("Demo data loaded. Sign in with:")
    for role, email, password in logins:
        click.echo(f"  {role:<28} {email:<32} {password}")


@eventhub_cli.command("purge")
@click.option("--days", type=click.IntRange(min=0), required=True,
              help="Anonymize registrations of events that ended more than this many days ago.")
def purge(days: int) -> None:
    """Anonymize the personal data of old events' registrations and delete ended sign-in
    sessions (with their addresses) (idempotent; for cron)."""
    from eventhub.accounts.sessions import purge_ended_sessions
    from eventhub.registrations.privacy import purge_ended_events

    click.echo(f"anonymized {purge_ended_events(days)} registrations")
    click.echo(f"deleted {purge_ended_sessions()} ended sign-in sessions")


mail_cli = AppGroup("mail", help="The mail outbox.")
eventhub_cli.add_command(mail_cli)


@mail_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep running, delivering every few seconds.")
@click.option("--interval", default=5.0, show_default=True)
def mail_send(loop: bool, interval: float) -> None:
    """Deliver due mail from the outbox (run from cron, or with --loop as a worker)."""
    from eventhub.mail.services import deliver_pending

    while True:
        counts = deliver_pending()
        if not loop or counts["sent"] or counts["retry"] or counts["failed"]:
            click.echo(
                f"sent {counts['sent']}, to retry {counts['retry']}, failed {counts['failed']}"
            )
        if not loop:
            return
        time.sleep(interval)


@mail_cli.command("remind")
def mail_remind() -> None:
    """Queue reminders for confirmed participants of events and for bookers of office hours
    starting within 24 hours, and the satisfaction survey's mail to checked-in attendees of
    events that ended within 7 days (once each; run daily or hourly from cron)."""
    from eventhub.engagement.surveys import send_survey_invitations
    from eventhub.mentors.mails import send_booking_reminders
    from eventhub.registrations.services import send_reminders

    click.echo(f"queued {send_reminders()} reminders")
    click.echo(f"queued {send_booking_reminders()} office hour reminders")
    click.echo(f"queued {send_survey_invitations()} survey invitations")


@mail_cli.command("status")
@click.option("--list", "listing", is_flag=True,
              help="Also list the messages not sent yet: attempts, next try, last error.")
def mail_status(listing: bool) -> None:
    """Count outbox messages by status; pending ones tell how many failed an attempt already
    (SMTP down), the most attempts and the next try (times in UTC)."""
    from eventhub.mail.services import outbox_status, undelivered

    for row in outbox_status():
        line = f"{row.status.value:<8} {row.count}"
        if row.status == "pending" and row.count:
            line += (f"  (retrying {row.tried}, most attempts {row.most_attempts}, "
                     f"next try {row.next_attempt_at:%Y-%m-%d %H:%M:%S})")
        click.echo(line)
    if listing:
        for message in undelivered():
            error = (message.last_error or "").splitlines()[:1]
            click.echo(
                f"#{message.id} {message.status.value} {message.to_addr} {message.template} "
                f"attempts {message.attempts} next {message.next_attempt_at:%Y-%m-%d %H:%M:%S}"
                + (f" last error: {error[0][:200]}" if error else "")
            )


@mail_cli.command("worker")
def mail_worker() -> None:
    """Run an RQ worker for the mail queue (needs REDIS_URL)."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        raise click.ClickException("REDIS_URL is not set; use `flask eventhub mail send --loop`.")
    from redis import Redis
    from rq import Queue, Worker

    connection = Redis.from_url(url)
    queue = Queue(current_app.config["MAIL_QUEUE"], connection=connection)
    Worker([queue], connection=connection).work()
