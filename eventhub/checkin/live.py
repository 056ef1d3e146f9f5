"""A cheap version of an event's check-in state that every web worker sees alike
(`eventhub.live.LiveVersion`).

The organizers' dashboard polls with the version as its ETag and gets ``304`` from the version
alone while nothing changed. Without Redis the version is read from the database in one
statement (counts and maxima over the event's scans, lists and registrations: a count catches
a scan whose id is lower than one seen already but that committed later). With ``REDIS_URL``
it is a counter per event, bumped after the commit of every scan and revert (`scan_recorded`,
`scan_reverted`); if Redis cannot be reached, the database answers.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from eventhub.checkin.models import CheckinList, Scan
from eventhub.checkin.signals import scan_recorded, scan_reverted
from eventhub.database import db
from eventhub.live import LiveVersion
from eventhub.registrations.models import Registration


def db_state(event_id: int) -> tuple[Any, ...]:
    """What changes whenever a scan, a revert, a list or a registration of the event does."""
    lists = sa.select(CheckinList.id).where(CheckinList.event_id == event_id)
    of_scans = Scan.list_id.in_(lists)
    of_registrations = Registration.event_id == event_id
    of_lists = CheckinList.event_id == event_id
    parts = [
        sa.select(sa.func.count(Scan.id)).where(of_scans),
        sa.select(sa.func.max(Scan.id)).where(of_scans),
        sa.select(sa.func.count(Scan.reverted_at)).where(of_scans),
        sa.select(sa.func.max(Scan.reverted_at)).where(of_scans),
        sa.select(sa.func.count(Registration.id)).where(of_registrations),
        sa.select(sa.func.max(Registration.updated_at)).where(of_registrations),
        sa.select(sa.func.count(CheckinList.id)).where(of_lists),
        sa.select(sa.func.max(CheckinList.id)).where(of_lists),
    ]
    row = db.session.execute(sa.select(*(p.scalar_subquery() for p in parts))).one()
    return tuple(row)


#: The event's check-in version: equal strings mean the dashboard shows the same.
checkin_version = LiveVersion("checkin-version", db_state)
redis_key = checkin_version.redis_key
bump = checkin_version.bump
version = checkin_version.version


@scan_recorded.connect
@scan_reverted.connect
def _bump_after_commit(event_id: int, **_: Any) -> None:
    checkin_version.bump_after_commit(event_id)
