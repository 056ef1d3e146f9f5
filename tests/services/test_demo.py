"""The demo (`flask eventhub demo`), loaded once for this module's tests: each reads it and
rolls back to it (tests/services/test_cli.py loads it again, twice, and with --reset)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from eventhub.accounts import services as accounts
from eventhub.accounts.models import User
from eventhub.database import db
from eventhub.demo import DEMO_PASSWORD
from eventhub.events.models import Event, EventKind, EventStatus
from eventhub.orgs.models import Organization


@pytest.fixture(scope="module")
def demo(app, module_data):
    """What `flask eventhub demo` printed, its data in the module's shared transaction."""
    with module_data():
        result = app.test_cli_runner().invoke(args=["eventhub", "demo"])
    assert result.exit_code == 0, result.output
    return result


def test_demo_loads_people_orgs_and_upcoming_events(demo, now):
    result = demo
    assert result.exit_code == 0, result.output
    assert "admin@example.com" in result.output
    assert DEMO_PASSWORD in result.output

    names = set(db.session.scalars(sa.select(Organization.name)))
    assert names >= {
        "沈阳市众创空间", "大连理工大学科技园", "辽宁省众创空间联盟", "沈阳浑南科技孵化器"
    }

    admin = accounts.authenticate("admin@example.com", DEMO_PASSWORD)
    assert admin.is_admin
    people = list(db.session.scalars(sa.select(User)))
    assert len(people) >= 25
    for user in people:
        assert user.phone and len(user.phone) == 11 and user.phone[:2] in {"13", "15", "18"}

    events = list(db.session.scalars(sa.select(Event)))
    by_kind = {e.kind for e in events if e.status == EventStatus.published and e.starts_at > now}
    assert {EventKind.contest, EventKind.salon, EventKind.camp} <= by_kind
    assert any(e.status == EventStatus.draft for e in events)
    assert any(e.ends_at < now for e in events)

    # The week is under way (its first morning's check-ins are behind us) and newcomers can
    # still register.
    [week] = [e for e in events if e.kind == EventKind.week]
    assert week.status == EventStatus.published and week.starts_at < now < week.ends_at
    assert week.registration_open(now)
    assert 5 <= len(week.sessions) <= 6
    assert all(s.room and s.starts_at >= week.starts_at for s in week.sessions)
    assert "开幕式" in week.sessions[0].title
    local = week.starts_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert (local.hour, local.minute) == (9, 0)


def test_demo_has_registrations_in_every_status(demo):
    from eventhub.registrations import queries
    from eventhub.registrations.models import Registration, registration_sessions

    total = db.session.scalar(sa.select(sa.func.count()).select_from(Registration))
    assert total >= 200
    statuses = set(db.session.scalars(sa.select(Registration.status).distinct()))
    assert {s.value for s in statuses} == {
        "confirmed", "pending", "waitlisted", "cancelled", "rejected"
    }
    events = {e.kind: e for e in db.session.scalars(
        sa.select(Event).where(Event.status == EventStatus.published))}
    week = events[EventKind.week]
    salon = db.session.scalar(sa.select(Event).where(Event.title == "创业沙龙·AI 大模型与智能制造"))
    for event in (week, salon):
        assert [c.name for c in queries.categories_of(event)] == [
            "观众", "创业者", "投资人", "媒体", "嘉宾"
        ]
        assert [q.label for q in queries.questions_of(event)] == [
            "所在城市", "关注领域", "团队人数", "是否需要住宿"
        ]
        assert next(c for c in queries.categories_of(event) if c.name == "投资人").requires_approval
    counts = queries.status_counts(salon)
    assert counts["confirmed"] == salon.capacity and counts["waitlisted"] > 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(registration_sessions)) > 100
    for user in db.session.scalars(sa.select(User)):
        assert user.phone and len(user.phone) == 11


