"""Organization and membership forms; the rules live in orgs.services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectField, StringField, TextAreaField

from eventhub.accounts.models import EMAIL_MAX, NAME_MAX
from eventhub.orgs.labels import ORG_KIND_LABELS, ROLE_LABELS
from eventhub.webforms import Form


def kind_choices() -> list[tuple[str, str]]:
    return [(kind.value, str(label)) for kind, label in ORG_KIND_LABELS.items()]


def role_choices() -> list[tuple[str, str]]:
    return [(role.value, str(label)) for role, label in ROLE_LABELS.items()]


class OrgForm(Form):
    name = StringField(_l("Organization name"), render_kw={"maxlength": NAME_MAX})
    kind = SelectField(_l("Kind"), choices=kind_choices, validate_choice=False)
    description = TextAreaField(
        _l("About"), render_kw={"rows": 5, "maxlength": 10_000},
        description=_l("Markdown: **bold**, lists, links."),
    )


class MemberForm(Form):
    email = EmailField(_l("Email"), render_kw={"maxlength": EMAIL_MAX, "autocomplete": "off"},
                       description=_l("Someone without an account gets an invitation by mail."))
    #: The least power by default: door staff.
    role = SelectField(_l("Role"), choices=role_choices, validate_choice=False, default="staff")


class RoleForm(Form):
    role = SelectField(_l("Role"), choices=role_choices, validate_choice=False)
