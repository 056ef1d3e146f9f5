"""Audience voting (人气奖) and live polls: voting from the ticket page and the big screen's live
results.

Pages: the organizers' polls of an event (create, list) and one poll's admin page (open,
close, results, the alarm, the screen's links); the voting page ``/polls/<id>``; the 1920×1080
screen ``/polls/<id>/screen`` whose bars follow the votes through the live mechanism of the
roadshow screen (an HTML fragment polled with its ETag, 304 from the poll's live version
alone). The screen opens for the event's organizers (who also see the alarm on it) and for the
signed read-only link the admin page shows; ``?bars=after`` keeps the bars hidden until the
close (the hall then sees only how many have voted).

The ticket page (registrations) and the event page (events) know nothing of polls: they
include our partials when the ``ticket_polls`` and ``poll_links`` template globals exist.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from eventhub import live, permissions
from eventhub.database import db
from eventhub.engagement import polls
from eventhub.engagement.models import Poll, PollStatus
from eventhub.engagement.polls_forms import BallotForm, PollForm
from eventhub.errors import DomainError, NotAllowed, NotFound
from eventhub.events.access import event_for
from eventhub.events.models import Event
from eventhub.ids import parse_id
from eventhub.judging.models import Round
from eventhub.live import live_answer, live_page, page_etag
from eventhub.registrations import tickets
from eventhub.registrations.models import Registration
from eventhub.webforms import domain_errors, form_status, refusal_flashed

bp = Blueprint("engagement_polls", __name__)

#: How often the big screen asks for news, in milliseconds.
POLL_MS = 1000
#: The screens' signed links name this kind of screen.
SCREEN = "poll"


def me() -> Any:
    return current_user._get_current_object()


def _poll(poll_id: int) -> Poll:
    """The poll, if the viewer may see it (404 otherwise: drafts are the organizers')."""
    poll = db.get_or_404(Poll, poll_id)
    event_for(poll.event_id, permissions.can_view_event)
    if not polls.can_see_poll(current_user, poll):
        abort(404)
    return poll


def _managed(poll_id: int) -> Poll:
    poll = db.get_or_404(Poll, poll_id)
    event_for(poll.event_id, permissions.can_manage_event)
    return poll


def _ballot(poll: Poll, ticket: str = "") -> BallotForm:
    form = BallotForm(formdata=None, data={"ticket": ticket})
    return form


STATUS_LABELS = {
    PollStatus.draft: _l("Draft"),
    PollStatus.open: _l("Voting open"),
    PollStatus.closed: _l("Voting closed"),
}


@bp.app_template_filter("poll_status")
def poll_status(value: Any) -> str:
    """The label of a poll's status (its value when unknown)."""
    try:
        return str(STATUS_LABELS[PollStatus(value)])
    except ValueError:
        return str(value)


# Template globals for pages below engagement ---------------------------------------------------


@bp.app_template_global("ticket_polls")
def ticket_polls(registration: Registration) -> list[dict[str, Any]]:
    """The open polls of the ticket's event, each with whether this registration voted, may
    vote, and its ballot (the ticket page's two-tap vote)."""
    found = []
    for poll in polls.open_polls(registration.event_id):
        voted = polls.has_voted(registration, poll)
        found.append({"poll": poll, "voted": voted,
                      "eligible": not voted and polls.is_eligible(registration, poll),
                      "form": _ballot(poll, registration.ticket_code or "")})
    return found


@bp.app_template_global("poll_links")
def poll_links(event: Event) -> dict[str, Any] | None:
    """The event page's polls box: ``manage`` (its organizers) and the polls open now."""
    manage = permissions.can_manage_event(current_user, event)
    open_now = polls.open_polls(event.id)
    if not manage and not open_now:
        return None
    return {"manage": manage, "open": open_now}


# Organizers -----------------------------------------------------------------------------------


def _round_choices(event: Event) -> list[tuple[str, str]]:
    rounds = db.session.scalars(sa.select(Round).where(Round.event_id == event.id)
                                .order_by(Round.id))
    return [SelectChoice(value="", label=_("— free-text options —"))] + [
        SelectChoice(value=str(r.id), label=r.name) for r in rounds]


@bp.route("/events/<int:event_id>/polls", methods=["GET", "POST"])
@login_required
def manage(event_id: int) -> Any:
    event = event_for(event_id, permissions.can_manage_event)
    form = PollForm()
    form.round_id.choices = _round_choices(event)
    if form.validate_on_submit():
        round_id = parse_id(form.round_id.data) if form.round_id.data else None
        options = None if round_id else [
            line.strip() for line in (form.options.data or "").splitlines() if line.strip()]
        with domain_errors(form):
            poll = polls.create_poll(me(), event, form.question.data or "",
                                     form.eligible.data or "", options=options,
                                     round_id=round_id if form.round_id.data else None,
                                     max_choices=form.max_choices.data or 1)
            flash(_("Poll created. Open it when the hall is ready to vote."), "success")
            return redirect(url_for("engagement_polls.admin", poll_id=poll.id))
    return render_template("engagement/polls_manage.html", event=event, form=form,
                           polls=polls.polls_of(event, drafts=True)), form_status(form)


@bp.route("/polls/<int:poll_id>/manage")
@login_required
def admin(poll_id: int) -> Any:
    poll = _managed(poll_id)
    key = live.make_screen_key(SCREEN, poll.id)
    links = {
        "live": url_for("engagement_polls.screen", poll_id=poll.id, key=key, _external=True),
        "after": url_for("engagement_polls.screen", poll_id=poll.id, key=key, bars="after",
                         _external=True),
    }
    return render_template("engagement/poll_admin.html", poll=poll, event=poll.event,
                           results=polls.tally(poll), alarm=polls.alarm(poll),
                           screen_links=links)


@bp.route("/polls/<int:poll_id>/<any(open, close):action>", methods=["POST"])
@login_required
def change(poll_id: int, action: str) -> Response:
    poll = _managed(poll_id)
    form = BallotForm()  # only its CSRF token is read
    if not form.validate_on_submit():
        flash(_("The form has expired. Please send it again."), "error")
    else:
        with refusal_flashed():
            if action == "open":
                polls.open_poll(me(), poll)
                flash(_("Voting is open."), "success")
            else:
                polls.close_poll(me(), poll)
                flash(_("Voting is closed. The results are now public."), "success")
    return redirect(url_for("engagement_polls.admin", poll_id=poll.id))


# Voting -------------------------------------------------------------------------------------


def _ticket_registration(code: str, poll: Poll) -> Registration:
    """The registration holding the ticket code, at the poll's event (404 otherwise)."""
    code = tickets.normalize_code(code)
    registration = db.session.scalar(
        sa.select(Registration).where(Registration.ticket_code == code)
    ) if tickets.looks_like_code(code) else None
    if registration is None or registration.event_id != poll.event_id:
        abort(404)
    return registration


@bp.route("/polls/<int:poll_id>")
def show(poll_id: int) -> Any:
    poll = _poll(poll_id)
    registration = polls.registration_of(current_user, poll.event)
    voted = polls.has_voted(registration, poll)
    return render_template(
        "engagement/poll_vote.html", poll=poll, event=poll.event, voted=voted,
        eligible=not voted and polls.is_eligible(registration, poll),
        registration=registration, form=_ballot(poll),
        results=polls.tally(poll) if polls.can_see_results(current_user, poll) else None,
        manage=polls.can_manage_poll(current_user, poll))


@bp.route("/polls/<int:poll_id>/vote", methods=["POST"])
def vote(poll_id: int) -> Response:
    poll = _poll(poll_id)
    form = BallotForm()
    code = (form.ticket.data or "").strip()
    if code:
        registration = _ticket_registration(code, poll)
        back = url_for("registrations.ticket", code=registration.ticket_code,
                       _anchor=f"poll-{poll.id}")
    elif current_user.is_authenticated:
        registration = polls.registration_of(current_user, poll.event)
        back = url_for("engagement_polls.show", poll_id=poll.id)
    else:
        return current_app.login_manager.unauthorized()
    if not form.validate_on_submit():
        flash(_("The form has expired. Please send it again."), "error")
        return redirect(back)
    chosen = [parse_id(value) for value in form.option.data or []]
    device = polls.device_key(request.remote_addr, request.user_agent.string)
    try:
        polls.vote(registration, poll, chosen if None not in chosen else [None], device)
    except DomainError as error:
        flash(next(iter(error.fields.values()), error.message), "error")
    else:
        flash(_("Thank you: your vote is counted."), "success")
    return redirect(back)


# The big screen ---------------------------------------------------------------------------------


def _screen_poll(poll_id: int) -> tuple[Poll | None, str | None, bool]:
    """The poll of a big screen, the key to pass on and whether the viewer is an organizer
    (then the alarm shows): the signed link's key, or none for a signed-in organizer.
    (None, None, False): sign in first."""
    poll = db.get_or_404(Poll, poll_id)
    key = request.args.get("key")
    organizer = polls.can_manage_poll(current_user, poll)
    if organizer:
        return poll, None, True
    if live.screen_key_valid(key, SCREEN, poll.id):
        return poll, key, False
    if not current_user.is_authenticated:
        return None, None, False
    if not permissions.can_view_event(current_user, poll.event):
        raise NotFound()
    raise NotAllowed()


def _bars() -> str:
    return "after" if request.args.get("bars") == "after" else "live"


def _screen_context(poll: Poll, organizer: bool, bars: str) -> dict[str, Any]:
    results = polls.tally(poll)
    top = max((o["votes"] for o in results["options"]), default=0)
    return {"poll": poll, "event": poll.event, "results": results, "top": top,
            "show_bars": bars == "live" or poll.status == PollStatus.closed,
            "alarm": polls.alarm(poll) if organizer else None, "poll_ms": POLL_MS}


def _etag(poll: Poll, organizer: bool, bars: str) -> str:
    return page_etag(polls.live_version(poll.id), "screen", organizer, bars)


@bp.route("/polls/<int:poll_id>/screen")
def screen(poll_id: int) -> Response:
    poll, key, organizer = _screen_poll(poll_id)
    if poll is None:
        return current_app.login_manager.unauthorized()
    bars = _bars()
    etag = _etag(poll, organizer, bars)
    html = render_template(
        "engagement/poll_screen.html", etag=etag,
        live_url=url_for("engagement_polls.screen_live", poll_id=poll.id, key=key,
                         bars=bars if bars == "after" else None),
        **_screen_context(poll, organizer, bars))
    return live_page(html, etag)


@bp.route("/polls/<int:poll_id>/screen/live")
def screen_live(poll_id: int) -> Response:
    poll, _key, organizer = _screen_poll(poll_id)
    if poll is None:
        return current_app.login_manager.unauthorized()
    bars = _bars()
    return live_answer(_etag(poll, organizer, bars), lambda: render_template(
        "engagement/poll_screen_live.html", **_screen_context(poll, organizer, bars)))