def test_demo_contest_has_judging(demo):
    from eventhub.judging.assignments import assignments_of
    from eventhub.judging.entries import entries_of, tracks_of
    from eventhub.judging.judges import conflicts_of, is_conflicted, judges_of, same_institution
    from eventhub.judging.models import (
        Assignment,
        Entry,
        Judge,
        RoundStatus,
        Scorecard,
        ScorecardStatus,
    )
    from eventhub.judging.results import round_results, round_statistics
    from eventhub.judging.rounds import round_entry_ids, rounds_of, weight_total
    from eventhub.judging.scorecards import my_assignments

    contest = db.session.scalar(sa.select(Event).where(Event.title == "第十届辽宁创新创业大赛"))
    assert [t.name for t in tracks_of(contest)] == ["科技创新组", "乡村振兴组"]
    entries = entries_of(contest)
    assert len(entries) == 40
    assert all(e.team_name and e.institution and e.summary and len(e.members) >= 3
               for e in entries)
    judges = judges_of(contest)
    assert sorted(j.user.email for j in judges) == [f"judge{n}@example.com" for n in range(1, 10)]
    for judge in judges:
        assert judge.institution and judge.expertise
        assert accounts.authenticate(judge.user.email, DEMO_PASSWORD) is not None
    assert len(conflicts_of(contest)) >= 1
    assert any(same_institution(j, e) for j in judges for e in entries)

    online, final = rounds_of(contest)
    assert (online.name, online.status, online.anonymous) == ("网评", RoundStatus.published, True)
    assert online.notice_ends_at is not None and len(online.criteria) >= 5
    assert weight_total(online) == 100
    pairs = [(a.judge, a.entry) for a in assignments_of(online)]
    assert len(pairs) == 5 * 40
    assert not any(is_conflicted(j, e) for j, e in pairs)
    cards = {(c.judge_id, c.entry_id): c.status for c in db.session.scalars(
        sa.select(Scorecard).where(Scorecard.round_id == online.id))}
    assert all(cards.get((j.id, e.id)) == ScorecardStatus.submitted for j, e in pairs)
    tops = {}
    for method in ("mean", "trimmed_mean", "zscore", "median"):
        results = round_results(online, method)
        assert [len(t["entries"]) for t in results["tracks"]] == [20, 20]
        assert all(line["score"] is not None and line["n_scores"] == 5
                   for t in results["tracks"] for line in t["entries"])
        tops[method] = [line["entry_id"] for t in results["tracks"] for line in t["entries"]]
    assert tops["zscore"] != tops["mean"]  # the strict and the generous judge are corrected
    statistics = round_statistics(online)
    stats = {j["name"]: j["deviation"] for j in statistics["judges"]}
    assert stats["郑海涛"] < -5 < 5 < stats["邓国栋"]
    # 科技创新组: every judge without a conflict in the track scored all its entries, so its
    # Kendall's W is computed; 乡村振兴组's automatic assignment leaves it undefined.
    agreement = {t["name"]: t for t in statistics["tracks"]}
    tech, rural = agreement["科技创新组"], agreement["乡村振兴组"]
    assert tech["kendall_w"] is not None and 0 < tech["kendall_w"] <= 1
    assert (tech["entries"], tech["judges"], tech["complete"]) == (20, 5, 5)
    assert rural["kendall_w"] is None and rural["undefined_because"] == "incomplete"

    advanced = {line["entry_id"] for t in round_results(online, "trimmed_mean")["tracks"]
                for line in t["entries"] if line["advances"]}
    assert round_entry_ids(final) == advanced and len(advanced) >= 16
    assert (final.name, final.status, final.anonymous) == ("决赛路演", RoundStatus.open, False)
    assigned = db.session.execute(sa.select(Assignment.judge_id, Assignment.entry_id).where(
        Assignment.round_id == final.id)).all()
    by_id = {e.id: e for e in entries}
    expected = {(j.id, e) for j in judges for e in advanced
                if not is_conflicted(j, by_id[e])}
    assert set(assigned) == expected
    statuses = set(db.session.scalars(
        sa.select(Scorecard.status).where(Scorecard.round_id == final.id)))
    assert statuses == {ScorecardStatus.draft, ScorecardStatus.submitted}
    judge1 = accounts.find_user_by_email("judge1@example.com")
    queue = [item.status for item in my_assignments(judge1, final.id)]
    assert {"todo", "draft", "submitted"} <= set(queue)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Judge)) == 9
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Entry)) == 40


