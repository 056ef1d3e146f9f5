"""Organization dashboards and members (pages)."""

from flask import Blueprint

bp = Blueprint("orgs", __name__)


@bp.route("/orgs/<slug>")
def dashboard(slug: str) -> str:
    return slug
