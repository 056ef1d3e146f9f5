"""The mentor pool (创业导师库): mentors, their office hours and bookings (see API.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import marshmallow as ma
from flask import request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from eventhub import periods, permissions
from eventhub.api.common import (
    TEXT_MAX,
    Bool,
    Email,
    IdArg,
    IdField,
    Int,
    NoBodySchema,
    PageArgsSchema,
    Str,
    StrictSchema,
    Time,
    doc_errors,
    get_or_404,
    load_or_404,
    make_blueprint,
    optional_auth,
    page_of,
    paginate,
    require_user,
    signed_in,
)
from eventhub.downloads import private_file
from eventhub.errors import NotFound, ValidationFailed
from eventhub.mentors import report, services
from eventhub.mentors.models import (
    BookingStatus,
    CoachingMode,
    CoachingStatus,
    Mentor,
    MentorBooking,
    MentorCoaching,
    MentorRating,
    MentorSlot,
    SlotMode,
)
from eventhub.mentors.permissions import can_edit_mentor, is_mentee
from eventhub.mentors.services import ProfileInfo
from eventhub.orgs.models import Organization

blp = make_blueprint("api_mentors", "The mentor pool: mentors, office hours and bookings.")


class MentorInSchema(StrictSchema):
    email = Email(required=True)
    name = Str()
    title = Str()
    organization = Str(metadata={"description": "The mentor's own employer (单位)."})
    expertise = ma.fields.List(Str(), load_default=list, validate=ma.validate.Length(max=20))
    bio = Str(max_length=TEXT_MAX)
    public = Bool()


class MentorPatchSchema(StrictSchema):
    title = Str()
    organization = Str()
    expertise = ma.fields.List(Str(), validate=ma.validate.Length(max=20))
    bio = Str(max_length=TEXT_MAX)
    public = Bool()


def mentor_photo_url(mentor: Mentor) -> str:
    """The mentor's photo (or default avatar), as the pages show it: versioned by the photo,
    seen by whoever may see the mentor."""
    return url_for("mentor_pool.photo", mentor_id=mentor.id, v=services.photo_version(mentor))


PHOTO_URL_DOC = {"description": "The photo, or a default avatar with the initial (an image; "
                                "relative to the site)."}


class MentorSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    user_id = ma.fields.Integer(required=True)
    org_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    title = ma.fields.String()
    organization = ma.fields.String(attribute="affiliation")
    expertise = ma.fields.List(ma.fields.String())
    bio = ma.fields.String()
    public = ma.fields.Boolean()
    photo_url = ma.fields.Function(mentor_photo_url, metadata=PHOTO_URL_DOC)


class MentorItemSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    title = ma.fields.String()
    organization = ma.fields.String()
    expertise = ma.fields.List(ma.fields.String())
    org_id = ma.fields.Integer(required=True)
    public = ma.fields.Boolean()
    rating = ma.fields.Float(allow_none=True, metadata={
        "description": "Mean stars, 2 decimals; null below 3 ratings."})
    ratings = ma.fields.Integer()
    photo_url = ma.fields.String(metadata=PHOTO_URL_DOC)


class MentorListArgsSchema(PageArgsSchema):
    org = IdArg()
    expertise = Str()
    q = Str()


def _profile(data: dict) -> ProfileInfo:
    return ProfileInfo(title=data.get("title"), affiliation=data.get("organization"),
                       expertise=data.get("expertise"), bio=data.get("bio"),
                       public=data.get("public"))


def visible_mentor(mentor_id: int) -> Mentor:
    """The mentor, if the caller may see them (404 otherwise)."""
    return load_or_404(Mentor, mentor_id,
                       visible=lambda mentor: services.visible_to(current_user, mentor))


@blp.route("/orgs/<id:org_id>/mentors", methods=["POST"])
@blp.response(201, MentorSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(MentorInSchema)
def add_mentor(data: dict, org_id: int) -> Mentor:
    """Put a person in the organization's mentor pool (owner/organizer); a person without an
    account gets one without a password. 409 `already_mentor`."""
    org = get_or_404(Organization, org_id)
    return services.add_mentor(require_user(), org, data["email"], data.get("name"),
                               _profile(data))


@blp.route("/mentors/<id:mentor_id>", methods=["PATCH"])
@blp.response(200, MentorSchema)
@doc_errors(blp, 400, 401, 403, 404, 422)
@signed_in(blp)
@blp.arguments(MentorPatchSchema)
def update_mentor(data: dict, mentor_id: int) -> Mentor:
    """Change a mentor's profile (the pool's organizers, or the mentor)."""
    mentor = visible_mentor(mentor_id)
    return services.update_mentor(require_user(), mentor, _profile(data))


@blp.route("/mentors/<id:mentor_id>/photo", methods=["PUT"])
@blp.response(200, MentorSchema)
@doc_errors(blp, 401, 403, 404, 422)
@blp.doc(requestBody={
    "required": True,
    "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["photo"],
        "properties": {"photo": {"type": "string", "format": "binary",
                                 "description": "A JPEG, PNG or WebP image (checked by its "
                                                "content), at most 2 MB."}},
    }}},
})
@signed_in(blp)
def put_photo(mentor_id: int) -> Mentor:
    """Set the mentor's photo (multipart/form-data, field `photo`), replacing any earlier one:
    the mentor or the pool's organizers. 422 when it is not a JPEG, PNG or WebP image, or
    `photo_too_large`."""
    mentor = visible_mentor(mentor_id)
    user = require_user()
    permissions.require(can_edit_mentor, user, mentor)  # 403 before reading the upload
    upload = request.files.get("photo")
    if upload is None or not upload.filename:
        raise ValidationFailed(fields={"photo": gettext("Choose a file.")})
    return services.save_photo(user, mentor, upload.stream)


@blp.route("/mentors/<id:mentor_id>/photo", methods=["DELETE"])
@blp.response(204)
@doc_errors(blp, 401, 403, 404)
@signed_in(blp)
def delete_photo(mentor_id: int) -> None:
    """Remove the mentor's photo (the default avatar shows again); no photo: no change."""
    services.remove_photo(require_user(), visible_mentor(mentor_id))


