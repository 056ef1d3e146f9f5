"""An alliance's member organizations: the page that lists, adds and removes them."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("alliances", __name__)
