"""Registration pages: the form, my registrations, tickets; organizers' lists, decisions,
exports and the form builder."""

from __future__ import annotations

from datetime import UTC, datetime
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
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from eventhub import permissions
from eventhub.accounts.models import User
from eventhub.database import db, utcnow
from eventhub.downloads import private_file
from eventhub.errors import Conflict, DomainError, NotAllowed, NotFound, ValidationFailed
from eventhub.events import services as events
from eventhub.events.access import event_for
from eventhub.events.models import Event, EventStatus
from eventhub.formatting import list_separator
from eventhub.ids import page_number, parse_id
from eventhub.links import external_url
from eventhub.registrations import capacity, exports, queries, services, tickets
from eventhub.registrations.answers import format_answer
from eventhub.registrations.badges import LAYOUTS, badges_pdf
from eventhub.registrations.forms import (
    KIND_LABELS,
    BulkDecisionForm,
    CancelForm,
    CategoryForm,
    DecisionForm,
    ManualRegistrationForm,
    NotesForm,
    PrivacyNoticeForm,
    QuestionForm,
    answers_form,
    choices,
    registration_form,
)
from eventhub.registrations.models import (
    Category,
    Question,
    Registration,
    RegistrationSource,
    RegistrationStatus,
)
from eventhub.webforms import (
    domain_errors,
    flash_domain_error,
    form_status,
    populate_errors,
)

bp = Blueprint("registrations", __name__)

PER_PAGE = 50
S = RegistrationStatus

STATUS_LABELS = {
    S.pending: _l("Awaiting approval"),
    S.confirmed: _l("Confirmed"),
    S.waitlisted: _l("On the waitlist"),
    S.rejected: _l("Not accepted"),
    S.cancelled: _l("Cancelled"),
}

SOURCE_LABELS = {
    RegistrationSource.self: _l("by themselves"),
    RegistrationSource.organizer: _l("by an organizer"),
    RegistrationSource.imported: _l("imported"),
    RegistrationSource.walk_in: _l("walk-in at the door"),
}

#: A registration's history (its audit rows) in words; other actions show as recorded.
HISTORY_LABELS = {
    "registration.created": _l("Registered"),
    "registration.edited": _l("Answers edited"),
    "registration.approved": _l("Approved"),
    "registration.rejected": _l("Rejected"),
    "registration.promoted": _l("Moved up from the waitlist"),
    "registration.cancelled": _l("Cancelled"),
    "ticket.regenerated": _l("New ticket code"),
}

#: What the organizer's bulk buttons and single decisions say when they worked.
DECIDED = {
    "approve": lambda n: _("%(n)d registrations approved.", n=n),
    "reject": lambda n: _("%(n)d registrations rejected.", n=n),
}


def _me() -> User:
    return current_user._get_current_object()


@bp.app_template_filter("registration_status")
def registration_status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


@bp.app_template_filter("registration_source")
def registration_source_label(source: str) -> str:
    return str(SOURCE_LABELS.get(source, source))


@bp.app_template_filter("registration_action")
def registration_action_label(action: str) -> str:
    return str(HISTORY_LABELS.get(action, action))


@bp.app_template_filter("code_groups")
def code_groups(code: str) -> str:
    """A ticket code in groups of four, for reading aloud: ``N35Z X25D …``."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


# Loading and authorizing -------------------------------------------------------------------


def _visible_event(event_id: int) -> Event:
    event = db.get_or_404(Event, event_id)
    if not permissions.can_view_event(current_user, event):
        abort(404)
    return event


def _managed_event(event_id: int) -> Event:
    return event_for(event_id, permissions.can_manage_event)


def _own_registration(registration_id: int) -> Registration:
    """The registration, to its owner or an organizer of its event; 404 for anyone else."""
    registration = db.get_or_404(Registration, registration_id)
    if registration.user_id != current_user.id and not permissions.can_manage_event(
        _me(), registration.event
    ):
        abort(404)
    return registration


def _event_registration(event: Event, registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
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


# The event page's registration box ---------------------------------------------------------


@bp.app_context_processor
def _registration_helpers() -> dict[str, Any]:
    return {"registration_state": registration_state}


def registration_state(event: Event) -> dict[str, Any]:
    """What the event page's 报名 box shows: open, soon, paused, closed, full or registered."""
    now = utcnow()
    state: dict[str, Any] = {"registration": None}
    if current_user.is_authenticated:
        mine = services.find_registration(event, _me())
        if mine is not None and mine.status != S.cancelled:
            state.update(state="registered", registration=mine,
                         position=services.waitlist_position(mine))
            return state
    if not event.registration_open(now):
        if event.status == EventStatus.published and event.registration_paused:
            state["state"] = "paused"
        elif (
            event.status == EventStatus.published
            and event.registration_opens_at
            and now < event.registration_opens_at
        ):
            state["state"] = "soon"
        else:
            state["state"] = "closed"
        return state
    state["state"] = "full" if _is_full(event) else "open"
    return state


