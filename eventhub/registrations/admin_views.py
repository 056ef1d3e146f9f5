"""Registration pages of organizers: the list, decisions, notes, exports, badges, people
registered on their behalf, and the form builder (categories, questions, privacy notice).

They are on the registrations blueprint of `views` (endpoints ``registrations.<page>``).
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from eventhub import permissions
from eventhub.database import db
from eventhub.downloads import private_file
from eventhub.errors import Conflict, ValidationFailed
from eventhub.events import services as events
from eventhub.events.access import event_for
from eventhub.events.models import Event
from eventhub.ids import page_number, parse_id
from eventhub.registrations import exports, form_builder, imports, labels, queries, services
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
    choices,
)
from eventhub.registrations.models import Category, Question, Registration, RegistrationStatus
from eventhub.registrations.views import answer_rows, bp, me
from eventhub.webforms import domain_errors, flash_domain_error, form_status

PER_PAGE = 50
S = RegistrationStatus

#: What the organizer's bulk buttons and single decisions say when they worked.
DECIDED = {
    "approve": lambda n: _("%(n)d registrations approved.", n=n),
    "reject": lambda n: _("%(n)d registrations rejected.", n=n),
}


def _managed_event(event_id: int) -> Event:
    return event_for(event_id, permissions.can_manage_event)


def _event_registration(event: Event, registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        abort(404)
    return registration



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
    categories = queries.categories_of(event)
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
            me(), event, form.ids.data, action == "approve", form.message.data or ""
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
    return private_file(*exports.export(me(), event, fmt))


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
    data = badges_pdf(me(), event, db.session.scalars(query), layout)
    return private_file(data, "application/pdf", f"badges-{event.id}.pdf", inline=True)


@bp.route("/events/<int:event_id>/registrations/new", methods=["GET", "POST"])
@login_required
def add(event_id: int) -> Any:
    event = _managed_event(event_id)
    categories = queries.categories_of(event)
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
            registration = imports.register_person(
                me(), event, form.email.data or "", info, notify=bool(form.notify.data)
            )
            flash(_("%(name)s is registered: %(status)s.", name=registration.name,
                    status=labels.status_label(registration.status)), "success")
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
        answers=answer_rows(registration),
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
            decide_(me(), registration, form.message.data or "")
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
            services.cancel(me(), registration)
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
            services.regenerate_ticket(me(), registration)
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
            services.set_notes(me(), registration, form.notes.data or "")
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
        categories=queries.categories_of(event),
        questions=queries.questions_of(event),
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
            form_builder.save_category(me(), event, form.name.data or "", form.capacity.data,
                                   bool(form.requires_approval.data),
                                   form.description.data or "",
                                   investor=bool(form.investor.data))
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
            form_builder.save_category(me(), event, form.name.data or "", form.capacity.data,
                                   bool(form.requires_approval.data),
                                   form.description.data or "", category=category,
                                   investor=bool(form.investor.data))
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
            form_builder.delete_category(me(), category)
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
            form_builder.save_question(me(), event, form.to_info())
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
            form_builder.save_question(me(), event, form.to_info(), question=question)
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
        form_builder.delete_question(me(), event, question)
        flash(_("Question removed."), "success")
    return _to_builder(event, "#questions")


@bp.route("/events/<int:event_id>/form/questions/<int:question_id>/move/<any(up, down):way>",
          methods=["POST"])
@login_required
def move_question(event_id: int, question_id: int, way: str) -> Response:
    event = _managed_event(event_id)
    question = _load_question(event, question_id)
    if CancelForm().validate_on_submit():
        form_builder.move_question(me(), event, question, -1 if way == "up" else 1)
    return _to_builder(event, f"#question-{question.id}")


@bp.route("/events/<int:event_id>/form/privacy", methods=["POST"])
@login_required
def privacy_notice(event_id: int) -> Any:
    event = _managed_event(event_id)
    form = PrivacyNoticeForm(prefix="privacy")
    if form.validate_on_submit():
        with domain_errors(form):
            events.update_privacy_notice(me(), event, form.privacy_notice.data or "")
            flash(_("The privacy notice is saved (version %(v)d).", v=event.privacy_version),
                  "success")
            return _to_builder(event, "#privacy")
    return _builder(event, privacy_form=form)
