"""Who may do what. Every view, API endpoint, service and template asks these predicates.

Roles: a platform admin may do everything. In an organization, an **owner** manages the
organization and its members, an **organizer** builds and runs its events, and **staff**
work the door (check-in) and see what that needs. A **viewer** (a sponsor: 科技局, 团委, a
university) reads the organization's figures, reports and dashboards and never personal data,
so no predicate below but :func:`can_read_event_figures` and :func:`can_read_org_figures` lets a
viewer in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from eventhub.errors import NotAllowed
from eventhub.events.models import EventStatus
from eventhub.orgs.models import Role

if TYPE_CHECKING:
    from eventhub.events.models import Event
    from eventhub.orgs.models import Organization

MANAGE_ROLES = frozenset({Role.owner, Role.organizer})
DOOR_ROLES = frozenset({Role.owner, Role.organizer, Role.staff})


def require(predicate: Callable[..., bool], actor: Any, *args: Any) -> None:
    """Refuse unless ``predicate(actor, *args)`` holds: the one way services check "may X".

    Raises :class:`~eventhub.errors.NotAllowed` (403, code ``forbidden``) when the predicate is
    false, e.g. ``require(can_manage_event, actor, event)`` at the top of a service, or
    ``require(can_create_org, actor)`` for a predicate about the actor alone.
    """
    if not predicate(actor, *args):
        raise NotAllowed()


def _signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_admin(user: Any) -> bool:
    """Tell whether ``user`` is a platform admin."""
    return _signed_in(user) and bool(user.is_admin)


def org_role(user: Any, org_id: int) -> Role | None:
    """Return the user's role in the organization, or None."""
    if not _signed_in(user):
        return None
    for membership in user.memberships:
        if membership.org_id == org_id:
            return membership.role
    return None


def can_create_org(user: Any) -> bool:
    """Only platform admins register organizations."""
    return is_admin(user)


def can_manage_org(user: Any, org: Organization) -> bool:
    """Edit the organization and its memberships: admins and owners."""
    return is_admin(user) or org_role(user, org.id) == Role.owner


def can_view_org_dashboard(user: Any, org: Organization) -> bool:
    """See the organization's events, drafts included: any member."""
    return is_admin(user) or org_role(user, org.id) is not None


def can_view_org_members(user: Any, org: Organization) -> bool:
    """See who belongs to the organization (names, emails): admins and members but viewers."""
    return is_admin(user) or org_role(user, org.id) in DOOR_ROLES


def can_create_event(user: Any, org: Organization) -> bool:
    """Create events for the organization: admins, owners, organizers."""
    return is_admin(user) or org_role(user, org.id) in MANAGE_ROLES


def can_manage_event(user: Any, event: Event) -> bool:
    """Edit, publish, close, cancel an event and see its registrations."""
    return is_admin(user) or org_role(user, event.org_id) in MANAGE_ROLES


def can_check_in(user: Any, event: Event) -> bool:
    """Scan tickets and search attendees at the door of an event."""
    return is_admin(user) or org_role(user, event.org_id) in DOOR_ROLES


def can_view_event(user: Any, event: Event) -> bool:
    """See an event's page: everyone once published; drafts only for its organization."""
    if event.is_public or (event.status == EventStatus.cancelled and event.published_at):
        return True
    return can_check_in(user, event)


def can_read_event_figures(user: Any, event: Event) -> bool:
    """Read an event's figures (stats, reports, dashboards; never personal data): admins, the
    host's owners, organizers and viewers, and the owners and organizers of its partners."""
    if is_admin(user):
        return True
    if org_role(user, event.org_id) in MANAGE_ROLES | {Role.viewer}:
        return True
    return any(org_role(user, partner.org_id) in MANAGE_ROLES for partner in event.partners)


def can_read_org_figures(user: Any, org: Organization) -> bool:
    """Read an organization's (or an alliance's) report, its figures and dashboards for a
    period (counts only, never personal data): admins and the organization's owners,
    organizers and viewers."""
    return is_admin(user) or org_role(user, org.id) in MANAGE_ROLES | {Role.viewer}


def sees_full_phone(user: Any, event: Event) -> bool:
    """Door staff see masked phones; organizers see them whole."""
    return can_manage_event(user, event)


def template_predicates() -> dict[str, Any]:
    """The predicates as template globals, so a button and its rule never disagree."""
    return {
        "is_admin": is_admin,
        "can_create_org": can_create_org,
        "can_manage_org": can_manage_org,
        "can_view_org_dashboard": can_view_org_dashboard,
        "can_create_event": can_create_event,
        "can_manage_event": can_manage_event,
        "can_check_in": can_check_in,
        "can_view_event": can_view_event,
        "can_read_event_figures": can_read_event_figures,
        "can_read_org_figures": can_read_org_figures,
    }
