"""Who may call what: every operation of the OpenAPI document × every kind of person.

The operations are read from ``/api/v1/openapi.json``, so a new endpoint joins the matrix at
once, and fails it until :data:`RULES` says who may call it. The people: the owning
organization's owner (the positive control: they succeed), a participant (registered for an
event of the organization, owner of none of the objects named), the organization's door staff,
a judge of its contest (assigned in the open round), a mentor of its pool, a sponsor viewer,
another organization's owner and no token at all. Everyone outside an operation's rule gets
401, 403 or 404 with API.md's error body, and the database is as it was (every table's count
and every row of the world's objects); 403 only when they may see the object the path names
(else 404: an id they may not see answers as an unknown id does, which every operation
answers 404). Paths name real objects: the world of tests/api/test_bad_input.py (one of
everything), and writes send its valid bodies. Each request runs in a savepoint rolled back
after it, so one world serves the whole matrix.
"""

from __future__ import annotations

import json
import re
from contextlib import contextmanager
from urllib.parse import urlencode

import pytest

from eventhub.database import db
from tests import factories
from tests.api.test_bad_input import ENDPOINTS, Endpoint, send, snapshot
from tests.api.test_bad_input import world as world  # the fixture

ROLES = ("organizer", "participant", "staff", "judge", "mentor", "viewer", "outsider",
         "anonymous")
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
#: The organization's owners and organizers: API.md's "(organizer)".
MANAGERS = frozenset({"organizer"})
DOOR = MANAGERS | {"staff"}
FIGURES = MANAGERS | {"viewer"}
JUDGES = MANAGERS | {"judge"}
MENTORS = MANAGERS | {"mentor"}
#: Only the platform admin, or the object's own person (the booker, the mentee, the leader,
#: the investor, the voter: the admin in this world), among the people here: the admin is
#: the positive control.
ADMIN = frozenset({"admin"})


def _ops(text: str) -> list[str]:
    """The operations of ``text``, one path a line: "METHOD [METHOD...] /path"."""
    ops = []
    for line in text.strip().splitlines():
        *methods, path = line.split()
        ops.extend(f"{method} {path}" for method in methods)
    return ops


