"""The welcome wall (签到墙): who of an event's arrivals appears on its 1920×1080 screen.

Consent first (USERS.md: a wall is public disclosure): a person appears only when all of these
hold:

- they opted in themselves (``Registration.show_on_wall``, never pre-ticked; the rule and the
  column are the registrations domain's: `registrations.services.set_wall_choice`);
- they are checked in: a confirmed registration with an ``ok`` entry scan on the event's main
  list that was not reverted (the same "checked in" as the event's figures); their arrival is
  the time of the first such scan;
- no organizer hid their name (`WallHiddenName`, `hide` / `unhide`, audited).

The name shown is the one they chose, else the surname followed by ``**``
(`formatting.mask_surname`: 张**, 欧阳**, Zhang **). The running count, ``checked_in``, counts
everybody checked in, opted in or not: it is a figure, not a list of people, and a hall
expects the count of everyone who came.

The screen polls a fragment whose ETag is `live_version`: the event's check-in version (scans
and reverts, shared by every worker; `checkin.live`) plus the wall's own (hidden names), so a
new arrival or a hidden name reaches every screen within a poll. Without Redis an opt-in change
shows at the next poll too (the check-in version reads registrations' ``updated_at``); with
Redis, within the LIVE_REFRESH_SECONDS setting (a minute) at the latest.

Screens without an account open the wall with a signed read-only key (`make_screen_key`,
the big screens' one mechanism in `eventhub.live`; valid for a week).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from eventhub import audit, live, permissions
from eventhub.accounts.models import User
from eventhub.checkin import live as checkin_live
from eventhub.checkin.models import CheckinList, Scan
from eventhub.checkin.services import scan_checks_in
from eventhub.database import db, insert_unless_taken, transactional
from eventhub.engagement.models import WallHiddenName
from eventhub.errors import NotFound
from eventhub.events.models import Event
from eventhub.formatting import mask_surname
from eventhub.live import LiveVersion
from eventhub.registrations.models import Registration, RegistrationStatus

#: The most names one answer holds (newest first): more never fit a screen; the API's
#: ``after`` pages through arrivals since a time.
WALL_LIMIT = 100
#: The most rows the organizers' wall page lists.
ADMIN_LIMIT = 1000


def make_screen_key(event: Event) -> str:
    """A read-only key to the event's wall (for a projector without an account)."""
    return live.make_screen_key("wall", event.id)


def screen_key_valid(key: str | None, event: Event) -> bool:
    """Tell whether ``key`` opens this event's wall (signed for it, not expired)."""
    return live.screen_key_valid(key, "wall", event.id)


def can_manage_wall(user: User, event: Event) -> bool:
    """Organizers of the event see the wall, its names and hide them."""
    return permissions.can_manage_event(user, event)


def wall_name(registration: Registration) -> str:
    """The name the wall shows: the one the registrant chose, else the surname and ``**``."""
    return registration.wall_name or mask_surname(registration.name)


# What the wall shows --------------------------------------------------------------------------


@dataclass(frozen=True)
class Arrival:
    registration_id: int
    wall_name: str
    at: datetime


@dataclass(frozen=True)
class Wall:
    #: Everybody checked in (opted in or not).
    checked_in: int
    #: Opted-in, not hidden arrivals, newest first.
    items: list[Arrival]


def _first_arrivals(event: Event) -> sa.Subquery:
    """(registration_id, at): each confirmed registration checked in on the event's main
    list, with the time of its first valid entry scan."""
    main_list = sa.select(CheckinList.id).where(
        CheckinList.event_id == event.id, CheckinList.is_main.is_(True)
    )
    return (
        sa.select(Scan.registration_id, sa.func.min(Scan.at).label("at"))
        .join(Registration, Registration.id == Scan.registration_id)
        .where(
            Scan.list_id.in_(main_list),
            scan_checks_in(),
            Registration.status == RegistrationStatus.confirmed,
        )
        .group_by(Scan.registration_id)
        .subquery()
    )


