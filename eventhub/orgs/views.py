"""Organization dashboards and members (pages)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from eventhub import permissions
from eventhub.database import db
from eventhub.errors import Conflict, ValidationFailed
from eventhub.orgs import labels, services
from eventhub.orgs.forms import MemberForm, OrgForm, RoleForm, role_choices
from eventhub.orgs.models import Membership, Organization
from eventhub.webforms import domain_errors, flash_domain_error, form_status

bp = Blueprint("orgs", __name__)


bp.record_once(lambda state: state.app.jinja_env.filters.update(labels.FILTERS))


def _load_org(slug: str) -> Organization:
    return db.first_or_404(sa.select(Organization).where(Organization.slug == slug))


def _me() -> object:
    return current_user._get_current_object()


#: Events the "my organizations" page lists at most.
MINE_EVENTS = 200


@bp.route("/dashboard")
@login_required
def mine() -> str:
    orgs = services.orgs_of(_me())
    # The newest of each organization's events (Organization.events, declared by the events
    # package), merged: the newest MINE_EVENTS of them all.
    org_events = sorted(
        (event for org in orgs for event in org.events.limit(MINE_EVENTS)),
        key=lambda event: (event.starts_at, -event.id), reverse=True,
    )[:MINE_EVENTS]
    return render_template("orgs/mine.html", orgs=orgs, events=org_events)


@bp.route("/orgs/new", methods=["GET", "POST"])
@login_required
def create() -> str | Response | tuple[str, int]:
    if not permissions.can_create_org(_me()):
        abort(403)
    form = OrgForm()
    if form.validate_on_submit():
        with domain_errors(form):
            org = services.create_org(_me(), form.name.data or "", form.kind.data or "",
                                      form.description.data or "")
            flash(_("The organization is registered. Now add its members."), "success")
            return redirect(url_for("orgs.members", slug=org.slug))
    return render_template("orgs/form.html", form=form, org=None), form_status(form)


@bp.route("/orgs/<slug>")
@login_required
def dashboard(slug: str) -> str:
    org = _load_org(slug)
    if not permissions.can_view_org_dashboard(_me(), org):
        abort(403)
    org_events = org.events.all()
    return render_template("orgs/dashboard.html", org=org, events=org_events)


@bp.route("/orgs/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str) -> str | Response | tuple[str, int]:
    org = _load_org(slug)
    if not permissions.can_manage_org(_me(), org):
        abort(403)
    form = OrgForm(obj=org)
    if form.validate_on_submit():
        with domain_errors(form):
            services.update_org(_me(), org, form.name.data or "", form.kind.data or "",
                                form.description.data or "")
            flash(_("Saved."), "success")
            return redirect(url_for("orgs.dashboard", slug=org.slug))
    return render_template("orgs/form.html", form=form, org=org), form_status(form)


@bp.route("/orgs/<slug>/members", methods=["GET", "POST"])
@login_required
def members(slug: str) -> str | Response | tuple[str, int]:
    org = _load_org(slug)
    if not permissions.can_manage_org(_me(), org):
        abort(403)
    form = MemberForm()
    if form.validate_on_submit():
        with domain_errors(form):
            membership, created = services.set_member(_me(), org, form.email.data or "",
                                                      form.role.data or "")
            if created:
                flash(_("%(email)s is now a member; we sent them an invitation.",
                        email=membership.user.email), "success")
            else:
                flash(_("%(email)s was a member already; their role is updated.",
                        email=membership.user.email), "info")
            return redirect(url_for("orgs.members", slug=org.slug))
    memberships = sorted(org.memberships, key=lambda m: (m.role.value, m.user.name))
    return (
        render_template("orgs/members.html", org=org, form=form, memberships=memberships,
                        roles=role_choices()),
        form_status(form),
    )


def _load_membership(org: Organization, membership_id: int) -> Membership:
    membership = next((m for m in org.memberships if m.id == membership_id), None)
    if membership is None:
        abort(404)
    return membership


@bp.route("/orgs/<slug>/members/<int:membership_id>/role", methods=["POST"])
@login_required
def change_role(slug: str, membership_id: int) -> Response:
    org = _load_org(slug)
    if not permissions.can_manage_org(_me(), org):
        abort(403)
    membership = _load_membership(org, membership_id)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            services.set_member(_me(), org, membership.user.email, form.role.data or "")
        except (Conflict, ValidationFailed) as error:
            flash_domain_error(error)
        else:
            flash(_("The role of %(name)s is now: %(role)s.", name=membership.user.name,
                    role=labels.role_label(membership.role)), "success")
    return redirect(url_for("orgs.members", slug=org.slug))


@bp.route("/orgs/<slug>/members/<int:membership_id>/remove", methods=["POST"])
@login_required
def remove_member(slug: str, membership_id: int) -> Response:
    org = _load_org(slug)
    if not permissions.can_manage_org(_me(), org):
        abort(403)
    membership = _load_membership(org, membership_id)
    name = membership.user.name
    try:
        services.remove_member(_me(), org, membership.id)
    except (Conflict, ValidationFailed) as error:
        flash_domain_error(error)
    else:
        flash(_("%(name)s is no longer a member.", name=name), "success")
    return redirect(url_for("orgs.members", slug=org.slug))
