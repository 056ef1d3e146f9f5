"""The mentor's desk: publishing office hours, their bookings (no-shows, cancelling with a
message), logging and editing coachings; a mentee's coachings to confirm and rate.

The desk (/mentor) is the signed-in person's own: every mentor profile they hold, in any pool.
An office hour, booking or coaching of someone else is not found (404); a coaching's mentee
who opens its editing is refused (403), as the API does.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eventhub import permissions
from eventhub.accounts.models import User
from eventhub.database import db, utcnow
from eventhub.errors import Conflict, DomainError
from eventhub.formatting import list_separator
from eventhub.mentors import desk_queries as queries
from eventhub.mentors import labels, services
from eventhub.mentors.desk_forms import (
    CoachingForm,
    MessageForm,
    RatingForm,
    SlotForm,
    choices,
)
from eventhub.mentors.models import (
    CoachingMode,
    Mentor,
    MentorBooking,
    MentorCoaching,
    MentorSlot,
    SlotMode,
)
from eventhub.mentors.permissions import can_edit_coaching, can_edit_mentor, is_mentee
from eventhub.webforms import Form, form_status, populate_errors, refusal_flashed

bp = Blueprint("mentor_desk", __name__)

for _name, _filter in labels.DESK_FILTERS.items():
    bp.add_app_template_filter(_filter, _name)


@bp.app_context_processor
def _desk_helpers() -> dict[str, Any]:
    return {"is_a_mentor": lambda: queries.is_a_mentor(current_user),
            "list_separator": list_separator}


def me() -> User:
    """The signed-in user (the actor the services are given)."""
    return current_user._get_current_object()


def _tz() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


# Loading and authorizing -------------------------------------------------------------------


def _my_mentors() -> list[Mentor]:
    """The signed-in person's mentor profiles; not a mentor: 404."""
    mentors = queries.mentors_of(current_user)
    if not mentors:
        abort(404)
    return mentors


def _slot(slot_id: int) -> MentorSlot:
    """A live office hour the signed-in person may manage (its mentor, the pool's
    organizers); 404 otherwise."""
    slot = db.get_or_404(MentorSlot, slot_id)
    if slot.cancelled_at is not None or not can_edit_mentor(current_user, slot.mentor):
        abort(404)
    return slot


def _booking(booking_id: int) -> MentorBooking:
    """A booking of an office hour the signed-in person may manage; 404 otherwise."""
    booking = db.get_or_404(MentorBooking, booking_id)
    if not can_edit_mentor(current_user, booking.slot.mentor):
        abort(404)
    return booking


def _coaching(coaching_id: int) -> MentorCoaching:
    """A coaching the signed-in person may edit (its mentor, the pool's organizers): 404 for
    who cannot see it, 403 for its mentees."""
    coaching = db.get_or_404(MentorCoaching, coaching_id)
    if not (can_edit_coaching(current_user, coaching) or is_mentee(current_user, coaching)):
        abort(404)
    permissions.require(can_edit_coaching, me(), coaching)
    return coaching


def _received(coaching_id: int) -> MentorCoaching:
    """A coaching the signed-in person received; 404 for anyone else."""
    coaching = db.get_or_404(MentorCoaching, coaching_id)
    if not is_mentee(current_user, coaching):
        abort(404)
    return coaching


# The desk ----------------------------------------------------------------------------------


def _slot_form(mentors: list[Mentor], formdata: Any = None) -> SlotForm:
    form = SlotForm(formdata=formdata) if formdata is not None else SlotForm()
    names = queries.pool_names(mentors)
    form.mentor_id.choices = choices((m.id, names[m.id]) for m in mentors)
    events = queries.events_for_slots([m.org_id for m in mentors], utcnow())
    form.event_id.choices = choices([(0, _("No event")), *((e.id, e.title) for e in events)])
    if form.mentor_id.data in (None, 0):
        form.mentor_id.data = mentors[0].id
    return form


def _render_desk(mentors: list[Mentor], slot_form: SlotForm, status: int = 200) -> Any:
    ids = [m.id for m in mentors]
    now = utcnow()
    return render_template(
        "mentors/desk.html",
        mentors=mentors,
        pools=queries.pool_names(mentors),
        slots=queries.desk_slots(ids, now),
        to_log=queries.bookings_to_log(ids, now),
        coachings=queries.coachings_by(ids),
        slot_form=slot_form,
        now=now,
    ), status


@bp.route("/mentor")
@login_required
def desk() -> Any:
    mentors = _my_mentors()
    return _render_desk(mentors, _slot_form(mentors))


