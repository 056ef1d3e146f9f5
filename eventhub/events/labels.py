"""Events' enums in words: an event's status and kind, one table each.

The tables are the only wording of these values: pages show them through the ``event_status``
and ``event_kind`` Jinja filters (registered by the events blueprint), forms take their
choices from them and services name a status with `event_status_label`. A value not in a
table (never expected) is shown as it is rather than failing the page.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eventhub.events.models import EventKind, EventStatus, PartnerRole

EVENT_STATUS_LABELS = {
    EventStatus.draft: _l("draft"),
    EventStatus.published: _l("published"),
    EventStatus.closed: _l("closed"),
    EventStatus.archived: _l("archived"),
    EventStatus.cancelled: _l("cancelled"),
}

EVENT_KIND_LABELS = {
    EventKind.week: _l("Entrepreneurship week"),
    EventKind.contest: _l("Contest"),
    EventKind.salon: _l("Salon"),
    EventKind.camp: _l("Bootcamp"),
    EventKind.forum: _l("Forum"),
    EventKind.roadshow: _l("Roadshow"),
    EventKind.other: _l("Other"),
}


#: An organization's part in an event: the host (the event's own organization) and its partners.
PARTNER_ROLE_LABELS = {
    "host": _l("Host"),
    PartnerRole.co_host: _l("Co-host"),
    PartnerRole.undertaker: _l("Undertaker"),
    PartnerRole.supporter: _l("Supporter"),
}


def partner_role_label(role: PartnerRole | str) -> str:
    """An organization's part in an event in the reader's language ("联合主办")."""
    return str(PARTNER_ROLE_LABELS.get(role, role))


def event_status_label(status: EventStatus | str) -> str:
    """An event's status in the reader's language ("已发布")."""
    return str(EVENT_STATUS_LABELS.get(status, status))


def event_kind_label(kind: EventKind | str) -> str:
    """An event's kind in the reader's language ("大赛")."""
    return str(EVENT_KIND_LABELS.get(kind, kind))


#: The Jinja filters of this module, by name: the events blueprint registers them.
FILTERS = {"event_status": event_status_label, "event_kind": event_kind_label,
           "partner_role": partner_role_label}
