"""The per-request pipeline every API call goes through stays lean without losing anything:
a Bearer call gets no session cookie but every security header, a browser session still
works, the door scan's token, door and ticket are read by one statement, and so are a
judge's token, round, entry and scorecard."""

import logging
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from eventhub.accounts.models import ApiToken
from eventhub.accounts.services import create_token
from eventhub.audit import AuditEntry
from eventhub.checkin import services as checkin
from eventhub.checkin.models import Scan
from eventhub.database import db, utcnow
from eventhub.errors import NotAuthenticated
from eventhub.judging import scorecards
from eventhub.judging.entries import EntryInfo, create_entry
from eventhub.judging.models import Scorecard
from tests.api.conftest import assert_error
from tests.api.test_statement_counts import judging_setup

SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "X-Frame-Options",
)


def test_a_bearer_scan_sets_no_cookie_and_gets_every_security_header(
    api, staff, main_list, ticket
):
    response = api(staff).post(
        f"/api/v1/checkin-lists/{main_list.id}/scans",
        json={"code": ticket.ticket_code, "nonce": str(uuid.uuid4())},
    )
    assert response.get_json()["status"] == "ok"
    assert "Set-Cookie" not in response.headers
    for name in SECURITY_HEADERS:
        assert len(response.headers.getlist(name)) == 1, name


def test_a_browser_session_is_still_read_and_its_writes_need_the_csrf_header(
    login, staff, main_list, ticket
):
    client = login(staff)
    assert client.get("/api/v1/me").get_json()["id"] == staff.id
    path = f"/api/v1/checkin-lists/{main_list.id}/scans"
    body = {"code": ticket.ticket_code, "nonce": str(uuid.uuid4())}
    assert client.post(path, json=body).status_code == 400  # no X-CSRFToken
    response = client.post(path, json=body, headers={"X-CSRFToken": client.csrf})
    assert response.get_json()["status"] == "ok"


def test_the_door_statement_reads_the_ticket_under_its_row_lock_on_postgresql(
    app, staff, main_list, ticket, count_statements
):
    """The scan then only records itself (see `checkin.services._Read`)."""
    from flask_login import login_user

    code = ticket.ticket_code
    postgresql = db.engine.dialect.name == "postgresql"
    with app.test_request_context():
        login_user(staff)
        door, caller = checkin.load_door(main_list.id, code.lower())
        assert caller is None  # no token: the session's user scans
        assert door.id == main_list.id and door.event.org_id == main_list.event.org_id
        if postgresql:
            assert door.read.code == code and door.read.ticket.id == ticket.id
            assert door.read.scans() == [] and not door.read.final
            # A locking read of registrations (FOR UPDATE takes ROW SHARE on the table):
            # the concurrency tests show a second gate waiting for the row.
            modes = db.session.scalars(sa.text(
                "SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() "
                "AND relation = 'registrations'::regclass")).all()
            assert "RowShareLock" in modes
        else:
            assert door.read is None
        count_statements.clear()
        answer = checkin.scan(staff, door, code, str(uuid.uuid4()))
        assert answer["status"] == "ok"
        # (The ORM user's memberships load for the permission check; a token's come with
        # the door.) PostgreSQL: the insert; SQLite: the ticket with the scans, the insert.
        scan_statements = [s for s in count_statements if "FROM memberships" not in s]
        assert len(scan_statements) == (1 if postgresql else 2), count_statements


def _scan(client, list_id, code, **headers):
    return client.post(
        f"/api/v1/checkin-lists/{list_id}/scans",
        json={"code": code, "nonce": str(uuid.uuid4())},
        headers=headers,
    )


def test_the_door_statement_reads_the_tokens_user_and_their_role(
    app, staff, organizer, participant, main_list
):
    org_id = main_list.event.org_id
    with app.test_request_context():
        for user, roles in ((staff, ["staff"]), (participant, [])):
            _, token = create_token(user)
            door, caller = checkin.load_door(main_list.id, "NO-SUCH-CODE", token)
            assert door.id == main_list.id and caller.id == user.id
            assert [(m.org_id, m.role.value) for m in caller.memberships] == [
                (org_id, role) for role in roles
            ]
            assert caller.is_authenticated and not caller.is_admin
        _, token = create_token(organizer)
        assert checkin.load_door(999_999, "X", token) == (None, (organizer.id, False, (), True))
        with pytest.raises(NotAuthenticated):
            checkin.load_door(main_list.id, "X", token + "x")


def test_a_scanners_token_that_stops_working_scans_nothing(api, app, staff, main_list, ticket):
    client = api(staff)
    assert _scan(client, main_list.id, ticket.ticket_code).get_json()["status"] == "ok"
    header = client.environ_base["HTTP_AUTHORIZATION"]
    bad = app.test_client()
    bad.environ_base["HTTP_AUTHORIZATION"] = header + "x"
    assert_error(_scan(bad, main_list.id, ticket.ticket_code), 401)
    assert_error(_scan(bad, 999_999, ticket.ticket_code), 401)  # unknown list: still 401
    staff.is_active_account = False
    db.session.commit()
    assert_error(_scan(client, main_list.id, ticket.ticket_code), 401)
    staff.is_active_account = True
    db.session.execute(sa.update(ApiToken).values(revoked_at=utcnow()))
    db.session.commit()
    assert_error(_scan(client, main_list.id, ticket.ticket_code), 401)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Scan)) == 1