#: Who may succeed, per operation ("METHOD /path" as the document spells it); the platform
#: admin may do everything and is not listed. Everyone else: 401, 403 or 404 with API.md's
#: error body, and nothing changed. From API.md's wording ("(organizer)", "(door staff of
#: that event)", "(the assigned judge)", "(the mentor or an organizer of the pool)", "(public)",
#: "(owner/organizer/viewer)"...); an operation API.md is silent on is the organizers'.
RULE_TABLE: tuple[tuple[frozenset[str], str], ...] = (
    (EVERYONE, """
        POST /api/v1/accounts
        POST /api/v1/tokens
        GET /api/v1/orgs/{org_id}
        GET /api/v1/orgs/{alliance_id}/member-orgs
        GET /api/v1/events
        GET /api/v1/events/{event_id}
        GET /api/v1/events/{event_id}/sessions
        GET /api/v1/sessions/{session_id}
        GET /api/v1/events/{event_id}/categories
        GET /api/v1/events/{event_id}/questions
        GET /api/v1/events/{event_id}/contest
        GET /api/v1/mentors
        GET /api/v1/mentors/{mentor_id}/slots
        GET /api/v1/events/{event_id}/draws
        GET /api/v1/draws/{draw_id}
        GET /api/v1/events/{event_id}/polls
        GET /api/v1/polls/{poll_id}
        GET /api/v1/events/{event_id}/survey
        GET /api/v1/certificates/{code}
        GET /api/v1/series/{series_id}
        GET /api/v1/events/{event_id}/partners
    """),
    # One's own: the answer is about the caller.
    (SIGNED_IN, """
        GET /api/v1/me
        GET /api/v1/tokens
        GET /api/v1/orgs
        GET /api/v1/me/registrations
        GET /api/v1/me/data
        POST /api/v1/me/delete
        GET /api/v1/me/assignments
        GET /api/v1/me/bookings
        GET /api/v1/me/mentor/bookings
        GET /api/v1/me/coachings
        GET /api/v1/me/connections
        GET /api/v1/me/certificates
        POST /api/v1/events/{event_id}/registrations
        POST /api/v1/slots/{slot_id}/bookings
        POST DELETE /api/v1/series/{series_id}/subscription
        GET PUT /api/v1/events/{event_id}/my-entry
    """),
    # The token's owner (the organizer made it).
    (MANAGERS, "DELETE /api/v1/tokens/{token_id}"),
    (DOOR, """
        GET /api/v1/orgs/{org_id}/members
        GET /api/v1/events/{event_id}/checkin-lists
        POST /api/v1/checkin-lists/{list_id}/scans
        POST /api/v1/checkins/{checkin_id}/revert
        GET /api/v1/checkin-lists/{list_id}/stats
        GET /api/v1/checkin-lists/{list_id}/search
        POST /api/v1/checkin-lists/{list_id}/walk-ins
        GET /api/v1/checkin-lists/{list_id}/tickets
    """),
    (FIGURES, """
        GET /api/v1/events/{event_id}/stats
        GET /api/v1/orgs/{org_id}/report
        GET /api/v1/orgs/{org_id}/report.xlsx
        GET /api/v1/orgs/{org_id}/report.pdf
        GET /api/v1/orgs/{org_id}/report/checks
    """),
    # The judge's scorecard page reads these; a judge declares their own conflicts.
    (JUDGES, """
        GET /api/v1/events/{event_id}/tracks
        GET /api/v1/events/{event_id}/rounds
        GET /api/v1/rounds/{round_id}
        GET /api/v1/rounds/{round_id}/entries/{entry_id}
        GET /api/v1/rounds/{round_id}/stage
        GET /api/v1/entries/{entry_id}/attachment
        POST /api/v1/events/{event_id}/conflicts
    """),
    # The assigned judge only (the organizer is none; the admin is the other assigned one).
    (frozenset({"judge"}), "GET PUT /api/v1/rounds/{round_id}/scorecards/{entry_id}"),
    (MENTORS, """
        PATCH /api/v1/mentors/{mentor_id}
        PUT DELETE /api/v1/mentors/{mentor_id}/photo
        POST /api/v1/mentors/{mentor_id}/slots
        DELETE /api/v1/slots/{slot_id}
        POST /api/v1/bookings/{booking_id}/cancel
        POST /api/v1/bookings/{booking_id}/no-show
        POST /api/v1/mentors/{mentor_id}/coachings
        PATCH DELETE /api/v1/coachings/{coaching_id}
    """),
    (ADMIN, """
        POST /api/v1/orgs
        POST /api/v1/orgs/{alliance_id}/member-orgs
        DELETE /api/v1/orgs/{alliance_id}/member-orgs/{org_id}
        POST /api/v1/coachings/{coaching_id}/confirm
        POST /api/v1/coachings/{coaching_id}/rating
        POST /api/v1/entries/{entry_id}/interest
        POST /api/v1/interest/{interest_id}/accept
        POST /api/v1/polls/{poll_id}/votes
        POST /api/v1/events/{event_id}/survey/responses
    """),
    # The organizers' own (API.md's "(organizer)"), and what it is silent on.
    (MANAGERS, """
        PATCH /api/v1/orgs/{org_id}
        POST /api/v1/orgs/{org_id}/members
        DELETE /api/v1/orgs/{org_id}/members/{membership_id}
        POST /api/v1/orgs/{org_id}/events
        PATCH /api/v1/events/{event_id}
        POST /api/v1/events/{event_id}/publish
        POST /api/v1/events/{event_id}/close
        POST /api/v1/events/{event_id}/cancel
        POST /api/v1/events/{event_id}/sessions
        PATCH DELETE /api/v1/sessions/{session_id}
        POST PATCH /api/v1/events/{event_id}/categories
        PATCH DELETE /api/v1/categories/{category_id}
        POST /api/v1/events/{event_id}/questions
        PATCH DELETE /api/v1/questions/{question_id}
        GET /api/v1/events/{event_id}/registrations
        GET /api/v1/events/{event_id}/registrations.csv
        GET /api/v1/events/{event_id}/registrations.xlsx
        POST /api/v1/events/{event_id}/registrations/import
        GET PATCH /api/v1/registrations/{registration_id}
        POST /api/v1/registrations/{registration_id}/cancel
        POST /api/v1/registrations/{registration_id}/approve
        POST /api/v1/registrations/{registration_id}/reject
        POST /api/v1/events/{event_id}/registrations/decide
        POST /api/v1/registrations/{registration_id}/ticket/regenerate
        GET /api/v1/registrations/{registration_id}/qr.svg
        POST /api/v1/events/{event_id}/checkin-lists
        POST /api/v1/events/{event_id}/tracks
        GET POST /api/v1/events/{event_id}/entries
        GET POST /api/v1/events/{event_id}/judges
        GET /api/v1/events/{event_id}/conflicts
        POST /api/v1/events/{event_id}/rounds
        PATCH /api/v1/rounds/{round_id}
        POST /api/v1/rounds/{round_id}/criteria
        POST /api/v1/rounds/{round_id}/entries
        POST /api/v1/rounds/{round_id}/open
        POST /api/v1/rounds/{round_id}/close
        POST /api/v1/rounds/{round_id}/publish
        GET POST /api/v1/rounds/{round_id}/assignments
        DELETE /api/v1/assignments/{assignment_id}
        GET /api/v1/rounds/{round_id}/results
        GET /api/v1/rounds/{round_id}/statistics
        PATCH DELETE /api/v1/criteria/{criterion_id}
        PATCH DELETE /api/v1/judges/{judge_id}
        DELETE /api/v1/conflicts/{conflict_id}
        GET PATCH DELETE /api/v1/entries/{entry_id}
        PUT DELETE /api/v1/entries/{entry_id}/attachment
        PATCH DELETE /api/v1/tracks/{track_id}
        PATCH /api/v1/events/{event_id}/contest
        POST /api/v1/events/{event_id}/entries/import
        POST /api/v1/rounds/{round_id}/stage
        PUT /api/v1/rounds/{round_id}/stage/order
        POST /api/v1/rounds/{round_id}/stage/order/draw
        POST /api/v1/orgs/{org_id}/mentors
        GET /api/v1/orgs/{org_id}/mentor-report
        GET /api/v1/orgs/{org_id}/mentor-report.xlsx
        GET /api/v1/entries/{entry_id}/interest
        GET /api/v1/events/{event_id}/interest
        GET /api/v1/events/{event_id}/wall
        POST /api/v1/events/{event_id}/draws
        POST /api/v1/draws/{draw_id}/commit
        POST /api/v1/draws/{draw_id}/run
        POST /api/v1/draws/{draw_id}/redraw
        POST /api/v1/events/{event_id}/polls
        POST /api/v1/polls/{poll_id}/open
        POST /api/v1/polls/{poll_id}/close
        GET /api/v1/polls/{poll_id}/results
        PUT /api/v1/events/{event_id}/survey
        GET /api/v1/events/{event_id}/survey/results
        GET POST /api/v1/events/{event_id}/certificates
        POST /api/v1/certificates/{code}/revoke
        GET POST /api/v1/events/{event_id}/photos
        DELETE /api/v1/events/{event_id}/photos/{photo_id}
        GET /api/v1/events/{event_id}/evidence.zip
        POST /api/v1/orgs/{org_id}/series
        POST /api/v1/events/{event_id}/partners
        DELETE /api/v1/events/{event_id}/partners/{org_id}
    """),
)
RULES: dict[str, frozenset[str]] = {
    op: roles for roles, text in RULE_TABLE for op in _ops(text)
}

