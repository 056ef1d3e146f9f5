"""Registration pages: the form, my registrations, tickets; organizers' lists and exports."""

from flask import Blueprint

bp = Blueprint("registrations", __name__)


@bp.route("/tickets/<code>")
def ticket(code: str) -> str:
    return code


@bp.route("/me/registrations")
def my_registrations() -> str:
    return "mine"
