"""Investors at roadshows (融资对接, issue 13 point 6): the API as API.md says, and the privacy
rules behind it (the team sees counts and anonymous marks until it accepts; both consents)."""

from __future__ import annotations

import json

import pytest

from eventhub.database import db
from eventhub.engagement import investors
from eventhub.models import InvestorConnection, InvestorInterest
from eventhub.registrations import services as registrations
from eventhub.registrations.form_builder import save_category
from tests import factories
from tests.api.conftest import assert_error, db_counts
from tests.api.test_openapi import document, documented  # noqa: F401 (fixtures)

MARK_FIELDS = {"id", "entry_id", "level", "note", "consent_to_share", "connected"}
ANONYMOUS_FIELDS = {"id", "level", "created_at", "connectable", "status"}
CONTACT_FIELDS = {"name", "organization", "email", "phone"}


def register(user, event, category, phone="13900000001"):
    return registrations.register(user, event, registrations.RegistrationInfo(
        category_id=category.id, consent=True, phone=phone))


@pytest.fixture
def investor_category(organizer, contest):
    return save_category(organizer, contest, "投资人", investor=True)


@pytest.fixture
def investor(contest, investor_category):
    user = factories.UserFactory(name="钱投资", email="vc@example.com", organization="红杉资本")
    register(user, contest, investor_category)
    return user


@pytest.fixture
def entry(final, participant):
    """The final's first entry, led by the participant (赵参与)."""
    entry = final[1][0]
    entry.leader_id = participant.id
    db.session.commit()
    return entry


def post_mark(api, user, entry, **body):
    return api(user).post(f"/api/v1/entries/{entry.id}/interest", json=body)


# Investor categories ------------------------------------------------------------------------


def test_a_category_may_be_flagged_investor(api, organizer, contest):
    client = api(organizer)
    plain = client.post(f"/api/v1/events/{contest.id}/categories", json={"name": "观众"})
    assert plain.status_code == 201 and plain.get_json()["investor"] is False
    made = client.post(f"/api/v1/events/{contest.id}/categories",
                       json={"name": "投资人", "investor": True})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["investor"] is True
    category_id = made.get_json()["id"]
    kept = client.patch(f"/api/v1/categories/{category_id}", json={"capacity": 20})
    assert kept.get_json()["investor"] is True
    off = client.patch(f"/api/v1/categories/{category_id}", json={"investor": False})
    assert off.status_code == 200 and off.get_json()["investor"] is False
    listed = api().get(f"/api/v1/events/{contest.id}/categories").get_json()["items"]
    assert {c["name"]: c["investor"] for c in listed} == {"观众": False, "投资人": False}
    assert_error(client.patch(f"/api/v1/categories/{category_id}", json={"investor": "yes"}),
                 400)



def test_the_event_s_categories_path_flags_one_of_its_categories(api, organizer, contest, org):
    """API.md names PATCH /events/{id}/categories: the body's ``id`` picks the category, which
    must be the event's own (another event's is 404 and stays as it was)."""
    client = api(organizer)
    category_id = client.post(f"/api/v1/events/{contest.id}/categories",
                              json={"name": "投资人"}).get_json()["id"]
    flagged = client.patch(f"/api/v1/events/{contest.id}/categories",
                           json={"id": category_id, "investor": True})
    assert flagged.status_code == 200, flagged.get_json()
    assert flagged.get_json()["investor"] is True and flagged.get_json()["name"] == "投资人"
    other = factories.EventFactory(organization=org)
    assert_error(client.patch(f"/api/v1/events/{other.id}/categories",
                              json={"id": category_id, "investor": False}), 404)
    assert_error(client.patch(f"/api/v1/events/{contest.id}/categories",
                              json={"investor": False}), 422)
    listed = api().get(f"/api/v1/events/{contest.id}/categories").get_json()["items"]
    assert [c["investor"] for c in listed] == [True]

# Marking ----------------------------------------------------------------------------------


def test_an_investor_marks_an_entry_then_changes_the_mark(api, investor, entry):
    response = post_mark(api, investor, entry, level="interested", note="关注医疗器械")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) >= MARK_FIELDS
    assert body["level"] == "interested" and body["entry_id"] == entry.id
    assert body["consent_to_share"] is False and body["connected"] is False
    again = post_mark(api, investor, entry, level="bp", consent_to_share=True)
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["id"] == body["id"] and again.get_json()["level"] == "bp"
    assert again.get_json()["note"] == "关注医疗器械"  # absent: kept
    assert again.get_json()["consent_to_share"] is True
    assert db.session.scalar(db.select(db.func.count(InvestorInterest.id))) == 1


