"""Registration pages of participants: the form, my registrations, tickets, cancelling.

The organizers' pages (lists, decisions, exports, badges, the form builder) are in
`admin_views`, on the same blueprint, so every endpoint is ``registrations.<page>``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eventhub import permissions
from eventhub.accounts.models import User
from eventhub.calendars import CalendarEntry, calendar_file
from eventhub.database import db, utcnow
from eventhub.errors import Conflict, DomainError, NotAllowed, NotFound, ValidationFailed
from eventhub.events.models import Event
from eventhub.formatting import list_separator
from eventhub.links import external_url
from eventhub.registrations import capacity, labels, queries, services, tickets
from eventhub.registrations.answers import format_answer
from eventhub.registrations.forms import (
    CancelForm,
    WallChoiceForm,
    answers_form,
    registration_form,
)
from eventhub.registrations.models import Question, Registration, RegistrationStatus
from eventhub.webforms import flash_domain_error, form_status, populate_errors

bp = Blueprint("registrations", __name__)

S = RegistrationStatus

# Words for templates: one table each, in `labels`.
bp.add_app_template_filter(labels.status_label, "registration_status")
bp.add_app_template_filter(labels.source_label, "registration_source")
bp.add_app_template_filter(labels.action_label, "registration_action")
bp.add_app_template_filter(tickets.code_groups, "code_groups")


def me() -> User:
    """The signed-in user (the actor the services are given)."""
    return current_user._get_current_object()


def answer_rows(registration: Registration) -> list[tuple[Question, str]]:
    """The registration's answers in words, one row per question of the event's form."""
    return [
        (q, format_answer(q, registration.answers.get(str(q.id)), list_separator()))
        for q in queries.questions_of(registration.event)
    ]


# The event page's registration box ---------------------------------------------------------


@bp.app_context_processor
def _registration_helpers() -> dict[str, Any]:
    return {
        "registration_state": lambda event: services.registration_box(event, current_user),
        "registration_window": services.registration_window,
    }


# Loading and authorizing -------------------------------------------------------------------


def _visible_event(event_id: int) -> Event:
    event = db.get_or_404(Event, event_id)
    if not permissions.can_view_event(current_user, event):
        abort(404)
    return event



def _own_registration(registration_id: int) -> Registration:
    """The registration, to its owner or an organizer of its event; 404 for anyone else."""
    registration = db.get_or_404(Registration, registration_id)
    if registration.user_id != current_user.id and not permissions.can_manage_event(
        me(), registration.event
    ):
        abort(404)
    return registration



def _ticket(code: str) -> Registration:
    """The registration holding this ticket code (the code is the secret); 404 otherwise."""
    code = tickets.normalize_code(code)
    if not tickets.looks_like_code(code):
        abort(404)
    registration = db.session.scalar(
        sa.select(Registration).where(Registration.ticket_code == code)
    )
    if registration is None:
        abort(404)
    return registration


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


# Registering -------------------------------------------------------------------------------


def _places_left(limit: int | None, taken: int) -> int | None:
    return None if limit is None else max(limit - taken, 0)


@bp.route("/events/<int:event_id>/register", methods=["GET", "POST"])
@login_required
def register(event_id: int) -> Any:
    event = _visible_event(event_id)
    user = me()
    existing = services.find_registration(event, user)
    if existing is not None and existing.status in services.ACTIVE:
        return redirect(url_for("registrations.registration", registration_id=existing.id))
    questions = queries.questions_of(event)
    categories = queries.categories_of(event)
    sessions = list(event.sessions)
    form = registration_form(event, user, questions, categories, sessions)
    now = utcnow()
    status = 200
    if form.validate_on_submit():
        try:
            registration = services.register(user, event, form.info(), now=now)
        except Conflict as error:
            if error.code == "already_registered" and error.extra.get("registration_id"):
                return redirect(url_for("registrations.registration",
                                        registration_id=error.extra["registration_id"]))
            populate_errors(form, error)
            status = 409
        except ValidationFailed as error:
            populate_errors(form, error, form.field_map())
        else:
            # No flash: the registration page says what the status means (registrations/
            # _state.html), and a flash said it a second time.
            return redirect(url_for("registrations.registration",
                                    registration_id=registration.id))
    usage = capacity.count_usage(event)
    return render_template(
        "registrations/register.html",
        event=event,
        form=form,
        is_open=event.registration_open(now),
        full=services.is_full(event),
        rejected=existing is not None and existing.status == S.rejected,
        category_notes={
            c.id: {
                "left": _places_left(c.capacity, usage.categories[c.id]),
                "approval": c.requires_approval or event.requires_approval,
                "description": c.description,
            }
            for c in categories
        },
        session_notes={s.id: _places_left(s.capacity, usage.sessions[s.id]) for s in sessions},
        sessions_by_id={s.id: s for s in sessions},
    ), (status if status != 200 else form_status(form))


@bp.route("/events/<int:event_id>/privacy")
def privacy(event_id: int) -> str:
    event = _visible_event(event_id)
    return render_template("registrations/privacy.html", event=event)


@bp.route("/registrations/<int:registration_id>")
@login_required
def registration(registration_id: int) -> str:
    registration = _own_registration(registration_id)
    event = registration.event
    now = utcnow()
    closes = event.registration_closes_at or event.starts_at
    return render_template(
        "registrations/registration.html",
        registration=registration,
        event=event,
        answers=answer_rows(registration),
        position=services.waitlist_position(registration),
        can_edit=registration.status in services.ACTIVE and now < closes,
        can_cancel=registration.status in services.ACTIVE and now < event.starts_at,
        wall_form=wall_choice_form(registration),
        qr=tickets.qr_svg(registration.ticket_code)
        if registration.status == S.confirmed and registration.ticket_code
        else None,
    )


@bp.route("/registrations/<int:registration_id>/edit", methods=["GET", "POST"])
@login_required
def edit_answers(registration_id: int) -> Any:
    registration = _own_registration(registration_id)
    event = registration.event
    form = answers_form(registration, queries.questions_of(event))
    status = None
    if form.validate_on_submit():
        try:
            services.update_answers(me(), registration, form.info())
        except (NotFound, NotAllowed):
            raise
        except Conflict as error:
            populate_errors(form, error)
            status = 409
        except DomainError as error:
            populate_errors(form, error, form.field_map())
        else:
            flash(_("Your answers are saved."), "success")
            return redirect(url_for("registrations.registration",
                                    registration_id=registration.id))
    return render_template(
        "registrations/edit.html", registration=registration, event=event, form=form
    ), status or form_status(form)


@bp.route("/registrations/<int:registration_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(registration_id: int) -> Any:
    registration = _own_registration(registration_id)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            services.cancel(me(), registration)
        except Conflict as error:
            flash_domain_error(error)
        else:
            flash(_("Your registration is cancelled."), "success")
        return redirect(url_for("registrations.registration", registration_id=registration.id))
    return render_template(
        "registrations/cancel.html", registration=registration, event=registration.event,
        form=form,
    )


@bp.route("/registrations/<int:registration_id>/wall", methods=["POST"])
@login_required
def wall_choice(registration_id: int) -> Any:
    registration = _own_registration(registration_id)
    form = WallChoiceForm()
    if form.validate_on_submit():
        try:
            services.set_wall_choice(me(), registration,
                                     show_on_wall=bool(form.show_on_wall.data),
                                     wall_name=form.wall_name.data or "")
        except ValidationFailed as error:
            for reason in error.fields.values():
                flash(str(reason), "error")
        else:
            flash(_("Your choice for the welcome wall is saved."), "success")
    else:
        flash(_("The form expired. Please try again."), "error")
    if request.form.get("back") == "ticket" and registration.ticket_code:
        return redirect(url_for("registrations.ticket", code=registration.ticket_code))
    return redirect(url_for("registrations.registration", registration_id=registration.id))


def wall_choice_form(registration: Registration) -> WallChoiceForm | None:
    """The welcome wall's form for the signed-in registrant (None for anyone else)."""
    if not current_user.is_authenticated or current_user.id != registration.user_id:
        return None
    if registration.status not in services.ACTIVE:
        return None
    return WallChoiceForm(formdata=None, data={"show_on_wall": registration.show_on_wall,
                                               "wall_name": registration.wall_name})


