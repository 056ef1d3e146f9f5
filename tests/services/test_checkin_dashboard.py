"""The organizers' check-in dashboard: numbers per list, arrivals per 5 minutes in the event's
zone, latest scans, devices; the live version (database and Redis); the demo's morning."""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from eventhub import demo
from eventhub.checkin import dashboard as board
from eventhub.checkin import live
from eventhub.checkin import services as checkin
from eventhub.checkin.models import CheckinList, Scan
from eventhub.checkin.signals import scan_recorded, scan_reverted
from eventhub.database import db, transactional
from eventhub.events.models import Event
from eventhub.registrations import services as reg
from eventhub.registrations.services import RegistrationInfo
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 5, 18)


def local(hour, minute, second=0, day=DAY):
    """A wall-clock time in Shanghai as an aware UTC datetime."""
    return datetime.combine(day, time(hour, minute, second), tzinfo=SHANGHAI).astimezone(UTC)


LATER = local(18, 0, day=DAY + timedelta(days=3))


@pytest.fixture
def people(event):
    """Five confirmed registrations of the event."""
    return [
        reg.register(
            factories.UserFactory(phone=f"1390000{n:04d}", name=f"参会者{n}"),
            event,
            RegistrationInfo(consent=True),
        )
        for n in range(5)
    ]


def scan(actor, checkin_list, registration, at, kind="entry", device="东门-1"):
    code = registration.ticket_code if registration is not None else "N35ZX25DJGH5CZ0N96ZZPKMBGG"
    return checkin.scan(
        actor, checkin_list, code, str(uuid.uuid4()), scan_type=kind, device=device, now=at
    )


def numbers(result):
    return {
        n.checkin_list.name: (n.expected, n.checked_in, n.inside) for n in result.lists
    }


def test_numbers_per_list_main_list_first(staff, organizer, event, main_list, people):
    forum = factories.SessionFactory(event=event, title="投资论坛")
    booked = [
        reg.register(
            factories.UserFactory(phone=f"1370000{n:04d}"),
            event,
            RegistrationInfo(consent=True, session_ids=[forum.id]),
        )
        for n in range(2)
    ]
    forum_list = checkin.create_list(organizer, event, "投资论坛", forum.id)
    scan(staff, main_list, people[0], local(8, 40))
    scan(staff, main_list, people[1], local(8, 41))
    scan(staff, main_list, people[1], local(10, 0), kind="exit")
    scan(staff, forum_list, booked[0], local(14, 0))
    scan(staff, forum_list, people[2], local(14, 1))  # not on the list

    result = board.dashboard(event, now=LATER)

    assert [n.checkin_list.id for n in result.lists] == [main_list.id, forum_list.id]
    assert numbers(result) == {main_list.name: (7, 2, 1), "投资论坛": (2, 1, 1)}
    assert [(n.expected, n.checked_in, n.inside) for n in result.lists] == [
        tuple(checkin.stats(lst).values()) for lst in (main_list, forum_list)
    ]


def test_arrivals_per_five_minutes_on_the_latest_day_in_local_time(staff, event, main_list,
                                                                   people):
    scan(staff, main_list, people[4], local(10, 0, day=DAY - timedelta(days=1)))  # another day
    scan(staff, main_list, people[0], local(8, 31, 5))
    scan(staff, main_list, people[1], local(8, 34, 59))
    scan(staff, main_list, people[0], local(8, 36))  # already checked in: no arrival
    scan(staff, main_list, None, local(8, 37))  # invalid: no arrival
    scan(staff, main_list, people[2], local(8, 52))
    scan(staff, main_list, people[2], local(9, 1), kind="exit")  # an exit: no arrival
    scan(staff, main_list, people[3], local(9, 9, 59))

    chart = board.dashboard(event, now=LATER).chart

    assert chart.day == DAY
    assert [(b.start.strftime("%H:%M"), b.count) for b in chart.buckets] == [
        ("08:30", 2), ("08:35", 0), ("08:40", 0), ("08:45", 0), ("08:50", 1), ("08:55", 0),
        ("09:00", 0), ("09:05", 1),
    ]
    assert all(b.start.utcoffset() == timedelta(hours=8) for b in chart.buckets)
    assert chart.total == 4 and chart.peak.start.strftime("%H:%M") == "08:30"
    # 40 minutes: a tick every 10 minutes, in local time; bars scaled to the round top (2).
    assert [label for _, label in chart.x_ticks] == ["08:30", "08:40", "08:50", "09:00"]
    assert [v for _, v in chart.y_ticks] == [0, 1, 2]
    tallest = chart.bars[0]
    assert tallest.y == chart.top and tallest.height == chart.bottom - chart.top
    assert chart.bars[1].height == 0 and chart.bars[4].height == tallest.height / 2
    assert all(chart.left <= b.x and b.x + b.width <= chart.right for b in chart.bars)