@blp.route("/mentors", methods=["GET"])
@blp.response(200, page_of(MentorItemSchema, "MentorPage"))
@doc_errors(blp, 400, 422)
@optional_auth(blp)
@blp.arguments(MentorListArgsSchema, location="query")
def list_mentors(args: dict) -> dict:
    """Public mentors for everyone; organizers also see their pools' other mentors."""
    query = services.directory_query(current_user, args.get("org"), args.get("expertise"),
                                     args.get("q"))
    page = paginate(query, args["page"], args["per_page"])
    ratings = services.ratings_of([m.id for m in page["items"]])
    page["items"] = [
        {"id": m.id, "name": m.name, "title": m.title, "organization": m.affiliation,
         "expertise": m.expertise, "org_id": m.org_id, "public": m.public,
         "rating": ratings[m.id][0], "ratings": ratings[m.id][1],
         "photo_url": mentor_photo_url(m)}
        for m in page["items"]
    ]
    return page


# Office hours -----------------------------------------------------------------------------


class SlotInSchema(StrictSchema):
    starts_at = Time(required=True)
    ends_at = Time(required=True)
    mode = ma.fields.Enum(SlotMode, required=True)
    location = Str(load_default="")
    capacity = Int(load_default=1)
    event_id = IdField(allow_none=True)


class SlotSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    mentor_id = ma.fields.Integer(required=True)
    starts_at = Time(required=True)
    ends_at = Time(required=True)
    mode = ma.fields.Enum(SlotMode, required=True)
    location = ma.fields.String()
    capacity = ma.fields.Integer()
    event_id = ma.fields.Integer(allow_none=True)
    booked = ma.fields.Integer()


