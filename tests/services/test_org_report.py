"""An organization's and an alliance's figures for a period (issue 15 point 2,
``eventhub.reports.organizations``), against a hand-built data set whose every number is worked
out in `dataset`'s docstring, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from eventhub.checkin.models import CheckinList, Scan, ScanStatus, ScanType
from eventhub.database import db, utcnow
from eventhub.events.models import EventPartner
from eventhub.judging.models import Entry, Track
from eventhub.mentors.models import coaching_mentees
from eventhub.orgs.models import AllianceMember
from eventhub.periods import named_period
from eventhub.registrations.models import Registration
from eventhub.reports import organizations
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*parts: int) -> datetime:
    """A time in Asia/Shanghai (the organizations' zone)."""
    return datetime(*parts, tzinfo=SHANGHAI)


#: The report's period: the second quarter of 2026 in Asia/Shanghai, [04-01 00:00, 07-01 00:00).
FROM, TO = at(2026, 4, 1), at(2026, 7, 1)


@dataclass
class Builder:
    """Registrations and scans with personal data of their own, numbered."""

    n: int = 0
    scans: int = 0

    def person(self, event, status="confirmed", user=None, email=None, phone=None):
        self.n += 1
        n = self.n
        return factories.commit(Registration(
            event_id=event.id, status=status, user_id=user.id if user else None,
            name=f"参会者{n}号", email=f"person{n}@example.com" if email is None else email,
            phone=f"1391234{n:04d}" if phone is None else phone, organization=f"机构{n}",
            answers={"why": f"秘密答案{n}"}))

    def scan(self, event, registration, type_=ScanType.entry, reverted=False, main=True):
        self.scans += 1
        checkin_list = factories.main_list_of(event) if main else factories.commit(
            CheckinList(event_id=event.id, name=f"分会场{self.scans}"))
        return factories.commit(Scan(
            list_id=checkin_list.id, nonce=f"orgfig-{self.scans}", code="x", type=type_,
            status=ScanStatus.ok, registration_id=registration.id,
            reverted_at=utcnow() if reverted else None))


def event_of(org, starts_at, kind="salon", status="published", title=None, **kw):
    return factories.EventFactory(organization=org, starts_at=starts_at,
                                  ends_at=starts_at + timedelta(hours=3), kind=kind,
                                  status=status, title=title or f"报表活动 {starts_at:%m-%d}",
                                  **kw)


def partner(event, org, role):
    factories.commit(EventPartner(event_id=event.id, org_id=org.id, role=role))


def coaching(mentor, started_at, minutes, *mentees):
    record = factories.coaching(mentor, started_at=started_at, minutes=minutes)
    for user in mentees:
        db.session.execute(coaching_mentees.insert().values(coaching_id=record.id,
                                                            user_id=user.id))
    db.session.commit()
    return record


@pytest.fixture
def dataset(_db):
    """The alliance 报表联盟 (A) with members 报表空间一 (S1) and 报表空间二 (S2); 报表外单位 (X)
    is no member. Period: 2026 Q2 in Asia/Shanghai, [2026-04-01 00:00+08, 2026-07-01 00:00+08).
    People: accounts U1, U2, U3; r7 has no account but an email (``LI@example.com ``), r8 only
    a phone.

    Events in the period (each ``confirmed / checked in``):
    - E1 salon, S1 hosts, starts exactly at ``from`` (2026-04-01 00:00+08, still March in UTC:
      in): r1 U1 scanned twice (once), r2 scanned then reverted (not in), r3 U2 entered and
      left (in), r4 pending, r5 cancelled after a scan (not confirmed) → 3 / 2.
    - E6 week, A itself hosts, 04-15, no registrations → 0 / 0.
    - E2 contest, S1 hosts, S2 co-hosts (two members), 05-10: r6 U1 (U1's second event), r7
      email only, r8 phone only (all in), r9 not scanned, r10 waitlisted; 2 entries → 4 / 3.
    - E4 camp, X hosts, S1 undertaker, S2 supporter, 05-20: r14 U1 (in) → 1 / 1.
    - E5 roadshow, X hosts, S2 supporter, 06-01: r15 not scanned → 1 / 0.
    - E3 forum, closed, S2 hosts, X co-hosts, 06-30 23:30+08 (still June in Shanghai): r11 U3,
      r12 U2 (in), r13 scanned at a session's list only (not in) → 3 / 2.
    Left out: a draft (S1, 05-01, a checked-in registration and an entry), a cancelled event (S2,
    05-02), an event a second before ``from`` (S1) and one exactly at ``to`` (S1, checked in), an
    event of X alone (X hosts, in the period, an entry).

    Alliance A (each event once, its best role): E1 host, E6 host, E2 host (S1 beats S2's
    co-host), E4 undertaker (S1 beats S2's supporter), E5 supporter, E3 host → count 6,
    by_role host 4 / co_host 0 / undertaker 1 / supporter 1, credited 4 + 0.5 + 0 = 4.5, one of
    each kind but ``other``. Registrations 3 + 0 + 4 + 1 + 1 + 3 = 12, checked in
    2 + 0 + 3 + 1 + 0 + 2 = 8, rate 8 / 12 = 0.6667. Participants: U1 (E1, E2, E4), U2 (E1,
    E3), r7's email, r8's phone, U3 → 5. Entries: E2's 2. Months: 04 E1 + E6 → 2, 3, 2;
    05 E2 + E4 → 2, 5, 4; 06 E5 + E3 → 2, 4, 2 (sums 6, 12, 8).
    S1: E1 host, E2 host, E4 undertaker → count 3, credited 2.5, 8 confirmed, 6 checked in
    (0.75), participants U1, U2, r7, r8 → 4, entries 2; months 1/3/2, 2/5/4, 0/0/0.
    S2: E2 co-host, E3 host, E4 supporter, E5 supporter → count 4, credited 0.5 + 1 = 1.5,
    confirmed 4 + 3 + 1 + 1 = 9, checked in 3 + 2 + 1 + 0 = 6 (0.6667), participants U1, r7,
    r8, U3, U2 → 5, entries 2; months 0/0/0, 2/5/4, 2/4/2.

    Mentors: M1 (S1's pool) coached 04-10 60 min (U1, U2) and 05-10 30 min (U1) in the period,
    and 03-01 (out); M2 (S2) 06-10 45 min (U1, U3); M3 (S2) none; M4 (X) 05-05 (not ours).
    A: mentors 2, coachings 3, minutes 135, mentees U1, U2, U3 → 3. S1: 1, 2, 90, 2.
    S2: 1, 1, 45, 2.
    """
    b = Builder()
    alliance = factories.OrganizationFactory(name="报表联盟", kind="alliance")
    s1 = factories.OrganizationFactory(name="报表空间一")
    s2 = factories.OrganizationFactory(name="报表空间二")
    x = factories.OrganizationFactory(name="报表外单位")
    for member in (s1, s2):
        factories.commit(AllianceMember(alliance_id=alliance.id, member_id=member.id))
    u1, u2, u3 = (factories.UserFactory(name=f"报表用户{i}") for i in (1, 2, 3))

    e1 = event_of(s1, FROM, "salon", lead_name="王负责")
    r1 = b.person(e1, user=u1)
    b.scan(e1, r1)
    b.scan(e1, r1)
    b.scan(e1, b.person(e1), reverted=True)
    r3 = b.person(e1, user=u2)
    b.scan(e1, r3)
    b.scan(e1, r3, type_=ScanType.exit)
    b.person(e1, "pending")
    b.scan(e1, b.person(e1, "cancelled"))

    e6 = event_of(alliance, at(2026, 4, 15, 9), "week")

    e2 = event_of(s1, at(2026, 5, 10, 14), "contest")
    partner(e2, s2, "co_host")
    b.scan(e2, b.person(e2, user=u1))
    b.scan(e2, b.person(e2, email="LI@example.com "))
    b.scan(e2, b.person(e2, email="", phone="13900000008"))
    b.person(e2)
    b.person(e2, "waitlisted")
    track = factories.commit(Track(event_id=e2.id, name="报表组"))
    for title in ("项目一", "项目二"):
        factories.commit(Entry(event_id=e2.id, track_id=track.id, title=title))

    e4 = event_of(x, at(2026, 5, 20, 9), "camp")
    partner(e4, s1, "undertaker")
    partner(e4, s2, "supporter")
    b.scan(e4, b.person(e4, user=u1))

    e5 = event_of(x, at(2026, 6, 1, 9), "roadshow")
    partner(e5, s2, "supporter")
    b.person(e5)

    e3 = event_of(s2, at(2026, 6, 30, 23, 30), "forum", status="closed")
    partner(e3, x, "co_host")
    b.scan(e3, b.person(e3, user=u3))
    b.scan(e3, b.person(e3, user=u2))
    b.scan(e3, b.person(e3), main=False)

    draft = event_of(s1, at(2026, 5, 1, 9), status="draft")
    b.scan(draft, b.person(draft))
    draft_track = factories.commit(Track(event_id=draft.id, name="草稿组"))
    factories.commit(Entry(event_id=draft.id, track_id=draft_track.id, title="草稿项目"))
    cancelled = event_of(s2, at(2026, 5, 2, 9), status="cancelled")
    b.person(cancelled)
    before = event_of(s1, FROM - timedelta(seconds=1))
    b.scan(before, b.person(before))
    at_to = event_of(s1, TO)
    b.scan(at_to, b.person(at_to))
    x_only = event_of(x, at(2026, 5, 15, 9), "contest")
    b.scan(x_only, b.person(x_only))
    x_track = factories.commit(Track(event_id=x_only.id, name="外组"))
    factories.commit(Entry(event_id=x_only.id, track_id=x_track.id, title="外项目"))

    m1 = factories.mentor(s1, user=factories.UserFactory(name="报表导师一"))
    m2 = factories.mentor(s2, user=factories.UserFactory(name="报表导师二"))
    factories.mentor(s2)
    m4 = factories.mentor(x)
    coaching(m1, at(2026, 4, 10, 10), 60, u1, u2)
    coaching(m1, at(2026, 5, 10, 10), 30, u1)
    coaching(m1, at(2026, 3, 1, 10), 50, u3)
    coaching(m2, at(2026, 6, 10, 10), 45, u1, u3)
    coaching(m4, at(2026, 5, 5, 10), 40, u2)

    return SimpleNamespace(alliance=alliance, s1=s1, s2=s2, x=x, e1=e1, e2=e2, e3=e3, e4=e4,
                           e5=e5, e6=e6, draft=draft, at_to=at_to, users=(u1, u2, u3))


KINDS = ("week", "contest", "salon", "camp", "forum", "roadshow", "other")


def kinds(**n):
    return {kind: n.get(kind, 0) for kind in KINDS}


def month_rows(*rows):
    return [{"month": m, "events": e, "confirmed": c, "checked_in": k}
            for m, (e, c, k) in zip(("2026-04", "2026-05", "2026-06"), rows, strict=True)]


#: The figures worked out in `dataset`'s docstring.
ALLIANCE = {
    "events": {"count": 6, "credited": 4.5,
               "by_kind": kinds(week=1, contest=1, salon=1, camp=1, forum=1, roadshow=1),
               "by_role": {"host": 4, "co_host": 0, "undertaker": 1, "supporter": 1}},
    "registrations": 12, "checked_in": 8, "checkin_rate": 0.6667, "participants": 5,
    "entries": 2,
    "mentors": {"mentors": 2, "coachings": 3, "minutes": 135, "mentees": 3},
    "months": month_rows((2, 3, 2), (2, 5, 4), (2, 4, 2)),
}
S1 = {
    "events": {"count": 3, "credited": 2.5, "by_kind": kinds(salon=1, contest=1, camp=1),
               "by_role": {"host": 2, "co_host": 0, "undertaker": 1, "supporter": 0}},
    "registrations": 8, "checked_in": 6, "checkin_rate": 0.75, "participants": 4,
    "entries": 2,
    "mentors": {"mentors": 1, "coachings": 2, "minutes": 90, "mentees": 2},
    "months": month_rows((1, 3, 2), (2, 5, 4), (0, 0, 0)),
}
S2 = {
    "events": {"count": 4, "credited": 1.5,
               "by_kind": kinds(contest=1, forum=1, camp=1, roadshow=1),
               "by_role": {"host": 1, "co_host": 1, "undertaker": 0, "supporter": 2}},
    "registrations": 9, "checked_in": 6, "checkin_rate": 0.6667, "participants": 5,
    "entries": 2,
    "mentors": {"mentors": 1, "coachings": 1, "minutes": 45, "mentees": 2},
    "months": month_rows((0, 0, 0), (2, 5, 4), (2, 4, 2)),
}


def test_the_alliance_report_matches_the_hand_count(dataset):
    d = dataset
    report = organizations.org_report(d.alliance, FROM, TO)
    assert report == {
        "org_id": d.alliance.id, "from": FROM, "to": TO, **ALLIANCE,
        "members": [{"org_id": d.s1.id, "name": "报表空间一", **S1},
                    {"org_id": d.s2.id, "name": "报表空间二", **S2}],
    }


def test_a_member_report_matches_its_line_in_the_alliance(dataset):
    assert organizations.org_report(dataset.s1, FROM, TO) == {
        "org_id": dataset.s1.id, "from": FROM, "to": TO, **S1}
    assert organizations.org_report(dataset.s2, FROM, TO) == {
        "org_id": dataset.s2.id, "from": FROM, "to": TO, **S2}


@pytest.mark.parametrize(("who", "expected"), [("alliance", ALLIANCE), ("s1", S1), ("s2", S2)])
def test_each_figure_function_agrees(dataset, who, expected):
    org = getattr(dataset, who)
    assert organizations.events(org, FROM, TO) == expected["events"]
    assert organizations.registrations(org, FROM, TO) == expected["registrations"]
    assert organizations.checked_in(org, FROM, TO) == expected["checked_in"]
    assert organizations.participants(org, FROM, TO) == expected["participants"]
    assert organizations.entries(org, FROM, TO) == expected["entries"]
    assert organizations.mentors(org, FROM, TO) == expected["mentors"]
    assert organizations.months(org, FROM, TO) == expected["months"]


@pytest.mark.parametrize("figures", [ALLIANCE, S1, S2])
def test_the_months_add_up_to_the_totals(figures):
    rows = figures["months"]
    assert sum(r["events"] for r in rows) == figures["events"]["count"]
    assert sum(r["confirmed"] for r in rows) == figures["registrations"]
    assert sum(r["checked_in"] for r in rows) == figures["checked_in"]
    assert sum(figures["events"]["by_kind"].values()) == figures["events"]["count"]
    assert sum(figures["events"]["by_role"].values()) == figures["events"]["count"]


def test_an_organization_outside_the_alliance(dataset):
    """X: E4, E5 and its own event host (1 each), E3 co-host (0.5); none of the members'
    mentors; its own mentor's coaching."""
    x = organizations.org_report(dataset.x, FROM, TO)
    assert "members" not in x
    assert x["events"]["count"] == 4
    assert x["events"]["credited"] == 3.5
    assert x["events"]["by_role"] == {"host": 3, "co_host": 1, "undertaker": 0, "supporter": 0}
    assert x["registrations"] == 1 + 1 + 1 + 3 and x["checked_in"] == 1 + 0 + 1 + 2
    assert x["entries"] == 1
    assert x["mentors"] == {"mentors": 1, "coachings": 1, "minutes": 40, "mentees": 1}


def test_the_event_rows_of_the_alliance(dataset):
    d = dataset
    rows = organizations.event_rows(d.alliance, FROM, TO)
    assert [(r["id"], r["role"], r["confirmed"], r["checked_in"], r["checkin_rate"])
            for r in rows] == [
        (d.e1.id, "host", 3, 2, 0.6667), (d.e6.id, "host", 0, 0, 0),
        (d.e2.id, "host", 4, 3, 0.75), (d.e4.id, "undertaker", 1, 1, 1.0),
        (d.e5.id, "supporter", 1, 0, 0), (d.e3.id, "host", 3, 2, 0.6667)]
    first = rows[0]
    assert first == {"id": d.e1.id, "starts_at": FROM, "title": d.e1.title,
                     "venue": d.e1.venue, "kind": "salon", "role": "host", "confirmed": 3,
                     "checked_in": 2, "checkin_rate": 0.6667, "lead_name": "王负责"}
    assert [r["role"] for r in organizations.event_rows(d.s2, FROM, TO)] == [
        "co_host", "supporter", "supporter", "host"]


def test_the_bounds_of_the_period(dataset):
    """An event at ``from`` is in, one at ``to`` is out: moving the period by a second swaps
    them."""
    d = dataset
    later = organizations.event_rows(d.s1, FROM + timedelta(seconds=1), TO + timedelta(seconds=1))
    ids = [r["id"] for r in later]
    assert d.e1.id not in ids and d.at_to.id in ids
    assert organizations.events(d.s1, FROM - timedelta(seconds=1), FROM)["count"] == 1


def test_an_empty_period_has_zeros_for_every_month(dataset):
    start, end, _label = named_period("2025", "Asia/Shanghai")
    report = organizations.org_report(dataset.alliance, start, end)
    assert report["events"] == {"count": 0, "credited": 0.0, "by_kind": kinds(),
                                "by_role": {"host": 0, "co_host": 0, "undertaker": 0,
                                            "supporter": 0}}
    assert report["registrations"] == report["checked_in"] == report["participants"] == 0
    assert report["checkin_rate"] == 0
    assert [m["month"] for m in report["months"]] == [f"2025-{n:02d}" for n in range(1, 13)]
    assert all(m["events"] == m["confirmed"] == m["checked_in"] == 0 for m in report["months"])
    assert [m["org_id"] for m in report["members"]] == [dataset.s1.id, dataset.s2.id]


def test_an_alliance_without_members(_db):
    lonely = factories.OrganizationFactory(name="报表空联盟", kind="alliance")
    report = organizations.org_report(lonely, FROM, TO)
    assert report["members"] == [] and report["events"]["count"] == 0
    assert len(report["months"]) == 3


def test_the_report_takes_a_fixed_number_of_statements(dataset, count_statements):
    """Grouped queries only: one for the alliance's members, then five for the figures of
    the alliance and all its members together, whatever the data holds."""
    count_statements.clear()
    organizations.org_report(dataset.alliance, FROM, TO)
    assert len(count_statements) == 6, count_statements
    count_statements.clear()
    organizations.org_report(dataset.s1, FROM, TO)
    assert len(count_statements) == 5
    count_statements.clear()
    organizations.event_rows(dataset.alliance, FROM, TO)
    assert len(count_statements) == 1


def test_archived_counts_and_a_check_in_scanned_again_after_its_undo_counts(_db):
    """Closed and archived events count (only drafts and cancelled ones are left out); a
    check-in reverted and then scanned again counts, once."""
    b = Builder()
    space = factories.OrganizationFactory(name="报表归档空间")
    archived = event_of(space, at(2026, 5, 3, 9), status="archived")
    again = b.person(archived)
    b.scan(archived, again, reverted=True)
    b.scan(archived, again)
    b.scan(archived, again)
    b.scan(archived, b.person(archived), reverted=True)
    report = organizations.org_report(space, FROM, TO)
    assert report["events"]["count"] == 1
    assert (report["registrations"], report["checked_in"], report["participants"]) == (2, 1, 1)
    assert report["checkin_rate"] == 0.5
    assert organizations.checked_in(space, FROM, TO) == 1


def test_months_are_the_zones_months(dataset):
    """E1 starts at 2026-04-01 00:00 in Shanghai, still 31 March in UTC; E3 at 23:30 on
    30 June in Shanghai, 15:30 in UTC: the months follow the zone asked for."""
    shanghai = organizations.months(dataset.s1, FROM, TO)
    assert [m["month"] for m in shanghai] == ["2026-04", "2026-05", "2026-06"]
    utc = organizations.months(dataset.s1, FROM, TO, tz="UTC")
    assert [(m["month"], m["events"], m["confirmed"], m["checked_in"]) for m in utc] == [
        ("2026-03", 1, 3, 2), ("2026-04", 0, 0, 0), ("2026-05", 2, 5, 4), ("2026-06", 0, 0, 0)]
