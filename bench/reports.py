"""Reports at scale: an alliance of 50 spaces, 2,000 events, 400,000 registrations.

Builds the data set on a fresh PostgreSQL database (dropped, created and migrated with the app's
migrations) with set-based SQL (``INSERT ... SELECT generate_series`` and ``COPY``, never the
ORM row by row), then times inside an app context, warm, ``--repeat`` runs each (best and
median):

- the alliance's report for a year (``org_report``) and its events' rows (``event_rows``);
- one member space's report for a year and for a quarter;
- the event figures (``figures.event_stats``) of the biggest event;
- the alliance's workbook, when the exports are there.

Each figure must answer within 1 s (issue 15), the workbook (a file: the report, its events'
rows and the xlsx written) within 2 s. ``--explain`` prints EXPLAIN (ANALYZE, BUFFERS) of the
slowest SQL statement of every operation over its target. The CPU column (this process and its
PostgreSQL backend) tells what the work costs when other processes stretch the wall times.

The data set: one alliance with 50 member spaces (a few busy, most quiet), events over 18
months (2025-07 to 2026-12; salons most, contests, roadshows, weeks, camps, forums; ~3% drafts
and ~2% cancelled), ~15% of them with one or two partners among the members (联合主办, 承办,
协办), ~30% with categories and ~10% with sessions (a check-in list at the first one); the
registrations ~85% confirmed (pending, waitlisted, cancelled, rejected the rest), one event
with 5% of them; on the main list of every event that started, ~70% of the confirmed checked
in, some of those reverted (half of them scanned again), some scanned twice, some leaving by
an exit scan; contests' and roadshows' entries and judges; 8 mentors per space with office
hours (some at the space's events), bookings and coaching records (from bookings, about
entries, or logged on their own) with their mentees.

    python bench/reports.py [--events 2000] [--registrations 400000] [--members 50]
                            [--repeat 5] [--explain] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from bisect import bisect
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from bench._server import print_table  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/eventhub_bench_reports"
#: Issue 15: every figure within a second.
TARGET_MS = 1000.0
#: The workbook is a file, not a figure: the report, its events' rows and the xlsx written.
WORKBOOK_TARGET_MS = 2000.0
#: The exit status when an operation missed its target (a crash exits with 1).
TARGET_MISSED = 3

#: The events' 18 months (UTC); the reports' periods lie inside.
FIRST_DAY = datetime(2025, 7, 1)
DAYS = 549
SHANGHAI = ZoneInfo("Asia/Shanghai")
YEAR = (datetime(2026, 1, 1, tzinfo=SHANGHAI), datetime(2027, 1, 1, tzinfo=SHANGHAI))
QUARTER = (datetime(2026, 4, 1, tzinfo=SHANGHAI), datetime(2026, 7, 1, tzinfo=SHANGHAI))

KINDS = {"salon": 40, "forum": 14, "camp": 10, "contest": 10, "roadshow": 10, "week": 4,
         "other": 12}
#: How long an event of each kind lasts.
LENGTHS = {"salon": timedelta(hours=2), "forum": timedelta(hours=4), "camp": timedelta(days=3),
           "contest": timedelta(hours=8), "roadshow": timedelta(hours=3),
           "week": timedelta(days=5), "other": timedelta(hours=3)}
ORG_KINDS = ("maker_space", "maker_space", "incubator", "university_park")
PARTNER_ROLES = ("co_host", "undertaker", "supporter")
CATEGORIES = ("观众", "创业者", "投资人")
MENTORS_PER_SPACE = 8
SLOTS_PER_MENTOR = 10
#: The user who owns the alliance (the workbook's reader).
OWNER_ID = 1


# -- The database -----------------------------------------------------------------------


def fresh_database(url: str) -> None:
    """Drop and create the benchmark's database (the server must be reachable)."""
    parsed = sa.engine.make_url(url)
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{parsed.database}" ENCODING \'UTF8\''))
    admin.dispose()


def make_app(url: str):
    """The app (production settings) on the benchmark's database, migrated to the head."""
    os.environ["DATABASE_URL"] = url
    from flask_migrate import upgrade

    from eventhub import create_app

    app = create_app("production", SQLALCHEMY_DATABASE_URI=url, SECRET_KEY="bench")
    with app.app_context():
        upgrade()
    return app


# -- The plan: every event drawn in Python (a few thousand rows), the rest in SQL -------------


