"""The API fuzzed against its own OpenAPI document (schemathesis): every operation, as an
organizer (the demo's owner of 沈阳市众创空间) and as a participant (a registrant of its events),
with valid and with invalid data. No answer is a server error, and every answer is one the
document describes: a documented status code, its content type and its schema.

Path ids are drawn from the rows the small demo data set holds (`load_demo(small=True)`) and
a few unknown ones, so the requests reach real events, registrations, rounds, mentors...
rather than a wall of 404s. The run is deterministic (``derandomize``) and bounded:
``EXAMPLES`` cases per operation, role and mode. It runs on PostgreSQL, on a database of
its own, filled and emptied by the test.
"""

from __future__ import annotations

import copy
import os
import time
from collections import Counter
from collections.abc import Callable

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from eventhub import demo
from eventhub.accounts.services import create_token
from eventhub.database import db
from eventhub.models import User

pytestmark = pytest.mark.concurrent("postgresql")

#: Generated cases per operation, role and generation mode (FUZZ_EXAMPLES=50 for a deep run).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 3))
ORGANIZER, PARTICIPANT = "owner@example.com", "zhangwei@example.com"
ROLES = (ORGANIZER, PARTICIPANT)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
#: The table whose ids each path parameter names.
ID_TABLES = {
    "org_id": "organizations", "alliance_id": "organizations", "event_id": "events",
    "session_id": "event_sessions", "category_id": "categories", "question_id": "questions",
    "registration_id": "registrations", "list_id": "checkin_lists", "checkin_id": "scans",
    "round_id": "rounds", "entry_id": "entries", "assignment_id": "assignments",
    "criterion_id": "criteria", "judge_id": "judges", "conflict_id": "conflicts_of_interest",
    "track_id": "tracks", "mentor_id": "mentors", "slot_id": "mentor_slots",
    "booking_id": "mentor_bookings", "coaching_id": "mentor_coachings",
    "interest_id": "investor_interests", "draw_id": "draws", "poll_id": "polls",
    "photo_id": "event_photos", "series_id": "series", "membership_id": "memberships",
    "token_id": "api_tokens",
}
#: Operations that end the caller's account or token: last, so the rest run signed in.
LAST = ("/api/v1/me/delete", "/api/v1/tokens/{token_id}")
#: Ids that exist nowhere.
UNKNOWN_ID = 2_000_000_000


def _path_values(own_tokens: set[int]) -> dict[str, list]:
    """For each path parameter, the values to try: a few existing rows and an unknown one."""
    values: dict[str, list] = {}
    for name, table_name in ID_TABLES.items():
        table = db.metadata.tables[table_name]
        query = sa.select(table.c.id).order_by(table.c.id).limit(12)
        if name == "token_id":
            query = query.where(table.c.id.not_in(own_tokens))
        values[name] = [*db.session.scalars(query), UNKNOWN_ID]
    certificates = db.metadata.tables["certificates"]
    codes = db.session.scalars(sa.select(certificates.c.code).limit(4))
    values["code"] = [*codes, "NO-SUCH-CODE"]
    return values


def _pin_path_parameters(document: dict, values: dict[str, list]) -> dict:
    """The document with each path parameter's schema narrowed to ``values``, and without
    the ``default`` response flask-smorest adds to every operation (it would let any status
    code pass: each one an operation answers must be documented)."""
    document = copy.deepcopy(document)
    for item in document["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict):
                operation.get("responses", {}).pop("default", None)
        lists = [item.get("parameters", [])]
        lists += [op.get("parameters", []) for op in item.values() if isinstance(op, dict)]
        for parameters in lists:
            for parameter in parameters:
                if parameter.get("in") == "path" and parameter["name"] in values:
                    kind = "string" if parameter["name"] == "code" else "integer"
                    parameter["schema"] = {"type": kind, "enum": values[parameter["name"]]}
    return document


def _setup(app) -> tuple[dict, dict[str, str]]:
    with app.app_context():
        demo.load_demo(small=True)
        tokens = {}
        for email in ROLES:
            user = db.session.scalar(sa.select(User).where(User.email == email))
            tokens[email] = create_token(user, "schemathesis")
        own = {api_token.id for api_token, _ in tokens.values()}
        values = _path_values(own)
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    return _pin_path_parameters(document, values), {
        email: token for email, (_, token) in tokens.items()}


def _fuzz(operation, mode: GenerationMode, headers: dict, statuses: Counter) -> Callable:
    """A Hypothesis test sending ``operation`` cases of ``mode`` with ``headers``, checking
    each answer and counting it in ``statuses``."""

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        statuses[response.status_code] += 1

    return run


def test_every_answer_is_documented_and_none_is_a_server_error(fresh_db):
    app = fresh_db
    started = time.monotonic()
    document, tokens = _setup(app)
    print(f"schemathesis: set up in {time.monotonic() - started:.1f} s")
    schema = schemathesis.openapi.from_dict(document)
    schema.app = app
    operations = [result.ok() for result in schema.get_all_operations()]
    operations.sort(key=lambda op: op.path in LAST)
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    started = time.monotonic()
    for email, token in tokens.items():
        headers = {"Authorization": f"Bearer {token}"}
        for operation in operations:
            operation.app = app
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                run = _fuzz(operation, mode, headers, statuses)
                try:
                    run()
                except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - all reported below
                    failures.append(f"{email} {mode.value} {operation.label}: {exc}"[:3000])
    elapsed = time.monotonic() - started
    calls = statuses.total()
    print(f"schemathesis: {calls} requests over {len(operations)} operations in {elapsed:.1f} s;"
          f" answers: {dict(sorted(statuses.items()))}")
    assert failures == [], "\n\n".join(failures)
    assert calls >= 3 * EXAMPLES * len(operations)

    # The checks do catch an answer the document does not describe: without its 200, an
    # event is a failure.
    del document["paths"]["/api/v1/events/{event_id}"]["get"]["responses"]["200"]
    event = schemathesis.openapi.from_dict(document)["/api/v1/events/{event_id}"]["GET"]
    event.app = app
    with pytest.raises(BaseExceptionGroup, match="Undocumented status code"):
        _fuzz(event, GenerationMode.POSITIVE, headers, Counter())()