def test_the_chart_runs_until_now_while_that_day_lasts(staff, event, main_list, people):
    scan(staff, main_list, people[0], local(8, 31))
    chart = board.dashboard(event, now=local(8, 57)).chart
    assert [b.start.strftime("%H:%M") for b in chart.buckets] == [
        "08:30", "08:35", "08:40", "08:45", "08:50", "08:55"
    ]


def test_a_list_without_arrivals_has_an_empty_chart(event, main_list):
    result = board.dashboard(event, now=LATER)
    assert result.chart.day is None and result.chart.buckets == [] and result.chart.bars == []
    assert result.latest == [] and result.devices == []


def test_reverted_scans_do_not_count_but_show_as_undone(staff, event, main_list, people):
    kept = scan(staff, main_list, people[0], local(8, 31), device="东门-1")
    undone = scan(staff, main_list, people[1], local(8, 32), device="西门")
    checkin.revert(staff, undone["checkin_id"], now=local(8, 33))

    result = board.dashboard(event, now=LATER)

    assert numbers(result)[main_list.name] == (5, 1, 1)
    assert [(b.start.strftime("%H:%M"), b.count) for b in result.chart.buckets] == [("08:30", 1)]
    assert [(d.device, d.count) for d in result.devices] == [("东门-1", 1)]
    assert [(s.id, s.reverted) for s in result.latest] == [
        (undone["checkin_id"], True), (kept["checkin_id"], False)
    ]


def test_latest_twenty_scans_newest_first_with_list_device_and_who(
    staff, organizer, event, main_list, people
):
    for n in range(22):
        scan(organizer if n % 2 else staff, main_list, people[n % 5], local(9, n),
             device="西门" if n % 2 else "东门-1")

    latest = board.dashboard(event, now=LATER).latest

    assert len(latest) == board.LATEST == 20
    assert [s.at for s in latest] == sorted((s.at for s in latest), reverse=True)
    newest = latest[0]
    assert newest.at == local(9, 21) and newest.name == people[21 % 5].name
    assert (newest.list_name, newest.device, newest.by) == (main_list.name, "西门", organizer.name)
    assert newest.status == "already_checked_in" and latest[-1].at == local(9, 2)


def test_ok_entries_per_device_busiest_first(staff, event, main_list, people):
    scan(staff, main_list, people[0], local(8, 31), device="东门-2")
    scan(staff, main_list, people[1], local(8, 32), device="西门")
    scan(staff, main_list, people[2], local(8, 33), device="西门")
    scan(staff, main_list, people[0], local(8, 34), device="东门-2")  # a repeat
    scan(staff, main_list, people[1], local(8, 35), kind="exit", device="东门-2")  # an exit
    scan(staff, main_list, people[3], local(8, 36), device="")

    devices = board.dashboard(event, now=LATER).devices

    assert [(d.device, d.count, d.last_at) for d in devices] == [
        ("西门", 2, local(8, 33)), ("", 1, local(8, 36)), ("东门-2", 1, local(8, 31))
    ]


