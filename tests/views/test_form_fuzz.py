"""Every HTML form against bad input: never a 5xx (issue 11, point 11).

Every POST route outside /api/ (read from the app's URL map, so a new form joins at once) is
sent, as an organizer, as a team leader who registered and as a judge: no fields, empty fields,
100,000-character strings, control characters, negative, unknown and out-of-range numbers and
ids, repeated fields, and unknown ids in its URL. The field names are those of every form of the
app (and the few read straight from the post), so each form receives its own fields. One world
serves all routes; each route's posts run in a savepoint rolled back after them, so a delete or
a sign-out does not hide the routes after it.
"""

from __future__ import annotations

import re
import traceback
from datetime import timedelta

import flask
import pytest
import sqlalchemy as sa
from flask_wtf.csrf import generate_csrf
from werkzeug.datastructures import MultiDict
from werkzeug.routing import AnyConverter, IntegerConverter, Rule
from wtforms import StringField
from wtforms.fields.core import UnboundField

from eventhub.accounts.services import create_token
from eventhub.checkin import services as checkin
from eventhub.database import db
from eventhub.engagement import certificates, draws, investors, polls
from eventhub.events import series
from eventhub.judging.assignments import assign
from eventhub.judging.entries import EntryInfo, create_entry, create_track, set_entry_window
from eventhub.judging.judges import declare_conflict
from eventhub.judging.models import Entry
from eventhub.mentors import services as mentors
from eventhub.registrations import form_builder
from eventhub.registrations import services as reg
from eventhub.registrations.form_builder import QuestionInfo
from eventhub.webforms import Form
from tests import factories
from tests.views.conftest import fresh

HUGE = "x" * 100_000
CONTROL = "a\x00\x08\x0b\x1b\x7f\x85\ufffeb"
#: An id no row has, and one beyond the ids' range (a query with it fails in the database).
UNKNOWN_IDS = ("424242", "99999999999999999999")
#: Fields some views read from the post directly (not through a form class).
POSTED_DIRECTLY = ("action", "entry_id", "version", "pitch_minutes", "qa_minutes", "next",
                   "status", "category", "q", "page")
#: Blueprints whose ``event_id`` is a contest's.
CONTEST_BLUEPRINTS = ("contest_admin", "judging_entries", "judging", "roadshow", "investors")


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _field_names() -> tuple[list[str], list[str]]:
    """The names of every form field of the app (with each form's prefix), and those of its
    text fields."""
    names, texts = set(POSTED_DIRECTLY), set(POSTED_DIRECTLY)
    for form in _subclasses(Form):
        prefix = getattr(form, "PREFIX", "")
        for attr in dir(form):
            unbound = getattr(form, attr, None)
            if not isinstance(unbound, UnboundField):
                continue
            found = {attr, f"{prefix}-{attr}"} if prefix else {attr}
            names |= found
            if issubclass(unbound.field_class, StringField):
                texts |= found
    names.discard("csrf_token")
    texts.discard("csrf_token")
    return sorted(names), sorted(texts)


def _bodies(names: list[str], texts: list[str], everything: bool) -> list[tuple[str, MultiDict]]:
    cases = [("missing", MultiDict()), ("control", MultiDict([(n, CONTROL) for n in names]))]
    if everything:
        odd = ("-1", "1e999", "NaN", "½", "1.5", "2026-13-45T25:61")
        cases += [
            ("empty", MultiDict([(n, "") for n in names])),
            # Over every length limit; text fields only, or each post would be megabytes.
            ("huge", MultiDict([(n, HUGE) for n in texts])),
            ("out_of_range_ids", MultiDict([(n, UNKNOWN_IDS[1]) for n in names])),
            ("unknown_ids", MultiDict([(n, UNKNOWN_IDS[0]) for n in names])),
            ("not_numbers", MultiDict([(n, odd[i % len(odd)]) for i, n in enumerate(names)])),
            ("repeated", MultiDict([(n, v) for n in names for v in ("1", "x")])),
        ]
    return cases


def _evidence_photo(event):
    """An evidence photo of the event (its row only: deleting it removes no file)."""
    from eventhub.reports.models import EventPhoto

    photo = EventPhoto(event_id=event.id, key="0" * 32, format="JPEG", size=1)
    db.session.add(photo)
    db.session.flush()
    return photo


