"""Organizations' enums in words: an organization's kind and a member's role, one table each.

The tables are the only wording of these values: pages and e-mails show them through the
``org_kind_label`` and ``role_label`` Jinja filters (registered by the orgs blueprint), forms
take their choices from them and pages name a role with `role_label`. A value not in a table
(never expected) is shown as it is rather than failing the page.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eventhub.orgs.models import OrgKind, Role

ORG_KIND_LABELS = {
    OrgKind.maker_space: _l("Maker space"),
    OrgKind.incubator: _l("Incubator"),
    OrgKind.university_park: _l("University science park"),
    OrgKind.alliance: _l("Alliance"),
    OrgKind.other: _l("Other"),
}

ROLE_LABELS = {
    Role.owner: _l("Owner"),
    Role.organizer: _l("Organizer"),
    Role.staff: _l("Door staff"),
    Role.viewer: _l("Read-only (sponsor)"),
}


def org_kind_label(kind: OrgKind | str) -> str:
    """An organization's kind in the reader's language ("孵化器")."""
    return str(ORG_KIND_LABELS.get(kind, kind))


def role_label(role: Role | str) -> str:
    """A member's role in the reader's language ("负责人")."""
    return str(ROLE_LABELS.get(role, role))


#: The Jinja filters of this module, by name: the orgs blueprint registers them.
FILTERS = {"org_kind_label": org_kind_label, "role_label": role_label}