def test_the_chart_shows_the_asked_list_and_falls_back_to_the_main_one(
    staff, organizer, org, event, main_list, people
):
    door = checkin.create_list(organizer, event, "西侧门")
    scan(staff, door, people[0], local(13, 2))
    scan(staff, main_list, people[1], local(8, 2))
    assert board.dashboard(event, door.id, now=LATER).chart.checkin_list.id == door.id
    assert board.dashboard(event, door.id, now=LATER).chart.buckets[0].start.hour == 13
    other = factories.EventFactory(organization=org)
    foreign = factories.main_list_of(other)
    assert board.dashboard(event, foreign.id, now=LATER).chart.checkin_list.id == main_list.id


def test_the_scans_of_other_events_stay_out(staff, org, event, main_list, people):
    other = factories.EventFactory(organization=org)
    guest = reg.register(factories.UserFactory(phone="13600000001"), other,
                         RegistrationInfo(consent=True))
    scan(staff, factories.main_list_of(other), guest, local(8, 31))
    result = board.dashboard(event, now=LATER)
    assert result.latest == [] and result.devices == [] and result.chart.buckets == []


# The live version --------------------------------------------------------------------------


def test_the_database_version_changes_with_scans_and_reverts_only(staff, event, main_list,
                                                                   people, org):
    first = live.version(event.id)
    assert live.version(event.id) == first
    answer = scan(staff, main_list, people[0], local(8, 31))
    after_scan = live.version(event.id)
    assert after_scan != first
    scan(staff, main_list, None, local(8, 32))  # refused scans show in the latest list too
    after_invalid = live.version(event.id)
    assert after_invalid != after_scan
    checkin.revert(staff, answer["checkin_id"], now=local(8, 33))
    assert live.version(event.id) != after_invalid
    # Another event's scans leave this one's version alone.
    before = live.version(event.id)
    other = factories.EventFactory(organization=org)
    guest = reg.register(factories.UserFactory(phone="13600000002"), other,
                         RegistrationInfo(consent=True))
    scan(staff, factories.main_list_of(other), guest, local(8, 34))
    assert live.version(event.id) == before


def test_the_version_changes_each_refresh_interval_even_when_nothing_did(app, event,
                                                                         monkeypatch):
    """A missed signal shows within LIVE_REFRESH_SECONDS (tests set it beyond reach, so two
    requests of a test never fall on either side of a minute)."""
    import eventhub.live

    clock = [6_000_000.0]
    monkeypatch.setattr(eventhub.live.time, "time", lambda: clock[0])
    frozen = live.version(event.id)
    clock[0] += 3600
    assert live.version(event.id) == frozen  # the tests' setting
    monkeypatch.setitem(app.config, "LIVE_REFRESH_SECONDS", 60)
    first = live.version(event.id)
    clock[0] += 59.9
    assert live.version(event.id) == first
    clock[0] += 0.2
    assert live.version(event.id) != first


def test_the_database_version_sees_a_scan_that_committed_late(staff, event, main_list, people):
    """A scan whose id is lower than one seen already (its transaction committed later)."""
    first = scan(staff, main_list, people[0], local(8, 31))["checkin_id"]

    def row(scan_id):
        db.session.add(Scan(id=scan_id, list_id=main_list.id, nonce=str(uuid.uuid4()),
                            code="X", type="entry", status="invalid", at=local(8, 40)))
        db.session.flush()

    row(first + 1000)
    seen = live.version(event.id)
    row(first + 500)
    assert live.version(event.id) != seen


def test_the_redis_version_moves_when_bumped(redis_live, event, org):
    first = live.version(event.id)
    assert first.startswith("r0.")
    live.bump(event.id)
    assert live.version(event.id).startswith("r1.")
    assert redis_live.ttl(live.redis_key(event.id)) > 0
    other = factories.EventFactory(organization=org)
    assert live.version(other.id).startswith("r0.")


