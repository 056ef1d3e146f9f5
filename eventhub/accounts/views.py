"""Sign-up, login, logout, password reset, profile, language, API tokens (pages)."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)


@bp.route("/login")
def login() -> str:
    return "login"


@bp.route("/reset/<token>")
def reset_password(token: str) -> str:
    return "reset"
