"""The public mentor directory (/mentors), a mentor's page with upcoming office hours, and booking
them (phone-first): the booking form, its confirmation, my bookings and cancelling one; and the
office hours held at an event, for the event page (a template global: events know no mentors).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eventhub.accounts.models import User
from eventhub.database import db, utcnow
from eventhub.errors import Conflict, ValidationFailed
from eventhub.ids import page_number, parse_id
from eventhub.mentors import labels, queries, services
from eventhub.mentors.directory_forms import BookingForm, CancelBookingForm
from eventhub.mentors.models import BookingStatus, Mentor, MentorBooking, MentorSlot
from eventhub.orgs.models import Organization
from eventhub.webforms import form_status, populate_errors, refusal_flashed

bp = Blueprint("mentor_directory", __name__)
bp.record_once(lambda state: state.app.jinja_env.filters.update(labels.FILTERS))

#: Mentors on one page of the directory.
PER_PAGE = 12
#: The longest search or tag the directory reads (the rest is cut: no name is longer).
QUERY_MAX = 100
#: Upcoming office hours a mentor's page lists at most (the nearest ones).
SLOTS_SHOWN = 30
#: Past bookings "my bookings" lists at most (the latest ones).
PAST_SHOWN = 50


def me() -> User:
    """The signed-in user (the actor the services are given)."""
    return current_user._get_current_object()


@bp.app_template_global("mentor_slots_for_event")
def mentor_slots_for_event(event_id: int) -> list[tuple[MentorSlot, int]]:
    """The office hours held at the event that have not started, of mentors the viewer may
    see, each with its places taken: the event page shows them when this global exists."""
    return queries.event_slots(current_user, event_id, utcnow())


# Loading and authorizing -------------------------------------------------------------------


def _visible_mentor(mentor_id: int) -> Mentor:
    """The mentor, to whoever may see them (`services.visible_to`); 404 for anyone else."""
    mentor = db.get_or_404(Mentor, mentor_id)
    if not services.visible_to(current_user, mentor):
        abort(404)
    return mentor


def _visible_slot(slot_id: int) -> MentorSlot:
    slot = db.get_or_404(MentorSlot, slot_id)
    _visible_mentor(slot.mentor_id)
    return slot


def _own_booking(booking_id: int) -> MentorBooking:
    """The booking, to its booker only (the mentor's and organizers' pages are elsewhere);
    404 for anyone else."""
    booking = db.get_or_404(MentorBooking, booking_id)
    if booking.user_id != current_user.id:
        abort(404)
    return booking


# The directory and a mentor's page ---------------------------------------------------------


def _arg(name: str) -> str:
    return (request.args.get(name) or "").strip()[:QUERY_MAX]


@bp.route("/mentors")
def directory() -> str:
    q, tag = _arg("q"), _arg("tag")
    org_id = request.args.get("org", type=parse_id)
    page = request.args.get("page", 1, type=page_number)
    query = services.directory_query(current_user, org_id, tag or None, q or None)
    pagination = db.paginate(query, page=page, per_page=PER_PAGE, max_per_page=PER_PAGE,
                             error_out=False, count=True)
    ids = [m.id for m in pagination.items]
    return render_template(
        "mentors/directory.html",
        pagination=pagination,
        q=q,
        tag=tag,
        org_id=org_id,
        pools=queries.pools(current_user),
        tags=queries.expertise_tags(current_user, org_id),
        ratings=services.ratings_of(ids),
        next_slots=queries.next_open_slots(ids, utcnow()),
    )


@bp.route("/mentors/<int:mentor_id>")
def mentor(mentor_id: int) -> str:
    mentor = _visible_mentor(mentor_id)
    slots = services.slots_of(mentor, start=utcnow())
    shown = slots[:SLOTS_SHOWN]
    rating, ratings = services.ratings_of([mentor.id])[mentor.id]
    return render_template(
        "mentors/mentor.html",
        mentor=mentor,
        pool=db.session.get(Organization, mentor.org_id),
        slots=shown,
        more=len(slots) - len(shown),
        rating=rating,
        ratings=ratings,
        events=queries.events_by_id({slot.event_id for slot, _taken in shown}),
        mine=queries.booked_slot_ids(current_user, [slot.id for slot, _taken in shown]),
    )


# Booking -----------------------------------------------------------------------------------


@bp.route("/slots/<int:slot_id>/book", methods=["GET", "POST"])
@login_required
def book(slot_id: int) -> Any:
    slot = _visible_slot(slot_id)
    form = BookingForm()
    status = None
    if form.validate_on_submit():
        try:
            booking = services.book(me(), slot, form.topic.data or "")
        except Conflict as error:
            populate_errors(form, error)
            status = 409
        except ValidationFailed as error:
            populate_errors(form, error)
        else:
            flash(_("Booked. The mentor expects you."), "success")
            return redirect(url_for("mentor_directory.booking", booking_id=booking.id))
    taken = services.booked_counts([slot.id]).get(slot.id, 0)
    return render_template(
        "mentors/book.html",
        slot=slot,
        mentor=slot.mentor,
        form=form,
        left=max(slot.capacity - taken, 0),
        closed=slot.cancelled_at is not None or slot.starts_at <= utcnow(),
        booked=bool(queries.booked_slot_ids(me(), [slot.id])),
        event=queries.events_by_id({slot.event_id}).get(slot.event_id),
    ), status or form_status(form)


@bp.route("/me/bookings")
@login_required
def my_bookings() -> str:
    rows = list(db.session.scalars(services.bookings_of(me())))
    now = utcnow()
    upcoming = sorted((b for b in rows if b.slot.ends_at > now),
                      key=lambda b: (b.slot.starts_at, b.id))
    past = [b for b in rows if b.slot.ends_at <= now][:PAST_SHOWN]
    return render_template(
        "mentors/my_bookings.html",
        upcoming=upcoming,
        past=past,
        now=now,
        events=queries.events_by_id({b.slot.event_id for b in upcoming + past}),
    )


def _cancellable(booking: MentorBooking) -> bool:
    """Whether the booker may still cancel (booked, until the start; the service decides)."""
    return booking.status == BookingStatus.booked and booking.slot.starts_at > utcnow()


@bp.route("/me/bookings/<int:booking_id>")
@login_required
def booking(booking_id: int) -> str:
    booking = _own_booking(booking_id)
    slot = booking.slot
    return render_template(
        "mentors/booking.html",
        booking=booking,
        slot=slot,
        mentor=slot.mentor,
        event=queries.events_by_id({slot.event_id}).get(slot.event_id),
        can_cancel=_cancellable(booking),
    )


@bp.route("/me/bookings/<int:booking_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(booking_id: int) -> Any:
    booking = _own_booking(booking_id)
    form = CancelBookingForm()
    if form.validate_on_submit():
        with refusal_flashed():
            services.cancel_booking(me(), booking)
            flash(_("Your booking is cancelled; the place is free for others."), "success")
        return redirect(url_for("mentor_directory.my_bookings"))
    slot = booking.slot
    return render_template(
        "mentors/cancel.html", booking=booking, slot=slot, mentor=slot.mentor, form=form,
        event=queries.events_by_id({slot.event_id}).get(slot.event_id),
        can_cancel=_cancellable(booking),
    )
