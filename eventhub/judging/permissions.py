"""Who may do what in a contest's judging: the judging predicates the views, API and templates
ask (eventhub.permissions holds the accounts', organizations' and events' ones)."""

from __future__ import annotations

from typing import Any

from eventhub import permissions
from eventhub.database import db
from eventhub.events.models import Event
from eventhub.judging.entries import is_leader
from eventhub.judging.judges import judge_of
from eventhub.judging.models import RoundStatus
from eventhub.judging.scorecards import can_score


def is_judge_of(user: Any, event: Any) -> bool:
    """A judge of the event's contest (invited by its organizers)."""
    return judge_of(user, event.id) is not None


def can_see_judging(user: Any, event: Any) -> bool:
    """See a contest's judging side (its rounds, tracks, judges, conflicts, criteria and
    assignments): its organizers and its judges."""
    return permissions.can_manage_event(user, event) or is_judge_of(user, event)


def can_see_round(user: Any, round_: Any) -> bool:
    """See a round at all: the contest's organizers and judges, and everyone once its results
    are published."""
    return round_.status == RoundStatus.published or can_see_judging(user, round_.event)


def can_see_entry(user: Any, entry: Any) -> bool:
    """See a contest entry at all: the contest's organizers and judges, and its leader."""
    return is_leader(user, entry) or can_see_judging(user, db.session.get(Event, entry.event_id))


def can_judge(user: Any, round_: Any, entry: Any) -> bool:
    """Read and score an entry in a round: a judge assigned to it, without a conflict."""
    return can_score(user, round_, entry)


def can_see_results(user: Any, round_: Any) -> bool:
    """A round's results: its organizers at any time, everyone once they are published."""
    if round_.status == RoundStatus.published:
        return True
    return permissions.can_manage_event(user, round_.event)


def template_predicates() -> dict[str, Any]:
    """The judging predicates as template globals (registered by the judging blueprint)."""
    return {"can_judge": can_judge, "can_see_results": can_see_results}