def test_demo_has_a_mentor_pool_with_a_year_of_coaching(demo, now):
    from datetime import timedelta

    from eventhub.judging.judges import is_conflicted, judges_of
    from eventhub.judging.models import Entry, Judge
    from eventhub.mentors.models import (
        BookingStatus,
        CoachingStatus,
        Mentor,
        MentorBooking,
        MentorCoaching,
        MentorSlot,
    )
    from eventhub.mentors.report import mentor_report
    from eventhub.mentors.services import ratings_of, slots_of

    result = demo
    for login in ("liuzhiyuan@example.com", "zhangwei@example.com"):
        assert login in result.output
    mentors = list(db.session.scalars(sa.select(Mentor).order_by(Mentor.id)))
    assert len(mentors) == 12
    assert len({m.org_id for m in mentors}) == 4
    assert all(m.title and m.affiliation and m.bio and len(m.expertise) >= 2 for m in mentors)
    assert 1 <= sum(not m.public for m in mentors) <= 2
    assert all(accounts.authenticate(m.user.email, DEMO_PASSWORD) for m in mentors)

    # The last year's report: mentors who meet the rule and mentors who don't, in every pool
    # that has several.
    admin = accounts.find_user_by_email("admin@example.com")
    rows = []
    for org in db.session.scalars(sa.select(Organization).where(
            Organization.id.in_({m.org_id for m in mentors}))):
        rows += mentor_report(admin, org, now - timedelta(days=365), now)["mentors"]
    assert len(rows) == 12
    assert any(r["meets_rule"] for r in rows) and any(not r["meets_rule"] for r in rows)
    # Some fall short with many coachings: not confirmed, or too short to count.
    assert any(not r["meets_rule"] and r["coachings"] >= 10 for r in rows)
    assert all(r["coachings"] > 0 and r["mentees"] > 0 for r in rows)
    assert any(r["no_shows"] for r in rows) and sum(r["entries"] for r in rows) >= 7
    statuses = set(db.session.scalars(sa.select(MentorCoaching.status).distinct()))
    assert statuses == {CoachingStatus.logged, CoachingStatus.confirmed}
    assert db.session.scalar(sa.select(sa.func.min(MentorCoaching.minutes))) < 30
    oldest = db.session.scalar(sa.select(sa.func.min(MentorCoaching.started_at)))
    assert db.session.scalar(sa.select(sa.func.max(MentorCoaching.started_at))) < now
    assert (now - oldest).days > 300
    assert set(db.session.scalars(sa.select(MentorBooking.status).distinct())) == set(
        BookingStatus)

    # A rating shows from 3 ratings on: mentors with fewer have none.
    ratings = ratings_of([m.id for m in mentors])
    assert any(0 < count < 3 and rating is None for rating, count in ratings.values())
    assert any(count >= 3 and rating is not None for rating, count in ratings.values())

    # Office hours to book: public mentors' upcoming ones with free places, some at the week.
    free = [slot for m in mentors if m.public for slot, booked in slots_of(m, start=now)
            if booked < slot.capacity]
    assert len(free) >= 10
    week = db.session.scalar(sa.select(Event).where(Event.kind == EventKind.week))
    at_week = list(db.session.scalars(sa.select(MentorSlot).where(
        MentorSlot.event_id == week.id)))
    assert any(s.starts_at < now for s in at_week) and any(s.starts_at > now for s in at_week)
    zhangwei = accounts.find_user_by_email("zhangwei@example.com")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MentorBooking).join(
        MentorBooking.slot).where(MentorBooking.user_id == zhangwei.id,
                                  MentorSlot.starts_at > now)) >= 1

    # A mentor who judges the contest coached entries of it: the automatic conflict.
    contest = db.session.scalar(sa.select(Event).where(Event.kind == EventKind.contest))
    coached = db.session.execute(
        sa.select(Judge, Entry)
        .join(Mentor, Mentor.user_id == Judge.user_id)
        .join(MentorCoaching, MentorCoaching.mentor_id == Mentor.id)
        .join(Entry, Entry.id == MentorCoaching.entry_id)
        .where(Judge.event_id == contest.id, Entry.event_id == contest.id)
    ).all()
    assert coached and {j.id for j, _ in coached} == {
        j.id for j in judges_of(contest) if j.user.email == "judge2@example.com"}
    assert all(is_conflicted(judge, entry) for judge, entry in coached)