def _is_full(event: Event) -> bool:
    usage = capacity.count_usage(event, session_ids=[])
    if capacity.remaining(event, usage) == 0:
        return True
    categories = services.categories_of(event)
    return bool(categories) and all(
        c.capacity is not None and usage.categories[c.id] >= c.capacity for c in categories
    )


# Registering -------------------------------------------------------------------------------


def _places_left(limit: int | None, taken: int) -> int | None:
    return None if limit is None else max(limit - taken, 0)


@bp.route("/events/<int:event_id>/register", methods=["GET", "POST"])
@login_required
def register(event_id: int) -> Any:
    event = _visible_event(event_id)
    me = _me()
    existing = services.find_registration(event, me)
    if existing is not None and existing.status in services.ACTIVE:
        return redirect(url_for("registrations.registration", registration_id=existing.id))
    questions = services.questions_of(event)
    categories = services.categories_of(event)
    sessions = list(event.sessions)
    form = registration_form(event, me, questions, categories, sessions)
    now = utcnow()
    status = 200
    if form.validate_on_submit():
        try:
            registration = services.register(me, event, form.info(), now=now)
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
        full=_is_full(event),
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
        answers=_answers(registration),
        position=services.waitlist_position(registration),
        can_edit=registration.status in services.ACTIVE and now < closes,
        can_cancel=registration.status in services.ACTIVE and now < event.starts_at,
        qr=tickets.qr_svg(registration.ticket_code)
        if registration.status == S.confirmed and registration.ticket_code
        else None,
    )


def _answers(registration: Registration) -> list[tuple[Question, str]]:
    return [
        (q, format_answer(q, registration.answers.get(str(q.id)), list_separator()))
        for q in services.questions_of(registration.event)
    ]


@bp.route("/registrations/<int:registration_id>/edit", methods=["GET", "POST"])
@login_required
def edit_answers(registration_id: int) -> Any:
    registration = _own_registration(registration_id)
    event = registration.event
    form = answers_form(registration, services.questions_of(event))
    status = None
    if form.validate_on_submit():
        try:
            services.update_answers(_me(), registration, form.info())
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
            services.cancel(_me(), registration)
        except Conflict as error:
            flash_domain_error(error)
        else:
            flash(_("Your registration is cancelled."), "success")
        return redirect(url_for("registrations.registration", registration_id=registration.id))
    return render_template(
        "registrations/cancel.html", registration=registration, event=registration.event,
        form=form,
    )


