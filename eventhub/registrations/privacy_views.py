""""My data" pages: see what eventhub holds about you, download it, delete your account."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, logout_user
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired, Length

from eventhub.accounts.services import PASSWORD_MAX
from eventhub.downloads import private_file
from eventhub.formatting import list_separator
from eventhub.registrations import privacy
from eventhub.registrations.answers import format_answer
from eventhub.webforms import Form, domain_errors, form_status

bp = Blueprint("privacy", __name__)


class DeleteAccountForm(Form):
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password", "maxlength": PASSWORD_MAX},
    )
    confirm = BooleanField(
        _l("I understand that my account is deleted for good."),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )


@bp.app_template_filter("from_iso")
def from_iso(value: str | None) -> datetime | None:
    """A time of the data export (ISO 8601) back as a datetime, for the `when` filter."""
    return datetime.fromisoformat(value) if value else None


@bp.app_template_filter("answer_text")
def answer_text(value: Any) -> str:
    """An answer of the data export as the reader reads a list ("甲、乙")."""
    return format_answer(None, value, list_separator())


@bp.route("/me/data")
@login_required
def my_data() -> str:
    data = privacy.export_my_data(current_user._get_current_object())
    return render_template("privacy/data.html", data=data)


@bp.route("/me/data.json")
@login_required
def my_data_json() -> Response:
    data = privacy.export_my_data(current_user._get_current_object())
    return private_file(json.dumps(data, ensure_ascii=False, indent=2), "application/json",
                        "eventhub-my-data.json")


@bp.route("/me/delete", methods=["GET", "POST"])
@login_required
def delete_account() -> str | Response | tuple[str, int]:
    form = DeleteAccountForm()
    if form.validate_on_submit():
        with domain_errors(form):
            privacy.delete_account(current_user._get_current_object(), form.password.data)
            logout_user()
            flash(_("Your account is deleted. Thank you for using eventhub."), "success")
            return redirect(url_for("events.home"))
    return render_template("privacy/delete.html", form=form), form_status(form)
