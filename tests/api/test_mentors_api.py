"""The mentor pool's API (issue 13): paths, fields, status codes and error codes as API.md says."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eventhub.database import db
from eventhub.mentors import services
from eventhub.models import MentorBooking, MentorRating, MentorSlot
from tests import factories
from tests.api.conftest import assert_error, db_counts

MENTOR_FIELDS = {"id", "user_id", "org_id", "name", "title", "expertise", "bio", "public"}
ITEM_FIELDS = {"id", "name", "title", "expertise", "org_id", "public", "rating", "ratings"}
SLOT_FIELDS = {"id", "mentor_id", "starts_at", "ends_at", "mode", "location", "capacity",
               "booked"}


@pytest.fixture
def mentor(org, owner):
    return services.add_mentor(owner, org, "mentor@example.com", "陈导师",
                               services.ProfileInfo(expertise=["融资"]))


def _slot_body(now, hours=48, minutes=60, **extra):
    start = now + timedelta(hours=hours)
    return {"starts_at": start.isoformat(), "ends_at": (start + timedelta(minutes=minutes))
            .isoformat(), "mode": "online", **extra}


def test_adding_a_mentor(api, org, organizer):
    response = api(organizer).post(f"/api/v1/orgs/{org.id}/mentors", json={
        "email": "new@example.com", "name": "新导师", "title": "合伙人", "expertise": ["AI"],
        "bio": "简介", "public": False})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) >= MENTOR_FIELDS
    assert body["name"] == "新导师" and body["public"] is False and body["expertise"] == ["AI"]
    again = api(organizer).post(f"/api/v1/orgs/{org.id}/mentors", json={"email": "new@example.com"})
    assert_error(again, 409, "already_mentor")


def test_staff_and_outsiders_may_not_add_mentors(api, org, staff, outsider_organizer):
    clients = [api(user) for user in (staff, outsider_organizer)]
    before = db_counts()
    for client in clients:
        response = client.post(f"/api/v1/orgs/{org.id}/mentors", json={"email": "x@ex.com"})
        assert_error(response, 403)
    assert db_counts() == before


def test_the_mentor_patches_their_profile(api, mentor, participant):
    response = api(mentor.user).patch(f"/api/v1/mentors/{mentor.id}", json={"bio": "十年经验"})
    assert response.status_code == 200 and response.get_json()["bio"] == "十年经验"
    assert_error(api(participant).patch(f"/api/v1/mentors/{mentor.id}", json={"bio": "x"}), 403)


def test_the_directory(api, mentor, organizer, participant):
    page = api().get("/api/v1/mentors?expertise=融资").get_json()
    assert page["total"] == 1 and set(page["items"][0]) >= ITEM_FIELDS
    assert page["items"][0]["rating"] is None and page["items"][0]["ratings"] == 0
    services.update_mentor(organizer, mentor, services.ProfileInfo(public=False))
    assert api(participant).get("/api/v1/mentors").get_json()["total"] == 0
    assert api(organizer).get("/api/v1/mentors").get_json()["total"] == 1
    assert_error(api(participant).get(f"/api/v1/mentors/{mentor.id}/slots"), 404)


def test_slots_and_their_rules(api, mentor, now):
    client = api(mentor.user)
    response = client.post(f"/api/v1/mentors/{mentor.id}/slots", json=_slot_body(now))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) >= SLOT_FIELDS and body["booked"] == 0 and body["capacity"] == 1
    assert_error(client.post(f"/api/v1/mentors/{mentor.id}/slots",
                             json=_slot_body(now, minutes=30)), 409, "slot_overlap")
    before = db_counts()
    for minutes in (-10, 5, 241):
        assert_error(client.post(f"/api/v1/mentors/{mentor.id}/slots",
                                 json=_slot_body(now, hours=100, minutes=minutes)), 422)
    assert db_counts() == before
    listed = api().get(f"/api/v1/mentors/{mentor.id}/slots?from=2000-01-01").get_json()
    assert [s["id"] for s in listed["items"]] == [body["id"]]
    empty = api().get(f"/api/v1/mentors/{mentor.id}/slots?to=2000-01-01").get_json()
    assert empty["items"] == []
    assert_error(api().get(f"/api/v1/mentors/{mentor.id}/slots?from=2031-03-02&to=2031-03-01"),
                 422)


def test_booking_cancelling_and_no_shows(api, mentor, participant, now):
    slot = services.add_slot(mentor.user, mentor, now + timedelta(days=1),
                             now + timedelta(days=1, hours=1), "onsite")
    response = api(participant).post(f"/api/v1/slots/{slot.id}/bookings", json={"topic": "融资"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["slot_id"] == slot.id and body["status"] == "booked"
    assert_error(api(participant).post(f"/api/v1/slots/{slot.id}/bookings",
                                       json={"topic": "融资"}), 409, "already_booked")
    assert_error(api(factories.UserFactory()).post(f"/api/v1/slots/{slot.id}/bookings",
                                                   json={"topic": "融资"}), 409, "slot_full")
    mine = api(participant).get("/api/v1/me/bookings").get_json()
    assert [b["id"] for b in mine["items"]] == [body["id"]]
    theirs = api(mentor.user).get("/api/v1/me/mentor/bookings").get_json()
    assert [b["id"] for b in theirs["items"]] == [body["id"]]
    assert_error(api(factories.UserFactory()).post(f"/api/v1/bookings/{body['id']}/cancel",
                                                    json={}), 404)
    assert_error(api(mentor.user).post(f"/api/v1/bookings/{body['id']}/no-show", json={}), 409,
                 "not_started")
    cancelled = api(participant).post(f"/api/v1/bookings/{body['id']}/cancel", json={})
    assert cancelled.status_code == 200 and cancelled.get_json() == {"status": "cancelled"}
    slots = api().get(f"/api/v1/mentors/{mentor.id}/slots").get_json()["items"]
    assert slots[0]["booked"] == 0


def test_a_started_slot_and_no_shows(api, mentor, participant, now):
    slot = services.add_slot(mentor.user, mentor, now - timedelta(minutes=5),
                             now + timedelta(minutes=55), "onsite")
    assert_error(api(participant).post(f"/api/v1/slots/{slot.id}/bookings",
                                       json={"topic": "融资"}), 409, "booking_closed")
    booking = services.book(participant, slot, "融资", now=now - timedelta(hours=1))
    assert_error(api(participant).post(f"/api/v1/bookings/{booking.id}/no-show", json={}), 403)
    response = api(mentor.user).post(f"/api/v1/bookings/{booking.id}/no-show", json={})
    assert response.status_code == 200 and response.get_json() == {"status": "no_show"}


def test_booking_limit_over_the_api(api, mentor, participant, now):
    first, second = (services.add_slot(mentor.user, mentor, now + timedelta(days=d),
                                       now + timedelta(days=d, hours=1), "online")
                     for d in (1, 2))
    api(participant).post(f"/api/v1/slots/{first.id}/bookings", json={"topic": "A"})
    assert_error(api(participant).post(f"/api/v1/slots/{second.id}/bookings",
                                       json={"topic": "B"}), 409, "booking_limit")


def test_deleting_a_slot_cancels_its_bookings(api, mentor, participant, outsider_organizer, now):
    slot = services.add_slot(mentor.user, mentor, now + timedelta(days=1),
                             now + timedelta(days=1, hours=1), "onsite")
    booking = services.book(participant, slot, "融资", now=now)
    assert_error(api(outsider_organizer).delete(f"/api/v1/slots/{slot.id}"), 403)
    assert api(mentor.user).delete(f"/api/v1/slots/{slot.id}").status_code == 204
    db.session.expire_all()
    assert db.session.get(MentorSlot, slot.id).cancelled_at is not None
    assert db.session.get(MentorBooking, booking.id).status == "cancelled"
    assert_error(api(mentor.user).delete(f"/api/v1/slots/{slot.id}"), 404)


def _coaching_body(now, mentees, **extra):
    return {"mentee_ids": [m.id for m in mentees],
            "started_at": (now - timedelta(hours=1)).isoformat(), "minutes": 45,
            "mode": "phone", "topic": "融资", **extra}


def test_coachings_confirmed_and_rated(api, mentor, participant, organizer, now):
    client = api(mentor.user)
    response = client.post(f"/api/v1/mentors/{mentor.id}/coachings",
                           json=_coaching_body(now, [participant]))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body == {"id": body["id"], "status": "logged"}
    for minutes in (0, 601):
        assert_error(client.post(f"/api/v1/mentors/{mentor.id}/coachings",
                                 json=_coaching_body(now, [participant], minutes=minutes)), 422)
    assert_error(client.post(f"/api/v1/mentors/{mentor.id}/coachings",
                             json=_coaching_body(now, [participant], mentee_ids=[424242])), 422)
    coaching = f"/api/v1/coachings/{body['id']}"
    assert_error(api(organizer).post(f"{coaching}/confirm", json={}), 403)
    assert_error(api(factories.UserFactory()).post(f"{coaching}/confirm", json={}), 404)
    response = api(participant).post(f"{coaching}/confirm", json={})
    assert response.status_code == 200 and response.get_json() == {"status": "confirmed"}
    assert_error(api(participant).post(f"{coaching}/rating", json={"stars": 6}), 422)
    response = api(participant).post(f"{coaching}/rating", json={"stars": 5, "comment": "好"})
    assert response.status_code == 201 and response.get_json()["stars"] == 5
    assert_error(api(participant).post(f"{coaching}/rating", json={"stars": 4}), 409,
                 "already_rated")
    mine = api(participant).get("/api/v1/me/coachings").get_json()["items"]
    assert [(c["id"], c["status"]) for c in mine] == [(body["id"], "confirmed")]
    assert api(organizer).get("/api/v1/me/coachings").get_json()["items"] == []


def test_the_directory_shows_the_rating_from_three_ratings_on(api, mentor, now):
    people = [factories.UserFactory() for _ in range(3)]
    coaching = services.log_coaching(mentor.user, mentor, services.CoachingInfo(
        [p.id for p in people], now - timedelta(hours=1), 60, "online", "路演"))

    def item():
        items = api(None).get("/api/v1/mentors").get_json()["items"]
        return next((i["rating"], i["ratings"]) for i in items if i["id"] == mentor.id)

    for person, stars in zip(people, (3, 4, 4), strict=True):
        assert item() == (None, db.session.query(MentorRating).count())
        services.rate_coaching(person, coaching, stars)
    assert item() == (3.67, 3)


def test_the_org_patch_sets_the_mentor_rule(api, org, owner, organizer, staff):
    path = f"/api/v1/orgs/{org.id}"
    response = api(organizer).patch(path, json={})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["mentor_rule"] == {"min_coachings": 10, "min_minutes": 30}
    response = api(organizer).patch(path, json={"mentor_rule": {"min_coachings": 6,
                                                                "min_minutes": 45}})
    body = response.get_json()
    assert response.status_code == 200 and body["name"] == org.name and body["id"] == org.id
    assert body["mentor_rule"] == {"min_coachings": 6, "min_minutes": 45}
    assert services.rule_of(org.id) == services.Rule(6, 45)
    for bad in ({"min_coachings": 0, "min_minutes": 30}, {"min_coachings": 5, "min_minutes": 601},
                {"min_coachings": 5}):
        assert_error(api(organizer).patch(path, json={"mentor_rule": bad}), 422)
    assert_error(api(staff).patch(path, json={"mentor_rule": {"min_coachings": 1,
                                                              "min_minutes": 1}}), 403)
    # A refused part changes nothing, the other part included.
    response = api(owner).patch(path, json={"description": "新简介", "mentor_rule": {
        "min_coachings": 0, "min_minutes": 30}})
    assert_error(response, 422)
    db.session.expire_all()
    assert org.description != "新简介" and services.rule_of(org.id) == services.Rule(6, 45)
    response = api(owner).patch(path, json={"description": "新简介"})
    assert response.status_code == 200 and response.get_json()["description"] == "新简介"


def test_the_mentor_report(api, org, mentor, organizer, staff, now):
    person = factories.UserFactory()
    coaching = services.log_coaching(mentor.user, mentor, services.CoachingInfo(
        [person.id], now - timedelta(days=1), 40, "online", "路演"))
    services.confirm_coaching(person, coaching)
    path = f"/api/v1/orgs/{org.id}/mentor-report"
    query = {"from": (now - timedelta(days=7)).isoformat(), "to": now.isoformat()}
    response = api(organizer).get(path, query_string=query)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) == {"from", "to", "rule", "mentors"}
    assert body["rule"] == {"min_coachings": 10, "min_minutes": 30}
    [row] = body["mentors"]
    assert row["mentor_id"] == mentor.id and row["coachings"] == 1 and row["qualifying"] == 1
    assert row["meets_rule"] is False and row["rating"] is None
    assert_error(api(staff).get(path, query_string=query), 403)
    assert_error(api(organizer).get(path, query_string={"from": "x", "to": "2026-01-01"}), 422)
    assert_error(api(organizer).get(path, query_string={"from": query["to"],
                                                        "to": query["from"]}), 422)
    assert_error(api(organizer).get(path), 422)