@bp.route("/me/registrations")
@login_required
def my_registrations() -> str:
    rows = list(db.session.scalars(queries.registrations_of(_me())).unique())
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
    calendar = Calendar()
    calendar.add("prodid", "-//eventhub//tickets//ZH")
    calendar.add("version", "2.0")
    item = CalendarEvent()
    item.add("uid", f"registration-{registration.id}@eventhub")
    item.add("dtstamp", utcnow())
    item.add("dtstart", _utc(event.starts_at))
    item.add("dtend", _utc(event.ends_at))
    item.add("summary", event.title)
    location = " ".join(part for part in (event.venue, event.address) if part)
    if location:
        item.add("location", location)
    item.add("description", _("Your ticket: %(link)s", link=link))
    item.add("url", link)
    calendar.add_component(item)
    response = Response(calendar.to_ical(), mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="event-{event.id}.ics"'
    return _private(response)


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


# Organizers: the list, decisions, exports --------------------------------------------------


def _list_args() -> dict[str, Any]:
    status = request.args.get("status") or None
    if status not in S.__members__:
        status = None
    category = request.args.get("category", type=parse_id) or None
    q = (request.args.get("q") or "").strip()[:200] or None
    return {"status": status, "category": category, "q": q}


@bp.route("/events/<int:event_id>/registrations")
@login_required
def manage(event_id: int) -> str:
    event = _managed_event(event_id)
    args = _list_args()
    query = queries.registrations_query(
        event, status=args["status"], q=args["q"], category_id=args["category"]
    )
    page = request.args.get("page", 1, type=page_number)
    pagination = db.paginate(query, page=max(page, 1), per_page=PER_PAGE, error_out=False,
                             count=True)
    items = list(pagination.items)
    categories = services.categories_of(event)
    return render_template(
        "registrations/manage.html",
        event=event,
        pagination=pagination,
        items=items,
        args={k: v for k, v in args.items() if v},
        counts=queries.status_counts(event),
        category_counts=queries.category_counts(event),
        categories=categories,
        positions=queries.waitlist_positions(
            event, [r.id for r in items if r.status == S.waitlisted]
        ),
        form=BulkDecisionForm(),
        statuses=list(S),
    )


@bp.route("/events/<int:event_id>/registrations/decide", methods=["POST"])
@login_required
def decide_many(event_id: int) -> Response:
    event = _managed_event(event_id)
    form = BulkDecisionForm()
    back = _back_to_list(event)
    if not form.validate_on_submit():
        flash(_("The form has expired. Please send it again."), "error")
        return redirect(back)
    if not form.ids.data:
        flash(_("Tick the registrations to decide first."), "warning")
        return redirect(back)
    action = form.action.data
    try:
        result = services.decide_many(
            _me(), event, form.ids.data, action == "approve", form.message.data or ""
        )
    except ValidationFailed as error:
        flash("; ".join(error.fields.values()) or error.message, "error")
        return redirect(back)
    if result["done"]:
        flash(DECIDED[action](len(result["done"])), "success")
    for failure in result["failed"]:
        flash(f"#{failure['id']}: {failure['message']}", "error")
    return redirect(back)


def _back_to_list(event: Event) -> str:
    """The list with the filters the organizer had (kept in a hidden field)."""
    params = {k: v for k, v in request.form.items() if k in ("status", "category", "q", "page")}
    return url_for("registrations.manage", event_id=event.id, **{k: v for k, v in params.items()
                                                                  if v})


@bp.route("/events/<int:event_id>/registrations.<any(csv, xlsx):fmt>")
@login_required
def export(event_id: int, fmt: str) -> Response:
    event = _managed_event(event_id)
    return private_file(*exports.export(_me(), event, fmt))


@bp.route("/events/<int:event_id>/registrations/badges.pdf")
@login_required
def badges(event_id: int) -> Response:
    """Name badges of the confirmed registrations the list shows (its filters apply)."""
    event = _managed_event(event_id)
    layout = request.args.get("layout", "sheet")
    if layout not in LAYOUTS:
        abort(404)
    args = _list_args()
    query = queries.registrations_query(
        event, status=S.confirmed, q=args["q"], category_id=args["category"]
    ).order_by(None).order_by(Registration.name, Registration.id)
    data = badges_pdf(_me(), event, db.session.scalars(query), layout)
    return private_file(data, "application/pdf", f"badges-{event.id}.pdf", inline=True)


@bp.route("/events/<int:event_id>/registrations/new", methods=["GET", "POST"])
@login_required
def add(event_id: int) -> Any:
    event = _managed_event(event_id)
    categories = services.categories_of(event)
    form = ManualRegistrationForm()
    form.category_id.choices = choices((c.id, c.name) for c in categories)
    form.session_ids.choices = choices((s.id, s.title) for s in event.sessions)
    if form.validate_on_submit():
        with domain_errors(form, {"category_id": "category_id", "session_ids": "session_ids"}):
            info = services.RegistrationInfo(
                category_id=form.category_id.data or None,
                session_ids=list(form.session_ids.data or []),
                name=form.name.data or "",
                phone=form.phone.data or None,
            )
            registration = services.register_person(
                _me(), event, form.email.data or "", info, notify=bool(form.notify.data)
            )
            flash(_("%(name)s is registered: %(status)s.", name=registration.name,
                    status=registration_status_label(registration.status)), "success")
            return redirect(url_for("registrations.detail", event_id=event.id,
                                    registration_id=registration.id))
    return render_template(
        "registrations/add.html", event=event, form=form, sessions_by_id={
            s.id: s for s in event.sessions}
    ), form_status(form)


@bp.route("/events/<int:event_id>/registrations/<int:registration_id>")
@login_required
def detail(event_id: int, registration_id: int) -> str:
    event = _managed_event(event_id)
    registration = _event_registration(event, registration_id)
    entries = queries.history(registration)
    return render_template(
        "registrations/detail.html",
        event=event,
        registration=registration,
        answers=_answers(registration),
        history=entries,
        actors=queries.actors(entries),
        position=services.waitlist_position(registration),
        decision_form=DecisionForm(),
        notes_form=NotesForm(data={"notes": registration.notes}),
        action_form=CancelForm(),
    )


def _back_to_detail(event: Event, registration: Registration) -> Response:
    return redirect(url_for("registrations.detail", event_id=event.id,
                            registration_id=registration.id))


@bp.route(
    "/events/<int:event_id>/registrations/<int:registration_id>/<any(approve, reject):action>",
    methods=["POST"],
)
@login_required
def decide(event_id: int, registration_id: int, action: str) -> Response:
    event = _managed_event(event_id)
    registration = _event_registration(event, registration_id)
    form = DecisionForm()
    if form.validate_on_submit():
        decide_ = services.approve if action == "approve" else services.reject
        try:
            decide_(_me(), registration, form.message.data or "")
        except (Conflict, ValidationFailed) as error:
            flash("; ".join(error.fields.values()) or error.message, "error")
        else:
            flash(DECIDED[action](1), "success")
    return _back_to_detail(event, registration)


@bp.route("/events/<int:event_id>/registrations/<int:registration_id>/cancel",
          methods=["POST"])
@login_required
def cancel_for(event_id: int, registration_id: int) -> Response:
    event = _managed_event(event_id)
    registration = _event_registration(event, registration_id)
    if CancelForm().validate_on_submit():
        try:
            services.cancel(_me(), registration)
        except Conflict as error:
            flash_domain_error(error)
        else:
            flash(_("The registration is cancelled."), "success")
    return _back_to_detail(event, registration)


@bp.route("/events/<int:event_id>/registrations/<int:registration_id>/regenerate",
          methods=["POST"])
@login_required
def regenerate(event_id: int, registration_id: int) -> Response:
    event = _managed_event(event_id)
    registration = _event_registration(event, registration_id)
    if CancelForm().validate_on_submit():
        try:
            services.regenerate_ticket(_me(), registration)
        except Conflict as error:
            flash_domain_error(error)
        else:
            flash(_("The ticket has a new code; the old one no longer works."), "success")
    return _back_to_detail(event, registration)


@bp.route("/events/<int:event_id>/registrations/<int:registration_id>/notes", methods=["POST"])
@login_required
def notes(event_id: int, registration_id: int) -> Response:
    event = _managed_event(event_id)
    registration = _event_registration(event, registration_id)
    form = NotesForm()
    if form.validate_on_submit():
        try:
            services.set_notes(_me(), registration, form.notes.data or "")
        except ValidationFailed as error:
            flash("; ".join(error.fields.values()) or error.message, "error")
        else:
            flash(_("Saved."), "success")
    return _back_to_detail(event, registration)


# Organizers: the form builder --------------------------------------------------------------


def _builder(event: Event, **forms: Any) -> Any:
    status = 200
    for form in forms.values():
        if form is not None and form.is_submitted() and (form.errors or form.form_errors):
            status = 422
    forms.setdefault("category_form", CategoryForm(prefix="category"))
    forms.setdefault("question_form", QuestionForm(prefix="question"))
    forms.setdefault("privacy_form", PrivacyNoticeForm(
        prefix="privacy", data={"privacy_notice": event.privacy_notice}))
    return render_template(
        "registrations/builder.html",
        event=event,
        categories=services.categories_of(event),
        questions=services.questions_of(event),
        action_form=CancelForm(),
        kind_labels=KIND_LABELS,
        **forms,
    ), status


@bp.route("/events/<int:event_id>/form")
@login_required
def builder(event_id: int) -> Any:
    return _builder(_managed_event(event_id))


def _to_builder(event: Event, anchor: str = "") -> Response:
    return redirect(url_for("registrations.builder", event_id=event.id) + anchor)


@bp.route("/events/<int:event_id>/form/categories", methods=["POST"])
@login_required
def add_category(event_id: int) -> Any:
    event = _managed_event(event_id)
    form = CategoryForm(prefix="category")
    if form.validate_on_submit():
        with domain_errors(form):
            services.save_category(_me(), event, form.name.data or "", form.capacity.data,
                                   bool(form.requires_approval.data),
                                   form.description.data or "")
            flash(_("Category added."), "success")
            return _to_builder(event, "#categories")
    return _builder(event, category_form=form)


def _load_category(event: Event, category_id: int) -> Category:
    category = db.session.get(Category, category_id)
    if category is None or category.event_id != event.id:
        abort(404)
    return category


def _load_question(event: Event, question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.event_id != event.id:
        abort(404)
    return question


@bp.route("/events/<int:event_id>/form/categories/<int:category_id>", methods=["GET", "POST"])
@login_required
def edit_category(event_id: int, category_id: int) -> Any:
    event = _managed_event(event_id)
    category = _load_category(event, category_id)
    form = CategoryForm(obj=category)
    if form.validate_on_submit():
        with domain_errors(form):
            services.save_category(_me(), event, form.name.data or "", form.capacity.data,
                                   bool(form.requires_approval.data),
                                   form.description.data or "", category=category)
            flash(_("Saved."), "success")
            return _to_builder(event, "#categories")
    return render_template(
        "registrations/builder_item.html", event=event, form=form, item="category",
        action=url_for("registrations.edit_category", event_id=event.id,
                       category_id=category.id),
    ), form_status(form)


@bp.route("/events/<int:event_id>/form/categories/<int:category_id>/delete", methods=["POST"])
@login_required
def delete_category(event_id: int, category_id: int) -> Response:
    event = _managed_event(event_id)
    category = _load_category(event, category_id)
    if CancelForm().validate_on_submit():
        try:
            services.delete_category(_me(), category)
        except Conflict as error:
            flash_domain_error(error)
        else:
            flash(_("Category removed."), "success")
    return _to_builder(event, "#categories")


@bp.route("/events/<int:event_id>/form/questions", methods=["POST"])
@login_required
def add_question(event_id: int) -> Any:
    event = _managed_event(event_id)
    form = QuestionForm(prefix="question")
    if form.validate_on_submit():
        with domain_errors(form):
            services.save_question(_me(), event, form.to_info())
            flash(_("Question added."), "success")
            return _to_builder(event, "#questions")
    return _builder(event, question_form=form)


@bp.route("/events/<int:event_id>/form/questions/<int:question_id>", methods=["GET", "POST"])
@login_required
def edit_question(event_id: int, question_id: int) -> Any:
    event = _managed_event(event_id)
    question = _load_question(event, question_id)
    form = QuestionForm(question=question) if request.method == "GET" else QuestionForm()
    if form.validate_on_submit():
        with domain_errors(form):
            services.save_question(_me(), event, form.to_info(), question=question)
            flash(_("Saved."), "success")
            return _to_builder(event, "#questions")
    return render_template(
        "registrations/builder_item.html", event=event, form=form, item="question",
        action=url_for("registrations.edit_question", event_id=event.id,
                       question_id=question.id),
    ), form_status(form)


@bp.route("/events/<int:event_id>/form/questions/<int:question_id>/delete", methods=["POST"])
@login_required
def delete_question(event_id: int, question_id: int) -> Response:
    event = _managed_event(event_id)
    question = _load_question(event, question_id)
    if CancelForm().validate_on_submit():
        services.delete_question(_me(), event, question)
        flash(_("Question removed."), "success")
    return _to_builder(event, "#questions")


@bp.route("/events/<int:event_id>/form/questions/<int:question_id>/move/<any(up, down):way>",
          methods=["POST"])
@login_required
def move_question(event_id: int, question_id: int, way: str) -> Response:
    event = _managed_event(event_id)
    question = _load_question(event, question_id)
    if CancelForm().validate_on_submit():
        services.move_question(_me(), event, question, -1 if way == "up" else 1)
    return _to_builder(event, f"#question-{question.id}")


@bp.route("/events/<int:event_id>/form/privacy", methods=["POST"])
@login_required
def privacy_notice(event_id: int) -> Any:
    event = _managed_event(event_id)
    form = PrivacyNoticeForm(prefix="privacy")
    if form.validate_on_submit():
        with domain_errors(form):
            events.update_privacy_notice(_me(), event, form.privacy_notice.data or "")
            flash(_("The privacy notice is saved (version %(v)d).", v=event.privacy_version),
                  "success")
            return _to_builder(event, "#privacy")
    return _builder(event, privacy_form=form)
