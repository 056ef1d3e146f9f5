"""Organizations and their members."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from pypinyin import lazy_pinyin

from eventhub import audit, permissions
from eventhub.accounts import services as accounts
from eventhub.accounts.models import NAME_MAX, User
from eventhub.database import db, transactional, unique_or
from eventhub.errors import Conflict, ValidationFailed, raise_field_errors
from eventhub.orgs.models import Membership, Organization, OrgKind, Role
from eventhub.text import text_error


def slugify(text: str, limit: int = 60) -> str:
    """Make a URL slug; Chinese is spelled in pinyin (沈阳市众创空间 → shen-yang-shi-...)."""
    words = lazy_pinyin(text, errors=lambda chars: list(chars))
    slug = re.sub(r"[^a-z0-9]+", "-", "-".join(words).lower()).strip("-")
    return slug[:limit].strip("-") or "org"


def _unique_slug(name: str) -> str:
    base = slugify(name)
    slug, n = base, 1
    while db.session.scalar(sa.select(Organization.id).where(Organization.slug == slug)):
        n += 1
        slug = f"{base}-{n}"
    return slug


NAME_TAKEN = _l("An organization with this name exists already.")


#: The longest description of an organization.
DESCRIPTION_MAX = 10_000


def _check_org_fields(name: str, kind: str, description: str) -> None:
    raise_field_errors(
        {
            "name": text_error(name, limit=NAME_MAX, required=True),
            "kind": None if kind in OrgKind.__members__ else _l("Choose a kind from the list."),
            "description": text_error(description, limit=DESCRIPTION_MAX),
        }
    )


@transactional
def create_org(actor: User, name: str, kind: str, description: str = "") -> Organization:
    """Register an organization (platform admins only). Raises NotAllowed, ValidationFailed,
    Conflict ``name_taken``."""
    permissions.require(permissions.can_create_org, actor)
    _check_org_fields(name, kind, description)
    org = Organization(
        name=name.strip(), slug=_unique_slug(name), kind=OrgKind(kind), description=description
    )
    with unique_or("name", NAME_TAKEN):
        db.session.add(org)
    audit.record("org.created", org, actor=actor, after={"name": org.name, "kind": kind})
    return org


@transactional
def update_org(actor: User, org: Organization, name: str, kind: str, description: str) -> None:
    """Rename or re-describe an organization (admins and owners)."""
    permissions.require(permissions.can_manage_org, actor, org)
    _check_org_fields(name, kind, description)
    with unique_or("name", NAME_TAKEN):
        org.name, org.kind, org.description = name.strip(), OrgKind(kind), description


def _owners(org: Organization) -> list[Membership]:
    return [m for m in org.memberships if m.role == Role.owner]


@transactional
def set_member(actor: User, org: Organization, email: str, role: str) -> tuple[Membership, bool]:
    """Add a member or change their role; return the membership and whether it is new.

    A person without an account gets one (without a password) and an invitation mail with a
    link to choose one. The last owner cannot be demoted. Raises NotAllowed, ValidationFailed,
    Conflict ``last_owner``.
    """
    permissions.require(permissions.can_manage_org, actor, org)
    if role not in Role.__members__:
        raise ValidationFailed(fields={"role": _l("Choose a role from the list.")})
    email = accounts.normalize_email(email or "")
    raise_field_errors({"email": accounts.check_email(email)})
    user = accounts.find_user_by_email(email)
    invited = user is None
    if invited:
        user = accounts.ensure_user(email, email.split("@")[0])
    membership = next((m for m in org.memberships if m.user_id == user.id), None)
    created = membership is None
    before = None if created else {"role": membership.role.value}
    if created:
        membership = Membership(organization=org, user=user, role=Role(role))
        db.session.add(membership)
    else:
        if membership.role == Role.owner and role != Role.owner and len(_owners(org)) == 1:
            raise Conflict(_l("An organization needs at least one owner."), code="last_owner")
        membership.role = Role(role)
    db.session.flush()
    audit.record(
        "membership.set", membership, actor=actor, before=before,
        after={"user_id": user.id, "role": role},
    )
    if invited or created:
        _mail_invitation(user, org, role, needs_password=invited)
    return membership, created


def _mail_invitation(user: User, org: Organization, role: str, needs_password: bool) -> None:
    from eventhub.links import external_url
    from eventhub.mail.services import queue_mail

    if needs_password:
        link = external_url("accounts.reset_password", token=accounts.make_reset_token(user))
    else:
        link = external_url("orgs.dashboard", slug=org.slug)
    queue_mail(
        user.email, "org_invitation", user.locale,
        user=user, org=org, role=role, link=link, needs_password=needs_password,
    )


@transactional
def remove_member(actor: User, org: Organization, membership_id: int) -> None:
    """Remove a membership; never the last owner. Raises NotAllowed, Conflict ``last_owner``."""
    permissions.require(permissions.can_manage_org, actor, org)
    membership = next((m for m in org.memberships if m.id == membership_id), None)
    if membership is None:
        raise ValidationFailed(fields={"membership": _l("Not a member.")})
    if membership.role == Role.owner and len(_owners(org)) == 1:
        raise Conflict(_l("An organization needs at least one owner."), code="last_owner")
    audit.record(
        "membership.removed", membership, actor=actor,
        before={"user_id": membership.user_id, "role": membership.role.value},
    )
    org.memberships.remove(membership)


def orgs_of(user: User) -> list[Organization]:
    """The organizations a user belongs to (all of them for an admin), by name."""
    query = sa.select(Organization).order_by(Organization.name)
    if not permissions.is_admin(user):
        query = query.join(Membership).where(Membership.user_id == user.id)
    return list(db.session.scalars(query))
