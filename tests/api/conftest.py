"""API test helpers: clients whose every request runs in its own app context, as in production."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import session as flask_session
from flask.testing import FlaskClient
from flask_wtf.csrf import generate_csrf

from eventhub.accounts.services import create_token
from eventhub.database import db
from eventhub.models import (
    ApiToken,
    AuditEntry,
    Event,
    EventSession,
    Membership,
    Organization,
    OutboxMessage,
    User,
)


class FreshContextClient(FlaskClient):
    """Push a new app context per request.

    The test itself runs inside an app context, and Flask reuses it for requests; then ``g``
    (where Flask-Login caches the user, Flask-WTF the CSRF state) would leak from one request
    into the next. A fresh context per request behaves like a real server.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def make_client(app) -> FreshContextClient:
    return FreshContextClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def client(app):
    return make_client(app)


@pytest.fixture
def api(app):
    """``api(user)``: a client sending a Bearer token of ``user`` (no user: anonymous)."""

    def _api(user=None):
        c = make_client(app)
        if user is not None:
            _, token = create_token(user, "tests")
            c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return c

    return _api


@pytest.fixture
def login(app):
    """``login(user)``: a browser-session client; ``c.csrf`` is the X-CSRFToken value."""

    def _login(user):
        c = make_client(app)
        with app.app_context(), app.test_request_context():
            c.csrf = generate_csrf()
            raw = flask_session["csrf_token"]
        with c.session_transaction() as s:
            s["_user_id"] = str(user.id)
            s["_fresh"] = True
            s["csrf_token"] = raw
        return c

    return _login


def assert_error(response, status: int, code: str | None = None) -> dict:
    """Assert API.md's error body and return its ``error`` object."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert isinstance(error["code"], str)
    assert isinstance(error["message"], str)
    assert error["message"]
    if code is not None:
        assert error["code"] == code, error
    if "fields" in error:
        assert isinstance(error["fields"], dict)
        assert all(isinstance(v, str) for v in error["fields"].values())
    return error


TABLES = (User, ApiToken, Organization, Membership, Event, EventSession, AuditEntry, OutboxMessage)


def db_counts() -> dict[str, int]:
    """How many rows each table holds (unrevoked tokens separately)."""
    counts = {m.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(m))
              for m in TABLES}
    counts["live_tokens"] = db.session.scalar(
        sa.select(sa.func.count()).select_from(ApiToken).where(ApiToken.revoked_at.is_(None))
    )
    return counts


def row_snapshot(obj) -> dict:
    """The current column values of ``obj`` as the database holds them."""
    db.session.expire_all()
    table = type(obj).__table__
    row = db.session.execute(sa.select(table).where(table.c.id == obj.id)).mappings().one()
    return dict(row)
