"""An organization's mentor pool for its organizers (invite, edit, photo), a mentor's own profile,
and claiming an invitation.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("mentor_pool", __name__)