#: What an allowed person answers instead of a 2xx in this world (no file was sent; the track
#: has entries; the round's entries are not the order's; no attachment; an entry exists):
#: they got past the permission check all the same.
NOT_2XX: dict[str, set[int]] = {
    "PUT /api/v1/entries/{entry_id}/attachment": {422},
    "PUT /api/v1/mentors/{mentor_id}/photo": {422},
    "POST /api/v1/events/{event_id}/photos": {422},
    "GET /api/v1/entries/{entry_id}/attachment": {404},
    "DELETE /api/v1/entries/{entry_id}/attachment": {404},
    "DELETE /api/v1/tracks/{track_id}": {409},
    "PUT /api/v1/rounds/{round_id}/stage/order": {422},
    "GET /api/v1/events/{event_id}/my-entry": {404},
    "PUT /api/v1/events/{event_id}/my-entry": {409},
    "POST /api/v1/me/delete": {422},  # a mentor with coachings on record is kept
}

#: Query strings reads need.
QUERIES = {
    "GET /api/v1/checkin-lists/{list_id}/search": {"q": "赵"},
    "GET /api/v1/orgs/{org_id}/mentor-report": {"from": "2026-01-01", "to": "2027-01-01"},
    "GET /api/v1/orgs/{org_id}/mentor-report.xlsx": {"from": "2026-01-01", "to": "2027-01-01"},
}


