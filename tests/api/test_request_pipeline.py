"""The per-request pipeline every API call goes through stays lean without losing anything:
a Bearer call gets no session cookie but every security header, a browser session still
works, and the door scan's token, door and ticket are read by one statement."""

import logging
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from eventhub.accounts.models import ApiToken
from eventhub.accounts.services import create_token
from eventhub.checkin import services as checkin
from eventhub.checkin.models import Scan
from eventhub.database import db, utcnow
from eventhub.errors import NotAuthenticated
from tests.api.conftest import assert_error

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
