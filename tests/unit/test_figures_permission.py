"""Who may read an event's figures (`can_read_event_figures`): admins, the host's owners,
organizers and viewers, the owners and organizers of its partners; nobody else."""

from __future__ import annotations

import pytest

from eventhub import permissions
from eventhub.database import db
from eventhub.models import EventPartner
from tests import factories


def _member_of(org, role):
    user = factories.UserFactory()
    factories.MembershipFactory(organization=org, user=user, role=role)
    return user


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("owner", True), ("organizer", True), ("viewer", True), ("staff", False)],
)
def test_members_of_the_host(event, org, role, allowed):
    assert permissions.can_read_event_figures(_member_of(org, role), event) is allowed


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("owner", True), ("organizer", True), ("viewer", False), ("staff", False)],
)
def test_members_of_a_partner(event, other_org, role, allowed):
    """A partner's organizers see the figures; its viewers sponsor the partner, not the event."""
    user = _member_of(other_org, role)
    assert not permissions.can_read_event_figures(user, event)
    db.session.add(EventPartner(event_id=event.id, org_id=other_org.id, role="co_host"))
    db.session.commit()
    db.session.refresh(event)
    assert permissions.can_read_event_figures(user, event) is allowed


def test_admins_yes_outsiders_and_anonymous_no(event, admin, participant, outsider_organizer):
    assert permissions.can_read_event_figures(admin, event)
    assert not permissions.can_read_event_figures(participant, event)
    assert not permissions.can_read_event_figures(outsider_organizer, event)
    assert not permissions.can_read_event_figures(None, event)