def plan(events: int, registrations: int, members: int, seed: int = 15) -> dict[str, Any]:
    """Draw the events (organizer, kind, status, time, size, partners, categories, sessions,
    entries) and the small tables' rows; the registrations, scans and bookings of sessions
    are derived in SQL from the events' rows."""
    rng = random.Random(seed)
    orgs = [(1, "基准创新联盟", "bench-alliance", "alliance")]
    orgs += [(2 + i, f"基准众创空间{i + 1:02d}", f"bench-space-{i + 1:02d}",
              ORG_KINDS[i % len(ORG_KINDS)]) for i in range(members)]
    member_ids = [o[0] for o in orgs[1:]]
    # A few busy spaces, most quiet ones.
    busy = list(accumulate(1 / (rank + 2) for rank in range(members)))
    kinds = list(KINDS)
    kind_weights = list(accumulate(KINDS.values()))

    # Sizes: one big event (a 双创周) with 5% of the registrations, the rest heavy-tailed.
    big = registrations // 20
    weights = [min(rng.paretovariate(1.6), 60.0) for _ in range(events - 1)]
    scale = (registrations - big) / sum(weights)
    sizes = [int(w * scale) for w in weights]
    for i in range(registrations - big - sum(sizes)):
        sizes[i % len(sizes)] += 1
    big_at = events // 2
    sizes.insert(big_at, big)
    # Drafts have nobody yet: their share goes to the next event.
    draws = [rng.random() for _ in range(events)]
    draws[big_at] = 1.0
    for index, draw in enumerate(draws):
        if draw < 0.03 and index + 1 < events:
            sizes[index + 1] += sizes[index]
            sizes[index] = 0

    rows, partners, categories, sessions, tracks = [], [], [], [], []
    offset = category_id = session_id = track_id = entry_offset = 0
    users = max(registrations // 4, max(sizes)) + 1000
    by_org: dict[int, list[tuple[int, datetime]]] = {}
    for index in range(events):
        event_id = index + 1
        starts = FIRST_DAY + timedelta(days=DAYS * index / events,
                                       hours=1 + rng.randrange(11), minutes=rng.choice((0, 30)))
        kind = "week" if index == big_at else kinds[bisect(kind_weights,
                                                           rng.random() * kind_weights[-1])]
        org_id = member_ids[bisect(busy, rng.random() * busy[-1])]
        draw = draws[index]
        status = "draft" if draw < 0.03 else "cancelled" if draw < 0.05 else "published"
        n = sizes[index]
        first_category = first_session = None
        if n and rng.random() < 0.30:
            first_category = category_id + 1
            for position, name in enumerate(CATEGORIES):
                category_id += 1
                categories.append((category_id, event_id, name, "", None, False,
                                   name == "投资人", position))
        if n and rng.random() < 0.10:
            first_session = session_id + 1
            for number in range(3):
                session_id += 1
                at = starts + timedelta(hours=number)
                sessions.append((session_id, event_id, f"分论坛{number + 1}", "", at,
                                 at + timedelta(hours=1), "", None))
        n_entries = track = 0
        if kind in ("contest", "roadshow") and status != "draft":
            n_entries = rng.randint(10, 40)
            track_id += 1
            track = track_id
            tracks.append((track_id, event_id, "综合组", 0, starts))
        if rng.random() < 0.15:
            others = rng.sample([m for m in member_ids if m != org_id], rng.choice((1, 1, 2)))
            for partner in others:
                partners.append((event_id, partner, rng.choice(PARTNER_ROLES), starts))
        rows.append((event_id, org_id, kind, status, starts, starts + LENGTHS[kind], n, offset,
                     rng.randrange(users), first_category, first_session, track or None,
                     n_entries, entry_offset))
        by_org.setdefault(org_id, []).append((event_id, starts))
        offset += n
        entry_offset += n_entries
    return {"orgs": orgs, "members": member_ids, "events": rows, "partners": partners,
            "categories": categories, "sessions": sessions, "tracks": tracks,
            "users": users, "by_org": by_org, "entries": entry_offset, "rng": rng}


def mentoring(p: dict[str, Any]) -> dict[str, list[tuple]]:
    """Mentors, their office hours (a fifth of them at one of the space's events), bookings
    and coaching records with their mentees."""
    rng, users = p["rng"], p["users"]
    mentors, slots, bookings, coachings, mentees = [], [], [], [], []
    for number, org_id in enumerate(p["members"]):
        events = p["by_org"].get(org_id, [])
        for seat in range(MENTORS_PER_SPACE):
            mentor_id = number * MENTORS_PER_SPACE + seat + 1
            user_id = 1 + ((number * MENTORS_PER_SPACE + seat) * 97) % users
            mentors.append((mentor_id, org_id, user_id, "创业导师", "基准投资", "[]", "", True,
                            FIRST_DAY, FIRST_DAY))
            for _ in range(SLOTS_PER_MENTOR):
                event_id = None
                if events and rng.random() < 0.2:
                    event_id, starts = rng.choice(events)
                else:
                    starts = FIRST_DAY + timedelta(days=rng.randrange(DAYS), hours=6)
                slot_id = len(slots) + 1
                slots.append((slot_id, mentor_id, starts, starts + timedelta(hours=1), "onsite",
                              "", 1, event_id, starts))
                if rng.random() < 0.8:
                    booking_id = len(bookings) + 1
                    mentee = 1 + rng.randrange(users)
                    status = rng.choice(("booked", "booked", "booked", "no_show", "cancelled"))
                    bookings.append((booking_id, slot_id, mentee, "融资辅导", status,
                                     None if status == "cancelled" else True, starts, ""))
                    if status == "booked":
                        coachings.append([mentor_id, starts, rng.choice((30, 45, 60, 90)),
                                          booking_id, None, mentee])
            for _ in range(5):  # logged on their own, some about a contest entry
                starts = FIRST_DAY + timedelta(days=rng.randrange(DAYS), hours=7)
                entry_id = (1 + rng.randrange(p["entries"])
                            if p["entries"] and rng.random() < 0.3 else None)
                coachings.append([mentor_id, starts, rng.choice((20, 30, 60, 120)), None,
                                  entry_id, 1 + rng.randrange(users)])
    for coaching_id, (mentor_id, starts, minutes, booking_id, entry_id, mentee) in enumerate(
            coachings, 1):
        status = "confirmed" if coaching_id % 3 else "logged"
        coachings[coaching_id - 1] = (
            coaching_id, mentor_id, starts, minutes, "onsite", "商业计划书", "", booking_id,
            entry_id, status, starts if status == "confirmed" else None, starts, starts)
        mentees.append((coaching_id, mentee))
        if coaching_id % 5 == 0:
            mentees.append((coaching_id, 1 + (mentee + 1) % p["users"]))
    return {"mentors": mentors, "slots": slots, "bookings": bookings, "coachings": coachings,
            "mentees": mentees}


# -- Building it -------------------------------------------------------------------------------

#: Pseudo-random but fixed draws per row come from PostgreSQL's integer hashes of the row's id
#: (``abs(hashint4(id)) %% 100``; ``hashint4(id # 1431655765)`` and ``hashint4(-id)`` for draws
#: independent of it: hashint8 of an int4 value is its hashint4); ``%%``:
#: every statement is sent with parameters.

SQL_USERS = """
INSERT INTO users (id, email, name, phone, locale, is_admin, is_active_account, created_at)
SELECT u, 'u' || u || '@bench.example.com', '参会者' || u, '139' || lpad(u::text, 8, '0'),
       'zh_Hans', false, true, %(first)s
FROM generate_series(1, %(users)s) AS u
"""

SQL_EVENTS = """
INSERT INTO events (id, org_id, title, kind, status, description, venue, address, lead_name,
                    starts_at, ends_at, timezone, capacity, registration_paused,
                    requires_approval, privacy_notice, privacy_version, is_listed, created_at,
                    updated_at, published_at)
SELECT p.event_id, p.org_id, '基准活动' || p.event_id, p.kind,
       CASE WHEN p.status = 'published' AND p.ends_at < now() AT TIME ZONE 'UTC'
            THEN (ARRAY['published', 'closed', 'archived'])[1 + p.event_id %% 3]
            ELSE p.status END,
       '', '路演厅', '', '负责人' || p.org_id, p.starts_at, p.ends_at, 'Asia/Shanghai',
       CASE WHEN p.event_id %% 2 = 0 THEN p.n + 20 END, false, false, '', 1, true,
       p.starts_at - interval '30 days', p.starts_at - interval '30 days',
       CASE WHEN p.status <> 'draft' THEN p.starts_at - interval '30 days' END
FROM bench_plan p
"""

SQL_REGISTRATIONS = """
INSERT INTO registrations (id, event_id, user_id, category_id, status, source, name, email,
                           phone, organization, job_title, answers, ticket_code,
                           consent_version, consent_at, queued_at, notes, decision_message,
                           created_at, updated_at, confirmed_at, cancelled_at, show_on_wall,
                           wall_name)
SELECT r.id, r.event_id, r.user_id, r.category_id, r.status, 'self', '参会者' || r.user_id,
       'u' || r.user_id || '@bench.example.com', '139' || lpad(r.user_id::text, 8, '0'),
       '基准公司', '', '{}',
       CASE WHEN r.status = 'confirmed' THEN 'BENCH' || lpad(r.id::text, 21, '0') END,
       '1', r.at, r.at, '', '', r.at, r.at,
       CASE WHEN r.status = 'confirmed' THEN r.at END,
       CASE WHEN r.status = 'cancelled' THEN r.at + interval '1 day' END, false, ''
FROM (
    SELECT p.reg_offset + k AS id, p.event_id,
           1 + (p.user_offset + k - 1) %% %(users)s AS user_id,
           p.first_category + k %% 3 AS category_id,
           p.starts_at - (k %% 30) * interval '1 day' - interval '1 day' AS at,
           CASE WHEN abs(hashint4(p.reg_offset + k)) %% 100 < 85 THEN 'confirmed'
                WHEN abs(hashint4(p.reg_offset + k)) %% 100 < 89 THEN 'pending'
                WHEN abs(hashint4(p.reg_offset + k)) %% 100 < 93 THEN 'waitlisted'
                WHEN abs(hashint4(p.reg_offset + k)) %% 100 < 98 THEN 'cancelled'
                ELSE 'rejected' END AS status
    FROM bench_plan p CROSS JOIN LATERAL generate_series(1, p.n) AS k
) AS r
"""

SQL_MAIN_LISTS = """
INSERT INTO checkin_lists (id, event_id, name, session_id, is_main, allow_reentry, created_at)
SELECT event_id, event_id, '主入口', NULL, true, false, starts_at - interval '30 days'
FROM bench_plan
"""

SQL_SESSION_LISTS = """
INSERT INTO checkin_lists (id, event_id, name, session_id, is_main, allow_reentry, created_at)
SELECT %(events)s + p.event_id, p.event_id, '分论坛1入口', p.first_session, false, false,
       p.starts_at - interval '30 days'
FROM bench_plan p WHERE p.first_session IS NOT NULL
"""

#: Confirmed registrations of events that took place: who came (70%), was reverted (3%, half
#: scanned again), scanned twice (5%), left through an exit scan (4%).
SQL_CAME = """
CREATE TEMP TABLE bench_came AS
SELECT r.id, r.event_id, r.ticket_code, p.starts_at, abs(hashint4(-r.id)) %% 100 AS h3,
       p.first_session
FROM registrations r JOIN bench_plan p ON p.event_id = r.event_id
WHERE r.status = 'confirmed' AND abs(hashint4(r.id # 1431655765)) %% 100 < 70
  AND p.status = 'published' AND p.starts_at < now() AT TIME ZONE 'UTC'
"""

SQL_SCANS = """
INSERT INTO scans (list_id, nonce, code, type, status, registration_id, at, device,
                   reverted_at, response)
SELECT c.event_id, s.nonce || c.id, c.ticket_code, s.type, s.status, c.id,
       c.starts_at + (c.id %% 90) * interval '1 minute' + s.later, 'bench',
       CASE WHEN s.nonce = 'a' AND c.h3 < 3 THEN c.starts_at + interval '2 hours' END, '{}'
FROM bench_came c
JOIN (VALUES ('a', 'entry', 'ok', interval '0', 0, 100),
             ('b', 'entry', 'ok', interval '3 hours', 0, 2),
             ('c', 'entry', 'already_checked_in', interval '5 minutes', 3, 8),
             ('d', 'exit', 'ok', interval '90 minutes', 8, 12))
     AS s (nonce, type, status, later, low, high)
  ON c.h3 >= s.low AND c.h3 < s.high
"""

SQL_BOOKED_SESSIONS = """
INSERT INTO registration_sessions (registration_id, session_id)
SELECT r.id, p.first_session + s
FROM registrations r JOIN bench_plan p ON p.event_id = r.event_id
CROSS JOIN generate_series(0, 2) AS s
WHERE p.first_session IS NOT NULL AND r.status = 'confirmed'
  AND (abs(hashint4(r.id)) %% 100 + s) %% 3 <> 0
"""

SQL_SESSION_SCANS = """
INSERT INTO scans (list_id, nonce, code, type, status, registration_id, at, device, response)
SELECT %(events)s + c.event_id, 's' || c.id, c.ticket_code, 'entry', 'ok', c.id,
       c.starts_at + interval '10 minutes', 'bench', '{}'
FROM bench_came c
JOIN registration_sessions b ON b.registration_id = c.id AND b.session_id = c.first_session
WHERE c.h3 %% 4 <> 0
"""

SQL_ENTRIES = """
INSERT INTO entries (id, event_id, track_id, title, team_name, institution, summary, leader_id,
                     members, attachment_name, attachment_type, created_at, updated_at)
SELECT p.entry_offset + k, p.event_id, p.track_id, '参赛项目' || (p.entry_offset + k), '团队',
       '', '', 1 + (p.user_offset + k) %% %(users)s, '[]', '', '',
       p.starts_at - interval '10 days', p.starts_at - interval '10 days'
FROM bench_plan p CROSS JOIN LATERAL generate_series(1, p.n_entries) AS k
WHERE p.track_id IS NOT NULL
"""

SQL_JUDGES = """
INSERT INTO judges (event_id, user_id, institution, expertise, invited_at, invited_name,
                    accepted_at)
SELECT p.event_id, 1 + (p.user_offset + 5000 + j) %% %(users)s, '', '[]', p.starts_at,
       '', p.starts_at
FROM bench_plan p CROSS JOIN generate_series(1, 5) AS j
WHERE p.track_id IS NOT NULL
"""

PLAN_COLUMNS = ("event_id int, org_id int, kind text, status text, starts_at timestamp, "
                "ends_at timestamp, n int, reg_offset int, user_offset int, first_category int, "
                "first_session int, track_id int, n_entries int, entry_offset int")

TABLES = {
    "organizations": ("id, name, slug, kind, description, created_at", "orgs"),
    "alliance_members": ("alliance_id, member_id, created_at", "alliance"),
    "memberships": ("id, org_id, user_id, role, created_at", "owners"),
    "event_partners": ("event_id, org_id, role, created_at", "partners"),
    "categories": ("id, event_id, name, description, capacity, requires_approval, investor, "
                   "position", "categories"),
    "event_sessions": ("id, event_id, title, description, starts_at, ends_at, room, capacity",
                       "sessions"),
    "tracks": ("id, event_id, name, position, created_at", "tracks"),
    "mentors": ("id, org_id, user_id, title, affiliation, expertise, bio, public, created_at, "
                "updated_at", "mentors"),
    "mentor_slots": ("id, mentor_id, starts_at, ends_at, mode, location, capacity, event_id, "
                     "created_at", "slots"),
    "mentor_bookings": ("id, slot_id, user_id, topic, status, live, created_at, cancel_message",
                        "bookings"),
    "mentor_coachings": ("id, mentor_id, started_at, minutes, mode, topic, notes, booking_id, "
                         "entry_id, status, confirmed_at, created_at, updated_at", "coachings"),
    "coaching_mentees": ("coaching_id, user_id", "mentees"),
}


def copy_rows(cur, table: str, columns: str, rows: list[tuple]) -> None:
    from psycopg import sql

    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns.split(", "))))
    with cur.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def build(url: str, events: int, registrations: int, members: int) -> dict[str, Any]:
    """Fill the (empty, migrated) database; return what the timings need and the counts."""
    import psycopg
    from psycopg import sql

    p = plan(events, registrations, members)
    p["alliance"] = [(1, member, FIRST_DAY) for member in p["members"]]
    p["owners"] = [(1, 1, OWNER_ID, "owner", FIRST_DAY)]  # the alliance's, for its workbook
    p["orgs"] = [(*org, "", FIRST_DAY) for org in p["orgs"]]
    p.update(mentoring(p))
    params = {"users": p["users"], "events": events, "first": FIRST_DAY}
    dsn = sa.engine.make_url(url).set(drivername="postgresql").render_as_string(
        hide_password=False)
    steps: dict[str, float] = {}

    def run(name: str, statement: str) -> None:
        started = time.perf_counter()
        cur.execute(statement, params)
        steps[name] = time.perf_counter() - started

    def copy(table: str, columns: str, rows: list[tuple]) -> None:
        started = time.perf_counter()
        copy_rows(cur, table, columns, rows)
        steps[table] = steps.get(table, 0) + time.perf_counter() - started

    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        run("users", SQL_USERS)
        for table, (columns, key) in list(TABLES.items())[:3]:
            copy(table, columns, p[key])
        cur.execute(f"CREATE TEMP TABLE bench_plan ({PLAN_COLUMNS})")
        copy("bench_plan", PLAN_COLUMNS.replace(" int", "").replace(" text", "").replace(
            " timestamp", ""), p["events"])
        cur.execute("ANALYZE bench_plan")
        run("events", SQL_EVENTS)
        for table, (columns, key) in list(TABLES.items())[3:7]:
            copy(table, columns, p[key])
        run("registrations", SQL_REGISTRATIONS)
        run("main lists", SQL_MAIN_LISTS)
        run("session lists", SQL_SESSION_LISTS)
        run("came", SQL_CAME)
        run("scans", SQL_SCANS)
        run("booked sessions", SQL_BOOKED_SESSIONS)
        run("session scans", SQL_SESSION_SCANS)
        run("entries", SQL_ENTRIES)
        run("judges", SQL_JUDGES)
        for table, (columns, key) in list(TABLES.items())[7:]:
            copy(table, columns, p[key])
        for table in ("users", "organizations", "memberships", "events", "categories",
                      "event_sessions", "registrations", "checkin_lists", "scans", "tracks",
                      "entries", "judges", "mentors", "mentor_slots", "mentor_bookings",
                      "mentor_coachings"):
            cur.execute(sql.SQL("SELECT setval(pg_get_serial_sequence({}, 'id'), "
                                "(SELECT coalesce(max(id), 0) + 1 FROM {}), false)")
                        .format(sql.Literal(table), sql.Identifier(table)))
        started = time.perf_counter()
        conn.commit()
        steps["commit"] = time.perf_counter() - started
        conn.autocommit = True
        run("vacuum analyze", "VACUUM ANALYZE")
        counts = {table: cur.execute(sql.SQL("SELECT count(*) FROM {}").format(
                      sql.Identifier(table))).fetchone()[0]
                  for table in ("events", "registrations", "scans", "event_partners",
                                "entries", "mentor_coachings")}
    biggest = max(p["events"], key=lambda row: row[6])
    space = max(p["by_org"], key=lambda org: len(p["by_org"][org]))
    return {"alliance_id": 1, "owner_id": OWNER_ID, "space_id": space,
            "biggest_event_id": biggest[0], "counts": counts, "steps": steps}


