"""Page test helpers: clients with a fresh app context per request (as on a real server), and
form posts that carry the CSRF token of the page they came from."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from eventhub.database import db
from tests import factories

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class PageClient(FlaskClient):
    """A browser: a new app context per request, so ``g`` (the signed-in user, the CSRF state)
    never leaks from one request into the next."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def csrf_token(self, url: str = "/") -> str:
        """The CSRF token of the form on ``url``, as a browser would send it."""
        response = self.get(url)
        match = CSRF_RE.search(response.get_data(as_text=True))
        assert match, f"no CSRF token on {url} ({response.status_code})"
        return match.group(1)

    def submit(self, url: str, data: dict | None = None, *, form_url: str | None = None,
               **kwargs):
        """Fetch the form page, then post ``data`` with its CSRF token."""
        token = self.csrf_token(form_url or url)
        return self.post(url, data={"csrf_token": token, **(data or {})}, **kwargs)


def make_client(app) -> PageClient:
    return PageClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def client(app):
    return make_client(app)


@pytest.fixture
def login(app):
    """``login(user)``: a client signed in as ``user``."""

    def _login(user):
        c = make_client(app)
        with c.session_transaction() as s:
            s["_user_id"] = factories.session_key(user)
            s["_fresh"] = True
        return c

    return _login


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def fresh(obj):
    """``obj`` as the database holds it now (requests commit in their own sessions)."""
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def text(response) -> str:
    return response.get_data(as_text=True)
