"""Organizations and their members (see API.md)."""

from __future__ import annotations

from dataclasses import asdict

import marshmallow as ma

from eventhub import permissions
from eventhub.api.accounts import UserSchema
from eventhub.api.common import (
    TEXT_MAX,
    Email,
    IdField,
    Int,
    PageArgsSchema,
    Str,
    StrictSchema,
    Time,
    doc_errors,
    get_in_or_404,
    get_or_404,
    load_or_404,
    make_blueprint,
    page_of,
    paginate_list,
    require_user,
    signed_in,
)
from eventhub.database import transactional
from eventhub.mentors import services as mentors
from eventhub.mentors.permissions import can_manage_pool
from eventhub.orgs import alliances, services
from eventhub.orgs.models import Membership, Organization, OrgKind, Role

blp = make_blueprint("api_orgs", "Organizations and their members.")


class OrgCreateSchema(StrictSchema):
    name = Str(required=True)
    kind = ma.fields.Enum(OrgKind, required=True)
    description = Str(max_length=TEXT_MAX, load_default="")


class OrgSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    slug = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.Enum(OrgKind, required=True)
    description = ma.fields.String()
    created_at = Time()


OrgPageSchema = page_of(OrgSchema, "OrgPage")


class MentorRuleSchema(StrictSchema):
    min_coachings = Int(required=True, metadata={
        "description": "Confirmed coachings a mentor gives in a year (default 10)."})
    min_minutes = Int(required=True, metadata={
        "description": "Minutes a coaching lasts at least to count (default 30)."})


class OrgPatchSchema(StrictSchema):
    name = Str()
    kind = ma.fields.Enum(OrgKind)
    description = Str(max_length=TEXT_MAX)
    mentor_rule = ma.fields.Nested(MentorRuleSchema)


class OrgWithRuleSchema(OrgSchema):
    mentor_rule = ma.fields.Nested(MentorRuleSchema, required=True)


class MemberRequestSchema(StrictSchema):
    email = Email(required=True)
    role = ma.fields.Enum(Role, required=True)


class MemberUserSchema(UserSchema):
    """A member as the organization's page shows them: the account's id, email and name."""


class MembershipSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    org_id = ma.fields.Integer(required=True)
    role = ma.fields.Enum(Role, required=True)
    user = ma.fields.Nested(MemberUserSchema, required=True)
    created_at = Time()


MembershipPageSchema = page_of(MembershipSchema, "MembershipPage")


@blp.route("/orgs", methods=["POST"])
@blp.response(201, OrgSchema)
@doc_errors(blp, 400, 401, 403, 409, 422)
@signed_in(blp)
@blp.arguments(OrgCreateSchema)
def create_org(data: dict) -> object:
    """Register an organization (platform admins)."""
    return services.create_org(
        require_user(), data["name"], data["kind"].value, data["description"]
    )


@blp.route("/orgs", methods=["GET"])
@blp.response(200, OrgPageSchema)
@doc_errors(blp, 400, 401, 422)
@signed_in(blp)
@blp.arguments(PageArgsSchema, location="query")
def list_orgs(args: dict) -> dict:
    """The organizations you belong to (all of them for a platform admin), by name."""
    return paginate_list(services.orgs_of(require_user()), args["page"], args["per_page"])


@blp.route("/orgs/<id:org_id>", methods=["GET"])
@blp.response(200, OrgSchema)
@doc_errors(blp, 404)
def get_org(org_id: int) -> object:
    """An organization's public profile."""
    return get_or_404(Organization, org_id)


@transactional
def _patch_org(actor: object, org: Organization, data: dict) -> None:
    """The organization's fields (its owners) and its mentor rule (its organizers), together
    or not at all."""
    if {"name", "kind", "description"} & data.keys():
        services.update_org(actor, org, data.get("name", org.name),
                            data.get("kind", org.kind).value,
                            data.get("description", org.description))
    if "mentor_rule" in data:
        rule = data["mentor_rule"]
        mentors.set_rule(actor, org, rule["min_coachings"], rule["min_minutes"])