# -- Timing ---------------------------------------------------------------------------------


class Statements:
    """The SQL statements an operation sent, with the time each took."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.recording = False
        self.seen: list[tuple[float, str, Any]] = []
        sa.event.listen(engine, "before_cursor_execute", self.before)
        sa.event.listen(engine, "after_cursor_execute", self.after)

    def before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def after(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.recording:
            took = time.perf_counter() - conn.info.pop("bench_started", time.perf_counter())
            self.seen.append((took * 1000, statement, parameters))

    @contextmanager
    def record(self):
        self.seen, self.recording = [], True
        try:
            yield self.seen
        finally:
            self.recording = False


def backend_cpu(pid: int | None) -> float:
    """CPU seconds the PostgreSQL backend ``pid`` has used (0 when it is not on this machine)."""
    if pid is None:
        return 0.0
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = text[text.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(operation: Callable[[], Any], repeat: int, statements: Statements,
            ) -> tuple[Any, list[float], list[float], list[tuple[float, str, Any]]]:
    """Run once to warm up, then ``repeat`` times; the result, the wall times (ms), the CPU
    times (ms: this process and its PostgreSQL backend, parallel workers not counted; a busy
    machine stretches the wall time, not the CPU time) and the statements of the slowest
    run."""
    from eventhub.database import db

    operation()
    db.session.rollback()
    times, cpus, slowest = [], [], []
    for _ in range(repeat):
        pid = None
        if db.engine.dialect.name == "postgresql":
            pid = db.session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with statements.record() as seen:
            cpu = time.process_time() + backend_cpu(pid)
            started = time.perf_counter()
            result = operation()
            took = (time.perf_counter() - started) * 1000
            cpu = time.process_time() + backend_cpu(pid) - cpu
        db.session.rollback()
        if not times or took > max(times):
            slowest = list(seen)
        times.append(took)
        cpus.append(cpu * 1000)
    return result, times, cpus, slowest


def explain(statement: str, parameters: Any) -> str:
    from eventhub.database import db

    rows = db.session.connection().exec_driver_sql(
        "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).all()
    db.session.rollback()
    return "\n".join(row[0] for row in rows)


def size_of(result: Any) -> int | str:
    """The rows an answer holds: a list's length, a report's events, an event's registrations
    (a file: its size)."""
    if isinstance(result, list | tuple):
        return len(result)
    if isinstance(result, dict):
        events = result.get("events")
        if isinstance(events, dict) and "count" in events:
            return events["count"]
        registrations = result.get("registrations")
        if isinstance(registrations, dict):
            return sum(registrations.values())
    if isinstance(result, bytes | bytearray):
        return f"{len(result) / 1024:.0f} KB"
    return 1


def operations(ids: dict[str, Any]) -> list[tuple[str, Callable[[], Any], float]]:
    """The timed operations and their targets (ms), on what the build returned (the
    workbook when the exports exist)."""
    from eventhub.database import db
    from eventhub.models import Event, Organization
    from eventhub.reports import figures, organizations

    def org(org_id: int) -> Organization:
        return db.session.get(Organization, org_id)

    def event(event_id: int) -> Event:
        return db.session.get(Event, event_id)

    alliance, space, biggest = ids["alliance_id"], ids["space_id"], ids["biggest_event_id"]
    found = [
        ("org_report alliance, year", lambda: organizations.org_report(org(alliance), *YEAR),
         TARGET_MS),
        ("event_rows alliance, year", lambda: organizations.event_rows(org(alliance), *YEAR),
         TARGET_MS),
        ("org_report space, year", lambda: organizations.org_report(org(space), *YEAR),
         TARGET_MS),
        ("org_report space, quarter", lambda: organizations.org_report(org(space), *QUARTER),
         TARGET_MS),
        ("event_stats biggest event", lambda: figures.event_stats(event(biggest)), TARGET_MS),
    ]
    try:
        from eventhub.reports import exports
    except ImportError:  # not there yet
        return found
    from eventhub.models import User

    owner = ids["owner_id"]
    found.append(("workbook alliance, year", lambda: exports.workbook(
        db.session.get(User, owner), org(alliance), *YEAR), WORKBOOK_TARGET_MS))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--registrations", type=int, default=400_000)
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--explain", action="store_true",
                        help="EXPLAIN ANALYZE the slowest statement of an operation over target")
    parser.add_argument("--database-url",
                        default=os.environ.get("BENCH_REPORTS_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args(argv)

    started = time.perf_counter()
    fresh_database(args.database_url)
    app = make_app(args.database_url)
    migrated = time.perf_counter() - started
    started = time.perf_counter()
    ids = build(args.database_url, args.events, args.registrations, args.members)
    built = time.perf_counter() - started
    counts = ", ".join(f"{table} {n:,}" for table, n in ids["counts"].items())
    print(f"reports: {args.members} member spaces, {counts}; PostgreSQL")
    print(f"database created and migrated in {migrated:.1f} s, data built in {built:.1f} s")

    from eventhub.database import db

    rows, slow = [], []
    with app.app_context():
        statements = Statements(db.engine)
        for name, operation, target in operations(ids):
            result, times, cpus, seen = measure(operation, args.repeat, statements)
            best, median = min(times), statistics.median(times)
            met = median < target
            rows.append([name, size_of(result), len(seen), f"{best:.1f}", f"{median:.1f}",
                         f"{statistics.median(cpus):.0f}", f"< {target:.0f}",
                         "yes" if met else "NO"])
            if not met:
                slow.append((name, seen))
        load = " ".join(f"{n:.1f}" for n in os.getloadavg())
        print(f"warm runs: {args.repeat} each; load average {load} on {os.cpu_count()} CPUs")
        print_table(["operation", "rows", "SQL", "best ms", "median ms", "CPU ms", "target ms",
                     "met"], rows)
        if args.explain:
            for name, seen in slow:
                took, statement, parameters = max(seen, key=lambda s: s[0])
                print(f"\n{name}: slowest statement ({took:.1f} ms)\n{statement}\n")
                print(explain(statement, parameters))
        db.engine.dispose()
    return 0 if not slow else TARGET_MISSED


if __name__ == "__main__":
    sys.exit(main())