#: Who sees the object a path names, for objects without a GET of their own (or with a
#: narrower one): besides them, only the roles RULES lets read the object (a GET of its path
#: or below it) see it. API.md's 404 is "unknown, or not visible to you": a refused role
#: that may not see the object gets 404 (the answer of an unknown id), never 403.
SEEN_BY: dict[str, frozenset[str]] = {
    "/api/v1/categories/{}": EVERYONE,  # GET /events/{event_id}/categories
    "/api/v1/questions/{}": EVERYONE,  # GET /events/{event_id}/questions
    "/api/v1/slots/{}": EVERYONE,  # GET /mentors/{mentor_id}/slots
    "/api/v1/registrations/{}": DOOR,  # the door's search finds them
    # A door of an event is no secret of those who see the event (its staff alone use it).
    "/api/v1/checkin-lists/{}": EVERYONE,
    "/api/v1/coachings/{}": MENTORS,  # the mentor's own, and the pool's organizers'
    # A contest's judging side: its organizers and its judges.
    **dict.fromkeys(["/api/v1/tracks/{}", "/api/v1/judges/{}", "/api/v1/conflicts/{}",
                     "/api/v1/criteria/{}", "/api/v1/assignments/{}"], JUDGES),
}
#: An id no row has (and a certificate code no certificate has).
UNKNOWN_ID, UNKNOWN_CODE = "2147480000", "NOSUCHCODE00"


def _operations(app) -> list[tuple[str, str]]:
    with app.test_client() as client:
        document = client.get("/api/v1/openapi.json").get_json()
    return [(method.upper(), path) for path, item in document["paths"].items()
            for method in item if method in ("get", "post", "put", "patch", "delete")]


def _shape(path: str) -> str:
    return re.sub(r"{[^}]+}", "{}", path)


def _object(path: str) -> str | None:
    """The object a path names, in shape: the path up to its first parameter, or None."""
    match = re.match(r"[^{]*{[^}]+}", path)
    return _shape(match.group(0)) if match else None


def _seen_by(obj: str) -> frozenset[str]:
    """The roles who see the object ``obj`` (see SEEN_BY)."""
    readers = [roles for key, roles in RULES.items() if key.startswith("GET ")
               and (_shape(key.split(" ", 1)[1]) + "/").startswith(obj + "/")]
    return frozenset().union(SEEN_BY.get(obj, frozenset()), *readers)


#: The world's object each path parameter names, by parameter and by what the path is about.
EVENT_OF = [(r"/(tracks|entries|judges|conflicts|rounds|contest|my-entry|interest)\b", "contest"),
            (r"/draws", "draw_event"), (r"/polls", "poll_event"), (r"/survey", "survey_event"),
            (r"/certificates", "open_event"), (r"/partners", "partner_event"),
            (r"/registrations", "form_event")]
