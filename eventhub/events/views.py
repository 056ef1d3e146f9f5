"""The public home page, event pages, and organizers' event editing (pages)."""

from flask import Blueprint

bp = Blueprint("events", __name__)


@bp.route("/")
def home() -> str:
    return "home"


@bp.route("/events/<int:event_id>")
def detail(event_id: int) -> str:
    return str(event_id)
