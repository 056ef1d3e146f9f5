"""Event series (系列化、常态化): series, their events and subscriptions."""

from __future__ import annotations

import marshmallow as ma

from eventhub.api.common import (
    TEXT_MAX,
    NoBodySchema,
    Str,
    StrictSchema,
    Time,
    doc_errors,
    event_tz,
    get_or_404,
    make_blueprint,
    optional_auth,
    require_user,
    signed_in,
)
from eventhub.events import series as services
from eventhub.events.models import EventStatus, Series
from eventhub.orgs.models import Organization

blp = make_blueprint(
    "api_series",
    "Event series (系列化、常态化): series, their events and subscriptions.",
)


class SeriesInSchema(StrictSchema):
    title = Str(required=True)
    description = Str(max_length=TEXT_MAX, metadata={"description": "Markdown."})


class SeriesEventSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    starts_at = Time(required=True, tz_of=event_tz)
    status = ma.fields.Enum(EventStatus, required=True)


class SeriesSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    description = ma.fields.String()
    org_id = ma.fields.Integer(required=True)
    subscribers = ma.fields.Integer(required=True, metadata={"description": "How many people "
                                                             "are subscribed."})
    events = ma.fields.List(ma.fields.Nested(SeriesEventSchema), required=True, metadata={
        "description": "The series' published (or since closed) listed events, by start."})


class SubscriptionSchema(ma.Schema):
    series_id = ma.fields.Integer(required=True)
    subscribed = ma.fields.Boolean(required=True)
    subscribers = ma.fields.Integer(required=True)


def _series_body(series: Series) -> dict:
    return {"id": series.id, "title": series.title, "description": series.description,
            "org_id": series.org_id, "subscribers": services.subscriber_count(series),
            "events": services.series_events(series)}


@blp.route("/orgs/<id:org_id>/series", methods=["POST"])
@blp.response(201, SeriesSchema)
@doc_errors(blp, 400, 401, 403, 404, 422)
@signed_in(blp)
@blp.arguments(SeriesInSchema)
def create_series(data: dict, org_id: int) -> dict:
    """Start a series of the organization (owners and organizers); events join it with
    `PATCH /events/{id}` `{series_id}`."""
    org = get_or_404(Organization, org_id)
    series = services.create_series(require_user(), org, data["title"],
                                    data.get("description", ""))
    return _series_body(series)


@blp.route("/series/<id:series_id>", methods=["GET"])
@blp.response(200, SeriesSchema)
@doc_errors(blp, 404)
@optional_auth(blp)
def get_series(series_id: int) -> dict:
    """A series with its subscriber count and its published events (public)."""
    return _series_body(get_or_404(Series, series_id))


@blp.route("/series/<id:series_id>/subscription", methods=["POST"])
@blp.response(201, SubscriptionSchema, description="A new subscription.")
@blp.alt_response(200, schema=SubscriptionSchema, success=True,
                  description="Subscribed already: nothing changed.")
@doc_errors(blp, 400, 401, 404, 422)
@signed_in(blp)
@blp.arguments(NoBodySchema, required=False)
def subscribe(_: dict, series_id: int) -> tuple[dict, int]:
    """Get one mail for each new date of the series when it is published."""
    series = get_or_404(Series, series_id)
    _subscription, created = services.subscribe(require_user(), series)
    body = {"series_id": series.id, "subscribed": True,
            "subscribers": services.subscriber_count(series)}
    return body, 201 if created else 200


@blp.route("/series/<id:series_id>/subscription", methods=["DELETE"])
@blp.response(204)
@doc_errors(blp, 401, 404)
@signed_in(blp)
def unsubscribe(series_id: int) -> None:
    """Stop the mails of the series (204 also when not subscribed)."""
    services.unsubscribe(require_user(), get_or_404(Series, series_id))
