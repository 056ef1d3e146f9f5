"""Who may do what: every role against every action, and the services enforcing it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_login import AnonymousUserMixin

from eventhub import permissions
from eventhub.errors import NotAllowed
from eventhub.events import services as events
from eventhub.orgs import services as orgs
from tests import factories

ROLES = ["anonymous", "participant", "staff", "organizer", "owner", "admin", "other_organizer"]

#: action → the roles allowed to do it (in `org`, on its events); every other role is refused.
ALLOWED = {
    "create_org": {"admin"},
    "manage_org": {"owner", "admin"},
    "view_org_dashboard": {"staff", "organizer", "owner", "admin"},
    "create_event": {"organizer", "owner", "admin"},
    "manage_event": {"organizer", "owner", "admin"},
    "check_in": {"staff", "organizer", "owner", "admin"},
    "view_draft_event": {"staff", "organizer", "owner", "admin"},
    "view_published_event": set(ROLES),
    "see_full_phone": {"organizer", "owner", "admin"},
}

ACTIONS = {
    "create_org": lambda user, org, event, draft: permissions.can_create_org(user),
    "manage_org": lambda user, org, event, draft: permissions.can_manage_org(user, org),
    "view_org_dashboard": lambda user, org, event, draft: permissions.can_view_org_dashboard(
        user, org
    ),
    "create_event": lambda user, org, event, draft: permissions.can_create_event(user, org),
    "manage_event": lambda user, org, event, draft: permissions.can_manage_event(user, event),
    "check_in": lambda user, org, event, draft: permissions.can_check_in(user, event),
    "view_draft_event": lambda user, org, event, draft: permissions.can_view_event(user, draft),
    "view_published_event": lambda user, org, event, draft: permissions.can_view_event(
        user, event
    ),
    "see_full_phone": lambda user, org, event, draft: permissions.sees_full_phone(user, event),
}


@pytest.fixture
def user_in_role(request):
    """``user_in_role(name)`` returns the user for one of ROLES (built by conftest's fixtures)."""

    def _user(role: str):
        if role == "anonymous":
            return AnonymousUserMixin()
        if role == "other_organizer":
            return request.getfixturevalue("outsider_organizer")
        return request.getfixturevalue(role)

    return _user


@pytest.fixture
def draft(org, now):
    return factories.EventFactory(
        organization=org, title="科技活动周（筹备中）", status="draft", published_at=None,
        starts_at=now + timedelta(days=30), ends_at=now + timedelta(days=31),
    )


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(role, user_in_role, org, event, draft):
    user = user_in_role(role)
    granted = {action for action, check in ACTIONS.items() if check(user, org, event, draft)}
    expected = {action for action, roles in ALLOWED.items() if role in roles}
    assert granted == expected


def test_matrix_covers_every_action():
    assert set(ALLOWED) == set(ACTIONS)


def test_anonymous_is_neither_admin_nor_member():
    anonymous = AnonymousUserMixin()
    assert not permissions.is_admin(anonymous)
    assert permissions.org_role(anonymous, 1) is None


def test_a_cancelled_event_stays_visible_once_it_was_published(org, participant, now):
    cancelled = factories.EventFactory(organization=org, status="cancelled")
    never_published = factories.EventFactory(
        organization=org, status="cancelled", published_at=None
    )
    assert permissions.can_view_event(participant, cancelled)
    assert not permissions.can_view_event(participant, never_published)


# The services refuse what the predicates refuse ------------------------------------------


def _event_info(now, title="青年创业沙龙"):
    return events.EventInfo(
        title=title, kind="salon", starts_at=now + timedelta(days=3),
        ends_at=now + timedelta(days=3, hours=2),
    )


def test_staff_cannot_create_an_event(staff, org, now):
    with pytest.raises(NotAllowed):
        events.create_event(staff, org, _event_info(now))


def test_organizer_of_another_org_cannot_create_or_publish_here(
    outsider_organizer, org, draft, now
):
    with pytest.raises(NotAllowed):
        events.create_event(outsider_organizer, org, _event_info(now))
    with pytest.raises(NotAllowed):
        events.change_status(outsider_organizer, draft, "publish")
    assert draft.status == "draft"


def test_participant_cannot_edit_an_event(participant, event):
    with pytest.raises(NotAllowed):
        events.update_event(participant, event, title="改过的标题")
    assert event.title == "2026 沈阳创业周"


def test_staff_cannot_add_a_session(staff, event, now):
    starts = now + timedelta(days=10)
    info = events.SessionInfo("项目路演", starts, starts + timedelta(hours=2))
    with pytest.raises(NotAllowed):
        events.add_session(staff, event, info)
    assert event.sessions == []


def test_only_admins_create_organizations(owner, admin):
    with pytest.raises(NotAllowed):
        orgs.create_org(owner, "大连高新区创业服务中心", "incubator")
    created = orgs.create_org(admin, "大连高新区创业服务中心", "incubator")
    assert created.slug.startswith("da-lian")


def test_organizer_cannot_manage_members(organizer, org):
    with pytest.raises(NotAllowed):
        orgs.set_member(organizer, org, "new@example.com", "staff")


def test_organizer_creates_and_publishes_an_event(organizer, org, now):
    event = events.create_event(organizer, org, _event_info(now, "创业训练营"))
    events.change_status(organizer, event, "publish")
    assert event.status == "published"
    assert event.published_at is not None


def test_require_passes_when_the_predicate_holds_and_refuses_otherwise(organizer, staff, event):
    permissions.require(permissions.can_manage_event, organizer, event)
    with pytest.raises(NotAllowed) as refused:
        permissions.require(permissions.can_manage_event, staff, event)
    assert refused.value.status == 403
    assert refused.value.code == "forbidden"


def test_require_passes_extra_arguments_to_the_predicate(organizer, event):
    seen = []

    def predicate(actor, obj, *args):
        seen.append((actor, obj, args))
        return False

    with pytest.raises(NotAllowed):
        permissions.require(predicate, organizer, event, "round", 3)
    assert seen == [(organizer, event, ("round", 3))]
