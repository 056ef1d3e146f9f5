"""Editing and deleting coaching records over the API (issue 13): PATCH and DELETE
/coachings/{id} for the coaching's mentor and the pool's organizers, audited; a confirmed
coaching whose time, minutes or mentees change is asked again; no mentor-facing answer
carries a rating's comment."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from eventhub.audit import AuditEntry
from eventhub.database import db
from eventhub.mail.models import OutboxMessage
from eventhub.mentors import services
from eventhub.mentors.models import MentorCoaching, MentorRating
from tests import factories
from tests.api.conftest import assert_error, db_counts


@pytest.fixture
def mentor(org, owner):
    return services.add_mentor(owner, org, "mentor@example.com", "陈导师")


@pytest.fixture
def colleague(org, owner):
    """Another mentor of the same pool."""
    return services.add_mentor(owner, org, "colleague@example.com", "李导师")


@pytest.fixture
def coaching(mentor, participant, now):
    return services.log_coaching(mentor.user, mentor, services.CoachingInfo(
        [participant.id], now - timedelta(days=1), 45, "online", "融资"))


def _audits(action):
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def _mails(template="mentor_coaching_logged"):
    return list(db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.template == template)
        .order_by(OutboxMessage.id)))


def test_logging_a_coaching_asks_each_mentee_by_mail(mentor, participant, now, api):
    other = factories.UserFactory(locale="en")
    response = api(mentor.user).post(f"/api/v1/mentors/{mentor.id}/coachings", json={
        "mentee_ids": [participant.id, other.id], "started_at": (now - timedelta(hours=2))
        .isoformat(), "minutes": 60, "mode": "onsite", "topic": "路演"})
    assert response.status_code == 201
    mails = _mails()
    assert sorted(m.to_addr for m in mails) == sorted([participant.email, other.email])
    coaching_id = response.get_json()["id"]
    assert all(f"/me/coachings/{coaching_id}" in m.text_body for m in mails)
    english = next(m for m in mails if m.to_addr == other.email)
    assert "Please confirm your coaching with" in english.subject


def test_the_mentor_edits_a_coaching(api, mentor, coaching, participant):
    response = api(mentor.user).patch(f"/api/v1/coachings/{coaching.id}",
                                      json={"topic": "股权设计", "notes": "下次看财务模型"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["topic"] == "股权设计" and body["notes"] == "下次看财务模型"
    assert body["minutes"] == 45 and body["mentee_ids"] == [participant.id]
    assert body["status"] == "logged"
    [entry] = _audits("mentor_coaching.changed")
    assert entry.actor_id == mentor.user_id and entry.object_id == coaching.id
    assert entry.before["topic"] == "融资" and entry.after["topic"] == "股权设计"
    assert entry.before["minutes"] == entry.after["minutes"] == 45


def test_editing_a_confirmed_coaching_asks_again(api, mentor, coaching, participant):
    services.confirm_coaching(participant, coaching)
    mails_before = len(_mails())
    # The topic changes silently: still confirmed, no mail.
    api(mentor.user).patch(f"/api/v1/coachings/{coaching.id}", json={"topic": "新主题"})
    assert db.session.get(MentorCoaching, coaching.id).status == "confirmed"
    assert len(_mails()) == mails_before
    response = api(mentor.user).patch(f"/api/v1/coachings/{coaching.id}", json={"minutes": 90})
    assert response.status_code == 200 and response.get_json()["status"] == "logged"
    db.session.expire_all()
    assert db.session.get(MentorCoaching, coaching.id).confirmed_at is None
    mails = _mails()
    assert len(mails) == mails_before + 1 and mails[-1].to_addr == participant.email
    assert "请再次确认" in mails[-1].subject
    entry = _audits("mentor_coaching.changed")[-1]
    assert (entry.before["status"], entry.after["status"]) == ("confirmed", "logged")
    assert (entry.before["minutes"], entry.after["minutes"]) == (45, 90)


def test_a_coaching_edit_takes_the_rules_of_logging(api, mentor, coaching, now):
    client = api(mentor.user)
    before = db_counts()
    for bad in ({"minutes": 0}, {"minutes": 601}, {"mentee_ids": [424242]}, {"mentee_ids": []},
                {"topic": ""}, {"started_at": (now + timedelta(hours=2)).isoformat()},
                {"booking_id": 424242}):
        assert_error(client.patch(f"/api/v1/coachings/{coaching.id}", json=bad), 422)
    assert db_counts() == before
    db.session.expire_all()
    assert db.session.get(MentorCoaching, coaching.id).minutes == 45


def test_who_may_edit_a_coaching(api, mentor, colleague, coaching, participant, organizer,
                                 outsider_organizer):
    path = f"/api/v1/coachings/{coaching.id}"
    colleague_c, outsider_c, mentee_c = (api(u) for u in (colleague.user, outsider_organizer,
                                                          participant))
    before = db_counts()
    assert_error(colleague_c.patch(path, json={"minutes": 30}), 404)
    assert_error(outsider_c.patch(path, json={"minutes": 30}), 404)
    assert_error(mentee_c.patch(path, json={"minutes": 30}), 403)
    assert_error(api(None).patch(path, json={"minutes": 30}), 401)
    assert db_counts() == before
    response = api(organizer).patch(path, json={"minutes": 30})
    assert response.status_code == 200 and response.get_json()["minutes"] == 30


def test_deleting_a_coaching(api, mentor, colleague, coaching, participant, outsider_organizer):
    coaching_id = coaching.id
    path = f"/api/v1/coachings/{coaching_id}"
    colleague_c, outsider_c, mentee_c = (api(u) for u in (colleague.user, outsider_organizer,
                                                          participant))
    before = db_counts()
    assert_error(colleague_c.delete(path), 404)
    assert_error(outsider_c.delete(path), 404)
    assert_error(mentee_c.delete(path), 403)
    assert db_counts() == before
    assert api(mentor.user).delete(path).status_code == 204
    db.session.expire_all()
    assert db.session.get(MentorCoaching, coaching_id) is None
    [entry] = _audits("mentor_coaching.deleted")
    assert entry.object_id == coaching_id and entry.actor_id == mentor.user_id
    assert entry.before["topic"] == "融资" and entry.before["mentee_ids"] == [participant.id]
    assert entry.before["ratings"] == []
    assert_error(api(mentor.user).delete(path), 404)


def test_a_rated_coaching_is_deleted_by_organizers_only(api, mentor, coaching, participant,
                                                        organizer):
    services.rate_coaching(participant, coaching, 2, "没帮助")
    coaching_id = coaching.id
    path = f"/api/v1/coachings/{coaching_id}"
    assert_error(api(mentor.user).delete(path), 409, "coaching_rated")
    assert db.session.get(MentorCoaching, coaching_id) is not None
    assert api(organizer).delete(path).status_code == 204
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MentorRating)) == 0
    [entry] = _audits("mentor_coaching.deleted")
    assert entry.before["ratings"] == [{"user_id": participant.id, "stars": 2}]


def test_no_mentor_facing_answer_shows_a_rating_comment(api, mentor, coaching, participant, now):
    services.rate_coaching(participant, coaching, 4, "SECRET-COMMENT")
    slot = services.add_slot(mentor.user, mentor, now + timedelta(days=1),
                             now + timedelta(days=1, hours=1), "online")
    services.book(participant, slot, "融资")
    client = api(mentor.user)
    answers = [
        client.patch(f"/api/v1/coachings/{coaching.id}", json={"notes": "备注"}),
        client.get("/api/v1/me/mentor/bookings"),
        client.get("/api/v1/me/coachings"),
        client.get("/api/v1/mentors"),
        client.get(f"/api/v1/mentors/{mentor.id}/slots"),
    ]
    for response in answers:
        assert response.status_code == 200
        assert "SECRET-COMMENT" not in response.get_data(as_text=True)
