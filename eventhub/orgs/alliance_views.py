"""An alliance's member organizations: the page that lists, adds and removes them.

``/orgs/<slug>/alliance`` exists for organizations of kind ``alliance`` only (404 for any
other). Every member of the alliance (owners, organizers, door staff, viewers) and platform
admins read the list; its owners and platform admins (`alliances.add_member`'s rule,
`permissions.can_manage_org`) add and remove members.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import SelectField

from eventhub import permissions
from eventhub.database import db
from eventhub.errors import ValidationFailed
from eventhub.orgs import alliances
from eventhub.orgs.labels import org_kind_label
from eventhub.orgs.models import AllianceMember, Organization, OrgKind
from eventhub.webforms import Form, domain_errors, form_status

bp = Blueprint("alliances", __name__)

#: Ids beyond this are nobody's (and would overflow the database's integer).
ID_MAX = 2**31 - 1


class AllianceMemberForm(Form):
    """Add a member organization: one chosen from the list of those not in it yet."""

    org_id = SelectField(_l("Organization"), validate_choice=False)


def _me() -> Any:
    return current_user._get_current_object()


def _alliance(slug: str) -> Organization:
    """The alliance of ``slug`` for those who may read its members: 404 unless it is an
    alliance, 403 for anyone but its members and platform admins."""
    org = db.first_or_404(sa.select(Organization).where(Organization.slug == slug))
    if org.kind != OrgKind.alliance:
        abort(404)
    if not permissions.can_view_org_dashboard(_me(), org):
        abort(403)
    return org


def members_of(alliance: Organization) -> list[tuple[Organization, Any]]:
    """``(organization, member since)`` for each member organization, by name."""
    return list(db.session.execute(
        sa.select(Organization, AllianceMember.created_at)
        .join(AllianceMember, AllianceMember.member_id == Organization.id)
        .where(AllianceMember.alliance_id == alliance.id)
        .order_by(Organization.name, Organization.id)
    ).all())


def candidates(alliance: Organization) -> list[tuple[str, str]]:
    """The add form's choices: every organization but the alliance and its members, by name,
    each with its kind."""
    members = alliances.member_ids(alliance.id)
    rows = db.session.execute(
        sa.select(Organization.id, Organization.name, Organization.kind)
        .where(Organization.id != alliance.id, Organization.id.not_in(members))
        .order_by(Organization.name, Organization.id)
    ).all()
    return [("", _("Choose an organization"))] + [
        (str(id_), _("%(name)s (%(kind)s)", name=name, kind=org_kind_label(kind)))
        for id_, name, kind in rows
    ]


def _chosen_id(value: Any) -> int:
    """The organization id the form sent. Raises ValidationFailed on ``org_id`` for nothing
    chosen or an id no organization can have."""
    text = str(value or "").strip()
    if not text:
        raise ValidationFailed(fields={"org_id": _("Choose an organization.")})
    if not text.isascii() or not text.isdigit() or not 0 < int(text) <= ID_MAX:
        raise ValidationFailed(fields={"org_id": _("No such organization.")})
    return int(text)


@bp.route("/orgs/<slug>/alliance", methods=["GET", "POST"])
@login_required
def members(slug: str) -> Any:
    alliance = _alliance(slug)
    manages = permissions.can_manage_org(_me(), alliance)
    form = AllianceMemberForm()
    form.org_id.choices = candidates(alliance) if manages else []
    if form.is_submitted() and not manages:
        abort(403)
    if form.validate_on_submit():
        with domain_errors(form):
            member, added = alliances.add_member(_me(), alliance, _chosen_id(form.org_id.data))
            if added:
                flash(_("%(org)s is now a member of the alliance.", org=member.name), "success")
            else:
                flash(_("%(org)s was a member already.", org=member.name), "info")
            return redirect(url_for("alliances.members", slug=alliance.slug))
    return render_template("orgs/alliance_members.html", org=alliance, form=form,
                           members=members_of(alliance), manages=manages), form_status(form)


@bp.post("/orgs/<slug>/alliance/<int:member_id>/remove")
@login_required
def remove(slug: str, member_id: int) -> Response:
    alliance = _alliance(slug)
    if not permissions.can_manage_org(_me(), alliance):
        abort(403)
    member = db.session.get(Organization, member_id) if member_id <= ID_MAX else None
    if member is None:
        abort(404)
    alliances.remove_member(_me(), alliance, member.id)  # not a member: 404
    flash(_("%(org)s is no longer a member of the alliance.", org=member.name), "success")
    return redirect(url_for("alliances.members", slug=alliance.slug))
