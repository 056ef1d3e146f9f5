"""The OpenAPI document describes every endpoint of /api/v1 and is valid OpenAPI 3."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

IGNORED_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _api_routes(app):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.startswith("api-docs."):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in sorted(rule.methods - IGNORED_METHODS):
            yield path, method.lower()


def test_document_is_valid_openapi(document):
    validate(document)
    assert document["openapi"].startswith("3.")


def test_every_route_is_documented(app, document):
    routes = list(_api_routes(app))
    assert len(routes) >= 23
    missing = [(p, m) for p, m in routes if m not in document["paths"].get(p, {})]
    assert missing == []


def test_bearer_auth_scheme(document):
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert scheme == {"type": "http", "scheme": "bearer", "description": "An API token."}


def test_operations_document_bodies_responses_and_errors(app, document):
    for path, method in _api_routes(app):
        operation = document["paths"][path][method]
        assert operation.get("summary"), (path, method)
        responses = {code: _resolve(document, r) for code, r in operation["responses"].items()}
        assert [code for code in responses if code.startswith("2")], (path, method)
        errors = [code for code in responses if code[0] == "4"]
        assert errors, (path, method)
        for code in errors:
            schema = responses[code]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}, (path, method, code)
        if method in ("post", "patch", "put"):
            assert "requestBody" in operation, (path, method)
        if "401" in responses and (path, method) != ("/api/v1/tokens", "post"):
            assert {"bearerAuth": []} in operation.get("security", []), (path, method)


def _resolve(document, item):
    while "$ref" in item:
        *_, section, name = item["$ref"].split("/")
        item = document["components"][section][name]
    return item


def test_error_schema_matches_api_md(document):
    schemas = document["components"]["schemas"]
    assert schemas["Error"]["required"] == ["error"]
    body = schemas["ErrorBody"]
    assert set(body["properties"]) == {"code", "message", "fields"}
    assert set(body["required"]) == {"code", "message"}


def test_request_schemas_state_their_limits(document):
    event = document["components"]["schemas"]["EventCreate"]
    assert event["properties"]["title"]["maxLength"] == 200
    assert event["properties"]["description"]["maxLength"] == 10_000
    assert set(event["required"]) == {"title", "kind", "starts_at", "ends_at"}
    assert event["properties"]["kind"]["enum"] == [
        "week", "contest", "salon", "camp", "forum", "roadshow", "other",
    ]
    assert event["additionalProperties"] is False


def test_path_ids_are_bounded_integers(document):
    parameters = document["paths"]["/api/v1/events/{event_id}"]["parameters"]
    assert parameters[0]["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
