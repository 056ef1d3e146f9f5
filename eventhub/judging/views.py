"""Judges' pages: the sign-in link of the invitation mail."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_user
from werkzeug.wrappers import Response

from eventhub.errors import DomainError
from eventhub.judging import services

bp = Blueprint("judging", __name__)


@bp.route("/judging/sign-in/<token>")
def sign_in(token: str) -> Response | tuple[str, int]:
    try:
        judge = services.judge_from_token(token)
    except DomainError as error:
        return render_template("judging/link_invalid.html", message=error.message), 400
    login_user(judge.user)
    flash(_("Welcome, %(name)s. You are signed in as a judge.", name=judge.user.name), "success")
    return redirect(url_for("events.detail", event_id=judge.event_id))