def test_only_confirmed_investors_of_the_entry_s_event_may_mark(
    api, organizer, contest, investor_category, entry, participant, org
):
    audience = factories.UserFactory()
    register(audience, contest, save_category(organizer, contest, "观众"))
    pending = factories.UserFactory()
    waiting = save_category(organizer, contest, "待审投资人", requires_approval=True,
                            investor=True)
    register(pending, contest, waiting)
    elsewhere = factories.UserFactory()
    other = factories.contest(org)
    register(elsewhere, other, save_category(organizer, other, "投资人", investor=True))
    cancelled = factories.UserFactory()
    registration = register(cancelled, contest, investor_category, phone="13900000002")
    registrations.cancel(cancelled, registration)
    # Its organizers and its leader see the entry: 403. The others may not even see it: the
    # answer of an unknown entry.
    seeing = [api(user) for user in (organizer, participant)]
    others = [api(user) for user in (audience, pending, elsewhere, cancelled,
                                     factories.UserFactory())]
    before = db_counts()
    for client in seeing:
        assert_error(client.post(f"/api/v1/entries/{entry.id}/interest",
                                 json={"level": "interested"}), 403, "forbidden")
    for client in others:
        assert_error(client.post(f"/api/v1/entries/{entry.id}/interest",
                                 json={"level": "interested"}), 404, "not_found")
    assert_error(api().post(f"/api/v1/entries/{entry.id}/interest",
                            json={"level": "interested"}), 401)
    assert db_counts() == before


def test_unknown_and_invisible_entries_are_404(api, investor, entry, contest):
    assert_error(post_mark(api, investor, type(entry)(id=999_999), level="bp"), 404)
    contest.status = "draft"
    db.session.commit()
    assert_error(post_mark(api, investor, entry, level="bp"), 404)


def test_a_stranger_cannot_tell_an_entry_or_a_mark_from_an_unknown_id(api, investor, entry):
    """Who may not see an entry (not its contest's organizer or judge, not its leader, not an
    investor of its event) or a mark (not its investor or the entry's leader) gets exactly
    the answer of an id that names nothing: the refusals tell no one which ids exist."""
    mark = post_mark(api, investor, entry, level="bp").get_json()
    stranger = api(factories.UserFactory())
    for real, unknown, body in (
        (f"/api/v1/entries/{entry.id}/interest", "/api/v1/entries/999999/interest",
         {"level": "bp"}),
        (f"/api/v1/interest/{mark['id']}/accept", "/api/v1/interest/999999/accept", None),
    ):
        for method in (("post", "get") if body else ("post",)):
            seen = getattr(stranger, method)(real, json=body)
            assert_error(seen, 404, "not_found")
            assert seen.get_json() == getattr(stranger, method)(unknown, json=body).get_json()


def test_bad_marks_change_nothing(api, investor, entry):
    client = api(investor)
    before = db_counts()
    for body, status in (({}, 422), ({"level": "hot"}, 422), ({"level": 3}, 400),
                         ({"level": "bp", "note": "x" * 1001}, 422),
                         ({"level": "bp", "consent_to_share": "yes"}, 400),
                         ({"level": "bp", "who": "me"}, 422)):
        response = client.post(f"/api/v1/entries/{entry.id}/interest", json=body)
        assert response.status_code == status, (body, response.get_json())
        assert response.status_code in (400, 422), (body, response.get_json())
    assert db_counts() == before


# What the team and the organizers see -------------------------------------------------------