def test_a_scan_notes_its_tokens_use_at_most_once_a_minute(api, staff, main_list, ticket):
    client = api(staff)
    token = db.session.scalars(sa.select(ApiToken)).one()
    assert token.last_used_at is None
    _scan(client, main_list.id, ticket.ticket_code)
    db.session.expire_all()
    first = token.last_used_at
    assert first is not None
    _scan(client, main_list.id, ticket.ticket_code)
    db.session.expire_all()
    assert token.last_used_at == first
    token.last_used_at = first - timedelta(minutes=2)
    db.session.commit()
    _scan(client, main_list.id, ticket.ticket_code)
    db.session.expire_all()
    assert token.last_used_at > first


def test_a_bearer_header_never_spares_a_browser_session_its_csrf_header(
    api, login, staff, main_list, ticket
):
    """With a session cookie, the session's account is the caller and the CSRF header is
    needed, whatever Bearer token comes with it."""
    _, token = create_token(staff)
    browser = login(staff)
    refused = _scan(browser, main_list.id, ticket.ticket_code, Authorization=f"Bearer {token}")
    assert refused.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Scan)) == 0


def test_the_access_log_names_the_scanners_user(app, api, staff, main_list, ticket, caplog,
                                                monkeypatch):
    monkeypatch.setitem(app.config, "ACCESS_LOG", True)
    with caplog.at_level(logging.INFO, logger="eventhub.access"):
        _scan(api(staff), main_list.id, ticket.ticket_code)
    [line] = [r for r in caplog.records if r.name == "eventhub.access"]
    assert line.status == 200 and line.user_id == staff.id


# A judge's tablet app: the scorecard's token, round, entry, judge and card in one statement


def test_the_scorecard_statement_reads_the_tokens_user(app, organizer, event):
    round_, entries, user, _keys = judging_setup(organizer, event)
    _, token = create_token(user)
    with app.test_request_context():
        caller, found_round, entry, standing = scorecards.token_scoring_target(
            token, round_.id, entries[1].id)
        assert (caller.id, caller.is_admin, caller.memberships) == (user.id, False, ())
        assert (found_round.id, entry.id) == (round_.id, entries[1].id)
        assert len(found_round.criteria) == 3 and standing.judge_id is not None
        assert scorecards.token_scoring_target(token, 999_999, entries[1].id)[1:] == (
            None, None, None)
        with pytest.raises(NotAuthenticated):
            scorecards.token_scoring_target(token + "x", round_.id, entries[1].id)


def _save(client, round_id, entry_id, keys, **body):
    return client.put(f"/api/v1/rounds/{round_id}/scorecards/{entry_id}",
                      json={"scores": {keys[0]: 3}, **body})


def test_a_judges_token_that_stops_working_saves_and_reads_nothing(
    api, app, organizer, event
):
    round_, entries, user, keys = judging_setup(organizer, event)
    client = api(user)
    audited = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    bad = app.test_client()
    bad.environ_base["HTTP_AUTHORIZATION"] = client.environ_base["HTTP_AUTHORIZATION"] + "x"
    assert_error(_save(bad, round_.id, entries[1].id, keys), 401, "not_authenticated")
    assert_error(_save(bad, 999_999, entries[1].id, keys), 401)  # unknown round: still 401
    assert_error(bad.get(f"/api/v1/rounds/{round_.id}/scorecards/{entries[1].id}"), 401)
    user.is_active_account = False
    db.session.commit()
    assert_error(_save(client, round_.id, entries[1].id, keys), 401)
    user.is_active_account = True
    db.session.execute(sa.update(ApiToken).values(revoked_at=utcnow()))
    db.session.commit()
    assert_error(_save(client, round_.id, entries[1].id, keys), 401)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Scorecard).where(
        Scorecard.entry_id == entries[1].id)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == audited


def test_a_judges_token_saves_as_its_user_and_only_what_they_may_score(
    api, organizer, event
):
    round_, entries, user, keys = judging_setup(organizer, event)
    client = api(user)
    saved = _save(client, round_.id, entries[1].id, keys)
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["version"] == 1
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "scorecard.saved").order_by(AuditEntry.id.desc())).first()
    assert (entry.actor_id, entry.after["entry_id"]) == (user.id, entries[1].id)
    assert db.session.scalars(sa.select(ApiToken)).one().last_used_at is not None
    card = client.get(f"/api/v1/rounds/{round_.id}/scorecards/{entries[1].id}").get_json()
    assert (card["version"], card["scores"]) == (1, {keys[0]: 3.0})
    # A stale version is refused with the stored card, as for a browser.
    stale = _save(client, round_.id, entries[1].id, keys, version=0)
    assert assert_error(stale, 409, "stale_version")["scorecard"]["version"] == 1
    # An entry of the contest they are not assigned to: 403; an entry of no contest: 404.
    other = create_entry(organizer, event, EntryInfo(
        title="未分配", track_id=entries[0].track_id, institution="别处"))
    assert_error(_save(client, round_.id, other.id, keys), 403)
    assert_error(client.get(f"/api/v1/rounds/{round_.id}/scorecards/{other.id}"), 403)
    assert_error(_save(client, round_.id, 999_999, keys), 404)
    assert_error(_save(api(organizer), round_.id, entries[1].id, keys), 403)
