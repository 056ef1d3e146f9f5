"""The mentor pool's rules: inviting mentors and editing their profiles, the directory, office
hours (slots) and their bookings.

Every public function that changes something takes the acting user first, checks what they
may do (`permissions.require` with the predicates of `eventhub.mentors.permissions`) and is one
unit of work. Times are compared with ``now`` (injectable; the current time by default).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from eventhub import audit, permissions, uploads
from eventhub.accounts import services as accounts
from eventhub.accounts.models import NAME_MAX, User
from eventhub.database import (
    after_commit,
    db,
    lock_for_write,
    transactional,
    unique_or,
    utcnow,
)
from eventhub.errors import Conflict, NotFound, ValidationFailed, raise_field_errors
from eventhub.events.models import Event
from eventhub.links import external_url
from eventhub.mail.services import queue_mail
from eventhub.mentors import mails
from eventhub.mentors.models import (
    DEFAULT_MIN_COACHINGS,
    DEFAULT_MIN_MINUTES,
    BookingStatus,
    CoachingMode,
    CoachingStatus,
    Mentor,
    MentorBooking,
    MentorCoaching,
    MentorRating,
    MentorRule,
    MentorSlot,
    SlotMode,
)
from eventhub.mentors.permissions import (
    can_edit_coaching,
    can_edit_mentor,
    can_manage_pool,
    is_mentee,
    manages_pool_of,
)
from eventhub.orgs.models import Organization
from eventhub.text import check_tags, text_error

EXPERTISE_MAX = 20
TEXT_MAX = 10_000
SLOT_MIN = timedelta(minutes=10)
SLOT_MAX = timedelta(hours=4)
CAPACITY_MAX = 500
#: A rating shows from this many ratings on (API.md).
RATINGS_SHOWN_FROM = 3

LIVE = (BookingStatus.booked, BookingStatus.no_show)


def slot_full() -> Conflict:
    return Conflict(_l("This office hour is fully booked."), code="slot_full")


def already_booked() -> Conflict:
    return Conflict(_l("You have booked this office hour already."), code="already_booked")


def booking_closed() -> Conflict:
    return Conflict(_l("This office hour has started or was cancelled."), code="booking_closed")


def booking_limit() -> Conflict:
    return Conflict(
        _l("You already hold an upcoming booking with this mentor."), code="booking_limit"
    )


# Profiles ---------------------------------------------------------------------------------




@dataclass
class ProfileInfo:
    """A mentor's profile fields (None: unchanged when editing)."""

    title: str | None = None
    affiliation: str | None = None
    expertise: list[str] | None = None
    bio: str | None = None
    public: bool | None = None


def _checked(info: ProfileInfo, errors: dict[str, Any]) -> list[str]:
    tags, tags_error = check_tags(info.expertise, most=EXPERTISE_MAX)
    errors.update({
        "title": text_error(info.title, limit=NAME_MAX),
        "affiliation": text_error(info.affiliation, limit=NAME_MAX),
        "bio": text_error(info.bio, limit=TEXT_MAX),
        "expertise": tags_error,
    })
    raise_field_errors(errors)
    return tags


def _apply(mentor: Mentor, info: ProfileInfo, tags: list[str]) -> None:
    for name in ("title", "affiliation", "bio"):
        value = getattr(info, name)
        if value is not None:
            setattr(mentor, name, value.strip())
    if info.expertise is not None:
        mentor.expertise = tags
    if info.public is not None:
        mentor.public = info.public


@transactional
def add_mentor(
    actor: User, org: Organization, email: str, name: str | None = None,
    info: ProfileInfo | None = None,
) -> Mentor:
    """Put the person of ``email`` in the organization's mentor pool and mail them about it
    (`mail_invitation`): a person without an account gets one without a password, which they
    claim by the mail's link. Raises NotAllowed, ValidationFailed, Conflict
    ``already_mentor``."""
    permissions.require(can_manage_pool, actor, org)
    info = info or ProfileInfo()
    email = accounts.normalize_email(email or "")
    tags = _checked(info, {"email": accounts.check_email(email),
                           "name": text_error(name, limit=NAME_MAX)})
    name = (name or "").strip()
    user = accounts.ensure_user(email, name or email.split("@")[0])
    mentor = Mentor(org_id=org.id, user_id=user.id, user=user, expertise=[],
                    public=True if info.public is None else info.public)
    _apply(mentor, info, tags)
    with unique_or("email", _l("This person is in this mentor pool already."),
                   code="already_mentor"):
        db.session.add(mentor)
    audit.record("mentor.added", mentor, actor=actor,
                 after={"org_id": org.id, "user_id": user.id})
    mail_invitation(mentor, org)
    return mentor


