"""The OpenAPI document describes every endpoint of /api/v1 and is valid OpenAPI 3."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from openapi_spec_validator import validate
from werkzeug.exceptions import MethodNotAllowed, NotFound

from eventhub.judging.entries import EntryInfo, create_entry, create_track, set_entry_window
from tests import factories
from tests.api.conftest import schema_errors

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
        # Any operation answers 503 while the database is unreachable.
        unavailable = responses["503"]
        assert unavailable["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"}, (path, method)
        assert "Retry-After" in unavailable["headers"], (path, method)


def _resolve(document, item):
    while "$ref" in item:
        *_, section, name = item["$ref"].split("/")
        item = document["components"][section][name]
    return item


def test_error_schema_matches_api_md(document):
    schemas = document["components"]["schemas"]
    assert schemas["Error"]["required"] == ["error"]
    body = schemas["ErrorBody"]
    # API.md: code, message and fields; a few conflicts also name what they conflict with.
    assert set(body["properties"]) == {"code", "message", "fields", "registration_id",
                                       "entry_id", "scorecard"}
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


# Answers against the document -----------------------------------------------------------


class DocumentedClient:
    """A test client whose every answer is checked against the OpenAPI document: its status
    must be documented for the operation, and its JSON body valid under that schema."""

    def __init__(self, client, app, document, seen: set) -> None:
        self.client, self.app, self.document, self.seen = client, app, document, seen

    def open(self, method: str, url: str, **kwargs):
        response = getattr(self.client, method)(url, **kwargs)
        path, status = self.operation_path(method, url), str(response.status_code)
        operation = self.document["paths"][path][method]
        assert status in operation["responses"], (
            f"{method.upper()} {path} answered {status}, which the document does not list: "
            f"{sorted(operation['responses'])}; {response.get_data(as_text=True)[:300]}"
        )
        documented = _resolve(self.document, operation["responses"][status])
        if "content" not in documented:
            assert not response.get_data(), (method, path, status)
        else:
            schema = documented["content"]["application/json"]["schema"]
            errors = schema_errors(self.document, schema, response.get_json())
            assert not errors, (method.upper(), path, status, errors, response.get_json())
        self.seen.add((method, path, status))
        return response

    def operation_path(self, method: str, url: str) -> str:
        adapter = self.app.url_map.bind("localhost")
        try:
            rule, _ = adapter.match(url.split("?")[0], method=method.upper(), return_rule=True)
        except (NotFound, MethodNotAllowed):
            pytest.fail(f"no route for {method.upper()} {url}")
        return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)

    def get(self, url, **kwargs):
        return self.open("get", url, **kwargs)

    def post(self, url, **kwargs):
        return self.open("post", url, **kwargs)

    def put(self, url, **kwargs):
        return self.open("put", url, **kwargs)

    def patch(self, url, **kwargs):
        return self.open("patch", url, **kwargs)

    def delete(self, url, **kwargs):
        return self.open("delete", url, **kwargs)


@pytest.fixture
def documented(app, api, document):
    """``documented(user)``: an API client (Bearer token, or none) whose answers are checked
    against the document; ``documented.seen`` collects (method, path, status)."""
    seen: set = set()

    def make(user=None) -> DocumentedClient:
        return DocumentedClient(api(user), app, document, seen)

    make.seen = seen
    return make


def test_the_schema_check_catches_an_undocumented_field(document):
    body = {"error": {"code": "x", "message": "y", "surprise": 1}}
    assert schema_errors(document, {"$ref": "#/components/schemas/Error"}, body)
    assert not schema_errors(document, {"$ref": "#/components/schemas/Error"},
                             {"error": {"code": "x", "message": "y", "registration_id": 3}})


def test_registrations_and_walk_ins_answer_as_documented(documented, participant, staff,
                                                          event, main_list):
    path = f"/api/v1/events/{event.id}/registrations"
    mine = documented(participant)
    assert mine.post(path, json={"consent": True}).status_code == 201
    again = mine.post(path, json={"consent": True})
    assert again.status_code == 409 and again.get_json()["error"]["registration_id"]
    assert documented().post(path, json={"consent": True}).status_code == 401
    assert mine.post(path, json={"consent": "yes"}).status_code == 400
    assert mine.post(path, json={"consent": True, "surprise": 1}).status_code == 422
    assert mine.post("/api/v1/events/2147483647/registrations",
                     json={"consent": True}).status_code == 404
    assert mine.get(f"/api/v1/events/{event.id}").status_code == 200
    assert mine.get("/api/v1/me/registrations").status_code == 200

    door = documented(staff)
    walk_ins = f"/api/v1/checkin-lists/{main_list.id}/walk-ins"
    body = {"name": "现场来宾", "phone": "13600001111"}
    assert door.post(walk_ins, json={**body, "nonce": str(uuid.uuid4())}).status_code == 201
    same_phone = door.post(walk_ins, json={**body, "nonce": str(uuid.uuid4())})
    assert same_phone.status_code == 409 and same_phone.get_json()["error"]["registration_id"]
    assert door.post(walk_ins, json={"name": "缺电话", "nonce": "n"}).status_code == 422
    assert mine.post(walk_ins, json={**body, "nonce": "n2"}).status_code in (403, 404)

    assert {("post", "/api/v1/events/{event_id}/registrations", "409"),
            ("post", "/api/v1/checkin-lists/{list_id}/walk-ins", "409")} <= documented.seen


def test_judging_answers_as_documented(documented, organizer, participant, contest, now):
    tracks = [create_track(organizer, contest, n) for n in ("医疗健康", "人工智能")]
    entries = [
        create_entry(organizer, contest, EntryInfo(
            title=f"项目{i}", track_id=tracks[i % 2].id, institution=f"大学{i}"))
        for i in range(3)
    ]
    judges = [factories.judge(contest, institution=f"机构{i}") for i in range(3)]
    round_ = factories.rubric_round(organizer, contest)
    boss = documented(organizer)

    # POST /events/{id}/judges: 201 a new judge, 200 invited again.
    judges_path = f"/api/v1/events/{contest.id}/judges"
    invite = {"email": "ping@example.com", "name": "平评委"}
    assert boss.post(judges_path, json=invite).status_code == 201
    assert boss.post(judges_path, json={**invite, "institution": "沈阳工业大学"}).status_code == 200

    # PUT /events/{id}/my-entry: 201 submitted, 200 changed, 409 outside the window.
    leader = documented(factories.UserFactory())
    my_entry = f"/api/v1/events/{contest.id}/my-entry"
    proposal = {"title": "接口项目", "track_id": tracks[0].id}
    assert leader.put(my_entry, json=proposal).status_code == 409
    set_entry_window(organizer, contest, now - timedelta(hours=1), None)
    assert leader.put(my_entry, json=proposal).status_code == 201
    assert leader.put(my_entry, json={**proposal, "title": "改名了"}).status_code == 200

    # PATCH /entries/{id}: a person leads one entry of a contest.
    first = boss.patch(f"/api/v1/entries/{entries[0].id}", json={"leader_id": participant.id})
    assert first.status_code == 200
    second = boss.patch(f"/api/v1/entries/{entries[1].id}", json={"leader_id": participant.id})
    assert second.status_code == 409
    assert second.get_json()["error"]["entry_id"] == entries[0].id
    assert boss.patch(f"/api/v1/entries/{entries[1].id}", json={"title": ""}).status_code == 422

    # POST /events/{id}/conflicts: 201 declared, 200 declared already.
    conflicts = f"/api/v1/events/{contest.id}/conflicts"
    pair = {"judge_id": judges[0].id, "entry_id": entries[2].id}
    assert boss.post(conflicts, json={**pair, "reason": "师生关系"}).status_code == 201
    assert boss.post(conflicts, json=pair).status_code == 200
    assert documented(judges[1].user).post(conflicts, json=pair).status_code == 403
    assert boss.get(conflicts).status_code == 200

    # POST /rounds/{id}/assignments: 201 new, 200 existing, 200 auto, 409 conflicted.
    assignments = f"/api/v1/rounds/{round_.id}/assignments"
    new = {"judge_id": judges[1].id, "entry_id": entries[0].id}
    assert boss.post(assignments, json=new).status_code == 201
    assert boss.post(assignments, json=new).status_code == 200
    assert boss.post(assignments, json=pair).status_code == 409
    assert boss.post(assignments, json={"auto": {"judges_per_entry": 2}}).status_code == 200
    assert boss.get(assignments).status_code == 200

    # PUT a scorecard: 200 saved, 409 stale_version with the current scorecard.
    card = f"/api/v1/rounds/{round_.id}/scorecards/{entries[0].id}"
    key = str(round_.criteria[0].id)
    judge = documented(judges[1].user)
    assert judge.put(card, json={"scores": {key: 5}}).status_code == 200
    assert judge.put(card, json={"scores": {key: 6}, "version": 1}).status_code == 200
    stale = judge.put(card, json={"scores": {key: 7}, "version": 1})
    assert stale.status_code == 409 and stale.get_json()["error"]["scorecard"]["version"] == 2
    assert judge.get(card).status_code == 200
    assert judge.get(f"/api/v1/me/assignments?round_id={round_.id}").status_code == 200

    assert {("post", "/api/v1/rounds/{round_id}/assignments", "200"),
            ("post", "/api/v1/events/{event_id}/conflicts", "200"),
            ("patch", "/api/v1/entries/{entry_id}", "409"),
            ("put", "/api/v1/rounds/{round_id}/scorecards/{entry_id}", "409"),
            ("post", "/api/v1/events/{event_id}/judges", "200"),
            ("put", "/api/v1/events/{event_id}/my-entry", "201")} <= documented.seen
