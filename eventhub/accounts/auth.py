"""Flask-Login wiring: session users for pages, Bearer tokens for the API."""

from __future__ import annotations

from flask import Flask, g, request
from flask_babel import lazy_gettext as _l

from eventhub.accounts.models import User
from eventhub.database import db
from eventhub.extensions import login_manager


def init_auth(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    try:
        return db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None


@login_manager.request_loader
def load_user_from_request(req: object) -> User | None:
    """Authenticate API calls by ``Authorization: Bearer <token>``."""
    from eventhub.accounts.services import user_for_token

    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or len(token) > 200:
        return None
    user = user_for_token(token.strip())
    if user is not None:
        g.auth_via_token = True
    return user