def wall(event: Event, after: datetime | None = None, limit: int = WALL_LIMIT) -> Wall:
    """The count of people checked in and the wall's names (at most ``limit``, newest first;
    only arrivals later than ``after`` when given), in two statements."""
    arrivals = _first_arrivals(event)
    checked_in = db.session.scalar(sa.select(sa.func.count()).select_from(arrivals)) or 0
    hidden = sa.select(WallHiddenName.registration_id).where(
        WallHiddenName.event_id == event.id
    )
    query = (
        sa.select(Registration.id, Registration.name, Registration.wall_name, arrivals.c.at)
        .join(arrivals, arrivals.c.registration_id == Registration.id)
        .where(Registration.show_on_wall.is_(True), Registration.id.not_in(hidden))
        .order_by(arrivals.c.at.desc(), Registration.id.desc())
        .limit(limit)
    )
    if after is not None:
        query = query.where(arrivals.c.at > after)
    items = [
        Arrival(row.id, row.wall_name or mask_surname(row.name), row.at)
        for row in db.session.execute(query)
    ]
    return Wall(checked_in=checked_in, items=items)


@dataclass(frozen=True)
class WallRow:
    """A person on the organizers' wall page: who they are, what the wall shows, hidden?"""

    registration_id: int
    name: str
    wall_name: str
    at: datetime
    hidden: bool


def admin_rows(event: Event, limit: int = ADMIN_LIMIT) -> list[WallRow]:
    """Everyone opted in and checked in, newest first, hidden ones too (to show them again)."""
    arrivals = _first_arrivals(event)
    query = (
        sa.select(Registration.id, Registration.name, Registration.wall_name, arrivals.c.at,
                  WallHiddenName.registration_id.label("hidden_id"))
        .join(arrivals, arrivals.c.registration_id == Registration.id)
        .outerjoin(WallHiddenName, WallHiddenName.registration_id == Registration.id)
        .where(Registration.show_on_wall.is_(True))
        .order_by(arrivals.c.at.desc(), Registration.id.desc())
        .limit(limit)
    )
    return [
        WallRow(row.id, row.name, row.wall_name or mask_surname(row.name), row.at,
                row.hidden_id is not None)
        for row in db.session.execute(query)
    ]


# Hiding names -------------------------------------------------------------------------------


def _event_registration(event: Event, registration_id: int | None) -> Registration:
    registration = db.session.get(Registration, registration_id) if registration_id else None
    if registration is None or registration.event_id != event.id:
        raise NotFound(_l("This person is not registered for this event."))
    return registration


@transactional
def hide(actor: User, event: Event, registration_id: int | None) -> Registration:
    """Take a name off the event's wall at once (every screen drops it at its next poll);
    hiding it again changes nothing. Audited (``wall.hidden``). Raises NotAllowed, NotFound
    (a registration of another event)."""
    permissions.require(can_manage_wall, actor, event)
    registration = _event_registration(event, registration_id)
    if db.session.get(WallHiddenName, registration.id) is not None:
        return registration
    hidden = WallHiddenName(registration_id=registration.id, event_id=event.id,
                            hidden_by_id=actor.id)
    if not insert_unless_taken(hidden):  # hidden at the same moment by another organizer
        return registration
    audit.record("wall.hidden", registration, actor=actor, event_id=event.id)
    wall_version.bump_after_commit(event.id)
    return registration


@transactional
def unhide(actor: User, event: Event, registration_id: int | None) -> Registration:
    """Show a hidden name on the wall again (if its registrant still opts in). Audited
    (``wall.shown``). Raises NotAllowed, NotFound."""
    permissions.require(can_manage_wall, actor, event)
    registration = _event_registration(event, registration_id)
    row = db.session.get(WallHiddenName, registration.id)
    if row is None:
        return registration
    db.session.delete(row)
    audit.record("wall.shown", registration, actor=actor, event_id=event.id)
    wall_version.bump_after_commit(event.id)
    return registration


# The live version ---------------------------------------------------------------------------


def _db_state(event_id: int) -> tuple[object, ...]:
    """What changes whenever a name is hidden or shown again."""
    of_event = WallHiddenName.event_id == event_id
    row = db.session.execute(
        sa.select(
            sa.func.count(WallHiddenName.registration_id),
            sa.func.sum(WallHiddenName.registration_id),
            sa.func.max(WallHiddenName.hidden_at),
        ).where(of_event)
    ).one()
    return tuple(row)


#: The wall's own version (hidden names), per event.
wall_version = LiveVersion("wall-version", _db_state)


def live_version(event_id: int) -> str:
    """Equal strings mean the wall shows the same (arrivals, reverts, opt-ins, hidden names)."""
    return f"{checkin_live.version(event_id)}/{wall_version.version(event_id)}"
