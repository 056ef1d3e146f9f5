"""Alliances (联盟): an organization of kind ``alliance`` has member organizations, whose
events its figures add up (each event once)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from eventhub import audit, permissions
from eventhub.accounts.models import User
from eventhub.database import db, transactional
from eventhub.errors import Conflict, NotFound, ValidationFailed
from eventhub.orgs.models import AllianceMember, Organization, OrgKind


def _require_alliance(org: Organization) -> None:
    if org.kind != OrgKind.alliance:
        raise Conflict(
            _l("Only an alliance has member organizations."), code="not_an_alliance"
        )


def member_orgs(alliance: Organization) -> list[Organization]:
    """The alliance's member organizations, by name (none for another kind of organization)."""
    query = (
        sa.select(Organization)
        .join(AllianceMember, AllianceMember.member_id == Organization.id)
        .where(AllianceMember.alliance_id == alliance.id)
        .order_by(Organization.name, Organization.id)
    )
    return list(db.session.scalars(query))


def member_ids(alliance_id: int) -> sa.Select:
    """The ids of an alliance's members, as a subquery for figures' queries."""
    return sa.select(AllianceMember.member_id).where(AllianceMember.alliance_id == alliance_id)


@transactional
def add_member(actor: User, alliance: Organization, org_id: int) -> tuple[Organization, bool]:
    """Make the organization ``org_id`` a member of the alliance (its owners and platform
    admins); return it and whether it is new (adding a member again changes nothing).

    Raises NotAllowed, Conflict ``not_an_alliance``, ValidationFailed (``org_id`` unknown or
    the alliance itself).
    """
    permissions.require(permissions.can_manage_org, actor, alliance)
    _require_alliance(alliance)
    member = db.session.get(Organization, org_id)
    if member is None:
        raise ValidationFailed(fields={"org_id": _l("No such organization.")})
    if member.id == alliance.id:
        raise ValidationFailed(fields={"org_id": _l("An alliance cannot be its own member.")})
    if db.session.get(AllianceMember, (alliance.id, member.id)) is not None:
        return member, False
    db.session.add(AllianceMember(alliance_id=alliance.id, member_id=member.id))
    db.session.flush()
    audit.record("alliance.member_added", alliance, actor=actor, after={"member_id": member.id})
    return member, True


@transactional
def remove_member(actor: User, alliance: Organization, org_id: int) -> None:
    """Take a member organization out of the alliance. Raises NotAllowed, Conflict
    ``not_an_alliance``, NotFound (not a member)."""
    permissions.require(permissions.can_manage_org, actor, alliance)
    _require_alliance(alliance)
    link = db.session.get(AllianceMember, (alliance.id, org_id))
    if link is None:
        raise NotFound()
    audit.record("alliance.member_removed", alliance, actor=actor, before={"member_id": org_id})
    db.session.delete(link)