def test_signals_bump_redis_after_the_commit_only(redis_live, event):
    seen = []

    @transactional
    def record(fail=False):
        scan_recorded.send(event.id)
        scan_reverted.send(event.id)
        seen.append(int(redis_live.get(live.redis_key(event.id)) or 0))
        if fail:
            raise RuntimeError("rolled back")

    record()
    assert seen == [0]  # nothing before the commit
    assert int(redis_live.get(live.redis_key(event.id))) == 2
    with pytest.raises(RuntimeError):
        record(fail=True)
    assert int(redis_live.get(live.redis_key(event.id))) == 2  # nothing for a rollback


def test_scans_and_reverts_bump_the_redis_version(redis_live, staff, event, main_list):
    ticket = reg.register(factories.UserFactory(phone="13911112222"), event,
                          RegistrationInfo(consent=True)).ticket_code
    before = live.version(event.id)
    answer = checkin.scan(staff, main_list, ticket, "redis-bump-1")
    assert answer["status"] == "ok"
    after_scan = live.version(event.id)
    assert after_scan != before and after_scan.startswith("r1.")
    checkin.revert(staff, answer["checkin_id"])
    assert live.version(event.id).startswith("r2.")


def test_without_redis_the_signals_do_nothing_and_the_database_answers(event):
    scan_recorded.send(event.id)
    assert live.version(event.id).startswith("d")


def test_an_unreachable_redis_falls_back_to_the_database(app, monkeypatch, event):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    assert live.version(event.id).startswith("d")
    live.bump(event.id)  # logged, not raised


# The demo ----------------------------------------------------------------------------------


def test_the_demo_week_has_a_morning_of_check_ins(app):
    demo.load_demo()
    week = db.session.scalar(sa.select(Event).where(Event.title.like("%中国(沈阳)创业周")))
    result = board.dashboard(week)
    main = result.lists[0]
    assert main.checkin_list.is_main and main.checkin_list.allow_reentry
    assert main.checked_in >= 100 and main.inside < main.checked_in <= main.expected
    assert len(result.lists) == 2 and 0 < result.lists[1].checked_in <= result.lists[1].expected
    busy = [b for b in result.chart.buckets if b.count]
    assert len(busy) >= 6 and result.chart.total >= 100
    assert result.chart.day == week.starts_at.astimezone(week.tz).date()
    assert busy[0].start.strftime("%H:%M") >= "08:30" and busy[-1].end.strftime("%H:%M") <= "11:35"
    peak = result.chart.peak.start.strftime("%H:%M")
    assert "08:45" <= peak <= "09:40"
    statuses = set(db.session.scalars(
        sa.select(Scan.status).join(CheckinList).where(CheckinList.event_id == week.id)
    ))
    assert {"ok", "already_checked_in", "invalid"} <= statuses
    assert {d.device for d in result.devices} == {"东门-1", "东门-2", "西门"}
    assert len(result.latest) == board.LATEST

    scans = db.session.scalar(sa.select(sa.func.count()).select_from(Scan))
    demo.load_demo()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Scan)) == scans


def test_the_demo_check_ins_are_on_the_weeks_first_day_and_never_in_the_future(app):
    demo.load_demo()
    now = datetime.now(UTC)
    week = db.session.scalar(sa.select(Event).where(Event.title.like("%中国(沈阳)创业周")))
    first_day = week.starts_at.astimezone(week.tz).date()
    # Under way: it began yesterday, in its own zone, and takes registrations until it ends.
    assert first_day == now.astimezone(week.tz).date() - timedelta(days=1)
    assert week.starts_at < now < week.ends_at and week.registration_open(now)
    times = db.session.scalars(
        sa.select(Scan.at).join(CheckinList).where(CheckinList.event_id == week.id)).all()
    assert len(times) >= 100
    assert max(times) < now
    assert {at.astimezone(week.tz).date() for at in times} == {first_day}
    assert min(times) >= week.starts_at - timedelta(hours=1)  # the doors open at 08:30
