"""Sign-up, login, password, profile, language and API token forms.

The rules (valid email, strong password, phone format) live in accounts.services; these forms
only read the input, and show the services' reasons beside the fields.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TelField
from wtforms.validators import EqualTo

from eventhub.accounts.models import EMAIL_MAX, NAME_MAX
from eventhub.accounts.services import PASSWORD_MAX
from eventhub.webforms import Form

#: Language names are written in their own language, so anyone can find theirs.
LANGUAGE_NAMES = {"zh_Hans": "中文", "en": "English"}


def language_choices() -> list[tuple[str, str]]:
    return [(code, LANGUAGE_NAMES.get(code, code)) for code in current_app.config["LANGUAGES"]]


def _text(max_length: int, **render_kw: object) -> dict:
    return {"render_kw": {"maxlength": max_length, **render_kw}}


def _new_password(label: str) -> PasswordField:
    """A password being chosen, with the rule it must meet under it (accounts.services)."""
    return PasswordField(label, **_text(PASSWORD_MAX, autocomplete="new-password"),
                         description=_l("At least 8 characters, mixing letters with digits "
                                        "or symbols."))


def _repeat_password() -> PasswordField:
    """The new password again; it must equal the form's ``password``."""
    return PasswordField(
        _l("Repeat the password"),
        validators=[EqualTo("password", message=_l("The two passwords differ."))],
        **_text(PASSWORD_MAX, autocomplete="new-password"),
    )


def _language(**kwargs: object) -> SelectField:
    """The UI languages the site offers (config LANGUAGES), each named in itself."""
    return SelectField(_l("Language"), choices=language_choices, **kwargs)


class SignUpForm(Form):
    name = StringField(_l("Name"), **_text(NAME_MAX, autocomplete="name"),
                       description=_l("As it should appear on badges and certificates."))
    email = EmailField(_l("Email"), **_text(EMAIL_MAX, autocomplete="email"))
    phone = TelField(_l("Mobile phone (optional)"), **_text(32, autocomplete="tel",
                                                            inputmode="tel"),
                     description=_l("Used to find you at the door if you lose your ticket."))
    password = _new_password(_l("Password"))
    password_confirm = _repeat_password()


class LoginForm(Form):
    email = EmailField(_l("Email"), **_text(EMAIL_MAX, autocomplete="username"))
    password = PasswordField(_l("Password"),
                             **_text(PASSWORD_MAX, autocomplete="current-password"))
    remember = BooleanField(_l("Keep me signed in on this device"))


class ForgotPasswordForm(Form):
    email = EmailField(_l("Email"), **_text(EMAIL_MAX, autocomplete="email"))


class ResetPasswordForm(Form):
    password = _new_password(_l("New password"))
    password_confirm = _repeat_password()


class ProfileForm(Form):
    name = StringField(_l("Name"), **_text(NAME_MAX, autocomplete="name"))
    phone = TelField(_l("Mobile phone"), **_text(32, autocomplete="tel", inputmode="tel"))
    organization = StringField(_l("Company, school or unit"),
                               **_text(NAME_MAX, autocomplete="organization"))
    job_title = StringField(_l("Job title"), **_text(NAME_MAX, autocomplete="organization-title"))
    locale = _language(validate_choice=False)


class LanguageForm(Form):
    locale = _language()


class TokenForm(Form):
    name = StringField(_l("What is this token for?"), **_text(NAME_MAX),
                       description=_l("For example: the check-in kiosk at gate 2."))


class ChangePasswordForm(Form):
    current_password = PasswordField(_l("Current password"),
                                     **_text(PASSWORD_MAX, autocomplete="current-password"))
    password = _new_password(_l("New password"))
    password_confirm = _repeat_password()