def test_the_leader_sees_counts_and_anonymous_marks(api, investor, entry, participant,
                                                    organizer, contest, investor_category):
    post_mark(api, investor, entry, level="meeting", note="我是钱投资，电话 13911112222",
              consent_to_share=True)
    second = factories.UserFactory(name="孙天使")
    register(second, contest, investor_category, phone="13900000003")
    post_mark(api, second, entry, level="bp")
    response = api(participant).get(f"/api/v1/entries/{entry.id}/interest")
    assert response.status_code == 200
    body = response.get_json()
    assert body["counts"] == {"interested": 0, "meeting": 1, "bp": 1}
    assert body["total"] == 2 and body["connected"] == 0
    assert [set(m) for m in body["marks"]] == [ANONYMOUS_FIELDS] * 2
    assert {m["level"]: m["connectable"] for m in body["marks"]} == {"meeting": True,
                                                                     "bp": False}
    text = json.dumps(body, ensure_ascii=False)
    for secret in ("钱投资", "孙天使", "vc@example.com", "红杉资本", "13911112222", "1390000",
                   "investor"):
        assert secret not in text
    figures = api(organizer).get(f"/api/v1/entries/{entry.id}/interest").get_json()
    assert figures["counts"] == body["counts"] and "marks" not in figures
    assert "mine" not in figures


def test_others_may_not_read_the_marks(api, investor, entry, contest, organizer,
                                        outsider_organizer):
    post_mark(api, investor, entry, level="bp")
    for user in (factories.UserFactory(), outsider_organizer):  # they may not see the entry
        assert_error(api(user).get(f"/api/v1/entries/{entry.id}/interest"), 404)
    own = api(investor).get(f"/api/v1/entries/{entry.id}/interest").get_json()
    assert own["mine"]["level"] == "bp" and "counts" not in own and "marks" not in own


def test_the_organizers_figures(api, investor, entry, organizer, participant, contest, final):
    post_mark(api, investor, entry, level="bp", consent_to_share=True)
    post_mark(api, investor, final[1][1], level="interested")
    mark_id = post_mark(api, investor, entry, level="bp").get_json()["id"]
    api(participant).post(f"/api/v1/interest/{mark_id}/accept")
    response = api(organizer).get(f"/api/v1/events/{contest.id}/interest")
    assert response.status_code == 200
    rows = {r["entry_id"]: r for r in response.get_json()["items"]}
    assert len(rows) == 3
    assert (rows[entry.id]["bp"], rows[entry.id]["connected"], rows[entry.id]["total"]) == (
        1, 1, 1)
    assert rows[final[1][1].id]["interested"] == 1
    assert rows[final[1][2].id]["total"] == 0
    assert "钱投资" not in response.get_data(as_text=True)
    for user in (participant, investor):
        assert_error(api(user).get(f"/api/v1/events/{contest.id}/interest"), 403)


# Accepting and the connections --------------------------------------------------------------


def test_accepting_connects_the_two_and_only_them(api, investor, entry, participant,
                                                  organizer):
    participant.organization = "东北大学"
    db.session.commit()
    mark = post_mark(api, investor, entry, level="meeting", note="想约下周面谈",
                     consent_to_share=True).get_json()
    assert api(participant).get("/api/v1/me/connections").get_json()["items"] == []
    assert_error(api(investor).post(f"/api/v1/interest/{mark['id']}/accept"), 403)
    for user in (organizer, factories.UserFactory()):  # organizers see counts, not marks
        assert_error(api(user).post(f"/api/v1/interest/{mark['id']}/accept"), 404)
    response = api(participant).post(f"/api/v1/interest/{mark['id']}/accept")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "connected"
    again = api(participant).post(f"/api/v1/interest/{mark['id']}/accept", json={})
    assert again.get_json()["id"] == response.get_json()["id"]
    team = api(participant).get("/api/v1/me/connections").get_json()["items"]
    assert len(team) == 1 and set(team[0]) >= CONTACT_FIELDS
    assert {k: team[0][k] for k in CONTACT_FIELDS} == {
        "name": "钱投资", "organization": "红杉资本", "email": "vc@example.com",
        "phone": "13900000001"}
    assert team[0]["role"] == "team" and team[0]["note"] == "想约下周面谈"
    side = api(investor).get("/api/v1/me/connections").get_json()["items"]
    assert {k: side[0][k] for k in CONTACT_FIELDS} == {
        "name": "赵参与", "organization": "东北大学", "email": "participant@example.com",
        "phone": "13812345678"}
    assert side[0]["role"] == "investor" and side[0]["entry_id"] == entry.id
    marks = api(participant).get(f"/api/v1/entries/{entry.id}/interest").get_json()["marks"]
    assert marks[0]["status"] == "connected"
    for user in (organizer, factories.UserFactory()):
        assert api(user).get("/api/v1/me/connections").get_json()["items"] == []
    # A new leader of the entry sees nothing of the connection the earlier one made.
    successor = factories.UserFactory()
    entry.leader_id = successor.id
    db.session.commit()
    assert api(successor).get("/api/v1/me/connections").get_json()["items"] == []
    assert_error(api(participant).post(f"/api/v1/interest/{mark['id']}/accept"), 404)
    assert_error(api().get("/api/v1/me/connections"), 401)


