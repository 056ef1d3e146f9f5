"""The public home page, event pages, and organizers' event editing (pages)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from eventhub import permissions
from eventhub.database import db, utcnow
from eventhub.errors import Conflict, ValidationFailed
from eventhub.events import labels, services
from eventhub.events.access import event_for
from eventhub.events.forms import EventForm, SessionForm, kind_choices
from eventhub.events.models import Event, EventKind, EventSession
from eventhub.ids import page_number
from eventhub.orgs.models import Organization
from eventhub.webforms import domain_errors, flash_domain_error, form_status

bp = Blueprint("events", __name__)
bp.record_once(lambda state: state.app.jinja_env.filters.update(labels.FILTERS))

PER_PAGE = 12

#: What each status button says when it worked.
STATUS_DONE = {
    "publish": lambda: _("The event is published. Everyone can see it now."),
    "close": lambda: _("Registration is closed; the event stays visible."),
    "cancel": lambda: _("The event is cancelled."),
    "archive": lambda: _("The event is archived."),
}


def _me() -> object:
    return current_user._get_current_object()


def _load_event(event_id: int) -> Event:
    return db.get_or_404(Event, event_id)


def _managed_event(event_id: int) -> Event:
    return event_for(event_id, permissions.can_manage_event)


@bp.route("/")
def home() -> str:
    kind = request.args.get("kind") or None
    if kind not in EventKind.__members__:
        kind = None
    org_slug = request.args.get("org") or None
    org = (
        db.session.scalar(sa.select(Organization).where(Organization.slug == org_slug))
        if org_slug and len(org_slug) <= 200
        else None
    )
    page = request.args.get("page", 1, type=page_number)
    now = utcnow()
    query = services.public_events_query(kind=kind, org_id=org.id if org else None, now=now)
    if org_slug and org is None:
        query = query.where(sa.false())
    pagination = db.paginate(query, page=max(page or 1, 1), per_page=PER_PAGE, max_per_page=50,
                             error_out=False, count=True)
    return render_template(
        "events/home.html",
        pagination=pagination,
        kind=kind,
        org=org,
        kinds=kind_choices(),
        organizers=services.public_organizers(now=now),
    )


@bp.route("/events/<int:event_id>")
def detail(event_id: int) -> str:
    event = _load_event(event_id)
    if not permissions.can_view_event(current_user, event):
        abort(404)
    return render_template("events/detail.html", event=event, now=utcnow())


@bp.route("/orgs/<slug>/events/new", methods=["GET", "POST"])
@login_required
def create(slug: str) -> str | Response | tuple[str, int]:
    org = db.first_or_404(sa.select(Organization).where(Organization.slug == slug))
    if not permissions.can_create_event(_me(), org):
        abort(403)
    form = EventForm()
    if form.validate_on_submit():
        with domain_errors(form):
            event = services.create_event(_me(), org, form.to_info())
            flash(_("The draft is saved. Add sessions if it has any, then publish it."),
                  "success")
            return redirect(url_for("events.detail", event_id=event.id))
    return render_template("events/form.html", form=form, org=org, event=None), form_status(form)


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit(event_id: int) -> str | Response | tuple[str, int]:
    event = _managed_event(event_id)
    form = EventForm(event=event)
    if form.validate_on_submit():
        with domain_errors(form):
            services.update_event(_me(), event, **form.changes())
            flash(_("Saved."), "success")
            return redirect(url_for("events.detail", event_id=event.id))
    return (
        render_template("events/form.html", form=form, org=event.organization, event=event),
        form_status(form),
    )


@bp.route("/events/<int:event_id>/<any(publish, close, cancel, archive):action>",
          methods=["POST"])
@login_required
def change_status(event_id: int, action: str) -> Response:
    event = _managed_event(event_id)
    try:
        services.change_status(_me(), event, action)
    except Conflict as error:
        flash_domain_error(error)
    else:
        flash(STATUS_DONE[action](), "success")
    return redirect(url_for("events.detail", event_id=event.id))


@bp.route("/events/<int:event_id>/sessions", methods=["GET", "POST"])
@login_required
def sessions(event_id: int) -> str | Response | tuple[str, int]:
    event = _managed_event(event_id)
    form = SessionForm(event=event)
    if form.validate_on_submit():
        with domain_errors(form):
            added = services.add_session(_me(), event, form.to_info())
            flash(_("Session “%(title)s” added.", title=added.title), "success")
            return redirect(url_for("events.sessions", event_id=event.id))
    return (
        render_template("events/sessions.html", event=event, form=form),
        form_status(form),
    )


def _load_session(event: Event, session_id: int) -> EventSession:
    session = db.session.get(EventSession, session_id)
    if session is None or session.event_id != event.id:
        abort(404)
    return session


@bp.route("/events/<int:event_id>/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
def edit_session(event_id: int, session_id: int) -> str | Response | tuple[str, int]:
    event = _managed_event(event_id)
    session = _load_session(event, session_id)
    form = SessionForm(event=event, session=session)
    if form.validate_on_submit():
        with domain_errors(form):
            services.update_session(_me(), session, form.to_info())
            flash(_("Saved."), "success")
            return redirect(url_for("events.sessions", event_id=event.id))
    return (
        render_template("events/session_form.html", event=event, session=session, form=form),
        form_status(form),
    )


@bp.route("/events/<int:event_id>/sessions/<int:session_id>/delete", methods=["POST"])
@login_required
def delete_session(event_id: int, session_id: int) -> Response:
    event = _managed_event(event_id)
    session = _load_session(event, session_id)
    title = session.title
    try:
        services.delete_session(_me(), session)
    except (Conflict, ValidationFailed) as error:
        flash_domain_error(error)
    else:
        flash(_("Session “%(title)s” removed.", title=title), "success")
    return redirect(url_for("events.sessions", event_id=event.id))
