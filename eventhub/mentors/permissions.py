"""Who may do what in the mentor pool (eventhub.permissions holds the accounts', organizations'
and events' predicates)."""

from __future__ import annotations

from typing import Any

from eventhub import permissions
from eventhub.mentors.models import Mentor, MentorCoaching


def can_manage_pool(user: Any, org: Any) -> bool:
    """Invite mentors, see the pool's non-public mentors: the organization's owners and
    organizers, and platform admins."""
    return manages_pool_of(user, org.id)


def manages_pool_of(user: Any, org_id: int) -> bool:
    """`can_manage_pool` by the organization's id."""
    return permissions.is_admin(user) or permissions.org_role(user, org_id) in (
        permissions.MANAGE_ROLES
    )


def is_mentor(user: Any, mentor: Mentor) -> bool:
    """The mentor themself."""
    return bool(getattr(user, "is_authenticated", False)) and mentor.user_id == user.id


def can_edit_mentor(user: Any, mentor: Mentor) -> bool:
    """Edit a profile and publish its office hours: the mentor, or the pool's organizers."""
    return is_mentor(user, mentor) or manages_pool_of(user, mentor.org_id)


def is_mentee(user: Any, coaching: MentorCoaching) -> bool:
    """One of the people the coaching served (they confirm and rate it)."""
    return bool(getattr(user, "is_authenticated", False)) and any(
        m.id == user.id for m in coaching.mentees
    )


def can_edit_coaching(user: Any, coaching: MentorCoaching) -> bool:
    """Edit or delete a coaching record: its mentor, or the pool's organizers."""
    return can_edit_mentor(user, coaching.mentor)
