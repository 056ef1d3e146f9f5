"""An event's partner organizations: 联合主办 co_host, 承办 undertaker, 协办 supporter (the
event's own organization is its host, 主办). Their organizers read the event's figures
(permissions.can_read_event_figures); the event page names them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eventhub import audit, permissions
from eventhub.accounts.models import User
from eventhub.database import db, transactional
from eventhub.errors import Conflict, NotFound, ValidationFailed
from eventhub.events.models import Event, EventPartner, PartnerRole
from eventhub.orgs.models import Organization


@transactional
def set_partner(actor: User, event: Event, org_id: int, role: str) -> tuple[EventPartner, bool]:
    """Make an organization a partner of the event with ``role``, or change its role (the
    event's organizers); return the partner and whether it is new.

    Raises NotAllowed, ValidationFailed (unknown ``org_id`` or ``role``), Conflict
    ``partner_is_host`` (the event's own organization is its host already).
    """
    permissions.require(permissions.can_manage_event, actor, event)
    if role not in PartnerRole.__members__:
        raise ValidationFailed(fields={"role": _l("Choose a role from the list.")})
    org = db.session.get(Organization, org_id)
    if org is None:
        raise ValidationFailed(fields={"org_id": _l("No such organization.")})
    if org.id == event.org_id:
        raise Conflict(
            _l("The event's own organization is its host; it cannot be a partner too."),
            code="partner_is_host",
        )
    partner = db.session.get(EventPartner, (event.id, org.id))
    created = partner is None
    before = None if created else {"org_id": org.id, "role": partner.role.value}
    if created:
        partner = EventPartner(event_id=event.id, org_id=org.id, role=PartnerRole(role))
        event.partners.append(partner)
    else:
        partner.role = PartnerRole(role)
    db.session.flush()
    audit.record("event.partner_set", event, actor=actor, event_id=event.id, before=before,
                 after={"org_id": org.id, "role": role})
    return partner, created


@transactional
def remove_partner(actor: User, event: Event, org_id: int) -> None:
    """Take a partner off the event (its organizers). Raises NotAllowed, NotFound."""
    permissions.require(permissions.can_manage_event, actor, event)
    partner = next((p for p in event.partners if p.org_id == org_id), None)
    if partner is None:
        raise NotFound()
    audit.record("event.partner_removed", event, actor=actor, event_id=event.id,
                 before={"org_id": org_id, "role": partner.role.value})
    event.partners.remove(partner)
