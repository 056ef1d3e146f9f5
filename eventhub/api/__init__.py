"""The /api/v1 JSON API: thin adapters over the domains' services, documented by OpenAPI."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from eventhub.api.common import ID_MAX, ErrorSchema

api = Api(spec_kwargs={"info": {"description": "eventhub JSON API v1: see API.md."}})
api.ERROR_SCHEMA = ErrorSchema


def init_api(app: Flask) -> None:
    from eventhub.api import (
        accounts,
        certificates,
        checkin,
        draws,
        entries,
        events,
        evidence,
        investors,
        judging,
        mentors,
        orgs,
        partners,
        polls,
        registrations,
        report_exports,
        reports,
        roadshow,
        series,
        surveys,
        wall,
    )
    from eventhub.api.common import IdConverter, protect_api
    from eventhub.extensions import csrf

    # The factory registered the converter before any blueprint (eventhub.ids).
    api.init_app(app)
    api.register_converter(IdConverter, _id_param_schema)
    # create_app() may run more than once in a process (tests, live servers): set up once.
    if "bearerAuth" not in api.spec.components.security_schemes:
        api.spec.components.security_scheme(
            "bearerAuth", {"type": "http", "scheme": "bearer", "description": "An API token."}
        )
    for module in (accounts, orgs, events, registrations, checkin, judging, entries, roadshow,
                   mentors, investors, wall, draws, polls, surveys, certificates, reports,
                   evidence, series, partners, report_exports):
        csrf.exempt(module.blp)
        api.register_blueprint(module.blp, url_prefix="/api/v1")
        app.before_request_funcs.setdefault(module.blp.name, []).append(protect_api)


def _id_param_schema(converter: object) -> dict:
    return {"type": "integer", "minimum": 1, "maximum": ID_MAX}
