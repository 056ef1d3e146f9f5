"""Signed, expiring read-only links to an organization's dashboard, for people without an
account (a sponsor's office, a university's 团委): the owners and organizers make one for 7, 30 or
90 days and may revoke it, or all of them, at any time.

A link's key is signed with the big screens' mechanism (`live.make_screen_key`) and names its
`DashboardLink` row, so the row decides: a link works while its row is neither expired nor
revoked. Keys are never stored; the list of links shows each live one's key signed anew.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from eventhub import audit, permissions
from eventhub.database import db, transactional, utcnow
from eventhub.errors import NotFound, ValidationFailed
from eventhub.live import make_screen_key, screen_key_claims
from eventhub.orgs.models import Organization
from eventhub.reports.models import DashboardLink

#: How long a link may work, in days (the sharing form's choices).
LINK_DAYS = (7, 30, 90)
#: The key's kind (its signature's salt): a dashboard key opens nothing else.
SCREEN = "dashboard"
#: A key's signature is older than any link can live: refused without asking the database.
KEY_MAX_AGE = (max(LINK_DAYS) + 1) * 24 * 3600


class LinkExpired(NotFound):
    """The link was real but has expired or was revoked (the page says so: 410)."""

    code = "link_expired"


def can_share_dashboard(user: Any, org: Organization) -> bool:
    """Make and revoke read-only links to the dashboard: admins, owners and organizers (not
    viewers: a sponsor does not hand the organization's figures on)."""
    return permissions.is_admin(user) or (
        permissions.org_role(user, org.id) in permissions.MANAGE_ROLES)


@transactional
def create_link(actor: Any, org: Organization, days: int) -> DashboardLink:
    """A link to ``org``'s dashboard that works for ``days`` days (one of `LINK_DAYS`),
    audited."""
    permissions.require(can_share_dashboard, actor, org)
    if days not in LINK_DAYS:
        raise ValidationFailed(fields={"days": "7, 30 or 90"})
    now = utcnow()
    link = DashboardLink(org_id=org.id, created_by_id=actor.id, created_at=now,
                         expires_at=now + timedelta(days=days))
    db.session.add(link)
    db.session.flush()
    audit.record("dashboard_link.created", link, actor=actor,
                 after={"org_id": org.id, "days": days, "expires_at": link.expires_at.isoformat()})
    return link


def live_links(org: Organization) -> list[DashboardLink]:
    """The organization's links that work now, the newest first."""
    return list(db.session.scalars(
        sa.select(DashboardLink)
        .where(DashboardLink.org_id == org.id, DashboardLink.revoked_at.is_(None),
               DashboardLink.expires_at > utcnow())
        .order_by(DashboardLink.created_at.desc(), DashboardLink.id.desc())))


@transactional
def revoke_link(actor: Any, org: Organization, link_id: int) -> DashboardLink:
    """Stop one of the organization's links now (404 when it has no such live link),
    audited."""
    permissions.require(can_share_dashboard, actor, org)
    link = next((row for row in live_links(org) if row.id == link_id), None)
    if link is None:
        raise NotFound()
    link.revoked_at = utcnow()
    audit.record("dashboard_link.revoked", link, actor=actor, after={"org_id": org.id})
    return link


@transactional
def revoke_all(actor: Any, org: Organization) -> int:
    """Stop every live link of the organization; how many there were. Audited."""
    permissions.require(can_share_dashboard, actor, org)
    now = utcnow()
    ids = [link.id for link in live_links(org)]
    if ids:
        db.session.execute(sa.update(DashboardLink).where(DashboardLink.id.in_(ids))
                           .values(revoked_at=now))
    audit.record("dashboard_link.revoked_all", org, actor=actor, after={"links": ids})
    return len(ids)


def key_of(link: DashboardLink) -> str:
    """The signed key of the link (the last part of its URL)."""
    return make_screen_key(SCREEN, link.org_id, link=link.id)


def open_link(key: str | None, now: datetime | None = None) -> tuple[Organization, DashboardLink]:
    """The organization and link a key opens. `NotFound` when the key is not one of ours
    (tampered, cut short, signed for something else); `LinkExpired` when its link has expired
    or was revoked."""
    claims = screen_key_claims(key, SCREEN, max_age=KEY_MAX_AGE)
    if claims is None or not isinstance(claims.get("link"), int):
        raise NotFound()
    link = db.session.get(DashboardLink, claims["link"])
    if link is None or link.org_id != claims.get("id"):
        raise NotFound()
    if link.revoked_at is not None or link.expires_at <= (now or utcnow()):
        raise LinkExpired()
    org = db.session.get(Organization, link.org_id)
    if org is None:
        raise NotFound()
    return org, link