PARAMETERS = {"org_id": "org", "session_id": "session", "registration_id": "registration",
              "list_id": "door", "round_id": "open_round", "entry_id": "entry",
              "mentor_id": "mentor", "draw_id": "committed_draw", "poll_id": "open_poll",
              "series_id": "series", "alliance_id": "alliance", "code": "certificate_code",
              "token_id": "token", "criterion_id": "criterion", "judge_id": "judge2",
              "conflict_id": "conflict", "track_id": "track", "slot_id": "open_slot",
              "booking_id": "booking", "coaching_id": "coaching", "interest_id": "mark",
              "assignment_id": "spare_assignment", "photo_id": "event_photo",
              "membership_id": "membership", "question_id": "question",
              "category_id": "category", "checkin_id": "checkin"}


def _endpoint(method: str, path: str) -> Endpoint:
    """The write of test_bad_input.py for this operation (its path names the world's objects
    its valid body fits), or a read with the world's objects in its path."""
    for ep in ENDPOINTS:
        if ep.method == method and _shape(ep.path) == _shape(path):
            return ep

    def name(match):
        param = match.group(1)
        if param == "event_id":
            key = next((k for pattern, k in EVENT_OF if re.search(pattern, path)), "event")
        else:
            key = PARAMETERS[param]
        return "{" + key + "}"

    return Endpoint(f"{method} {path}", method, re.sub(r"{([^}]+)}", name, path))


@pytest.fixture
def people(world, owner, staff, org, other_org, admin):
    """The roles' users (the anonymous one is None)."""
    from eventhub.registrations import services as reg

    participant = factories.UserFactory(email="matrix-participant@example.com", name="矩阵参与")
    reg.register(participant, world["event"], reg.RegistrationInfo(consent=True,
                                                                   phone="13600000001"))
    viewer = factories.UserFactory(email="matrix-viewer@example.com", name="科技局")
    factories.MembershipFactory(organization=org, user=viewer, role="viewer")
    outsider = factories.UserFactory(email="matrix-outsider@example.com", name="外部主任")
    factories.MembershipFactory(organization=other_org, user=outsider, role="owner")
    return {"organizer": owner, "participant": participant, "staff": staff,
            "judge": world["judge2"].user, "mentor": world["mentor"].user, "viewer": viewer,
            "outsider": outsider, "anonymous": None, "admin": admin}


def _error_body(response) -> str | None:
    """What is wrong with a refusal's body (API.md's error object, nothing else), or None."""
    if response.mimetype != "application/json":
        return f"a {response.mimetype} body"
    body = response.get_json(silent=True) or {}
    error = body.get("error")
    if set(body) != {"error"} or not isinstance(error, dict) or not error.get("code"):
        return f"not an error body: {response.get_data(as_text=True)[:200]}"
    return None


def _changed(world, before) -> bool:
    try:
        return snapshot(world) != before
    except Exception:  # noqa: BLE001 - a row of the world is gone
        return True


def test_every_operation_has_a_rule(app):
    """A new operation fails here until RULES says who may call it."""
    operations = {f"{method} {path}" for method, path in _operations(app)}
    missing = sorted(operations - RULES.keys())
    assert not missing, ("say in RULES (tests/api/test_authorization_matrix.py) who may call "
                         "each new operation:\n" + "\n".join(missing))
    assert not RULES.keys() - operations, "RULES name operations the document does not have"
    assert len(RULES) == sum(len(_ops(text)) for _, text in RULE_TABLE), "an operation twice"
    assert NOT_2XX.keys() <= operations and QUERIES.keys() <= operations


#: The one write a refused request may make: the token's last use (a request was made).
TOKEN_USE = re.compile(r"^\s*UPDATE api_tokens SET last_used_at=[^,]* WHERE api_tokens\.id = \S+$")


def _writes(statements: list[str]) -> list[str]:
    """The statements that change rows (the token's last use aside)."""
    return [s for s in statements
            if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
            and not TOKEN_USE.match(s)]


