"""An event's figures (issue 15 point 3): ``GET /api/v1/events/{id}/stats`` exactly as API.md
says, against a hand-built data set whose every number is worked out below, who may read them,
and that the answer holds no personal data."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from eventhub.checkin.models import CheckinList, Scan, ScanStatus, ScanType
from eventhub.database import db, utcnow
from eventhub.events.models import EventPartner
from eventhub.judging.models import Entry, Track
from eventhub.mentors.models import MentorBooking, MentorSlot, SlotMode
from eventhub.models import SurveyAnswer, SurveyQuestion, SurveyResponse
from eventhub.registrations.models import Category, Registration, registration_sessions
from eventhub.reports import figures
from tests import factories
from tests.api.conftest import assert_error, schema_errors
from tests.api.test_openapi import document  # noqa: F401 (fixture)


def person(event, n, status, category=None, sessions=()):
    """Registration ``n`` of the event, with a name, email and phone of its own."""
    registration = factories.commit(Registration(
        event_id=event.id, status=status, category_id=category.id if category else None,
        name=f"参会者{n}号", email=f"person{n}@example.com", phone=f"1390000{n:04d}",
        organization=f"机构{n}"))
    for session in sessions:
        db.session.execute(registration_sessions.insert().values(
            registration_id=registration.id, session_id=session.id))
    db.session.commit()
    return registration


def scan(checkin_list, registration, type_=ScanType.entry, status=ScanStatus.ok,
         reverted=False):
    """One scan of ``registration`` at ``checkin_list``."""
    scan.count = getattr(scan, "count", 0) + 1
    return factories.commit(Scan(
        list_id=checkin_list.id, nonce=f"stats-{scan.count}", code="x", type=type_,
        status=status, registration_id=registration.id,
        reverted_at=utcnow() if reverted else None))


@pytest.fixture
def ended(org, now):
    """An event that ended yesterday, with the data set the expected figures below count.

    Registrations: r1, r2, r3 confirmed; r5 cancelled; r6 waitlisted; r7 pending; r8 rejected.
    Main door: r1 entered twice (one person, counted once); r2 entered, the scan was reverted
    (not counted); r3 entered and left (counted); r5 entered, then cancelled (not confirmed:
    not counted); r6 has a refused scan (not counted). checked_in = 2 of 3 confirmed.
    Categories: 创业者 (r1, r2, r5) → confirmed 2, checked in 1; 投资人 (r3, r6) → 1, 1;
    媒体 (nobody) → 0, 0.
    Sessions: 路演专场 has its own list: booked r1, r2 (r5 cancelled does not count), checked in
    r1 (twice) → 1; r5's scan there does not count. 分论坛 (no list): booked r2 → 1, 0.
    Contest: two entries, one judge. Coachings: a booking at the event's office hours (1), a
    coaching about entry 1 (2), one both ways (3, once), one about another event's entry (no),
    one from office hours elsewhere (no) → 3. Survey: two responses, ratings 5, 4 and 4 → 4.33.
    """
    event = factories.EventFactory(organization=org, title="创业沙龙 第一期",
                                   starts_at=now - timedelta(days=2),
                                   ends_at=now - timedelta(days=1))
    main = factories.main_list_of(event)
    founders = factories.commit(Category(event_id=event.id, name="创业者", position=0))
    investors = factories.commit(Category(event_id=event.id, name="投资人", position=1))
    factories.commit(Category(event_id=event.id, name="媒体", position=2))
    roadshow = factories.SessionFactory(event=event, title="路演专场")
    forum = factories.SessionFactory(event=event, title="分论坛",
                                     starts_at=event.starts_at + timedelta(hours=1))
    roadshow_list = factories.commit(CheckinList(event_id=event.id, name="路演专场",
                                                 session_id=roadshow.id))
    r1 = person(event, 1, "confirmed", founders, [roadshow])
    r2 = person(event, 2, "confirmed", founders, [roadshow, forum])
    r3 = person(event, 3, "confirmed", investors)
    r5 = person(event, 5, "cancelled", founders, [roadshow])
    r6 = person(event, 6, "waitlisted", investors)
    person(event, 7, "pending")
    person(event, 8, "rejected")
    scan(main, r1)
    scan(main, r1)
    scan(main, r2, reverted=True)
    scan(main, r3)
    scan(main, r3, type_=ScanType.exit)
    scan(main, r5)
    scan(main, r6, status=ScanStatus.not_confirmed)
    scan(roadshow_list, r1)
    scan(roadshow_list, r1)
    scan(roadshow_list, r5)
    scan(roadshow_list, r2, reverted=True)

    track = factories.commit(Track(event_id=event.id, name="科技创新组"))
    entry1 = factories.commit(Entry(event_id=event.id, track_id=track.id, title="智能农业"))
    factories.commit(Entry(event_id=event.id, track_id=track.id, title="校园二手"))
    factories.judge(event, institution="东北大学")
    mentor = factories.mentor(org)
    slot = factories.commit(MentorSlot(mentor_id=mentor.id, starts_at=event.starts_at,
                                       ends_at=event.ends_at, mode=SlotMode.onsite,
                                       event_id=event.id))
    elsewhere = factories.commit(MentorSlot(mentor_id=mentor.id, starts_at=event.starts_at,
                                            ends_at=event.ends_at, mode=SlotMode.online))
    mentee = factories.UserFactory()
    booking = factories.commit(MentorBooking(slot_id=slot.id, user_id=mentee.id, topic="融资"))
    other_booking = factories.commit(MentorBooking(slot_id=elsewhere.id, user_id=mentee.id,
                                                   topic="融资"))
    factories.coaching(mentor).booking_id = booking.id
    factories.coaching(mentor, entry_id=entry1.id)
    factories.coaching(mentor, entry_id=entry1.id).booking_id = booking.id
    other_event = factories.EventFactory(organization=org)
    other_track = factories.commit(Track(event_id=other_event.id, name="科技创新组"))
    other_entry = factories.commit(Entry(event_id=other_event.id, track_id=other_track.id,
                                         title="别的项目"))
    factories.coaching(mentor, entry_id=other_entry.id)
    factories.coaching(mentor).booking_id = other_booking.id
    db.session.commit()

    question = factories.commit(SurveyQuestion(event_id=event.id, label="总体满意度",
                                               kind="rating"))
    second = factories.commit(SurveyQuestion(event_id=event.id, label="场地", kind="rating"))
    for ratings in ((5, 4), (4, None)):
        response = factories.commit(SurveyResponse(event_id=event.id))
        for q, rating in zip((question, second), ratings, strict=True):
            if rating is not None:
                factories.commit(SurveyAnswer(response_id=response.id, question_id=q.id,
                                              rating=rating))
    return event


EXPECTED = {
    "registrations": {"confirmed": 3, "pending": 1, "waitlisted": 1, "cancelled": 1,
                      "rejected": 1},
    "checked_in": 2,
    "checkin_rate": 0.6667,
    "no_shows": 1,
    "entries": 2,
    "judges": 1,
    "coachings": 3,
    "survey": {"responses": 2, "average": 4.33},
}


def categories_and_sessions(event):
    """The expected category and session rows, with their ids (worked out in ``ended``)."""
    by_name = {c.name: c.id for c in db.session.scalars(
        db.select(Category).where(Category.event_id == event.id))}
    by_title = {s.title: s.id for s in event.sessions}
    return (
        [{"id": by_name["创业者"], "name": "创业者", "confirmed": 2, "checked_in": 1},
         {"id": by_name["投资人"], "name": "投资人", "confirmed": 1, "checked_in": 1},
         {"id": by_name["媒体"], "name": "媒体", "confirmed": 0, "checked_in": 0}],
        [{"id": by_title["路演专场"], "title": "路演专场", "booked": 2, "checked_in": 1},
         {"id": by_title["分论坛"], "title": "分论坛", "booked": 1, "checked_in": 0}],
    )


def test_stats_of_an_ended_event_match_the_hand_count(api, organizer, ended, document):  # noqa: F811
    response = api(organizer).get(f"/api/v1/events/{ended.id}/stats")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    cats, sessions = categories_and_sessions(ended)
    assert body == {**EXPECTED, "categories": cats, "sessions": sessions}
    schema = document["paths"]["/api/v1/events/{event_id}/stats"]["get"]["responses"]["200"]
    assert not schema_errors(document, schema["content"]["application/json"]["schema"], body)


def test_stats_hold_no_personal_data(api, organizer, ended):
    text = json.dumps(api(organizer).get(f"/api/v1/events/{ended.id}/stats").get_json(),
                      ensure_ascii=False)
    for registration in db.session.scalars(
            db.select(Registration).where(Registration.event_id == ended.id)):
        for value in (registration.name, registration.email, registration.phone,
                      registration.organization):
            assert value not in text
    assert "@" not in text and "139" not in text


def test_before_the_end_no_one_is_a_no_show(api, organizer, ended, now):
    ended.ends_at = now + timedelta(hours=1)
    db.session.commit()
    body = api(organizer).get(f"/api/v1/events/{ended.id}/stats").get_json()
    assert body["no_shows"] is None
    assert body["checked_in"] == 2
    assert figures.no_shows(ended, 3, 2, now=now + timedelta(hours=1)) == 1


def test_an_event_without_registrations_has_zeros(api, organizer, event):
    body = api(organizer).get(f"/api/v1/events/{event.id}/stats").get_json()
    assert body == {
        "registrations": {"confirmed": 0, "pending": 0, "waitlisted": 0, "cancelled": 0,
                          "rejected": 0},
        "checked_in": 0, "checkin_rate": 0, "no_shows": None, "categories": [],
        "sessions": [], "entries": 0, "judges": 0, "coachings": 0,
        "survey": {"responses": 0, "average": None}}


def test_the_figures_functions_agree_with_the_answer(ended, now):
    assert figures.checked_in(ended) == 2
    assert figures.checkin_rate(3, 2) == 0.6667
    assert figures.checkin_rate(0, 0) == 0
    assert figures.coachings(ended) == 3
    assert figures.event_stats(ended, now=now)["no_shows"] == 1
    assert figures.event_stats(ended, now=ended.ends_at - timedelta(seconds=1))["no_shows"] is None


def member(org, role):
    user = factories.UserFactory()
    factories.MembershipFactory(organization=org, user=user, role=role)
    return user


def test_who_reads_the_figures(api, ended, org, other_org, owner, organizer, staff, participant,
                               outsider_organizer, admin):
    """Organizers of the host and of its partners, the host's viewers (and admins); not door
    staff, a partner's viewer, a stranger's organizer; 404 for a draft they cannot see."""
    url = f"/api/v1/events/{ended.id}/stats"
    factories.commit(EventPartner(event_id=ended.id, org_id=other_org.id, role="co_host"))
    viewer = member(org, "viewer")
    partner_viewer = member(other_org, "viewer")
    stranger = member(factories.OrganizationFactory(), "organizer")
    for user in (owner, organizer, admin, viewer, outsider_organizer):
        response = api(user).get(url)
        assert response.status_code == 200, user
        assert response.get_json()["checked_in"] == 2
    for user in (staff, participant, partner_viewer, stranger):
        assert_error(api(user).get(url), 403, "forbidden")
    assert_error(api().get(url), 401)
    ended.status = "draft"
    db.session.commit()
    assert api(viewer).get(url).status_code == 200
    assert_error(api(stranger).get(url), 404)
    assert_error(api(organizer).get("/api/v1/events/999999/stats"), 404)


def test_the_figures_take_a_fixed_number_of_statements(ended, event, count_statements):
    """Aggregate queries only: the stats of the hand-built event (three categories, two
    sessions, seven registrations, scans, entries, coachings, a survey) take as many statements
    as an empty event's."""
    count_statements.clear()
    figures.event_stats(event)
    empty = len(count_statements)
    count_statements.clear()
    figures.event_stats(ended)
    assert len(count_statements) == empty <= 10, count_statements
