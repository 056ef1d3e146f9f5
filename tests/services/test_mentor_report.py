"""The mentor report (绩效评估, issue 13) against a hand-built period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from eventhub.errors import NotAllowed
from eventhub.mentors import services
from eventhub.mentors.report import mentor_report
from eventhub.mentors.services import CoachingInfo
from tests import factories

FROM = datetime(2026, 3, 1, tzinfo=UTC)
TO = datetime(2026, 4, 1, tzinfo=UTC)


def _at(month, day, hour=10, minute=0, second=0):
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


def _coach(mentor, mentees, started_at, minutes, entry_id=None, confirm=True, stars=()):
    coaching = services.log_coaching(mentor.user, mentor, CoachingInfo(
        [m.id for m in mentees], started_at, minutes, "onsite", "辅导", entry_id=entry_id))
    if confirm:
        services.confirm_coaching(mentees[0], coaching)
    for person, star in zip(mentees, stars, strict=False):
        services.rate_coaching(person, coaching, star)
    return coaching


@pytest.fixture
def pool(org, owner, other_org, outsider_organizer):
    """Rule: 2 coachings of at least 30 minutes. Period [2026-03-01, 2026-04-01) UTC.

    陈 (a):  c1 03-05  60 min, p1+p2, entry 7, confirmed, stars 5 (p1), 4 (p2)
             c2 03-10  20 min, p1,    confirmed (short), stars 3
             c3 03-20  45 min, p3,    entry 7, not confirmed
             c4 03-31 23:59 45 min, p3, entry 8, confirmed, stars 1
             outside: 04-01 00:00 (= to) 90 min, p4, entry 9, confirmed, stars 5
                      02-28 23:59:59 (just before from) 90 min, p4, confirmed, stars 5
             slot 03-15 (3 places): p1 booked, p2 no-show, p3 cancelled;
             slot 04-01 00:00 (outside): p5 booked.
      → coachings 4, confirmed 3 (c1 c2 c4), minutes 60+20+45+45 = 170, mentees {p1 p2 p3} 3,
        entries {7 8} 2, ratings 4 (5 4 3 1) → 13/4 = 3.25, bookings 2 (p1, p2), no_shows 1,
        qualifying 2 (c1 60, c4 45; c2 is short, c3 unconfirmed) → meets the rule.
    王 (b):  c5 03-02 30 min (exactly the minimum), p1, confirmed, stars 4
             c6 03-03 29 min, p1, confirmed
      → coachings 2, confirmed 2, minutes 59, mentees 1, entries 0, ratings 1 → rating null
        (below 3), bookings 0, qualifying 1 (c5) → falls short.
    赵 (c): nothing → zeros, rating null, falls short.
    A mentor of another organization is not listed.
    """
    services.set_rule(owner, org, 2, 30)
    a = services.add_mentor(owner, org, "a@example.com", "陈导师")
    b = services.add_mentor(owner, org, "b@example.com", "王导师")
    c = services.add_mentor(owner, org, "c@example.com", "赵导师")
    outside = services.add_mentor(outsider_organizer, other_org, "x@example.com", "外导师")
    p1, p2, p3, p4, p5 = (factories.UserFactory() for _ in range(5))
    _coach(outside, [p1], _at(3, 6), 60, stars=(5,))
    _coach(a, [p1, p2], _at(3, 5), 60, entry_id=7, stars=(5, 4))
    _coach(a, [p1], _at(3, 10), 20, stars=(3,))
    _coach(a, [p3], _at(3, 20), 45, entry_id=7, confirm=False)
    _coach(a, [p3], _at(3, 31, 23, 59), 45, entry_id=8, stars=(1,))
    _coach(a, [p4], TO, 90, entry_id=9, stars=(5,))
    _coach(a, [p4], FROM - timedelta(seconds=1), 90, stars=(5,))
    slot = services.add_slot(owner, a, _at(3, 15), _at(3, 15, 11), "onsite", capacity=3)
    before = slot.starts_at - timedelta(days=1)
    services.book(p1, slot, "融资", now=before)
    no_show = services.book(p2, slot, "路演", now=before)
    cancelled = services.book(p3, slot, "股权", now=before)
    services.cancel_booking(p3, cancelled, now=before)
    services.mark_no_show(a.user, no_show, now=slot.starts_at + timedelta(minutes=5))
    late = services.add_slot(owner, a, TO, TO + timedelta(hours=1), "online")
    services.book(p5, late, "财务", now=before)
    _coach(b, [p1], _at(3, 2), 30, stars=(4,))
    _coach(b, [p1], _at(3, 3), 29)
    return a, b, c


def test_the_report_matches_the_hand_computed_period(org, owner, pool):
    a, b, c = pool
    report = mentor_report(owner, org, FROM, TO)
    assert report["rule"] == {"min_coachings": 2, "min_minutes": 30}
    assert (report["from"], report["to"]) == (FROM, TO)
    rows = {row["mentor_id"]: row for row in report["mentors"]}
    assert set(rows) == {a.id, b.id, c.id}
    assert rows[a.id] == {
        "mentor_id": a.id, "name": "陈导师", "coachings": 4, "confirmed": 3, "minutes": 170,
        "mentees": 3, "bookings": 2, "no_shows": 1, "rating": 3.25, "ratings": 4,
        "entries": 2, "qualifying": 2, "meets_rule": True}
    assert rows[b.id] == {
        "mentor_id": b.id, "name": "王导师", "coachings": 2, "confirmed": 2, "minutes": 59,
        "mentees": 1, "bookings": 0, "no_shows": 0, "rating": None, "ratings": 1,
        "entries": 0, "qualifying": 1, "meets_rule": False}
    assert rows[c.id] == {
        "mentor_id": c.id, "name": "赵导师", "coachings": 0, "confirmed": 0, "minutes": 0,
        "mentees": 0, "bookings": 0, "no_shows": 0, "rating": None, "ratings": 0,
        "entries": 0, "qualifying": 0, "meets_rule": False}


def test_only_the_pools_organizers_see_the_report(org, staff, participant, outsider_organizer,
                                                  organizer):
    mentor_report(organizer, org, FROM, TO)
    for user in (staff, participant, outsider_organizer):
        with pytest.raises(NotAllowed):
            mentor_report(user, org, FROM, TO)