def test_demo_investors_marked_the_live_final(demo):
    from eventhub.engagement import investors
    from eventhub.engagement.models import InvestorConnection, InvestorInterest
    from eventhub.judging.rounds import round_entry_ids, rounds_of

    result = demo
    assert "investor1@example.com" in result.output
    contest = db.session.scalar(sa.select(Event).where(Event.kind == EventKind.contest))
    final = rounds_of(contest)[-1]
    marks = list(db.session.scalars(sa.select(InvestorInterest)))
    assert {m.level.value for m in marks} == {"interested", "meeting", "bp"}
    assert {m.entry_id for m in marks} <= round_entry_ids(final)
    people = {m.investor for m in marks}
    assert 2 <= len(people) <= 3
    assert all(investors.is_investor_at(user, contest) for user in people)
    assert all(accounts.authenticate(user.email, DEMO_PASSWORD) for user in people)
    [connection] = db.session.scalars(sa.select(InvestorConnection))
    leader = accounts.find_user_by_email("zhangwei@example.com")
    assert connection.leader_id == leader.id
    assert [c["entry_id"] for c in investors.connections_of(leader)] == [connection.entry_id]


def test_demo_big_screen_suite(demo, now):
    """The 创业周 opening's wall and draws, the live final's 人气奖 poll, last month's salon's
    survey and certificates, all as their services and API.md define them."""
    import hashlib

    from eventhub.checkin.services import checked_in_query
    from eventhub.engagement import certificates, draws, polls, surveys, wall
    from eventhub.engagement.models import Certificate, Draw
    from eventhub.judging.rounds import round_entry_ids, rounds_of
    from eventhub.registrations.models import Registration

    events = {e.kind: e for e in db.session.scalars(sa.select(Event))}
    week, contest = events[EventKind.week], events[EventKind.contest]
    past = db.session.scalar(sa.select(Event).where(Event.title == "创业沙龙·硬科技项目融资实务"))
    organizer = accounts.find_user_by_email("organizer@example.com")

    # The wall: opted-in arrivals (some with names of their own), one name hidden.
    shown = wall.wall(week)
    assert 40 <= len(shown.items) < shown.checked_in
    names = [item.wall_name for item in shown.items]
    assert "云机联 张伟" in names and sum(not n.endswith("**") for n in names) >= 5
    assert all(db.session.get(Registration, i.registration_id).show_on_wall for i in shown.items)
    assert sum(row.hidden for row in wall.admin_rows(week)) == 1

    # The draws: one finished (a winner redrawn with the reason), anyone recomputes its
    # winners from the public record; one committed, its seed still secret.
    by_status = {d.status.value: d for d in draws.draws_of(week)}
    assert set(by_status) == {"committed", "drawn"}
    record = draws.public_record(by_status["drawn"])
    seed, pool = record["seed"], record["pool"]
    sha = lambda text: hashlib.sha256(text.encode("ascii")).hexdigest()  # noqa: E731
    assert len(seed) == 64 and record["commitment"] == sha(seed)
    assert record["pool_digest"] == sha(",".join(str(i) for i in sorted(pool)))
    order = sorted(pool, key=lambda i: sha(f"{seed}:{i}"))
    drawn = sum(p["count"] for p in record["prizes"])
    [redrawn] = record["redraws"]
    assert redrawn["reason"] and redrawn["registration_id"] in order[:drawn]
    assert [w["registration_id"] for w in record["winners"]] == [
        i for i in order[: drawn + 1] if i != redrawn["registration_id"]]
    expected = [p["name"] for p in record["prizes"] for _ in range(p["count"])]
    assert sorted(w["prize"] for w in record["winners"]) == sorted(expected)
    committed = draws.public_record(by_status["committed"])
    assert "seed" not in committed and committed["pool_size"] > 50
    row = db.session.get(Draw, committed["id"])
    assert not set(row.pool) & {w["registration_id"] for w in record["winners"]}

    # The 人气奖 poll of the live final: open, its options the final's entries, votes from
    # confirmed registrants at a human pace.
    [poll] = polls.polls_of(contest)
    final = rounds_of(contest)[-1]
    assert poll.status.value == "open" and poll.round_id == final.id
    assert {o.entry_id for o in poll.options} == round_entry_ids(final)
    tally = polls.tally(poll)
    assert tally["voters"] > 20 and sum(o["votes"] for o in tally["options"]) == tally["voters"]
    assert not polls.alarm(poll).raised

    # Last month's salon: its survey's answers (mostly 4 and 5 stars, some lower, comments)
    # and a certificate of attendance for each person who came.
    results = surveys.results(organizer, past)
    came = len(db.session.scalars(checked_in_query(past)).all())
    assert came >= 30 and came // 2 <= results["responses"] <= came
    assert 3.5 < results["average"] < 4.8
    ratings = [q for q in results["questions"] if q["kind"] == "rating"]
    assert all(sum(1 for n in q["counts"].values() if n) >= 3 for q in ratings)
    assert any(q["kind"] == "text" and q["texts"] for q in results["questions"])
    issued = certificates.event_certificates(organizer, past)
    assert len(issued) == came and {c.kind.value for c in issued} == {"attendance"}

    # The contest's published online round: award certificates for the led entries at the
    # top of each track; zhangwei's team's is on his page.
    awards = certificates.event_certificates(organizer, contest)
    assert awards and all(c.kind.value == "award" and c.award.startswith("网评") for c in awards)
    zhangwei = accounts.find_user_by_email("zhangwei@example.com")
    assert any(c.kind.value == "award" for c in certificates.certificates_of(zhangwei))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == len(
        issued) + len(awards)