@blp.route("/orgs/<id:org_id>", methods=["PATCH"])
@blp.response(200, OrgWithRuleSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(OrgPatchSchema)
def update_org(data: dict, org_id: int) -> dict:
    """Change an organization's name, kind and description (its owners) and its mentor rule
    `mentor_rule: {min_coachings, min_minutes}` (its owners and organizers)."""
    org = get_or_404(Organization, org_id)
    actor = require_user()
    if not data:
        permissions.require(can_manage_pool, actor, org)
    _patch_org(actor, org, data)
    return {"id": org.id, "slug": org.slug, "name": org.name, "kind": org.kind,
            "description": org.description, "created_at": org.created_at,
            "mentor_rule": asdict(mentors.rule_of(org.id))}


@blp.route("/orgs/<id:org_id>/members", methods=["POST"])
@blp.response(201, MembershipSchema, description="A new member (invited by mail).")
@blp.alt_response(200, schema=MembershipSchema, description="The member's role was changed.")
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(MemberRequestSchema)
def set_member(data: dict, org_id: int) -> object:
    """Add a member by email (an account is made and invited when needed) or change a role."""
    org = get_or_404(Organization, org_id)
    membership, created = services.set_member(
        require_user(), org, data["email"], data["role"].value
    )
    return membership, 201 if created else 200


@blp.route("/orgs/<id:org_id>/members", methods=["GET"])
@blp.response(200, MembershipPageSchema)
@doc_errors(blp, 400, 401, 403, 404, 422)
@signed_in(blp)
@blp.arguments(PageArgsSchema, location="query")
def list_members(args: dict, org_id: int) -> dict:
    """The organization's members (any member but a viewer may look)."""
    org = load_or_404(Organization, org_id, allowed=lambda org: (
        permissions.can_view_org_members(require_user(), org)))
    members = sorted(org.memberships, key=lambda m: (m.role != Role.owner, m.user.name, m.id))
    return paginate_list(members, args["page"], args["per_page"])


@blp.route("/orgs/<id:org_id>/members/<id:membership_id>", methods=["DELETE"])
@blp.response(204)
@doc_errors(blp, 400, 401, 403, 404, 409)
@signed_in(blp)
def remove_member(org_id: int, membership_id: int) -> None:
    """Remove a member (never the last owner)."""
    org = get_or_404(Organization, org_id)
    get_in_or_404(Membership, membership_id, org_id=org.id)
    services.remove_member(require_user(), org, membership_id)


# Alliances ---------------------------------------------------------------------------------


class MemberOrgRequestSchema(StrictSchema):
    org_id = IdField(required=True, metadata={
        "description": "The organization joining the alliance."})


@blp.route("/orgs/<id:alliance_id>/member-orgs", methods=["POST"])
@blp.response(201, OrgSchema, description="The organization is now a member of the alliance.")
@blp.alt_response(200, schema=OrgSchema, description="It was a member already; nothing changed.")
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(MemberOrgRequestSchema)
def add_member_org(data: dict, alliance_id: int) -> object:
    """Add a member organization to an alliance (its owners and platform admins): 409
    `not_an_alliance` unless the organization's kind is `alliance`; 422 for an unknown
    organization or the alliance itself; adding a member again answers 200 and changes
    nothing."""
    alliance = get_or_404(Organization, alliance_id)
    member, created = alliances.add_member(require_user(), alliance, data["org_id"])
    return member, 201 if created else 200


@blp.route("/orgs/<id:alliance_id>/member-orgs", methods=["GET"])
@blp.response(200, OrgPageSchema)
@doc_errors(blp, 400, 404, 422)
@blp.arguments(PageArgsSchema, location="query")
def list_member_orgs(args: dict, alliance_id: int) -> dict:
    """An alliance's member organizations, by name (public, like the organizations'
    profiles; none for another kind of organization)."""
    alliance = get_or_404(Organization, alliance_id)
    return paginate_list(alliances.member_orgs(alliance), args["page"], args["per_page"])


@blp.route("/orgs/<id:alliance_id>/member-orgs/<id:org_id>", methods=["DELETE"])
@blp.response(204)
@doc_errors(blp, 401, 403, 404, 409)
@signed_in(blp)
def remove_member_org(alliance_id: int, org_id: int) -> None:
    """Take a member organization out of an alliance (its owners and platform admins); 404
    when it is not a member."""
    alliance = get_or_404(Organization, alliance_id)
    alliances.remove_member(require_user(), alliance, org_id)