def test_a_mark_without_the_investor_s_consent_cannot_be_connected(api, investor, entry,
                                                                   participant):
    mark = post_mark(api, investor, entry, level="bp").get_json()
    team = api(participant)
    before = db_counts()
    assert_error(team.post(f"/api/v1/interest/{mark['id']}/accept"), 409, "consent_required")
    assert db_counts() == before
    post_mark(api, investor, entry, level="bp", consent_to_share=True)
    before = db_counts()
    refused = team.post(f"/api/v1/interest/{mark['id']}/accept",
                                    json={"consent_to_share": False})
    assert_error(refused, 422)
    assert db_counts() == before
    accepted = api(participant).post(f"/api/v1/interest/{mark['id']}/accept",
                                     json={"consent_to_share": True})
    assert accepted.status_code == 200
    connection = db.session.scalar(db.select(InvestorConnection))
    assert connection.investor_consent_at is not None and connection.leader_consent_at
    assert connection.investor_consent_version == investors.SHARE_CONSENT_VERSION
    assert connection.leader_consent_version == investors.SHARE_CONSENT_VERSION
    # Withdrawing the consent ends the sharing, for both sides.
    withdrawn = post_mark(api, investor, entry, level="bp", consent_to_share=False)
    assert withdrawn.status_code == 200 and withdrawn.get_json()["connected"] is False
    for user in (investor, participant):
        assert api(user).get("/api/v1/me/connections").get_json()["items"] == []
    assert_error(api(participant).post(f"/api/v1/interest/{mark['id']}/accept"), 409,
                 "consent_required")


def test_accepting_unknown_marks_and_bad_bodies(api, investor, entry, participant):
    assert_error(api(participant).post("/api/v1/interest/999999/accept"), 404)
    mark = post_mark(api, investor, entry, level="bp", consent_to_share=True).get_json()
    team = api(participant)
    before = db_counts()
    for body in ({"consent_to_share": "yes"}, {"other": 1}):
        response = team.post(f"/api/v1/interest/{mark['id']}/accept", json=body)
        assert response.status_code in (400, 422)
    assert db_counts() == before


def test_every_answer_is_as_documented(documented, investor, entry, participant,  # noqa: F811
                                       organizer, contest):
    """Each endpoint's answers (successes and errors) match the OpenAPI document."""
    mark_path = f"/api/v1/entries/{entry.id}/interest"
    theirs, team, boss = documented(investor), documented(participant), documented(organizer)
    assert theirs.post(mark_path, json={"level": "bp"}).status_code == 201
    mark = theirs.post(mark_path, json={"level": "meeting", "note": "你好"}).get_json()
    assert theirs.post(mark_path, json={"level": 5}).status_code == 400
    assert theirs.post(mark_path, json={"level": "hot"}).status_code == 422
    assert team.post(mark_path, json={"level": "bp"}).status_code == 403
    assert documented().post(mark_path, json={"level": "bp"}).status_code == 401
    assert theirs.post("/api/v1/entries/999999/interest", json={"level": "bp"}).status_code == 404
    for client in (theirs, team, boss):
        assert client.get(mark_path).status_code == 200
    assert documented(factories.UserFactory()).get(mark_path).status_code == 404
    accept = f"/api/v1/interest/{mark['id']}/accept"
    assert team.post(accept).status_code == 409
    assert boss.post(accept).status_code == 404
    assert theirs.post(accept).status_code == 403
    assert team.post(accept, json={"consent_to_share": False}).status_code == 422
    theirs.post(mark_path, json={"level": "meeting", "consent_to_share": True})
    assert team.post(accept).status_code == 200
    assert team.post("/api/v1/interest/999999/accept").status_code == 404
    for client in (theirs, team):
        assert len(client.get("/api/v1/me/connections").get_json()["items"]) == 1
    assert boss.get(f"/api/v1/events/{contest.id}/interest").status_code == 200
    assert team.get(f"/api/v1/events/{contest.id}/interest").status_code == 403
