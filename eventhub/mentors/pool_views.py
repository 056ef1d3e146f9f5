"""An organization's mentor pool for its organizers (invite, edit, photo), a mentor's own profile,
and claiming an invitation.
"""

from __future__ import annotations

import hashlib
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import escape

from eventhub.accounts.auth import sign_in
from eventhub.accounts.forms import ResetPasswordForm
from eventhub.accounts.models import User
from eventhub.database import db
from eventhub.errors import Conflict, DomainError
from eventhub.mentors import desk_queries, services
from eventhub.mentors.models import Mentor
from eventhub.mentors.permissions import can_edit_mentor, can_manage_pool
from eventhub.mentors.pool_forms import InviteForm, ProfilePageForm
from eventhub.orgs.models import Organization
from eventhub.webforms import domain_errors, flash_domain_error, form_status

bp = Blueprint("mentor_pool", __name__)
bp.add_app_template_global(can_manage_pool, "can_manage_pool")

#: Background colours of the default avatars (white initials read on each, WCAG AA).
AVATAR_COLOURS = ("#1d4ed8", "#047857", "#b45309", "#7c3aed", "#be123c", "#0f766e", "#4338ca")

#: How long a browser may keep a photo asked for by its version (the key changes with it).
PHOTO_MAX_AGE = 365 * 24 * 3600


def photo_url(mentor: Mentor) -> str:
    """The mentor's photo (or default avatar) URL, versioned by the photo so that it may be
    cached for long and changes when the photo does."""
    return url_for("mentor_pool.photo", mentor_id=mentor.id, v=services.photo_version(mentor))


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
    versioned = request.args.get("v") == services.photo_version(mentor)
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


# The organization's pool ------------------------------------------------------------------


def _me() -> User:
    return current_user._get_current_object()


def _managed_org(slug: str) -> Organization:
    """The organization of ``slug`` (404) for its owners and organizers (403 for others)."""
    org = db.first_or_404(sa.select(Organization).where(Organization.slug == slug))
    if not can_manage_pool(_me(), org):
        abort(403)
    return org


def _editable(mentor_id: int) -> Mentor:
    """The mentor, to whoever may edit the profile; 404 for whom may not see the mentor, 403
    for whom may see but not edit."""
    mentor = db.get_or_404(Mentor, mentor_id)
    if not services.visible_to(_me(), mentor):
        abort(404)
    if not can_edit_mentor(_me(), mentor):
        abort(403)
    return mentor


@bp.route("/orgs/<slug>/mentors", methods=["GET", "POST"])
@login_required
def pool(slug: str) -> Any:
    """The organization's mentor pool: every mentor (public or pool-only, invitation claimed
    or not) and the form inviting one by email."""
    org = _managed_org(slug)
    form = InviteForm()
    if form.validate_on_submit():
        with domain_errors(form):
            mentor = services.add_mentor(_me(), org, form.email.data or "",
                                         form.name.data or None, form.info())
            flash(_("%(name)s is in the mentor pool; we mailed them an invitation.",
                    name=mentor.name), "success")
            return redirect(url_for("mentor_pool.pool", slug=org.slug))
    mentors = db.session.scalars(services.pool_query(org.id)).all()
    return render_template("mentors/pool.html", org=org, form=form, mentors=mentors,
                           needs_claim=services.needs_claim), form_status(form)


@bp.route("/mentors/<int:mentor_id>/invitation", methods=["POST"])
@login_required
def resend(mentor_id: int) -> Response:
    """Mail an unclaimed invitation again (the pool's organizers)."""
    mentor = _editable(mentor_id)
    org = db.session.get(Organization, mentor.org_id)
    if not can_manage_pool(_me(), org):
        abort(403)
    try:
        services.resend_invitation(_me(), mentor)
    except Conflict as error:
        flash_domain_error(error)
    else:
        flash(_("We mailed the invitation to %(email)s again.", email=mentor.user.email),
              "success")
    return redirect(url_for("mentor_pool.pool", slug=org.slug))


# A mentor's profile (the mentor, or the pool's organizers) -------------------------------


@bp.route("/mentors/<int:mentor_id>/profile/edit", methods=["GET", "POST"])
@login_required
def edit(mentor_id: int) -> Any:
    """Edit a mentor's profile and photo: the mentor themself, or the pool's organizers."""
    mentor = _editable(mentor_id)
    org = db.session.get(Organization, mentor.org_id)
    form = ProfilePageForm()
    if request.method == "GET":
        form.show(mentor)
    if form.validate_on_submit():
        upload = form.photo.data
        photo = upload.stream if upload and getattr(upload, "filename", "") else None
        with domain_errors(form):
            services.save_profile(_me(), mentor, form.info(), photo)
            flash(_("The mentor profile is saved."), "success")
            return redirect(url_for("mentor_pool.edit", mentor_id=mentor.id))
    return render_template("mentors/pool_edit.html", form=form, mentor=mentor, org=org,
                           manages=can_manage_pool(_me(), org)), form_status(form)


@bp.route("/mentors/<int:mentor_id>/photo/delete", methods=["POST"])
@login_required
def remove_photo(mentor_id: int) -> Response:
    """Go back to the default avatar."""
    mentor = _editable(mentor_id)
    try:
        services.remove_photo(_me(), mentor)
    except DomainError as error:
        flash_domain_error(error)
    else:
        flash(_("The photo is removed."), "success")
    return redirect(url_for("mentor_pool.edit", mentor_id=mentor.id))


@bp.route("/mentor/profile")
@login_required
def mine() -> Any:
    """The signed-in mentor's profile: straight to it, or the list of their pools."""
    mentors = desk_queries.mentors_of(_me())
    if not mentors:
        abort(404)
    if len(mentors) == 1:
        return redirect(url_for("mentor_pool.edit", mentor_id=mentors[0].id))
    return render_template("mentors/pool_mine.html", mentors=mentors,
                           pools=desk_queries.pool_names(mentors))


# Claiming an invitation ------------------------------------------------------------------


@bp.route("/mentors/<int:mentor_id>/claim/<token>", methods=["GET", "POST"])
def claim(mentor_id: int, token: str) -> Any:
    """The invitation's link: a new mentor chooses a password and lands, signed in, on their
    profile. An expired, used or foreign link is refused (400) and changes nothing."""
    mentor = db.get_or_404(Mentor, mentor_id)
    try:
        user = services.claiming_user(mentor, token)
    except DomainError as error:
        return render_template("mentors/claim_invalid.html", message=error.message), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        with domain_errors(form):
            user = services.claim_invitation(mentor, token, form.password.data or "")
            sign_in(user)
            flash(_("Your password is set and you are signed in. Welcome to the mentor pool: "
                    "complete your profile here."), "success")
            return redirect(url_for("mentor_pool.edit", mentor_id=mentor.id))
    org = db.session.get(Organization, mentor.org_id)
    return render_template("mentors/claim.html", form=form, user=user, mentor=mentor, org=org,
                           token=token), form_status(form)
