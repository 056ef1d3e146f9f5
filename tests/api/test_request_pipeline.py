"""The per-request pipeline every API call goes through stays lean without losing anything:
a Bearer call gets no session cookie but every security header, a browser session still
works, and the door scan's lock is taken by the statement that loads the door."""

import uuid

import sqlalchemy as sa

from eventhub.checkin import services as checkin
from eventhub.database import db

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


def test_the_door_statement_holds_the_scan_lock_on_postgresql(
    app, staff, main_list, ticket, count_statements
):
    """The scan then reads the ticket and its scans in one statement (see `_scan_lock`)."""
    from flask_login import login_user

    code = ticket.ticket_code
    with app.test_request_context():
        login_user(staff)
        door = checkin.load_door(main_list.id, code.lower())
        assert door.id == main_list.id and door.event.org_id == main_list.event.org_id
        held = db.session.info.get("scan_locks", set())
        if db.engine.dialect.name == "postgresql":
            assert held == {code}
            locks = db.session.scalar(
                sa.text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                        "AND classid = :space AND pid = pg_backend_pid()"),
                {"space": checkin.SCAN_LOCK_SPACE},
            )
            assert locks == 1
        else:
            assert held == set()
        count_statements.clear()
        answer = checkin.scan(staff, door, code, str(uuid.uuid4()))
        assert answer["status"] == "ok"
        # the locked ticket with the person's scans (after BEGIN IMMEDIATE on SQLite), insert
        assert len(count_statements) <= 3, count_statements
        assert db.session.info.get("scan_locks") is None  # the commit released it