def _requests(app):
    """Each operation with a rule, as (key, the request's Endpoint, its raw JSON body)."""
    for method, path in _operations(app):
        key = f"{method} {path}"
        if key not in RULES:
            continue  # test_every_operation_has_a_rule says so
        ep = _endpoint(method, path)
        if key in QUERIES:
            ep = Endpoint(ep.name, ep.method, f"{ep.path}?{urlencode(QUERIES[key])}", ep.body)
        yield key, ep, json.dumps(ep.body) if ep.body is not None else None


@contextmanager
def _rolled_back():
    """Run one request in a savepoint of its own, rolled back after it (one world serves
    every request)."""
    db.session.commit()  # the test's own savepoint ends first: ours is the innermost
    savepoint = db.session.get_bind().begin_nested()
    try:
        yield
    finally:
        db.session.rollback()
        if savepoint.is_active:
            savepoint.rollback()
        db.session.expire_all()


def test_nobody_reads_or_changes_what_they_should_not(app, api, world, people, count_statements):
    """Every operation × every role: the allowed ones get in (2xx, or the answer the world's
    state gives them past the permission check), the others get 401/403/404 with an error
    body and change nothing, and 403 only when they see the object (SEEN_BY: else 404, the
    answer of an unknown id); the first allowed role (the organizer, else the admin) is the
    positive control that proves the path names real objects."""
    clients = {role: api(user) for role, user in people.items()}
    before = snapshot(world)
    wrong, checked = [], 0
    for key, ep, raw in _requests(app):
        allowed = RULES[key]
        obj = _object(key.split(" ", 1)[1])
        roles = [*ROLES, "admin"] if allowed == ADMIN else ROLES
        for role in roles:
            with _rolled_back():
                count_statements.clear()
                response = send(clients[role], ep, world, raw, {})
                writes = _writes(count_statements)
                status = response.status_code
                if role in allowed:
                    if not 200 <= status < 300 and status not in NOT_2XX.get(key, ()):
                        wrong.append(f"{key} as {role}: {status}, allowed "
                                     f"{response.get_data(as_text=True)[:200]}")
                elif status not in (401, 403, 404) or (role == "anonymous" and ep.method != "GET"
                                                       and status != 401):
                    wrong.append(f"{key} as {role}: {status}, not refused")
                else:
                    problem = _error_body(response)
                    if problem:
                        wrong.append(f"{key} as {role}: {status} with {problem}")
                    if status == 403 and obj and role not in _seen_by(obj):
                        wrong.append(f"{key} as {role}: 403, but they may not see {obj}: "
                                     f"404 as for an unknown id")
                    if writes:
                        wrong.append(f"{key} as {role}: refused ({status}) but wrote "
                                     f"{[w[:60] for w in writes]}")
                    if ep.method != "GET" and _changed(world, before):
                        wrong.append(f"{key} as {role}: refused ({status}) but changed data")
                checked += 1
    assert checked >= 170 * len(ROLES)
    assert not wrong, "\n".join(wrong)


def test_unknown_ids_are_404(app, api, world, people):
    """Every operation whose path names objects, with ids (and a certificate code) that name
    nothing: 404 `not_found` to the organizer and to another organization's owner alike, the
    answer a role that may not see a real object gets (see SEEN_BY)."""
    clients = {role: api(people[role]) for role in ("organizer", "outsider")}
    wrong, checked = [], 0
    for key, ep, raw in _requests(app):
        names = re.findall(r"{(\w+)}", ep.path)
        if not names:
            continue
        unknown = {name: UNKNOWN_CODE if name.endswith("_code") else UNKNOWN_ID
                   for name in names}
        for role, client in clients.items():
            with _rolled_back():
                response = send(client, ep, world, raw, unknown)
                code = (response.get_json(silent=True) or {}).get("error", {}).get("code")
                if (response.status_code, code) != (404, "not_found"):
                    wrong.append(f"{key} as {role}: {response.status_code} {code}")
                checked += 1
    assert checked >= 2 * 150
    assert not wrong, "\n".join(wrong)