@bp.route("/me/registrations")
@login_required
def my_registrations() -> str:
    rows = list(db.session.scalars(queries.registrations_of(me())).unique())
    now = utcnow()
    upcoming = sorted((r for r in rows if r.event.ends_at >= now),
                      key=lambda r: r.event.starts_at)
    past = [r for r in rows if r.event.ends_at < now]
    positions: dict[int, int] = {}
    for r in upcoming:
        if r.status == S.waitlisted:
            positions.update(queries.waitlist_positions(r.event, [r.id]))
    return render_template(
        "registrations/mine.html", upcoming=upcoming, past=past, positions=positions
    )


# Tickets -----------------------------------------------------------------------------------


@bp.route("/tickets/<code>")
def ticket(code: str) -> Response:
    registration = _ticket(code)
    return _private(Response(_render_ticket("registrations/ticket.html", registration)))


@bp.route("/tickets/<code>/print")
def ticket_print(code: str) -> Response:
    registration = _ticket(code)
    return _private(Response(_render_ticket("registrations/ticket_print.html", registration)))


def _render_ticket(template: str, registration: Registration) -> str:
    confirmed = registration.status == S.confirmed
    return render_template(
        template,
        registration=registration,
        event=registration.event,
        code=registration.ticket_code,
        qr=tickets.qr_svg(registration.ticket_code) if confirmed else None,
        position=services.waitlist_position(registration),
        wall_form=wall_choice_form(registration),
    )


def _confirmed_ticket(code: str) -> Registration:
    registration = _ticket(code)
    if registration.status != S.confirmed:
        abort(404)
    return registration


@bp.route("/tickets/<code>.png")
def ticket_png(code: str) -> Response:
    registration = _confirmed_ticket(code)
    response = Response(tickets.qr_png(registration.ticket_code), mimetype="image/png")
    if request.args.get("download"):
        response.headers["Content-Disposition"] = (
            f'attachment; filename="ticket-{registration.ticket_code}.png"'
        )
    return _private(response)


@bp.route("/tickets/<code>.ics")
def ticket_ics(code: str) -> Response:
    registration = _confirmed_ticket(code)
    event = registration.event
    link = external_url("registrations.ticket", code=registration.ticket_code)
    entry = CalendarEntry(
        uid=f"registration-{registration.id}@eventhub",
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        summary=event.title,
        location=" ".join(part for part in (event.venue, event.address) if part),
        description=_("Your ticket: %(link)s", link=link),
        url=link,
    )
    response = Response(calendar_file(entry, product="tickets", now=utcnow()),
                        mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="event-{event.id}.ics"'
    return _private(response)


# The organizers' pages are on this blueprint too (endpoints ``registrations.<page>``).
from eventhub.registrations import admin_views  # noqa: E402, F401