@bp.route("/mentor/slots", methods=["POST"])
@login_required
def add_slot() -> Any:
    mentors = _my_mentors()
    form = _slot_form(mentors, request.form)
    status = None
    if form.validate_on_submit():
        mentor = next((m for m in mentors if m.id == form.mentor_id.data), None)
        if mentor is None:
            abort(404)
        starts_at, ends_at = form.times(_tz())
        try:
            services.add_slot(me(), mentor, starts_at, ends_at, form.mode.data,
                              form.location.data or "", form.capacity.data or 1,
                              form.event_id.data or None)
        except Conflict as error:
            populate_errors(form, error)
            status = 409
        except DomainError as error:
            populate_errors(form, error, {"starts_at": "starts", "ends_at": "ends"})
        else:
            flash(_("Your office hour is published."), "success")
            return redirect(url_for("mentor_desk.desk"))
    return _render_desk(mentors, form, status or form_status(form))


@bp.route("/mentor/slots/<int:slot_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_slot(slot_id: int) -> Any:
    slot = _slot(slot_id)
    form = MessageForm()
    if form.validate_on_submit():
        with refusal_flashed():
            services.cancel_slot(me(), slot, form.message.data or "")
            flash(_("The office hour is cancelled; its bookers are told by mail."), "success")
            return redirect(url_for("mentor_desk.desk"))
    booked = services.booked_counts([slot.id]).get(slot.id, 0)
    return render_template("mentors/desk_cancel.html", slot=slot, booking=None, booked=booked,
                           form=form), form_status(form)


@bp.route("/mentor/bookings/<int:booking_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_booking(booking_id: int) -> Any:
    booking = _booking(booking_id)
    form = MessageForm()
    if form.validate_on_submit():
        with refusal_flashed():
            services.cancel_booking(me(), booking, form.message.data or "")
            flash(_("The booking is cancelled; %(name)s is told by mail.",
                    name=booking.user.name), "success")
        return redirect(url_for("mentor_desk.desk"))
    return render_template("mentors/desk_cancel.html", slot=booking.slot, booking=booking,
                           booked=None, form=form), form_status(form)


@bp.route("/mentor/bookings/<int:booking_id>/no-show", methods=["POST"])
@login_required
def mark_no_show(booking_id: int) -> Any:
    booking = _booking(booking_id)
    if Form().validate_on_submit():
        with refusal_flashed():
            services.mark_no_show(me(), booking)
            flash(_("%(name)s is marked as not having come.", name=booking.user.name),
                  "success")
    return redirect(url_for("mentor_desk.desk"))


# Coaching records --------------------------------------------------------------------------


def _prefill_from_booking(form: CoachingForm, booking: MentorBooking) -> None:
    """What a booking says of the coaching: who (the booker), when, how long, how, about
    what; the mentor taps save."""
    slot = booking.slot
    form.booking_id.data = str(booking.id)
    form.started_at.set_local(slot.starts_at, _tz())
    minutes = int((slot.ends_at - slot.starts_at).total_seconds() // 60)
    form.minutes.data = min(max(minutes, 1), services.MINUTES_MAX)
    form.mode.data = (CoachingMode.online if slot.mode == SlotMode.online
                      else CoachingMode.onsite).value
    form.topic.data = booking.topic
    form.mentee_emails.data = booking.user.email


def _coaching_info(form: CoachingForm, mentee_ids: list[int], entry_id: int | None
                   ) -> services.CoachingInfo:
    return services.CoachingInfo(
        mentee_ids=mentee_ids, started_at=form.started_at.aware(_tz()),
        minutes=form.minutes.data, mode=form.mode.data, topic=form.topic.data or "",
        notes=form.notes.data or "", booking_id=form.booking(), entry_id=entry_id)


def _mentee_ids(form: CoachingForm) -> list[int] | None:
    """The accounts of the typed emails; None (and the field's error) when one is unknown."""
    emails = form.emails()
    if len(emails) > services.MENTEES_MAX:
        form.mentee_emails.errors.append(
            _("At most %(n)d people per coaching.", n=services.MENTEES_MAX))
        return None
    users, unknown = queries.users_by_email(emails)
    if unknown:
        form.mentee_emails.errors.append(
            _("No account has this email: %(emails)s. Ask them to sign up first.",
              emails=", ".join(unknown)))
        return None
    return [u.id for u in users]


#: Where the services' field reasons go on the coaching form (a booking's: above the form).
COACHING_FIELDS = {"mentee_ids": "mentee_emails", "booking_id": "-", "entry_id": "-"}


@bp.route("/mentor/coachings/new", methods=["GET", "POST"])
@login_required
def log_coaching() -> Any:
    mentors = _my_mentors()
    form = CoachingForm()
    form.mentor_id.choices = choices(queries.pool_names(mentors).items())
    booking = None
    booking_id = request.args.get("booking", type=int) if request.method == "GET" else (
        form.booking())
    if booking_id:
        booking = _booking(booking_id)
        del form.mentor_id  # the booking's mentor coached
        if request.method == "GET":
            _prefill_from_booking(form, booking)
    elif request.method == "GET":
        form.mentor_id.data = mentors[0].id
        form.started_at.set_local(utcnow().replace(second=0, microsecond=0), _tz())
    status = None
    if form.validate_on_submit():
        mentor = booking.slot.mentor if booking else next(
            (m for m in mentors if m.id == form.mentor_id.data), None)
        if mentor is None:
            abort(404)
        mentee_ids = _mentee_ids(form)
        if mentee_ids is not None:
            try:
                services.log_coaching(me(), mentor, _coaching_info(
                    form, mentee_ids, booking.entry_id if booking else None))
            except DomainError as error:
                populate_errors(form, error, COACHING_FIELDS)
            else:
                flash(_("The coaching is logged; the mentees are asked to confirm it."),
                      "success")
                return redirect(url_for("mentor_desk.desk"))
    return render_template("mentors/coaching_form.html", form=form, booking=booking,
                           coaching=None, mentors=mentors,
                           quick_minutes=QUICK_MINUTES), status or form_status(form)


#: The minutes the coaching form offers in one tap.
QUICK_MINUTES = (30, 60, 90)


@bp.route("/mentor/coachings/<int:coaching_id>/edit", methods=["GET", "POST"])
@login_required
def edit_coaching(coaching_id: int) -> Any:
    coaching = _coaching(coaching_id)
    form = CoachingForm()
    del form.mentor_id  # a coaching stays its mentor's
    if request.method == "GET":
        form.booking_id.data = str(coaching.booking_id or "")
        form.started_at.set_local(coaching.started_at, _tz())
        form.minutes.data = coaching.minutes
        form.mode.data = str(coaching.mode)
        form.topic.data = coaching.topic
        form.notes.data = coaching.notes
        form.mentee_emails.data = ", ".join(m.email for m in coaching.mentees)
    if form.validate_on_submit():
        mentee_ids = _mentee_ids(form)
        if mentee_ids is not None:
            try:
                services.update_coaching(me(), coaching, _coaching_info(
                    form, mentee_ids, coaching.entry_id))
            except DomainError as error:
                populate_errors(form, error, COACHING_FIELDS)
            else:
                flash(_("The coaching record is saved."), "success")
                return redirect(url_for("mentor_desk.desk"))
    return render_template("mentors/coaching_form.html", form=form, booking=None,
                           coaching=coaching, mentors=[coaching.mentor],
                           quick_minutes=QUICK_MINUTES), form_status(form)


@bp.route("/mentor/coachings/<int:coaching_id>/delete", methods=["GET", "POST"])
@login_required
def delete_coaching(coaching_id: int) -> Any:
    coaching = _coaching(coaching_id)
    form = Form()
    if form.validate_on_submit():
        with refusal_flashed():
            services.delete_coaching(me(), coaching)
            flash(_("The coaching record is deleted."), "success")
        return redirect(url_for("mentor_desk.desk"))
    return render_template("mentors/coaching_delete.html", coaching=coaching, form=form)


# A mentee's coachings ----------------------------------------------------------------------


@bp.route("/me/coachings")
@login_required
def my_coachings() -> str:
    coachings = queries.mentee_coachings(me())
    return render_template(
        "mentors/my_coachings.html", coachings=coachings, focus=None,
        ratings=queries.my_ratings(me(), [c.id for c in coachings]),
        rating_form=RatingForm(), confirm_form=Form(),
    )


@bp.route("/me/coachings/<int:coaching_id>")
@login_required
def my_coaching(coaching_id: int) -> str:
    coaching = _received(coaching_id)
    return render_template(
        "mentors/my_coachings.html", coachings=[coaching], focus=coaching,
        ratings=queries.my_ratings(me(), [coaching.id]),
        rating_form=RatingForm(), confirm_form=Form(),
    )


def _back_to(coaching: MentorCoaching) -> str:
    if request.form.get("next") == "list":
        return url_for("mentor_desk.my_coachings", _anchor=f"coaching-{coaching.id}")
    return url_for("mentor_desk.my_coaching", coaching_id=coaching.id)


@bp.route("/me/coachings/<int:coaching_id>/confirm", methods=["POST"])
@login_required
def confirm_coaching(coaching_id: int) -> Any:
    coaching = _received(coaching_id)
    if Form().validate_on_submit():
        with refusal_flashed():
            services.confirm_coaching(me(), coaching)
            flash(_("Thank you: the coaching is confirmed."), "success")
    return redirect(_back_to(coaching))


@bp.route("/me/coachings/<int:coaching_id>/rating", methods=["POST"])
@login_required
def rate_coaching(coaching_id: int) -> Any:
    coaching = _received(coaching_id)
    form = RatingForm()
    if form.validate_on_submit():
        try:
            services.rate_coaching(me(), coaching, form.stars.data, form.comment.data or "")
        except Conflict as error:
            flash(error.message, "error")
            return redirect(_back_to(coaching))
        except DomainError as error:
            populate_errors(form, error)
        else:
            flash(_("Thank you for your rating."), "success")
            return redirect(_back_to(coaching))
    return render_template(
        "mentors/my_coachings.html", coachings=[coaching], focus=coaching,
        ratings=queries.my_ratings(me(), [coaching.id]), rating_form=form, confirm_form=Form(),
    ), 422