@pytest.fixture
def world(org, owner, staff, participant, event, now):
    """An event with a form, a session and the participant's registration; a contest with an
    open entry window, the participant's entry, a judge assigned to it in an open round and
    declared in conflict with a second entry; an API token of the organizer; a mentor of the
    org's pool with an office hour the participant booked; the organizer as a mentor too, with
    a coaching of the participant."""
    category = form_builder.save_category(owner, event, "观众", None)
    questions = [form_builder.save_question(owner, event, QuestionInfo(label, kind, **extra))
                 for label, kind, extra in [("所在城市", "text", {}), ("简介", "textarea", {}),
                                            ("阶段", "choice", {"options": ["天使轮", "A轮"]})]]
    registration = reg.register(participant, event, reg.RegistrationInfo(
        consent=True, category_id=category.id, answers={str(questions[0].id): "沈阳"}))
    contest = factories.contest(org)
    track = create_track(owner, contest, "医疗健康")
    set_entry_window(owner, contest, now - timedelta(days=1), now + timedelta(days=1))
    entry = create_entry(owner, contest, EntryInfo(
        title="智能导诊", track_id=track.id, leader_id=participant.id,
        members=[{"name": "张三", "role": "CEO"}]))
    other = create_entry(owner, contest, EntryInfo(title="二号", track_id=track.id))
    judge_user = factories.UserFactory()
    judge = factories.judge(contest, judge_user)
    round_ = factories.rubric_round(owner, contest, name="网评")
    assignment, _ = assign(owner, round_, judge.id, entry.id)
    conflict, _ = declare_conflict(owner, contest, judge.id, other.id, "同事")
    token, _ = create_token(owner, "fuzz")
    mentor = mentors.add_mentor(owner, org, "fuzz-mentor@example.com", "模糊导师")
    slot = mentors.add_slot(owner, mentor, now + timedelta(days=2),
                            now + timedelta(days=2, hours=1), "onsite", capacity=3)
    booking = mentors.book(participant, slot, "融资")
    # The organizer mentors too (the desk's forms are posted), and coached the participant.
    desk = mentors.add_mentor(owner, org, owner.email, owner.name)
    coaching = mentors.log_coaching(owner, desk, mentors.CoachingInfo(
        [participant.id], now - timedelta(days=1), 45, "online", "融资"))
    # The organizer is an investor of the contest too (marks are posted); another investor
    # consented on the participant's entry (the leader's accept is posted).
    investor_category = form_builder.save_category(owner, contest, "投资人", investor=True)
    for person in (owner, factories.UserFactory()):
        reg.register(person, contest, reg.RegistrationInfo(
            consent=True, category_id=investor_category.id, phone="13900000009"))
    interest, _ = investors.mark_interest(person, entry, "bp", consent=True)
    # The participant checked in, so the event has a certificate to revoke.
    checkin.scan(owner, factories.main_list_of(event), registration.ticket_code, "fuzz-scan")
    (certificate,) = certificates.issue_certificates(owner, event, "attendance")
    # A committed draw of the event (the participant checked in): commit, run and redraw
    # are posted.
    draw = draws.create_draw(owner, event, "抽奖", [{"name": "纪念品", "count": 1}], "checked_in")
    draws.commit_draw(owner, draw)
    # An open poll of the event (the participant checked in, so votes are posted).
    poll = polls.open_poll(owner, polls.create_poll(owner, event, "人气奖", "checked_in",
                                                    options=["一号", "二号"]))
    # The org is an alliance with a member organization (its members page's forms are posted).
    from eventhub.orgs.models import AllianceMember
    org.kind = "alliance"
    member_org = factories.OrganizationFactory(name="模糊成员单位")
    factories.commit(AllianceMember(alliance_id=org.id, member_id=member_org.id))
    return {
        "users": {"organizer": owner, "leader": participant, "judge": judge_user},
        "event": event, "contest": contest,
        "ids": {
            "category_id": category.id, "question_id": questions[0].id,
            "registration_id": registration.id, "session_id": factories.SessionFactory(
                event=event).id,
            "entry_id": entry.id, "track_id": track.id, "judge_id": judge.id,
            "round_id": round_.id, "assignment_id": assignment.id, "conflict_id": conflict.id,
            "criterion_id": round_.criteria[0].id, "token_id": token.id,
            "membership_id": next(m.id for m in org.memberships if m.user_id == staff.id),
            "mentor_id": mentor.id, "slot_id": slot.id, "booking_id": booking.id,
            "coaching_id": coaching.id, "interest_id": interest.id,
            "code": certificate.code,
            "draw_id": draw.id,
            "poll_id": poll.id,
            "photo_id": _evidence_photo(event).id,
            "series_id": series.create_series(owner, event.organization, "创业沙龙").id,
            "member_id": member_org.id,
        },
        "slug": org.slug,
        "answers": [f"q_{q.id}" for q in questions],
    }


