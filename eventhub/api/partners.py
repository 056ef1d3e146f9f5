"""An event's partner organizations (联合主办 co_host, 承办 undertaker, 协办 supporter; the
event's own organization is its host, 主办): see API.md "Reporting"."""

from __future__ import annotations

import marshmallow as ma

from eventhub.api.common import (
    IdField,
    StrictSchema,
    Time,
    doc_errors,
    make_blueprint,
    require_user,
    signed_in,
)
from eventhub.api.events import load_event, managed_event
from eventhub.events import partners
from eventhub.events.models import EventPartner, PartnerRole

blp = make_blueprint("api_partners", "An event's partner organizations.")

ROLES = ["host", *PartnerRole.__members__]


class PartnerRequestSchema(StrictSchema):
    org_id = IdField(required=True)
    role = ma.fields.Enum(PartnerRole, required=True, metadata={
        "description": "co_host (联合主办), undertaker (承办) or supporter (协办)."})


class PartnerSchema(ma.Schema):
    org_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    slug = ma.fields.String(required=True)
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(ROLES), metadata={
        "description": "host (主办, the event's own organization), co_host (联合主办), "
                       "undertaker (承办) or supporter (协办)."})
    created_at = Time()


class PartnerListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(PartnerSchema), required=True)


def _partner_body(partner: EventPartner) -> dict:
    org = partner.organization
    return {"org_id": org.id, "name": org.name, "slug": org.slug, "role": partner.role.value,
            "created_at": partner.created_at}


@blp.route("/events/<id:event_id>/partners", methods=["POST"])
@blp.response(201, PartnerSchema, description="The organization is now a partner.")
@blp.alt_response(200, schema=PartnerSchema, description="It was a partner; its role is set.")
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(PartnerRequestSchema)
def set_partner(data: dict, event_id: int) -> tuple[dict, int]:
    """Make an organization a partner of the event, or change its role (the event's
    organizers): 409 `partner_is_host` for the event's own organization; 422 for an unknown
    organization."""
    event = managed_event(event_id)
    partner, created = partners.set_partner(
        require_user(), event, data["org_id"], data["role"].value
    )
    return _partner_body(partner), 201 if created else 200


@blp.route("/events/<id:event_id>/partners", methods=["GET"])
@blp.response(200, PartnerListSchema)
@doc_errors(blp, 404)
def list_partners(event_id: int) -> dict:
    """The event's organizations as its page shows them: the host first (role `host`), then
    the partners by when they were added (anyone who may see the event)."""
    event = load_event(event_id)
    host = event.organization
    items = [{"org_id": host.id, "name": host.name, "slug": host.slug, "role": "host",
              "created_at": event.created_at}]
    return {"items": items + [_partner_body(p) for p in event.partners]}


@blp.route("/events/<id:event_id>/partners/<id:org_id>", methods=["DELETE"])
@blp.response(204)
@doc_errors(blp, 401, 403, 404)
@signed_in(blp)
def remove_partner(event_id: int, org_id: int) -> None:
    """Take a partner off the event (its organizers); 404 when it is not a partner."""
    partners.remove_partner(require_user(), managed_event(event_id), org_id)
