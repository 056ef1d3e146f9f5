"""Registrations: the form (categories, questions), registering, approval, tickets, exports."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, g, url_for
from flask_login import current_user, logout_user

from eventhub import permissions
from eventhub.api.common import (
    Bool,
    Email,
    IdArg,
    IdField,
    Int,
    NoBodySchema,
    PageArgsSchema,
    Phone,
    Str,
    StrictSchema,
    Time,
    doc_errors,
    get_in_or_404,
    get_or_404,
    list_of,
    make_blueprint,
    page_of,
    paginate,
    require_user,
    signed_in,
)
from eventhub.api.events import load_event, managed_event
from eventhub.downloads import private_file
from eventhub.errors import NotFound
from eventhub.registrations import (
    exports,
    form_builder,
    imports,
    privacy,
    queries,
    services,
    tickets,
)
from eventhub.registrations.models import (
    WALL_NAME_MAX,
    Category,
    Question,
    QuestionKind,
    Registration,
    RegistrationStatus,
)

blp = make_blueprint("api_registrations", "Registration forms, registrations and tickets.")


# Categories and questions -----------------------------------------------------------------


class CategoryInSchema(StrictSchema):
    name = Str(required=True)
    capacity = Int(allow_none=True, metadata={"description": "null: no limit of its own."})
    requires_approval = Bool(load_default=False)
    description = Str(max_length=500, load_default="")
    investor = Bool(load_default=False, metadata={
        "description": "Its confirmed registrants are investors: they mark interest in the "
                       "contest's entries (融资对接)."})


class CategoryPatchSchema(CategoryInSchema):
    name = Str()
    requires_approval = Bool()
    description = Str(max_length=500)
    investor = Bool()


class EventCategoryPatchSchema(CategoryPatchSchema):
    id = IdField(required=True, metadata={"description": "The category to change."})


class CategorySchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    event_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    description = ma.fields.String()
    capacity = ma.fields.Integer(allow_none=True)
    requires_approval = ma.fields.Boolean()
    investor = ma.fields.Boolean()


class QuestionInSchema(StrictSchema):
    label = Str(required=True)
    kind = ma.fields.Enum(QuestionKind, required=True)
    required = Bool(load_default=False)
    options = ma.fields.List(Str(), load_default=list, validate=ma.validate.Length(max=100))
    help_text = Str(max_length=500, load_default="")


class QuestionPatchSchema(QuestionInSchema):
    label = Str()
    kind = ma.fields.Enum(QuestionKind)
    required = Bool()
    options = ma.fields.List(Str(), validate=ma.validate.Length(max=100))
    help_text = Str(max_length=500)
    position = Int(
        validate=ma.validate.Range(min=0, max=1000),
        metadata={"description": "Move the question to this place (0 = first)."},
    )


class QuestionSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    event_id = ma.fields.Integer(required=True)
    label = ma.fields.String(required=True)
    kind = ma.fields.Enum(QuestionKind, required=True)
    required = ma.fields.Boolean()
    options = ma.fields.List(ma.fields.String())
    help_text = ma.fields.String()
    position = ma.fields.Integer()


CategoryListSchema = list_of(CategorySchema, "CategoryList")
QuestionListSchema = list_of(QuestionSchema, "QuestionList")


@blp.route("/events/<id:event_id>/categories", methods=["GET"])
@blp.response(200, CategoryListSchema)
@doc_errors(blp, 404)
def list_categories(event_id: int) -> dict:
    """The event's categories (参会类型), in form order."""
    return {"items": queries.categories_of(load_event(event_id))}