def _routes(app, world, method="POST") -> list[tuple[Rule, dict[str, str], tuple[str, ...]]]:
    """(rule, its arguments, names of its id arguments) of every ``method`` route outside
    /api/, each choice of an ``any(...)`` part apart."""
    found = []
    for rule in app.url_map.iter_rules():
        if method not in rule.methods or rule.rule.startswith(("/api/", "/static/")):
            continue
        blueprint = rule.endpoint.split(".")[0]
        values: dict[str, list[str]] = {}
        for name in rule.arguments:
            converter = rule._converters[name]
            if isinstance(converter, AnyConverter):
                values[name] = list(converter.items)
            elif name == "event_id":
                key = "contest" if blueprint in CONTEST_BLUEPRINTS else "event"
                values[name] = [str(world[key].id)]
            elif name == "slug":
                values[name] = [world["slug"]]
            elif name in ("token", "filename", "key"):
                values[name] = ["not-a-token", "x" * 2000]
            elif method == "GET" and name not in world["ids"]:
                # codes, file names, sizes: none of the world's
                numeric = isinstance(rule._converters[name], IntegerConverter)
                values[name] = ["192" if numeric else "unknown"]
            else:
                assert name in world["ids"], (
                    f"{rule.rule}: say which object of the world its <{name}> names")
                values[name] = [str(world["ids"][name])]
        for combination in _product(values):
            ids = tuple(n for n in rule.arguments if n.endswith("_id"))
            found.append((rule, combination, ids))
    return sorted(found, key=lambda f: (f[0].rule, sorted(f[1].items())))


def _product(values: dict[str, list[str]]) -> list[dict[str, str]]:
    combos: list[dict[str, str]] = [{}]
    for name, options in values.items():
        combos = [{**c, name: o} for c in combos for o in options]
    return combos


def _client(app, login, user):
    """A signed-in browser of ``user`` and the CSRF token its forms carry."""
    client = login(user)
    with app.app_context(), app.test_request_context():
        token = generate_csrf()
        raw = flask.session["csrf_token"]
    with client.session_transaction() as session:
        session["csrf_token"] = raw
    return client, token


def _path(rule: Rule, values: dict[str, str]) -> str:
    return rule.build(values, append_unknown=False)[1]


def test_no_form_post_answers_a_server_error(app, login, world):
    names, texts = _field_names()
    names, texts = names + world["answers"], texts + world["answers"]
    routes = _routes(app, world)
    assert len(routes) > 60
    connection = db.session.get_bind()
    wrong = []
    for rule, combination, ids in routes:
        path = _path(rule, combination)
        db.session.commit()  # the test's own savepoint ends first: ours is then the innermost
        savepoint = connection.begin_nested()
        try:
            for role, user in world["users"].items():
                client, token = _client(app, login, user)
                posts = [(label, path, body)
                         for label, body in _bodies(names, texts, everything=role == "organizer")]
                if role == "organizer":
                    posts += [(f"unknown_{name}", _path(rule, {**combination, name: value}),
                               MultiDict())
                              for name in ids for value in UNKNOWN_IDS[1:]]
                for label, url, body in posts:
                    body = MultiDict([*body.items(multi=True), ("csrf_token", token)])
                    try:
                        status = client.post(url, data=body).status_code
                    except Exception as error:  # noqa: BLE001 - every failure is reported
                        frame = traceback.extract_tb(error.__traceback__)[-1]
                        status = f"{type(error).__name__}: {error} ({frame.filename}:"
                        status += f"{frame.lineno})"
                    if not isinstance(status, int) or status >= 500:
                        wrong.append(f"{rule.endpoint} {url[:80]} as {role}, {label}: {status}")
        finally:
            db.session.rollback()
            if savepoint.is_active:
                savepoint.rollback()
            db.session.expire_all()
    assert not wrong, "\n".join(wrong)


def test_the_entry_form_without_members_keeps_them(login, owner, world):
    """The organizers' entry form posted without its members field: saved, the members kept
    (it answered 500: the entry's list reached the text parser)."""
    entry_id = world["ids"]["entry_id"]
    client = login(owner)
    data = {"title": "改名", "track_id": str(world["ids"]["track_id"])}
    response = client.submit(f"/entries/{entry_id}/edit", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    entry = fresh(db.session.get(Entry, entry_id))
    assert entry.title == "改名"
    assert entry.members == [{"name": "张三", "role": "CEO"}]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Entry)) == 2


