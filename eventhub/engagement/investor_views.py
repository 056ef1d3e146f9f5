"""The investors' pages (融资对接), phone-first: the investor's page of an event (its entries,
the one on stage first, each with 感兴趣 / 想约谈 / 要BP buttons), the team's page (counts per
level and the anonymous marks to accept), 我的对接 (the connections with contact details) and
the organizers' figures. The event page and the contest admin link here through the
``investor_links`` template global (events and judging know no engagement)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eventhub import permissions
from eventhub.accounts.models import User
from eventhub.database import db
from eventhub.engagement import investors, labels
from eventhub.engagement.investor_forms import AcceptForm, MarkForm
from eventhub.engagement.models import InvestorInterest
from eventhub.errors import ValidationFailed
from eventhub.events.access import event_for
from eventhub.events.models import Event
from eventhub.judging.entries import entry_of_leader
from eventhub.judging.models import Entry
from eventhub.webforms import refusal_flashed

bp = Blueprint("investors", __name__)
bp.record_once(lambda state: state.app.jinja_env.filters.update(labels.FILTERS))

#: The levels in the order of the buttons.
LEVELS = investors.LEVELS


def me() -> User:
    """The signed-in user (the actor the services are given)."""
    return current_user._get_current_object()


@bp.app_template_global("investor_links")
def investor_links(event: Event) -> dict[str, Any] | None:
    """What of 融资对接 the viewer may open for the event (None: nothing): ``invest`` (an
    investor of it), ``entry`` (the entry they lead), ``figures`` (its organizers). Contests
    only (entries live there); two small queries for a signed-in viewer."""
    if event.kind != "contest" or not current_user.is_authenticated:
        return None
    links = {
        "invest": investors.is_investor_at(current_user, event),
        "entry": entry_of_leader(event, current_user),
        "figures": permissions.can_manage_event(current_user, event),
    }
    return links if any(links.values()) else None


@contextmanager
def refusals_told() -> Iterator[None]:
    """Around a tap's service call: a refusal is told in flash messages, with each refused
    field's reason (`refusal_flashed` says only that some field was wrong)."""
    with refusal_flashed():
        try:
            yield
        except ValidationFailed as error:
            for message in error.fields.values() or [error.message]:
                flash(message, "error")


def _entry(entry_id: int) -> Entry:
    """The entry, if its event is visible to the viewer (404 otherwise)."""
    entry = db.get_or_404(Entry, entry_id)
    event_for(entry.event_id, permissions.can_view_event)
    return entry


# The investor's page ------------------------------------------------------------------------


@bp.route("/events/<int:event_id>/invest")
@login_required
def board(event_id: int) -> Any:
    event = event_for(event_id, permissions.can_view_event)
    rows = investors.investor_board(me(), event)
    for row in rows:
        mark = row["mark"]
        row["form"] = MarkForm(prefix=f"e{row['entry'].id}", formdata=None, data={
            "note": mark.note if mark else "",
            "consent": bool(mark and mark.share_consent_at)})
    return render_template("engagement/invest.html", event=event, rows=rows, levels=LEVELS)


@bp.route("/events/<int:event_id>/invest/<int:entry_id>", methods=["POST"])
@login_required
def mark(event_id: int, entry_id: int) -> Any:
    event = event_for(event_id, permissions.can_view_event)
    entry = _entry(entry_id)
    if entry.event_id != event.id:
        abort(404)
    form = MarkForm(prefix=f"e{entry.id}")
    back = url_for("investors.board", event_id=event.id, _anchor=f"entry-{entry.id}")
    if not form.validate_on_submit():
        flash(_("The form has expired. Please send it again."), "error")
        return redirect(back)
    with refusals_told():
        saved, _created = investors.mark_interest(me(), entry, form.level.data or "",
                                                  form.note.data or "", bool(form.consent.data))
        flash(_("Marked “%(level)s” for %(title)s.", level=labels.interest_level(saved.level),
                title=entry.title), "success")
    return redirect(back)


# The team's page ------------------------------------------------------------------------------


@bp.route("/entries/<int:entry_id>/investors")
@login_required
def team(entry_id: int) -> Any:
    entry = _entry(entry_id)
    summary = investors.interest_summary(me(), entry)
    if summary.marks is None:  # organizers read the figures page; investors their own
        abort(403)
    forms = {m["id"]: AcceptForm(prefix=f"m{m['id']}", formdata=None) for m in summary.marks}
    return render_template("engagement/team.html", entry=entry, summary=summary, forms=forms,
                           event=db.session.get(Event, entry.event_id), levels=LEVELS)


@bp.route("/interest/<int:interest_id>/accept", methods=["POST"])
@login_required
def accept(interest_id: int) -> Any:
    interest = db.get_or_404(InvestorInterest, interest_id)
    entry = _entry(interest.entry_id)
    form = AcceptForm(prefix=f"m{interest.id}")
    back = url_for("investors.team", entry_id=entry.id)
    if not form.validate_on_submit():
        flash(_("The form has expired. Please send it again."), "error")
        return redirect(back)
    with refusals_told():
        investors.accept_interest(me(), interest, bool(form.consent.data))
        flash(_("Connected. You now see each other’s contact details in My connections."),
              "success")
        return redirect(url_for("investors.connections"))
    return redirect(back)


# 我的对接 ---------------------------------------------------------------------------------------


@bp.route("/me/connections")
@login_required
def connections() -> Any:
    return render_template("engagement/connections.html",
                           connections=investors.connections_of(me()))


# The organizers' figures ----------------------------------------------------------------------


@bp.route("/events/<int:event_id>/investors")
@login_required
def figures(event_id: int) -> Any:
    event = event_for(event_id, permissions.can_manage_event)
    rows = investors.event_figures(me(), event)
    totals = {key: sum(r[key] for r in rows) for key in (*LEVELS, "total", "connected")}
    return render_template("engagement/figures.html", event=event, rows=rows, totals=totals,
                           levels=LEVELS)