def test_demo_alliance_year_series_and_sponsor(demo, now):
    """The 辽宁省众创空间联盟 with the four spaces as members, their year of events with
    partners (every month has people checked in), one event without a 负责人, the 星海创业沙龙
    series with returning people and subscribers, and the sponsor viewer among the logins."""
    from datetime import timedelta

    from eventhub.events import series as series_services
    from eventhub.events.models import EventPartner, Series, SeriesNotice
    from eventhub.orgs import alliances
    from eventhub.orgs.models import Membership, Role
    from eventhub.permissions import org_role
    from eventhub.reports import organizations, series_figures

    result = demo
    assert "sponsor@example.com" in result.output
    orgs = {o.name: o for o in db.session.scalars(sa.select(Organization))}
    alliance = orgs["辽宁省众创空间联盟"]
    assert {o.name for o in alliances.member_orgs(alliance)} == {
        "沈阳市众创空间", "大连理工大学科技园", "沈阳浑南科技孵化器", "大连星海众创空间"}

    # The sponsor reads the alliance and one space, and is nobody's organizer.
    sponsor = accounts.authenticate("sponsor@example.com", DEMO_PASSWORD)
    assert org_role(sponsor, alliance.id) == Role.viewer
    assert org_role(sponsor, orgs["沈阳市众创空间"].id) == Role.viewer
    assert set(db.session.scalars(sa.select(Membership.role).where(
        Membership.user_id == sponsor.id))) == {Role.viewer}

    # Partners: 联合主办 between two members, 承办 and 协办.
    partners = db.session.execute(sa.select(EventPartner, Event).join(
        Event, Event.id == EventPartner.event_id)).all()
    members = {o.id for o in alliances.member_orgs(alliance)}
    assert {p.role.value for p, _ in partners} == {"co_host", "undertaker", "supporter"}
    assert any(p.role.value == "co_host" and p.org_id in members and e.org_id in members
               for p, e in partners)

    # The alliance's last year: every month (but the first, cut by the period) has people
    # checked in; each event of several members counts once.
    report = organizations.org_report(alliance, now - timedelta(days=365), now)
    assert sum(1 for m in report["months"] if m["checked_in"] > 0) >= 11
    assert report["events"]["count"] >= 15 and report["checked_in"] > 300
    # Every event has its 负责人 but one (the dashboard's warning).
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event).where(
        Event.lead_name == "")) == 1

    # The salon series: six past dates with people checked in, regulars who came back, one
    # date to come whose publication was announced to each subscriber once.
    [series] = db.session.scalars(sa.select(Series).where(Series.title == "星海创业沙龙"))
    dates = series_services.dates_of(series, now)
    assert len(dates.past) == 6 and len(dates.upcoming) == 1
    figures = series_figures.series_figures(series)
    assert all(d["checked_in"] >= 10 for d in figures["dates"] if d["starts_at"] < now)
    assert figures["returning"] >= 8 and figures["participants"] > figures["returning"]
    subscribers = series_services.subscriber_count(series)
    assert subscribers >= 10
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SeriesNotice).where(
        SeriesNotice.event_id == dates.upcoming[0].id)) == subscribers