@blp.route("/events/<id:event_id>/categories", methods=["POST"])
@blp.response(201, CategorySchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(CategoryInSchema)
def create_category(data: dict, event_id: int) -> object:
    """Add a category with an optional capacity and approval flag."""
    event = managed_event(event_id)
    return form_builder.save_category(
        require_user(),
        event,
        data["name"],
        data.get("capacity"),
        data["requires_approval"],
        data["description"],
        investor=data["investor"],
    )


@blp.route("/categories/<id:category_id>", methods=["PATCH"])
@blp.response(200, CategorySchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(CategoryPatchSchema)
def update_category(data: dict, category_id: int) -> object:
    """Change a category; a larger capacity lets the waitlist move up at once."""
    return _patch_category(get_or_404(Category, category_id), data)


@blp.route("/events/<id:event_id>/categories", methods=["PATCH"])
@blp.response(200, CategorySchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(EventCategoryPatchSchema)
def update_event_category(data: dict, event_id: int) -> object:
    """Change the event's category ``id`` (the same as ``PATCH /categories/{id}``, by the path
    API.md names for flagging an investor category)."""
    load_event(event_id)
    return _patch_category(get_in_or_404(Category, data.pop("id"), event_id=event_id), data)


def _patch_category(category: Category, data: dict) -> object:
    event = managed_event(category.event_id)
    return form_builder.save_category(
        require_user(),
        event,
        data.get("name", category.name),
        data.get("capacity", category.capacity) if "capacity" in data else category.capacity,
        data.get("requires_approval", category.requires_approval),
        data.get("description", category.description),
        category=category,
        investor=data.get("investor"),
    )


@blp.route("/categories/<id:category_id>", methods=["DELETE"])
@blp.response(204)
@doc_errors(blp, 401, 403, 404, 409)
@signed_in(blp)
def delete_category(category_id: int) -> None:
    """Remove a category nobody registered in (409 `in_use` otherwise)."""
    category = get_or_404(Category, category_id)
    managed_event(category.event_id)
    form_builder.delete_category(require_user(), category)


@blp.route("/events/<id:event_id>/questions", methods=["GET"])
@blp.response(200, QuestionListSchema)
@doc_errors(blp, 404)
def list_questions(event_id: int) -> dict:
    """The questions of the event's registration form, in order."""
    return {"items": queries.questions_of(load_event(event_id))}


@blp.route("/events/<id:event_id>/questions", methods=["POST"])
@blp.response(201, QuestionSchema)
@doc_errors(blp, 400, 401, 403, 404, 422)
@signed_in(blp)
@blp.arguments(QuestionInSchema)
def create_question(data: dict, event_id: int) -> object:
    """Add a question at the end of the form; choice questions need two options or more."""
    event = managed_event(event_id)
    data["kind"] = data["kind"].value
    return form_builder.save_question(require_user(), event, form_builder.QuestionInfo(**data))


@blp.route("/questions/<id:question_id>", methods=["PATCH"])
@blp.response(200, QuestionSchema)
@doc_errors(blp, 400, 401, 403, 404, 422)
@signed_in(blp)
@blp.arguments(QuestionPatchSchema)
def update_question(data: dict, question_id: int) -> object:
    """Change a question, or move it with `position`."""
    question = get_or_404(Question, question_id)
    event = managed_event(question.event_id)
    position = data.pop("position", None)
    if data:
        merged = {
            "label": question.label,
            "kind": question.kind.value,
            "required": question.required,
            "options": list(question.options),
            "help_text": question.help_text,
        }
        merged.update({k: (v.value if isinstance(v, QuestionKind) else v) for k, v in data.items()})
        info = form_builder.QuestionInfo(**merged)
        form_builder.save_question(require_user(), event, info, question)
    if position is not None:
        form_builder.move_question(require_user(), event, question, position - question.position)
    return question


@blp.route("/questions/<id:question_id>", methods=["DELETE"])
@blp.response(204)
@doc_errors(blp, 401, 403, 404)
@signed_in(blp)
def delete_question(question_id: int) -> None:
    """Remove a question; answers already given stay with the registrations."""
    question = get_or_404(Question, question_id)
    event = managed_event(question.event_id)
    form_builder.delete_question(require_user(), event, question)


# Registrations ----------------------------------------------------------------------------


class RegisterSchema(StrictSchema):
    category_id = IdField(allow_none=True)
    session_ids = ma.fields.List(IdField(), load_default=list, validate=ma.validate.Length(max=100))
    answers = ma.fields.Dict(
        keys=ma.fields.String(),
        load_default=dict,
        metadata={"description": 'Answers keyed by question id: {"12": "天使轮"}.'},
    )
    consent = Bool(required=True, metadata={"description": "Accepts the privacy notice."})
    name = Str(metadata={"description": "Defaults to the account's name."})
    phone = Phone(metadata={"description": "Defaults to the account's phone."})
    organization = Str()
    job_title = Str()


class RegistrationPatchSchema(StrictSchema):
    answers = ma.fields.Dict(keys=ma.fields.String())
    name = Str()
    phone = Phone()
    organization = Str()
    job_title = Str()
    notes = Str(max_length=1000, metadata={"description": "Organizers only: notes for the door."})
    show_on_wall = Bool(metadata={
        "description": "The registrant only: appear on the event's welcome wall (签到墙) once "
                       "checked in (default false)."})
    wall_name = Str(max_length=WALL_NAME_MAX, metadata={
        "description": "The registrant only: the name on the welcome wall; empty for the "
                       "default, the surname followed by ** (张**)."})


class ListArgsSchema(PageArgsSchema):
    status = ma.fields.Enum(RegistrationStatus)
    q = Str(metadata={"description": "Name, phone or its last digits, email, ticket code."})
    category_id = IdArg()


class TicketSchema(ma.Schema):
    code = ma.fields.String(required=True)
    qr_svg_url = ma.fields.String(required=True)


class RegistrationSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    event_id = ma.fields.Integer(required=True)
    status = ma.fields.Enum(RegistrationStatus, required=True)
    waitlist_position = ma.fields.Integer(allow_none=True)
    category_id = ma.fields.Integer(allow_none=True)
    category = ma.fields.String(allow_none=True)
    session_ids = ma.fields.List(ma.fields.Integer())
    name = ma.fields.String()
    email = ma.fields.String()
    phone = ma.fields.String()
    organization = ma.fields.String()
    job_title = ma.fields.String()
    answers = ma.fields.Dict()
    notes = ma.fields.String()
    decision_message = ma.fields.String()
    show_on_wall = ma.fields.Boolean()
    wall_name = ma.fields.String()
    created_at = Time()
    ticket = ma.fields.Nested(TicketSchema, allow_none=True)


def registration_body(
    registration: Registration, position: int | None = None, organizer: bool | None = None
) -> dict[str, Any]:
    """A registration as the API shows it (to its owner or an organizer)."""
    if organizer is None:
        organizer = permissions.can_manage_event(current_user, registration.event)
    body = {
        "id": registration.id,
        "event_id": registration.event_id,
        "status": registration.status,
        "waitlist_position": position
        if position is not None
        else services.waitlist_position(registration),
        "category_id": registration.category_id,
        "category": registration.category.name if registration.category else None,
        "session_ids": [s.id for s in registration.sessions],
        "name": registration.name,
        "email": registration.email,
        "phone": registration.phone,
        "organization": registration.organization,
        "job_title": registration.job_title,
        "answers": registration.answers,
        "decision_message": registration.decision_message,
        "show_on_wall": registration.show_on_wall,
        "wall_name": registration.wall_name,
        "created_at": registration.created_at,
        "ticket": None,
    }
    if organizer:
        body["notes"] = registration.notes
    if registration.status == RegistrationStatus.confirmed and registration.ticket_code:
        body["ticket"] = {
            "code": registration.ticket_code,
            "qr_svg_url": url_for("api_registrations.ticket_svg", registration_id=registration.id),
        }
    return body


def visible_registration(registration_id: int) -> Registration:
    """The registration, to its owner or an organizer of its event; 404 for anyone else."""
    registration = get_or_404(Registration, registration_id)
    user = require_user()
    if registration.user_id != user.id and not permissions.can_manage_event(
        user, registration.event
    ):
        raise NotFound()
    return registration


@blp.route("/events/<id:event_id>/registrations", methods=["POST"])
@blp.response(201, RegistrationSchema)
@doc_errors(blp, 400, 401, 404, 409, 422)
@signed_in(blp)
@blp.arguments(RegisterSchema)
def register(data: dict, event_id: int) -> dict:
    """Register yourself: `confirmed` (with a ticket), `waitlisted` (with a position) or
    `pending` (awaiting approval). 409 `already_registered` carries `registration_id`."""
    event = load_event(event_id)
    registration = services.register(require_user(), event, services.RegistrationInfo(**data))
    return registration_body(registration, registration.known_position, organizer=False)


@blp.route("/events/<id:event_id>/registrations", methods=["GET"])
@blp.response(200, page_of(RegistrationSchema, "RegistrationPage"))
@doc_errors(blp, 400, 401, 403, 404)
@signed_in(blp)
@blp.arguments(ListArgsSchema, location="query")
def list_registrations(args: dict, event_id: int) -> dict:
    """Every registration of the event (cancelled ones too unless `status` filters), with
    search `q` by name, phone (or its last digits), email or ticket code."""
    event = managed_event(event_id)
    query = queries.registrations_query(
        event, status=args.get("status"), q=args.get("q"), category_id=args.get("category_id")
    )
    page = paginate(query, args["page"], args["per_page"])
    positions = queries.waitlist_positions(event, [r.id for r in page["items"]])
    page["items"] = [
        registration_body(r, positions.get(r.id), organizer=True) for r in page["items"]
    ]
    return page


def _export(event_id: int, fmt: str) -> Response:
    event = managed_event(event_id)
    return private_file(*exports.export(require_user(), event, fmt))


@blp.route("/events/<id:event_id>/registrations.csv", methods=["GET"])
@doc_errors(blp, 401, 403, 404)
@blp.response(200, content_type="text/csv", description="UTF-8 with BOM, one column per question.")
@signed_in(blp)
def export_csv(event_id: int) -> Response:
    """All registrations as CSV (Excel opens the Chinese correctly)."""
    return _export(event_id, "csv")


@blp.route("/events/<id:event_id>/registrations.xlsx", methods=["GET"])
@doc_errors(blp, 401, 403, 404)
@blp.response(
    200,
    description="An Excel workbook, one column per question.",
    content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)
@signed_in(blp)
def export_xlsx(event_id: int) -> Response:
    """All registrations as an Excel workbook."""
    return _export(event_id, "xlsx")


class PersonSchema(StrictSchema):
    name = Str(required=True)
    email = Email(required=True)
    phone = Phone(allow_none=True)
    category_id = IdField(allow_none=True)
    answers = ma.fields.Dict(keys=ma.fields.String(), load_default=dict)


class ImportSchema(StrictSchema):
    people = ma.fields.List(
        ma.fields.Nested(PersonSchema), required=True, validate=ma.validate.Length(min=1, max=5000)
    )
    notify = Bool(load_default=False, metadata={"description": "Mail each person."})


class ImportedSchema(ma.Schema):
    id = ma.fields.Integer()
    email = ma.fields.String()
    status = ma.fields.Enum(RegistrationStatus)
    ticket = ma.fields.Nested(TicketSchema, allow_none=True)


class SkippedSchema(ma.Schema):
    index = ma.fields.Integer()
    code = ma.fields.String()
    reason = ma.fields.String()


class ImportResultSchema(ma.Schema):
    created = ma.fields.Integer()
    skipped = ma.fields.List(ma.fields.Nested(SkippedSchema))
    registrations = ma.fields.List(ma.fields.Nested(ImportedSchema))


@blp.route("/events/<id:event_id>/registrations/import", methods=["POST"])
@blp.response(200, ImportResultSchema)
@doc_errors(blp, 400, 401, 403, 404, 422)
@signed_in(blp)
@blp.arguments(ImportSchema)
def import_registrations(data: dict, event_id: int) -> dict:
    """Register people on their behalf; capacity, duplicates and the waitlist apply as for
    one registration. People without an account get one without a password."""
    event = managed_event(event_id)
    result = imports.import_people(require_user(), event, data["people"], data["notify"])
    result["registrations"] = [
        {
            k: v
            for k, v in registration_body(r, organizer=True).items()
            if k in ("id", "email", "status", "ticket")
        }
        for r in result["registrations"]
    ]
    return result


@blp.route("/me/registrations", methods=["GET"])
@blp.response(200, page_of(RegistrationSchema, "MyRegistrationPage"))
@doc_errors(blp, 400, 401)
@signed_in(blp)
@blp.arguments(PageArgsSchema, location="query")
def my_registrations(args: dict) -> dict:
    """Your own registrations, newest event first."""
    page = paginate(queries.registrations_of(require_user()), args["page"], args["per_page"])
    page["items"] = [registration_body(r, organizer=False) for r in page["items"]]
    return page


@blp.route("/registrations/<id:registration_id>", methods=["GET"])
@blp.response(200, RegistrationSchema)
@doc_errors(blp, 401, 404)
@signed_in(blp)
def get_registration(registration_id: int) -> dict:
    """One registration (its owner or an organizer of the event)."""
    return registration_body(visible_registration(registration_id))


@blp.route("/registrations/<id:registration_id>", methods=["PATCH"])
@blp.response(200, RegistrationSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(RegistrationPatchSchema)
def update_registration(data: dict, registration_id: int) -> dict:
    """Change answers and contact fields (until registration closes; organizers always), or,
    as an organizer, the notes door staff see, or, as the registrant, the welcome wall's
    opt-in and name (first: refused, it changes nothing else)."""
    registration = visible_registration(registration_id)
    user = require_user()
    if "show_on_wall" in data or "wall_name" in data:
        services.set_wall_choice(user, registration, show_on_wall=data.pop("show_on_wall", None),
                                 wall_name=data.pop("wall_name", None))
    notes = data.pop("notes", None)
    if notes is not None:
        services.set_notes(user, registration, notes)
    if data:
        info = services.RegistrationInfo(
            answers=data.get("answers", registration.answers),
            name=data.get("name", registration.name),
            phone=data.get("phone", registration.phone),
            organization=data.get("organization", registration.organization),
            job_title=data.get("job_title", registration.job_title),
        )
        services.update_answers(user, registration, info)
    return registration_body(registration)


class DecisionSchema(StrictSchema):
    message = Str(max_length=1000, load_default="")


@blp.route("/registrations/<id:registration_id>/cancel", methods=["POST"])
@blp.response(200, RegistrationSchema)
@doc_errors(blp, 400, 401, 404, 409, 422)
@signed_in(blp)
@blp.arguments(DecisionSchema, description="An optional reason.", required=False)
def cancel_registration(data: dict, registration_id: int) -> dict:
    """Cancel (the owner until the event starts; organizers always). The first waitlisted
    registration whose pools all have room is confirmed in the same transaction."""
    registration = visible_registration(registration_id)
    services.cancel(require_user(), registration, reason=data.get("message", ""))
    return registration_body(registration)


def decidable_registration(registration_id: int) -> Registration:
    """The registration, for an organizer's action on it: 404 to those who may not see it,
    while its owner and the event's door staff see it exist (the service then answers 403)."""
    registration = get_or_404(Registration, registration_id)
    user = require_user()
    if registration.user_id != user.id and not permissions.can_check_in(
        user, registration.event
    ):
        raise NotFound()
    return registration


def _decide(registration_id: int, data: dict, approve: bool) -> dict:
    registration = decidable_registration(registration_id)
    decide = services.approve if approve else services.reject
    decide(require_user(), registration, data.get("message", ""))
    return registration_body(registration, organizer=True)


@blp.route("/registrations/<id:registration_id>/approve", methods=["POST"])
@blp.response(200, RegistrationSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(DecisionSchema, required=False)
def approve_registration(data: dict, registration_id: int) -> dict:
    """Confirm a pending registration when its pools have room (409 `capacity_full`)."""
    return _decide(registration_id, data, approve=True)


@blp.route("/registrations/<id:registration_id>/reject", methods=["POST"])
@blp.response(200, RegistrationSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(DecisionSchema, required=False)
def reject_registration(data: dict, registration_id: int) -> dict:
    """Turn down a pending or waitlisted registration, with an optional message."""
    return _decide(registration_id, data, approve=False)


class BulkDecisionSchema(StrictSchema):
    registration_ids = ma.fields.List(
        IdField(), required=True, validate=ma.validate.Length(min=1, max=1000)
    )
    action = ma.fields.String(required=True, validate=ma.validate.OneOf(["approve", "reject"]))
    message = Str(max_length=1000, load_default="")


class FailedSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    message = ma.fields.String()


class BulkResultSchema(ma.Schema):
    done = ma.fields.List(ma.fields.Integer())
    failed = ma.fields.List(ma.fields.Nested(FailedSchema))


@blp.route("/events/<id:event_id>/registrations/decide", methods=["POST"])
@blp.response(200, BulkResultSchema)
@doc_errors(blp, 400, 401, 403, 404, 422)
@signed_in(blp)
@blp.arguments(BulkDecisionSchema)
def decide_registrations(data: dict, event_id: int) -> dict:
    """Approve or reject several registrations at once; each is decided on its own."""
    event = managed_event(event_id)
    return services.decide_many(
        require_user(),
        event,
        data["registration_ids"],
        data["action"] == "approve",
        data["message"],
    )


@blp.route("/registrations/<id:registration_id>/ticket/regenerate", methods=["POST"])
@blp.response(200, RegistrationSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(NoBodySchema, required=False)
def regenerate_ticket(_: dict, registration_id: int) -> dict:
    """Issue a new ticket code; the old one stops working at once."""
    registration = decidable_registration(registration_id)
    services.regenerate_ticket(require_user(), registration)
    return registration_body(registration, organizer=True)


@blp.route("/registrations/<id:registration_id>/qr.svg", methods=["GET"])
@doc_errors(blp, 401, 404)
@blp.response(200, content_type="image/svg+xml", description="The ticket's QR code.")
@signed_in(blp)
def ticket_svg(registration_id: int) -> Response:
    """The ticket's QR code as SVG (owner or organizer; 404 while there is no ticket)."""
    registration = visible_registration(registration_id)
    if registration.status != RegistrationStatus.confirmed or not registration.ticket_code:
        raise NotFound()
    response = Response(tickets.qr_svg(registration.ticket_code), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, no-store"
    return response


# Privacy (PIPL): your data, deleting your account -----------------------------------------


class MyDataSchema(ma.Schema):
    exported_at = ma.fields.String()
    profile = ma.fields.Dict()
    memberships = ma.fields.List(ma.fields.Dict())
    registrations = ma.fields.List(
        ma.fields.Dict(),
        metadata={"description": "Each with its event, status, answers labelled by question "
                                 "and the consent (notice version and time)."},
    )


class DeleteAccountSchema(StrictSchema):
    password = Str(required=True, max_length=128)


@blp.route("/me/data", methods=["GET"])
@blp.response(200, MyDataSchema)
@doc_errors(blp, 401)
@signed_in(blp)
def my_data() -> dict:
    """Everything eventhub holds about you: profile, memberships, registrations and answers."""
    return privacy.export_my_data(require_user())


@blp.route("/me/delete", methods=["POST"])
@blp.response(204)
@doc_errors(blp, 400, 401, 422)
@signed_in(blp)
@blp.arguments(DeleteAccountSchema)
def delete_me(data: dict) -> None:
    """Delete your account (422 `wrong_password`): registrations of events that have not
    ended are cancelled, every registration is anonymized, your tokens stop working."""
    privacy.delete_account(require_user(), data["password"])
    if not g.get("auth_via_token"):
        logout_user()