#: Query arguments pages read (page numbers, filters by id), each out of range or odd.
ODD_QUERIES = [
    {"page": UNKNOWN_IDS[1], "category": UNKNOWN_IDS[1], "track": UNKNOWN_IDS[1],
     "list": UNKNOWN_IDS[1], "status": CONTROL, "q": CONTROL},
    {"page": "-5", "category": "x", "track": "1e999", "list": "½", "q": HUGE[:5000]},
]


def test_no_page_answers_a_server_error_for_odd_query_arguments(app, login, world):
    """Every GET page outside /api/ with out-of-range page numbers and ids in its query string
    (``?page=99999999999999999999`` answered 500: the number failed in the database)."""
    routes = _routes(app, world, method="GET")
    assert len(routes) > 40
    client, _token = _client(app, login, world["users"]["organizer"])
    wrong = []
    for rule, combination, _ids in routes:
        path = _path(rule, combination)
        for query in ODD_QUERIES:
            status = client.get(path, query_string=query).status_code
            if status >= 500:
                wrong.append(f"{rule.endpoint} {path} {sorted(query)}: {status}")
    assert not wrong, "\n".join(wrong)


#: The form routes where anyone signed in changes their own things (their account, sign-ups,
#: bookings, votes, subscriptions...) by endpoint: there a stranger's post may write.
SELF_SERVICE = re.compile(
    r"^(accounts|privacy|mentor_directory|series)\."
    r"|^registrations\.(register|cancel|edit_answers|wall_choice)$"
    r"|^(engagement_polls\.vote|engagement_surveys\.answer|investors\.(mark|accept)"
    r"|judging\.(open_link|sign_out_device)|judging_entries\.my_entry)$")


@pytest.fixture
def strangers(world, org, staff, other_org):
    """The people of the API's authorization matrix who are not the organizer, by role."""
    from eventhub.mentors.models import Mentor

    viewer = factories.UserFactory(email="form-viewer@example.com", name="科技局")
    factories.MembershipFactory(organization=org, user=viewer, role="viewer")
    outsider = factories.UserFactory(email="form-outsider@example.com", name="外部主任")
    factories.MembershipFactory(organization=other_org, user=outsider, role="owner")
    return {"participant": world["users"]["leader"], "staff": staff,
            "judge": world["users"]["judge"],
            "mentor": db.session.get(Mentor, world["ids"]["mentor_id"]).user,
            "viewer": viewer, "outsider": outsider, "anonymous": None}


def test_no_form_post_lets_a_stranger_change_the_organizations_data(app, login, world,
                                                                     strangers,
                                                                     count_statements):
    """Every POST route × participant, door staff, judge, mentor, sponsor viewer, another
    organization's owner and no one signed in, with no fields and with every field: never a
    5xx; a refusal (401/403/404, or the sign-in page) writes nothing; a viewer and another
    organization's owner write nothing outside the self-service forms (their own account,
    sign-ups, bookings, votes)."""
    names, _texts = _field_names()
    everything = MultiDict([(n, "1") for n in names + world["answers"]])
    clients = {role: (_client(app, login, user) if user else (app.test_client(), None))
               for role, user in strangers.items()}
    connection = db.session.get_bind()
    wrong = []
    for rule, combination, _ids in _routes(app, world):
        path = _path(rule, combination)
        for role, (client, token) in clients.items():
            for label, body in (("empty", MultiDict()), ("every_field", everything)):
                db.session.commit()
                savepoint = connection.begin_nested()
                try:
                    count_statements.clear()
                    data = MultiDict([*body.items(multi=True), ("csrf_token", token or "")])
                    response = client.post(path, data=data)
                    writes = [s[:70] for s in count_statements
                              if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
                              and not s.lstrip().startswith("UPDATE account_sessions")]
                finally:
                    db.session.rollback()
                    if savepoint.is_active:
                        savepoint.rollback()
                    db.session.expire_all()
                status = response.status_code
                where = f"{rule.endpoint} {path[:70]} as {role}, {label}: {status}"
                # Signed out, the sign-in page; signed in, a 302 there is one's own sign-out.
                refused = status in (401, 403, 404) or (role == "anonymous" and status == 302
                                                        and "/login" in response.location)
                if status >= 500:
                    wrong.append(where)
                elif writes and refused:
                    wrong.append(f"{where}, refused but wrote {writes}")
                elif writes and role in ("viewer", "outsider", "anonymous") and not (
                        SELF_SERVICE.search(rule.endpoint)):
                    wrong.append(f"{where}, wrote {writes}")
    assert not wrong, "\n".join(wrong)