class PeriodBound(ma.fields.String):
    """A period's bound: an ISO 8601 date-time with offset, or a date (its midnight in the
    platform's time zone), as `periods.parse_bound` reads it."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> datetime:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return periods.parse_bound(text, periods.platform_tz())
        except ValueError:
            raise ma.ValidationError(str(periods.BAD_BOUND)) from None


class SlotListArgsSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    start = PeriodBound(data_key="from")
    end = PeriodBound(data_key="to")

    @ma.validates_schema
    def _ordered(self, data: dict, **kwargs: Any) -> None:
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise ma.ValidationError(gettext("The start must not be after the end."), "from")


class SlotListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(SlotSchema), required=True)


def _slot_body(slot: MentorSlot, booked: int) -> dict:
    return {"id": slot.id, "mentor_id": slot.mentor_id, "starts_at": slot.starts_at,
            "ends_at": slot.ends_at, "mode": slot.mode, "location": slot.location,
            "capacity": slot.capacity, "event_id": slot.event_id, "booked": booked}


@blp.route("/mentors/<id:mentor_id>/slots", methods=["POST"])
@blp.response(201, SlotSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(SlotInSchema)
def add_slot(data: dict, mentor_id: int) -> dict:
    """Publish an office hour (the mentor or the pool's organizers): 10 minutes to 4 hours;
    409 `slot_overlap` with another of the mentor's."""
    mentor = visible_mentor(mentor_id)
    slot = services.add_slot(require_user(), mentor, data["starts_at"], data["ends_at"],
                             data["mode"], data["location"], data["capacity"],
                             data.get("event_id"))
    return _slot_body(slot, 0)


@blp.route("/mentors/<id:mentor_id>/slots", methods=["GET"])
@blp.response(200, SlotListSchema)
@doc_errors(blp, 400, 404, 422)
@optional_auth(blp)
@blp.arguments(SlotListArgsSchema, location="query")
def list_slots(args: dict, mentor_id: int) -> dict:
    """The mentor's office hours starting in `[from, to)`, each with `booked`."""
    mentor = visible_mentor(mentor_id)
    return {"items": [_slot_body(s, n) for s, n in
                      services.slots_of(mentor, args.get("start"), args.get("end"))]}


class CancelSlotSchema(StrictSchema):
    message = Str(max_length=TEXT_MAX, load_default="")


@blp.route("/slots/<id:slot_id>", methods=["DELETE"])
@blp.response(204)
@doc_errors(blp, 400, 401, 403, 404, 422)
@signed_in(blp)
@blp.arguments(CancelSlotSchema)
def cancel_slot(data: dict, slot_id: int) -> None:
    """Cancel an office hour and every booking of it."""
    slot = get_or_404(MentorSlot, slot_id)
    if slot.cancelled_at is not None:
        raise NotFound()
    visible_mentor(slot.mentor_id)
    services.cancel_slot(require_user(), slot, data["message"])


# Bookings ---------------------------------------------------------------------------------


class BookSchema(StrictSchema):
    topic = Str(required=True)
    entry_id = IdField(allow_none=True)


class BookingSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    slot_id = ma.fields.Integer(required=True)
    status = ma.fields.Enum(BookingStatus, required=True)
    topic = ma.fields.String()
    entry_id = ma.fields.Integer(allow_none=True)
    user_id = ma.fields.Integer()
    starts_at = Time(attribute="slot.starts_at")
    ends_at = Time(attribute="slot.ends_at")
    mentor_id = ma.fields.Integer(attribute="slot.mentor_id")
    cancel_message = ma.fields.String()


class BookingStatusSchema(ma.Schema):
    status = ma.fields.Enum(BookingStatus, required=True)


class CancelBookingSchema(StrictSchema):
    message = Str(max_length=TEXT_MAX, load_default="")


@blp.route("/slots/<id:slot_id>/bookings", methods=["POST"])
@blp.response(201, BookingSchema)
@doc_errors(blp, 400, 401, 404, 409, 422)
@signed_in(blp)
@blp.arguments(BookSchema)
def book(data: dict, slot_id: int) -> MentorBooking:
    """Book a place: 409 `slot_full`, `already_booked`, `booking_closed`, `booking_limit`."""
    slot = get_or_404(MentorSlot, slot_id)
    visible_mentor(slot.mentor_id)
    return services.book(require_user(), slot, data["topic"], data.get("entry_id"))


def _visible_booking(booking_id: int) -> MentorBooking:
    """The booking, to those who may cancel it (the booker, the mentor, the pool's
    organizers): 404 for anyone else."""
    return load_or_404(MentorBooking, booking_id, visible=lambda booking: (
        services.can_cancel_booking(current_user, booking)))


@blp.route("/bookings/<id:booking_id>/cancel", methods=["POST"])
@blp.response(200, BookingStatusSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(CancelBookingSchema)
def cancel_booking(data: dict, booking_id: int) -> MentorBooking:
    """Cancel a booking until the start (the booker, the mentor, the pool's organizers)."""
    return services.cancel_booking(require_user(), _visible_booking(booking_id),
                                   data["message"])


@blp.route("/bookings/<id:booking_id>/no-show", methods=["POST"])
@blp.response(200, BookingStatusSchema)
@doc_errors(blp, 400, 401, 403, 404, 409)
@signed_in(blp)
@blp.arguments(NoBodySchema)
def mark_no_show(_data: dict, booking_id: int) -> MentorBooking:
    """The mentor marks that the booker did not come (after the start)."""
    return services.mark_no_show(require_user(), _visible_booking(booking_id))


@blp.route("/me/bookings", methods=["GET"])
@blp.response(200, page_of(BookingSchema, "MyBookingPage"))
@doc_errors(blp, 400, 401)
@signed_in(blp)
@blp.arguments(PageArgsSchema, location="query")
def my_bookings(args: dict) -> dict:
    """Your own bookings, latest first."""
    return paginate(services.bookings_of(require_user()), args["page"], args["per_page"])


@blp.route("/me/mentor/bookings", methods=["GET"])
@blp.response(200, page_of(BookingSchema, "MentorBookingPage"))
@doc_errors(blp, 400, 401)
@signed_in(blp)
@blp.arguments(PageArgsSchema, location="query")
def mentor_bookings(args: dict) -> dict:
    """The bookings of your office hours as a mentor, latest first."""
    return paginate(services.bookings_with(require_user()), args["page"], args["per_page"])


# Coaching records (辅导记录) -----------------------------------------------------------------


class CoachingInSchema(StrictSchema):
    mentee_ids = ma.fields.List(IdField(), required=True,
                                validate=ma.validate.Length(min=1, max=services.MENTEES_MAX))
    started_at = Time(required=True)
    minutes = Int(required=True)
    mode = ma.fields.Enum(CoachingMode, required=True)
    topic = Str(required=True)
    notes = Str(max_length=TEXT_MAX, load_default="")
    booking_id = IdField(allow_none=True)
    entry_id = IdField(allow_none=True)


class CoachingCreatedSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    status = ma.fields.Enum(CoachingStatus, required=True)


class CoachingStatusSchema(ma.Schema):
    status = ma.fields.Enum(CoachingStatus, required=True)


class CoachingSchema(ma.Schema):
    """A coaching record as its mentee, its mentor and the pool's organizers see it (no
    ratings: their comments are the organizers')."""

    id = ma.fields.Integer(required=True)
    mentor_id = ma.fields.Integer(required=True)
    mentor_name = ma.fields.String(attribute="mentor.name")
    started_at = Time(required=True)
    minutes = ma.fields.Integer()
    mode = ma.fields.Enum(CoachingMode)
    topic = ma.fields.String()
    booking_id = ma.fields.Integer(allow_none=True)
    entry_id = ma.fields.Integer(allow_none=True)
    status = ma.fields.Enum(CoachingStatus, required=True)
    confirmed_at = Time(allow_none=True)


class RatingInSchema(StrictSchema):
    stars = Int(required=True)
    comment = Str(max_length=TEXT_MAX, load_default="")


class RatingSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    coaching_id = ma.fields.Integer(required=True)
    stars = ma.fields.Integer(required=True)
    comment = ma.fields.String()


@blp.route("/mentors/<id:mentor_id>/coachings", methods=["POST"])
@blp.response(201, CoachingCreatedSchema)
@doc_errors(blp, 400, 401, 403, 404, 422)
@signed_in(blp)
@blp.arguments(CoachingInSchema)
def log_coaching(data: dict, mentor_id: int) -> MentorCoaching:
    """Log a coaching (the mentor or the pool's organizers): 1 to 600 minutes."""
    mentor = visible_mentor(mentor_id)
    return services.log_coaching(require_user(), mentor, services.CoachingInfo(
        mentee_ids=data["mentee_ids"], started_at=data["started_at"], minutes=data["minutes"],
        mode=data["mode"], topic=data["topic"], notes=data["notes"],
        booking_id=data.get("booking_id"), entry_id=data.get("entry_id")))


def _coaching_of_mentee(coaching_id: int) -> MentorCoaching:
    """The coaching, if the caller may see it: its mentees, the mentor, the pool's organizers
    (404 otherwise)."""
    return load_or_404(MentorCoaching, coaching_id, visible=lambda coaching: (
        is_mentee(current_user, coaching) or can_edit_mentor(current_user, coaching.mentor)))


@blp.route("/coachings/<id:coaching_id>/confirm", methods=["POST"])
@blp.response(200, CoachingStatusSchema)
@doc_errors(blp, 400, 401, 403, 404)
@signed_in(blp)
@blp.arguments(NoBodySchema)
def confirm_coaching(_data: dict, coaching_id: int) -> MentorCoaching:
    """One of its mentees confirms the coaching took place."""
    return services.confirm_coaching(require_user(), _coaching_of_mentee(coaching_id))


@blp.route("/coachings/<id:coaching_id>/rating", methods=["POST"])
@blp.response(201, RatingSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(RatingInSchema)
def rate_coaching(data: dict, coaching_id: int) -> MentorRating:
    """A mentee rates the coaching once, 1 to 5 stars: 409 `already_rated`."""
    return services.rate_coaching(require_user(), _coaching_of_mentee(coaching_id),
                                  data["stars"], data["comment"])


class CoachingPatchSchema(StrictSchema):
    mentee_ids = ma.fields.List(IdField(),
                                validate=ma.validate.Length(min=1, max=services.MENTEES_MAX))
    started_at = Time()
    minutes = Int()
    mode = ma.fields.Enum(CoachingMode)
    topic = Str()
    notes = Str(max_length=TEXT_MAX)
    booking_id = IdField(allow_none=True)
    entry_id = IdField(allow_none=True)


class CoachingRecordSchema(CoachingSchema):
    """A coaching record as its mentor and the pool's organizers see it."""

    mentee_ids = ma.fields.Function(lambda c: [m.id for m in c.mentees])
    notes = ma.fields.String()


@blp.route("/coachings/<id:coaching_id>", methods=["PATCH"])
@blp.response(200, CoachingRecordSchema)
@doc_errors(blp, 400, 401, 403, 404, 422)
@signed_in(blp)
@blp.arguments(CoachingPatchSchema)
def update_coaching(data: dict, coaching_id: int) -> MentorCoaching:
    """Change a coaching record (its mentor or the pool's organizers), with the checks of
    logging one; fields left out keep their value. Changing `started_at`, `minutes` or
    `mentee_ids` of a confirmed coaching sets it back to `logged`: its mentees are asked by
    mail to confirm it again. Its mentees get 403, anyone else 404. Audited with the record
    before and after."""
    coaching = _coaching_of_mentee(coaching_id)
    current = {
        "mentee_ids": [m.id for m in coaching.mentees], "started_at": coaching.started_at,
        "minutes": coaching.minutes, "mode": coaching.mode, "topic": coaching.topic,
        "notes": coaching.notes, "booking_id": coaching.booking_id,
        "entry_id": coaching.entry_id,
    }
    return services.update_coaching(require_user(), coaching,
                                    services.CoachingInfo(**{**current, **data}))


@blp.route("/coachings/<id:coaching_id>", methods=["DELETE"])
@blp.response(204)
@doc_errors(blp, 400, 401, 403, 404, 409)
@signed_in(blp)
def delete_coaching(coaching_id: int) -> None:
    """Delete a coaching record for good (its mentor or the pool's organizers); the audit log
    keeps it. 409 `coaching_rated` when the mentor deletes one mentees rated (the pool's
    organizers may)."""
    services.delete_coaching(require_user(), _coaching_of_mentee(coaching_id))


@blp.route("/me/coachings", methods=["GET"])
@blp.response(200, page_of(CoachingSchema, "MyCoachingPage"))
@doc_errors(blp, 400, 401)
@signed_in(blp)
@blp.arguments(PageArgsSchema, location="query")
def my_coachings(args: dict) -> dict:
    """The coachings you received, latest first."""
    return paginate(services.coachings_of(require_user()), args["page"], args["per_page"])


# Performance (绩效评估) --------------------------------------------------------------------


class ReportArgsSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    start = PeriodBound(data_key="from", required=True)
    end = PeriodBound(data_key="to", required=True)

    @ma.validates_schema
    def _ordered(self, data: dict, **kwargs: Any) -> None:
        if data.get("start") and data.get("end") and data["start"] >= data["end"]:
            raise ma.ValidationError(gettext("The start must be before the end."), "from")


class RuleSchema(ma.Schema):
    min_coachings = ma.fields.Integer(required=True)
    min_minutes = ma.fields.Integer(required=True)


class MentorFiguresSchema(ma.Schema):
    mentor_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    coachings = ma.fields.Integer(required=True)
    confirmed = ma.fields.Integer(required=True)
    minutes = ma.fields.Integer(required=True)
    mentees = ma.fields.Integer(required=True)
    bookings = ma.fields.Integer(required=True)
    no_shows = ma.fields.Integer(required=True)
    rating = ma.fields.Float(allow_none=True, required=True)
    ratings = ma.fields.Integer(required=True)
    entries = ma.fields.Integer(required=True)
    qualifying = ma.fields.Integer(required=True)
    meets_rule = ma.fields.Boolean(required=True)


class MentorReportSchema(ma.Schema):
    start = Time(data_key="from", attribute="from", required=True)
    end = Time(data_key="to", attribute="to", required=True)
    rule = ma.fields.Nested(RuleSchema, required=True)
    mentors = ma.fields.List(ma.fields.Nested(MentorFiguresSchema), required=True)


@blp.route("/orgs/<id:org_id>/mentor-report", methods=["GET"])
@blp.response(200, MentorReportSchema)
@doc_errors(blp, 400, 401, 403, 404, 422)
@signed_in(blp)
@blp.arguments(ReportArgsSchema, location="query")
def mentor_report(args: dict, org_id: int) -> dict:
    """Each mentor's figures for coachings started in `[from, to)` (owner/organizer)."""
    org = get_or_404(Organization, org_id)
    return report.mentor_report(require_user(), org, args["start"], args["end"])


@blp.route("/orgs/<id:org_id>/mentor-report.xlsx", methods=["GET"])
@doc_errors(blp, 400, 401, 403, 404, 422)
@blp.response(
    200,
    description="An Excel workbook: the sheet 导师名单 (name, organization / title, expertise, "
    "coachings, minutes, people served, rating, meets the rule), the period and the rule above "
    "it; column titles in the caller's language.",
    content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)
@signed_in(blp)
@blp.arguments(ReportArgsSchema, location="query")
def mentor_report_xlsx(args: dict, org_id: int) -> Response:
    """The mentor report as a spreadsheet for sponsors (owner/organizer; audited)."""
    org = get_or_404(Organization, org_id)
    return private_file(*report.export_report(
        require_user(), org, args["start"], args["end"],
        periods.platform_tz()))
