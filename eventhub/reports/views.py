"""Report pages: an event's figures, the evidence pack, an organization's or alliance's
dashboard."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__)