def pool_query(org_id: int) -> sa.Select:
    """The organization's mentors, by name."""
    return (sa.select(Mentor).join(Mentor.user).where(Mentor.org_id == org_id)
            .order_by(User.name, Mentor.id))


def invitation_max_age() -> int:
    """Seconds an invitation's claim link works (``MENTOR_INVITATION_MAX_AGE``, default
    7 days: longer than a password reset's, as an invitation may wait in a mailbox)."""
    return int(current_app.config.get("MENTOR_INVITATION_MAX_AGE") or 7 * 24 * 3600)


def needs_claim(mentor: Mentor) -> bool:
    """The mentor's account has no password yet: the invitation is not claimed."""
    return not mentor.user.password_hash


def mail_invitation(mentor: Mentor, org: Organization) -> None:
    """Queue the mail telling a person they are in the pool: with a link to claim their
    account (choose a password, a reset token of accounts valid `invitation_max_age`) while it
    has none; otherwise with a link to their mentor profile. A password is never reset."""
    user = mentor.user
    claim = needs_claim(mentor)
    if claim:
        link = external_url("mentor_pool.claim", mentor_id=mentor.id,
                            token=accounts.make_reset_token(user))
    else:
        link = external_url("mentor_pool.edit", mentor_id=mentor.id)
    queue_mail(user.email, "mentor_invitation", user.locale, user=user, org=org, mentor=mentor,
               link=link, needs_password=claim, days=invitation_max_age() // (24 * 3600))


@transactional
def resend_invitation(actor: User, mentor: Mentor) -> None:
    """Mail an unclaimed invitation again (the pool's organizers), with a fresh link.
    Raises NotAllowed, Conflict ``invitation_claimed``."""
    org = db.session.get(Organization, mentor.org_id)
    permissions.require(can_manage_pool, actor, org)
    if not needs_claim(mentor):
        raise Conflict(_l("This mentor has already claimed their account."),
                       code="invitation_claimed")
    audit.record("mentor.invitation_resent", mentor, actor=actor)
    mail_invitation(mentor, org)


def claiming_user(mentor: Mentor, token: str) -> User:
    """The account an invitation link of ``mentor`` claims. Raises ValidationFailed when the
    link has expired, is not this mentor's, or was used (the account has a password now:
    a password reset link cannot serve as an invitation)."""
    user = accounts.user_from_reset_token(token, max_age=invitation_max_age())
    if user.id != mentor.user_id or user.password_hash:
        raise ValidationFailed(_l("This link has already been used."), code="link_invalid")
    return user


@transactional
def claim_invitation(mentor: Mentor, token: str, password: str) -> User:
    """Claim the mentor's account from their invitation link by choosing a password.
    Raises ValidationFailed (the link as in `claiming_user`, or a weak password)."""
    user = claiming_user(mentor, token)
    accounts.reset_password(token, password, max_age=invitation_max_age())
    audit.record("mentor.invitation_claimed", mentor, actor=user)
    return user


@transactional
def update_mentor(actor: User, mentor: Mentor, info: ProfileInfo) -> Mentor:
    """Change a mentor's profile (the mentor, or the pool's organizers). Raises NotAllowed,
    ValidationFailed."""
    permissions.require(can_edit_mentor, actor, mentor)
    tags = _checked(info, {})
    _apply(mentor, info, tags)
    db.session.flush()
    return mentor


# Photos -----------------------------------------------------------------------------------

#: The kind of upload (`eventhub.uploads`) of mentors' photos.
PHOTO_KIND = "mentors"
#: The longest side of a stored photo, in pixels.
PHOTO_SIDE = 512


def max_photo_bytes() -> int:
    """The largest photo one may upload (``MENTOR_PHOTO_MAX_BYTES``, default 2 MB)."""
    return int(current_app.config.get("MENTOR_PHOTO_MAX_BYTES") or 2 * 1024 * 1024)


def save_profile(
    actor: User, mentor: Mentor, info: ProfileInfo, photo: IO[bytes] | None = None
) -> Mentor:
    """Change a mentor's profile and, when ``photo`` is given, their photo (replacing any
    earlier one) in one unit of work: the mentor, or the pool's organizers. The photo is a
    JPEG, PNG or WebP image up to `max_photo_bytes`, stored re-encoded without its metadata.
    Raises NotAllowed, ValidationFailed (profile fields; ``photo``, ``photo_too_large``) and
    then changes nothing."""
    permissions.require(can_edit_mentor, actor, mentor)
    _checked(info, {})
    key = None
    if photo is not None:
        key = uploads.store_image(PHOTO_KIND, photo, max_photo_bytes(), PHOTO_SIDE,
                                  code="photo_too_large", field="photo")
    try:
        _save_profile(actor, mentor, info, key)
    except BaseException:
        if key:
            uploads.remove(PHOTO_KIND, key)
        raise
    return mentor


@transactional
def _save_profile(actor: User, mentor: Mentor, info: ProfileInfo, key: str | None) -> None:
    update_mentor(actor, mentor, info)
    if key:
        _set_photo(actor, mentor, key)


def save_photo(actor: User, mentor: Mentor, stream: IO[bytes]) -> Mentor:
    """Set the mentor's photo only (as `save_profile`)."""
    return save_profile(actor, mentor, ProfileInfo(), stream)


def remove_photo(actor: User, mentor: Mentor) -> Mentor:
    """Remove the mentor's photo (as for saving one); no photo: no change."""
    permissions.require(can_edit_mentor, actor, mentor)
    if mentor.photo_key:
        _set_photo(actor, mentor, None)
    return mentor


@transactional
def _set_photo(actor: User, mentor: Mentor, key: str | None) -> None:
    permissions.require(can_edit_mentor, actor, mentor)
    old_key = mentor.photo_key
    mentor.photo_key = key
    db.session.flush()
    audit.record("mentor.photo_changed" if key else "mentor.photo_removed", mentor, actor=actor)
    if old_key and old_key != key:
        after_commit(lambda: uploads.remove(PHOTO_KIND, old_key))


def photo_version(mentor: Mentor) -> str:
    """A short token that changes with the mentor's photo (for URLs cached for long)."""
    return (mentor.photo_key or "none")[:12]


def photo_file(viewer: Any, mentor: Mentor) -> tuple[Path, str] | None:
    """The mentor's stored photo and its MIME type for a viewer who may see the mentor
    (`visible_to`; else NotFound); None when there is none."""
    if not visible_to(viewer, mentor):
        raise NotFound()
    if not mentor.photo_key:
        return None
    path = uploads.path_of(PHOTO_KIND, mentor.photo_key)
    if not path.is_file():
        return None
    mimetype = uploads.image_type(path)
    return (path, mimetype) if mimetype else None


def directory_query(
    viewer: Any, org_id: int | None = None, expertise: str | None = None, q: str | None = None
) -> sa.Select:
    """Mentors the viewer may see, by name: public ones, and every mentor of the pools the
    viewer organizes; ``expertise`` keeps those with that tag, ``q`` searches names, titles and
    affiliations."""
    query = sa.select(Mentor).join(Mentor.user)
    managed = [
        m.org_id for m in getattr(viewer, "memberships", []) or []
        if manages_pool_of(viewer, m.org_id)
    ] if getattr(viewer, "is_authenticated", False) else []
    if not permissions.is_admin(viewer):
        query = query.where(sa.or_(Mentor.public.is_(True), Mentor.org_id.in_(managed)))
    if org_id is not None:
        query = query.where(Mentor.org_id == org_id)
    if q:
        like = f"%{q.strip()}%"
        query = query.where(sa.or_(User.name.ilike(like), Mentor.title.ilike(like),
                                   Mentor.affiliation.ilike(like)))
    if expertise:
        # Tags are a JSON list: match the tag as JSON text, as stored (portable everywhere).
        tag = expertise.strip()
        text = sa.cast(Mentor.expertise, sa.Text)
        query = query.where(sa.or_(text.contains(json.dumps(tag), autoescape=True),
                                   text.contains(json.dumps(tag, ensure_ascii=False),
                                                 autoescape=True)))
    return query.order_by(User.name, Mentor.id)


def visible_to(viewer: Any, mentor: Mentor) -> bool:
    """A public mentor, or one of a pool the viewer organizes, or the mentor themself."""
    return mentor.public or can_edit_mentor(viewer, mentor)


def rating_columns() -> tuple[sa.ColumnElement, sa.ColumnElement]:
    """(rating, ratings) as aggregate SQL over joined `MentorRating` rows: the mean of the
    stars rounded to 2 decimals, NULL below `RATINGS_SHOWN_FROM` ratings; and their number."""
    count = sa.func.count(MentorRating.id)
    rating = sa.case((count >= RATINGS_SHOWN_FROM,
                      sa.func.round(sa.func.avg(sa.cast(MentorRating.stars, sa.Numeric(10, 4))),
                                    2)), else_=None)
    return rating, count


def rating_value(value: Any) -> float | None:
    """A `rating_columns` rating as the API answers it (a float, or None)."""
    return None if value is None else round(float(value), 2)


def ratings_of(mentor_ids: list[int]) -> dict[int, tuple[float | None, int]]:
    """Each mentor's (rating, number of ratings) over all their coachings, in one query."""
    found = dict.fromkeys(mentor_ids, (None, 0))
    if not mentor_ids:
        return found
    rating, count = rating_columns()
    rows = db.session.execute(
        sa.select(MentorCoaching.mentor_id, rating, count)
        .join(MentorRating, MentorRating.coaching_id == MentorCoaching.id)
        .where(MentorCoaching.mentor_id.in_(mentor_ids))
        .group_by(MentorCoaching.mentor_id)
    ).all()
    found.update({row[0]: (rating_value(row[1]), row[2]) for row in rows})
    return found


# Office hours -----------------------------------------------------------------------------


def _lock_mentor(mentor_id: int) -> Mentor:
    lock_for_write()
    return db.session.scalars(
        sa.select(Mentor).where(Mentor.id == mentor_id).with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _lock_slot(slot_id: int) -> MentorSlot:
    """Serialize the bookings of one slot until the end of the transaction (``SELECT … FOR
    UPDATE`` on PostgreSQL and MariaDB, SQLite's write lock): counting and booking then
    decide together."""
    lock_for_write()
    return db.session.scalars(
        sa.select(MentorSlot).where(MentorSlot.id == slot_id).with_for_update(of=MentorSlot)
        .execution_options(populate_existing=True)
    ).one()


@transactional
def add_slot(
    actor: User, mentor: Mentor, starts_at: datetime, ends_at: datetime,
    mode: SlotMode | str, location: str = "", capacity: int = 1, event_id: int | None = None,
) -> MentorSlot:
    """Publish an office hour of ``mentor`` (the mentor or the pool's organizers). Raises
    NotAllowed, ValidationFailed (ends before it starts, under 10 minutes, over 4 hours),
    Conflict ``slot_overlap``."""
    permissions.require(can_edit_mentor, actor, mentor)
    errors: dict[str, Any] = {"location": text_error(location, limit=NAME_MAX)}
    if ends_at <= starts_at:
        errors["ends_at"] = _l("The end must be after the start.")
    elif ends_at - starts_at < SLOT_MIN:
        errors["ends_at"] = _l("An office hour lasts at least 10 minutes.")
    elif ends_at - starts_at > SLOT_MAX:
        errors["ends_at"] = _l("An office hour lasts at most 4 hours.")
    if not isinstance(capacity, int) or not 1 <= capacity <= CAPACITY_MAX:
        errors["capacity"] = _l("Enter a number from 1 to %(n)d.", n=CAPACITY_MAX)
    if event_id is not None:
        event = db.session.get(Event, event_id)
        if event is None or event.org_id != mentor.org_id:
            errors["event_id"] = _l("Choose an event of this organization.")
    raise_field_errors(errors)
    _lock_mentor(mentor.id)
    overlap = db.session.scalar(
        sa.select(sa.func.count()).select_from(MentorSlot).where(
            MentorSlot.mentor_id == mentor.id, MentorSlot.cancelled_at.is_(None),
            MentorSlot.starts_at < ends_at, MentorSlot.ends_at > starts_at,
        )
    )
    if overlap:
        raise Conflict(_l("This office hour overlaps another of this mentor."),
                       code="slot_overlap")
    slot = MentorSlot(mentor_id=mentor.id, mentor=mentor, starts_at=starts_at, ends_at=ends_at,
                      mode=SlotMode(mode), location=(location or "").strip(),
                      capacity=capacity, event_id=event_id)
    db.session.add(slot)
    db.session.flush()
    audit.record("mentor_slot.added", slot, actor=actor, event_id=event_id)
    return slot


def booked_counts(slot_ids: list[int]) -> dict[int, int]:
    """Places taken (booked or no-show) per slot, in one query."""
    if not slot_ids:
        return {}
    rows = db.session.execute(
        sa.select(MentorBooking.slot_id, sa.func.count())
        .where(MentorBooking.slot_id.in_(slot_ids), MentorBooking.status.in_(LIVE))
        .group_by(MentorBooking.slot_id)
    ).all()
    return {row[0]: row[1] for row in rows}


def slots_of(
    mentor: Mentor, start: datetime | None = None, end: datetime | None = None
) -> list[tuple[MentorSlot, int]]:
    """The mentor's live slots starting in ``[start, end)``, by time, each with its booked
    count (one query)."""
    taken = (
        sa.select(sa.func.count()).where(
            MentorBooking.slot_id == MentorSlot.id, MentorBooking.status.in_(LIVE)
        ).correlate(MentorSlot).scalar_subquery()
    )
    query = sa.select(MentorSlot, taken).where(
        MentorSlot.mentor_id == mentor.id, MentorSlot.cancelled_at.is_(None)
    )
    if start is not None:
        query = query.where(MentorSlot.starts_at >= start)
    if end is not None:
        query = query.where(MentorSlot.starts_at < end)
    return [(slot, booked) for slot, booked in
            db.session.execute(query.order_by(MentorSlot.starts_at, MentorSlot.id)).all()]


@transactional
def cancel_slot(
    actor: User, slot: MentorSlot, message: str = "", now: datetime | None = None
) -> MentorSlot:
    """Cancel an office hour and every booking of it (the mentor or the pool's organizers).
    Raises NotAllowed, ValidationFailed."""
    permissions.require(can_edit_mentor, actor, slot.mentor)
    raise_field_errors({"message": text_error(message, limit=TEXT_MAX)})
    now = now or utcnow()
    slot = _lock_slot(slot.id)
    if slot.cancelled_at is None:
        slot.cancelled_at = now
        for booking in db.session.scalars(
            sa.select(MentorBooking).where(MentorBooking.slot_id == slot.id,
                                           MentorBooking.status == BookingStatus.booked)
            .order_by(MentorBooking.id)  # their mails go out in the order they booked
        ):
            _cancel(booking, now, message)
            mails.mail_cancelled(booking)
        audit.record("mentor_slot.cancelled", slot, actor=actor, event_id=slot.event_id)
    db.session.flush()
    return slot


# Bookings ---------------------------------------------------------------------------------


@transactional
def book(
    actor: User, slot: MentorSlot, topic: str, entry_id: int | None = None,
    now: datetime | None = None,
) -> MentorBooking:
    """Book a place in an office hour. The slot's row lock decides between simultaneous
    bookings, so its capacity holds exactly. Raises ValidationFailed, Conflict
    ``booking_closed`` (started or cancelled), ``already_booked``, ``booking_limit`` (an
    upcoming booking with this mentor already), ``slot_full``."""
    raise_field_errors({"topic": text_error(topic, limit=NAME_MAX, required=True)})
    now = now or utcnow()
    slot = _lock_slot(slot.id)
    if slot.cancelled_at is not None or slot.starts_at <= now:
        raise booking_closed()
    mine = sa.and_(MentorBooking.user_id == actor.id, MentorBooking.status.in_(LIVE))
    if db.session.scalar(sa.select(MentorBooking.id).where(mine,
                                                           MentorBooking.slot_id == slot.id)):
        raise already_booked()
    upcoming = db.session.scalar(
        sa.select(MentorBooking.id).join(MentorBooking.slot).where(
            MentorBooking.user_id == actor.id, MentorBooking.status == BookingStatus.booked,
            MentorSlot.mentor_id == slot.mentor_id, MentorSlot.cancelled_at.is_(None),
            MentorSlot.starts_at > now,
        ).limit(1)
    )
    if upcoming:
        raise booking_limit()
    if booked_counts([slot.id]).get(slot.id, 0) >= slot.capacity:
        raise slot_full()
    booking = MentorBooking(slot_id=slot.id, slot=slot, user_id=actor.id, topic=topic.strip(),
                            entry_id=entry_id, status=BookingStatus.booked, live=True,
                            created_at=now)
    with unique_or("slot_id", already_booked().message, code="already_booked"):
        db.session.add(booking)
    mails.mail_booked(booking)
    return booking


def _cancel(booking: MentorBooking, now: datetime, message: str = "") -> None:
    booking.status = BookingStatus.cancelled
    booking.live = None
    booking.cancelled_at = now
    booking.cancel_message = (message or "").strip()


def can_cancel_booking(user: Any, booking: MentorBooking) -> bool:
    """The booker, the mentor, or the pool's organizers."""
    return booking.user_id == getattr(user, "id", None) or can_edit_mentor(
        user, booking.slot.mentor
    )


@transactional
def cancel_booking(
    actor: User, booking: MentorBooking, message: str = "", now: datetime | None = None
) -> MentorBooking:
    """Cancel a booking until its slot starts; the place is free at once. Cancelling a
    cancelled booking changes nothing. Raises NotAllowed, ValidationFailed, Conflict
    ``booking_closed`` (started)."""
    permissions.require(can_cancel_booking, actor, booking)
    raise_field_errors({"message": text_error(message, limit=TEXT_MAX)})
    now = now or utcnow()
    if booking.status == BookingStatus.cancelled:
        return booking
    if booking.status != BookingStatus.booked or booking.slot.starts_at <= now:
        raise booking_closed()
    _lock_slot(booking.slot_id)
    _cancel(booking, now, message)
    if actor.id == booking.user_id:
        mails.mail_withdrawn(booking)
    else:
        mails.mail_cancelled(booking)
    audit.record("mentor_booking.cancelled", booking, actor=actor)
    db.session.flush()
    return booking


@transactional
def mark_no_show(actor: User, booking: MentorBooking, now: datetime | None = None) -> MentorBooking:
    """The mentor (or the pool's organizers) marks that the booker did not come, once the slot
    has started. Raises NotAllowed, Conflict ``not_started``, ``not_booked``."""
    permissions.require(can_edit_mentor, actor, booking.slot.mentor)
    now = now or utcnow()
    if booking.status == BookingStatus.cancelled:
        raise Conflict(_l("This booking was cancelled."), code="not_booked")
    if booking.slot.starts_at > now:
        raise Conflict(_l("A no-show can be marked once the office hour has started."),
                       code="not_started")
    if booking.status != BookingStatus.no_show:
        booking.status = BookingStatus.no_show
        audit.record("mentor_booking.no_show", booking, actor=actor)
        db.session.flush()
    return booking


def bookings_of(user: User) -> sa.Select:
    """The user's own bookings, latest slot first."""
    return (sa.select(MentorBooking).join(MentorBooking.slot)
            .where(MentorBooking.user_id == user.id)
            .order_by(MentorSlot.starts_at.desc(), MentorBooking.id.desc()))


def bookings_with(user: User) -> sa.Select:
    """The bookings of the user's slots as a mentor (in any pool), latest slot first."""
    return (sa.select(MentorBooking).join(MentorBooking.slot).join(MentorSlot.mentor)
            .where(Mentor.user_id == user.id)
            .order_by(MentorSlot.starts_at.desc(), MentorBooking.id.desc()))


# Coaching records (辅导记录) -----------------------------------------------------------------

MINUTES_MAX = 600
MENTEES_MAX = 50


def already_rated() -> Conflict:
    return Conflict(_l("You have rated this coaching already."), code="already_rated")


@dataclass
class CoachingInfo:
    """What a mentor logs about one coaching."""

    mentee_ids: list[int]
    started_at: datetime
    minutes: int
    mode: CoachingMode | str
    topic: str
    notes: str = ""
    booking_id: int | None = None
    entry_id: int | None = None


def _checked_coaching(mentor: Mentor, info: CoachingInfo, now: datetime) -> list[User]:
    """The coaching's mentees, once ``info`` passes the rules of a coaching record (1 to 600
    minutes, known mentees, not in the future, a booking of one of the mentor's slots if
    any). Raises ValidationFailed."""
    errors: dict[str, Any] = {
        "topic": text_error(info.topic, limit=NAME_MAX, required=True),
        "notes": text_error(info.notes, limit=TEXT_MAX),
    }
    if isinstance(info.minutes, bool) or not isinstance(info.minutes, int) or not (
        1 <= info.minutes <= MINUTES_MAX
    ):
        errors["minutes"] = _l("Enter a number from 1 to %(n)d.", n=MINUTES_MAX)
    if info.started_at > now:
        errors["started_at"] = _l("Log a coaching once it has taken place.")
    ids = sorted(set(info.mentee_ids or []))
    mentees = list(db.session.scalars(sa.select(User).where(User.id.in_(ids)))) if ids else []
    if not ids or len(ids) > MENTEES_MAX or len(mentees) != len(ids):
        errors["mentee_ids"] = _l("Choose the people coached among known accounts.")
    if info.booking_id is not None:
        booking = db.session.get(MentorBooking, info.booking_id)
        if booking is None or booking.slot.mentor_id != mentor.id:
            errors["booking_id"] = _l("Choose a booking of this mentor's office hours.")
    raise_field_errors(errors)
    return sorted(mentees, key=lambda user: user.id)


@transactional
def log_coaching(
    actor: User, mentor: Mentor, info: CoachingInfo, now: datetime | None = None
) -> MentorCoaching:
    """Log a coaching of ``mentor`` (the mentor or the pool's organizers) as
    `_checked_coaching` allows; each mentee is asked by mail to confirm it. Raises
    NotAllowed, ValidationFailed."""
    permissions.require(can_edit_mentor, actor, mentor)
    mentees = _checked_coaching(mentor, info, now or utcnow())
    coaching = MentorCoaching(
        mentor_id=mentor.id, mentor=mentor, started_at=info.started_at, minutes=info.minutes,
        mode=CoachingMode(info.mode), topic=info.topic.strip(), notes=(info.notes or "").strip(),
        booking_id=info.booking_id, entry_id=info.entry_id, status=CoachingStatus.logged,
        created_by=actor.id, mentees=mentees,
    )
    db.session.add(coaching)
    db.session.flush()
    audit.record("mentor_coaching.logged", coaching, actor=actor,
                 after={"mentor_id": mentor.id, "minutes": info.minutes,
                        "mentee_ids": [m.id for m in mentees]})
    _mail_coaching_logged(coaching, mentees)
    return coaching


def _mail_coaching_logged(coaching: MentorCoaching, mentees: list[User],
                          again: bool = False) -> None:
    """Ask each of ``mentees``, in their language, to confirm the coaching: the mail links to
    the coaching on their page (sign-in required), where one tap confirms it. ``again``: the
    mentor changed a coaching they had confirmed."""
    link = external_url("mentor_desk.my_coaching", coaching_id=coaching.id)
    for user in mentees:
        queue_mail(user.email, "mentor_coaching_logged", user.locale, user=user,
                   coaching=coaching, mentor_name=coaching.mentor.name, link=link, again=again)


def coaching_state(coaching: MentorCoaching) -> dict[str, Any]:
    """A coaching record as the audit log keeps it (before and after a change)."""
    return {
        "mentor_id": coaching.mentor_id, "started_at": coaching.started_at.isoformat(),
        "minutes": coaching.minutes, "mode": str(coaching.mode), "topic": coaching.topic,
        "notes": coaching.notes, "booking_id": coaching.booking_id,
        "entry_id": coaching.entry_id, "status": str(coaching.status),
        "mentee_ids": sorted(m.id for m in coaching.mentees),
    }


@transactional
def update_coaching(
    actor: User, coaching: MentorCoaching, info: CoachingInfo, now: datetime | None = None
) -> MentorCoaching:
    """Change a coaching record (its mentor or the pool's organizers) under the rules of
    `log_coaching`, audited with the record before and after.

    What a mentee confirmed is when, how long and who was there: changing the start, the
    minutes or the mentees of a confirmed coaching never happens silently, it goes back to
    ``logged`` and every mentee is asked by mail to confirm it again. The topic, mode, notes,
    booking and entry change without that. A mentee added to a coaching not yet confirmed gets
    the mail of a new coaching. Ratings stay: editing never removes what a mentee said.
    Raises NotAllowed, ValidationFailed."""
    permissions.require(can_edit_coaching, actor, coaching)
    mentees = _checked_coaching(coaching.mentor, info, now or utcnow())
    before = coaching_state(coaching)
    old_ids = set(before["mentee_ids"])
    facts_changed = (info.started_at != coaching.started_at or info.minutes != coaching.minutes
                     or {m.id for m in mentees} != old_ids)
    coaching.started_at, coaching.minutes = info.started_at, info.minutes
    coaching.mode = CoachingMode(info.mode)
    coaching.topic, coaching.notes = info.topic.strip(), (info.notes or "").strip()
    coaching.booking_id, coaching.entry_id = info.booking_id, info.entry_id
    coaching.mentees = mentees
    asked = [m for m in mentees if m.id not in old_ids]
    if facts_changed and coaching.status == CoachingStatus.confirmed:
        coaching.status, coaching.confirmed_at = CoachingStatus.logged, None
        asked = mentees
    db.session.flush()
    after = coaching_state(coaching)
    if after != before:
        audit.record("mentor_coaching.changed", coaching, actor=actor, before=before,
                     after=after)
    if asked:
        _mail_coaching_logged(coaching, asked, again=before["status"] != after["status"])
    return coaching


def coaching_rated() -> Conflict:
    return Conflict(_l("Mentees have rated this coaching: only the organizers of the mentor "
                       "pool can delete it."), code="coaching_rated")


@transactional
def delete_coaching(actor: User, coaching: MentorCoaching) -> None:
    """Delete a coaching record for good (its mentor or the pool's organizers), its ratings
    with it; the audit log keeps the record and its ratings as ``before``. A mentor cannot
    delete a coaching that was rated (that would drop a rating they did not like): only the
    pool's organizers can. Raises NotAllowed, Conflict ``coaching_rated``."""
    permissions.require(can_edit_coaching, actor, coaching)
    ratings = [{"user_id": r.user_id, "stars": r.stars} for r in db.session.scalars(
        sa.select(MentorRating).where(MentorRating.coaching_id == coaching.id)
        .order_by(MentorRating.id))]
    if ratings and not manages_pool_of(actor, coaching.mentor.org_id):
        raise coaching_rated()
    audit.record("mentor_coaching.deleted", coaching, actor=actor,
                 before={**coaching_state(coaching), "ratings": ratings})
    db.session.execute(sa.delete(MentorRating).where(MentorRating.coaching_id == coaching.id))
    db.session.delete(coaching)
    db.session.flush()


@transactional
def confirm_coaching(
    actor: User, coaching: MentorCoaching, now: datetime | None = None
) -> MentorCoaching:
    """A mentee confirms the coaching took place (again: no change). Raises NotAllowed."""
    permissions.require(is_mentee, actor, coaching)
    if coaching.status != CoachingStatus.confirmed:
        coaching.status = CoachingStatus.confirmed
        coaching.confirmed_at = now or utcnow()
        audit.record("mentor_coaching.confirmed", coaching, actor=actor)
        db.session.flush()
    return coaching


@transactional
def rate_coaching(
    actor: User, coaching: MentorCoaching, stars: int, comment: str = ""
) -> MentorRating:
    """A mentee rates the coaching once, 1 to 5 stars. Raises NotAllowed, ValidationFailed,
    Conflict ``already_rated``."""
    permissions.require(is_mentee, actor, coaching)
    errors: dict[str, Any] = {"comment": text_error(comment, limit=TEXT_MAX)}
    if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
        errors["stars"] = _l("Give 1 to 5 stars.")
    raise_field_errors(errors)
    exists = db.session.scalar(sa.select(MentorRating.id).where(
        MentorRating.coaching_id == coaching.id, MentorRating.user_id == actor.id))
    if exists:
        raise already_rated()
    rating = MentorRating(coaching_id=coaching.id, user_id=actor.id, stars=stars,
                          comment=(comment or "").strip())
    with unique_or("stars", already_rated().message, code="already_rated"):
        db.session.add(rating)
    return rating


def coachings_of(user: User) -> sa.Select:
    """The coachings the user received, latest first."""
    return (sa.select(MentorCoaching)
            .where(MentorCoaching.mentees.any(User.id == user.id))
            .order_by(MentorCoaching.started_at.desc(), MentorCoaching.id.desc()))


# The organization's mentor rule (绩效评估) ----------------------------------------------------

RULE_COACHINGS_MAX = 1000


@dataclass(frozen=True)
class Rule:
    """At least ``min_coachings`` confirmed coachings (a year) of at least ``min_minutes``."""

    min_coachings: int = DEFAULT_MIN_COACHINGS
    min_minutes: int = DEFAULT_MIN_MINUTES


def rule_of(org_id: int) -> Rule:
    """The organization's mentor rule (the defaults when it has set none)."""
    row = db.session.get(MentorRule, org_id)
    return Rule(row.min_coachings, row.min_minutes) if row else Rule()


def _count_error(value: Any, top: int) -> Any:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
        return _l("Enter a number from 1 to %(n)d.", n=top)
    return None


@transactional
def set_rule(actor: User, org: Organization, min_coachings: int, min_minutes: int) -> Rule:
    """Set the organization's mentor rule (its owners and organizers), audited. Raises
    NotAllowed, ValidationFailed."""
    permissions.require(can_manage_pool, actor, org)
    raise_field_errors({"min_coachings": _count_error(min_coachings, RULE_COACHINGS_MAX),
                        "min_minutes": _count_error(min_minutes, MINUTES_MAX)})
    before = rule_of(org.id)
    row = db.session.get(MentorRule, org.id)
    if row is None:
        row = MentorRule(org_id=org.id)
        db.session.add(row)
    row.min_coachings, row.min_minutes = min_coachings, min_minutes
    db.session.flush()
    after = Rule(min_coachings, min_minutes)
    if after != before:
        audit.record("mentor_rule.changed", row, actor=actor, before=asdict(before),
                     after=asdict(after))
    return after
