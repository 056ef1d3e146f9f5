"""An organization's mentor pool for its organizers (invite, edit, photo), a mentor's own profile,
and claiming an invitation.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Blueprint, Response, request, url_for
from flask_login import current_user
from markupsafe import escape

from eventhub.database import db
from eventhub.mentors import services
from eventhub.mentors.models import Mentor

bp = Blueprint("mentor_pool", __name__)

#: Background colours of the default avatars (white initials read on each, WCAG AA).
AVATAR_COLOURS = ("#1d4ed8", "#047857", "#b45309", "#7c3aed", "#be123c", "#0f766e", "#4338ca")

#: How long a browser may keep a photo asked for by its version (the key changes with it).
PHOTO_MAX_AGE = 365 * 24 * 3600


def photo_url(mentor: Mentor) -> str:
    """The mentor's photo (or default avatar) URL, versioned by the photo so that it may be
    cached for long and changes when the photo does."""
    return url_for("mentor_pool.photo", mentor_id=mentor.id,
                   v=(mentor.photo_key or "none")[:12])


@bp.app_template_global("mentor_photo_url")
def _mentor_photo_url(mentor: Mentor) -> str:
    return photo_url(mentor)


def default_avatar(mentor: Mentor) -> str:
    """An SVG circle with the first letter of the mentor's name, its colour by the mentor."""
    initial = escape((mentor.name or "?").strip()[:1].upper() or "?")
    colour = AVATAR_COLOURS[mentor.id % len(AVATAR_COLOURS)]
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96" width="96" height="96"'
        ' role="img">'
        f'<circle cx="48" cy="48" r="48" fill="{colour}"/>'
        '<text x="48" y="50" text-anchor="middle" dominant-baseline="central" fill="#ffffff"'
        ' font-family="PingFang SC, Microsoft YaHei, Noto Sans CJK SC, sans-serif"'
        f' font-size="44" font-weight="600">{initial}</text></svg>'
    )


def _cached(response: Response, mentor: Mentor) -> Response:
    """Public mentors' photos may be kept by any cache, pool-only ones by the viewer's browser
    only; asked for by their current version (`photo_url`) for a year, else revalidated."""
    versioned = request.args.get("v") == (mentor.photo_key or "none")[:12]
    response.cache_control.max_age = PHOTO_MAX_AGE if versioned else 0
    if mentor.public:
        response.cache_control.public = True
    else:
        response.cache_control.private = True
        response.vary.add("Cookie")
    if versioned:
        response.cache_control.immutable = True
    else:
        response.cache_control.no_cache = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/mentors/<int:mentor_id>/photo")
def photo(mentor_id: int) -> Any:
    """The mentor's photo, or a default avatar with their initial, to whoever may see the
    mentor (`services.visible_to`: everyone for a public mentor; the pool's organizers and the
    mentor for a pool-only one); 404 for anyone else."""
    mentor = db.get_or_404(Mentor, mentor_id)
    stored = services.photo_file(current_user, mentor)
    if stored is None:
        svg = default_avatar(mentor).encode()
        response = Response(svg, mimetype="image/svg+xml")
        response.set_etag(hashlib.sha256(svg).hexdigest()[:32])
    else:
        # A photo is small (at most PHOTO_SIDE pixels a side): read whole, no open file kept.
        path, mimetype = stored
        response = Response(path.read_bytes(), mimetype=mimetype)
        response.set_etag(mentor.photo_key or "")
    response.make_conditional(request)
    return _cached(response, mentor)
