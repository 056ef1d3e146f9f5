"""The public mentor directory (/mentors), a mentor's page with upcoming office hours, and booking
them (phone-first).
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("mentor_directory", __name__)
