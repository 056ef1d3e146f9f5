"""Alliances' member organizations and events' partners (API.md "Reporting")."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from eventhub.database import db
from eventhub.models import AllianceMember, AuditEntry, EventPartner
from tests import factories
from tests.api.conftest import assert_error, db_counts


@pytest.fixture
def alliance(_db):
    return factories.OrganizationFactory(name="辽宁省众创空间联盟", kind="alliance")


@pytest.fixture
def alliance_owner(alliance):
    user = factories.UserFactory(email="alliance@example.com", name="联盟秘书长")
    factories.MembershipFactory(organization=alliance, user=user, role="owner")
    return user


def _members(api, alliance):
    response = api().get(f"/api/v1/orgs/{alliance.id}/member-orgs")
    assert response.status_code == 200
    return [o["id"] for o in response.get_json()["items"]]


# Alliances --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin", "alliance_owner"])
def test_admins_and_owners_add_and_remove_member_orgs(api, request, who, alliance, org,
                                                       other_org):
    client = api(request.getfixturevalue(who))
    url = f"/api/v1/orgs/{alliance.id}/member-orgs"
    response = client.post(url, json={"org_id": org.id})
    assert response.status_code == 201
    assert response.get_json()["id"] == org.id
    assert client.post(url, json={"org_id": other_org.id}).status_code == 201
    # The list is public and by name (大连… before 沈阳… in pinyin order is not promised:
    # the database's order of names).
    assert set(_members(api, alliance)) == {org.id, other_org.id}
    assert client.delete(f"{url}/{org.id}").status_code == 204
    assert _members(api, alliance) == [other_org.id]
    actions = db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.action.like("alliance.%")).order_by(AuditEntry.id)).all()
    assert actions == ["alliance.member_added", "alliance.member_added",
                       "alliance.member_removed"]


def test_adding_a_member_twice_answers_200_and_adds_nothing(api, admin, alliance, org):
    url = f"/api/v1/orgs/{alliance.id}/member-orgs"
    client = api(admin)
    assert client.post(url, json={"org_id": org.id}).status_code == 201
    before = db_counts()
    response = client.post(url, json={"org_id": org.id})
    assert response.status_code == 200
    assert response.get_json()["id"] == org.id
    assert db_counts() == before


def test_only_an_alliance_has_members(api, admin, org, other_org):
    client = api(admin)
    before = db_counts()
    response = client.post(f"/api/v1/orgs/{org.id}/member-orgs", json={"org_id": other_org.id})
    assert_error(response, 409, "not_an_alliance")
    assert_error(client.delete(f"/api/v1/orgs/{org.id}/member-orgs/{other_org.id}"), 409,
                 "not_an_alliance")
    assert db_counts() == before
    assert _members(api, org) == []


def test_an_alliance_is_not_its_own_member(api, admin, alliance):
    response = api(admin).post(f"/api/v1/orgs/{alliance.id}/member-orgs",
                               json={"org_id": alliance.id})
    assert "org_id" in assert_error(response, 422, "validation_failed")["fields"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AllianceMember)) == 0


@pytest.mark.parametrize("org_id", [424242, 0, -1, 2**31, "5", None])
def test_unknown_or_malformed_member_ids(api, admin, alliance, org_id):
    response = api(admin).post(f"/api/v1/orgs/{alliance.id}/member-orgs", json={"org_id": org_id})
    assert response.status_code in (400, 422)
    assert_error(response, response.status_code)
    assert _members(api, alliance) == []


def test_removing_a_non_member_is_404(api, admin, alliance, org):
    assert_error(api(admin).delete(f"/api/v1/orgs/{alliance.id}/member-orgs/{org.id}"), 404)


@pytest.mark.parametrize("who", ["owner", "organizer", "participant"])
def test_others_may_not_change_an_alliance(api, request, admin, who, alliance, org):
    """The owner and organizer here are of a member organization, not of the alliance."""
    url = f"/api/v1/orgs/{alliance.id}/member-orgs"
    api(admin).post(url, json={"org_id": org.id})
    client = api(request.getfixturevalue(who))
    assert_error(client.post(url, json={"org_id": org.id}), 403, "forbidden")
    assert_error(client.delete(f"{url}/{org.id}"), 403, "forbidden")
    assert_error(api().post(url, json={"org_id": org.id}), 401)
    assert _members(api, alliance) == [org.id]


def test_member_orgs_of_an_unknown_alliance(api, admin):
    assert_error(api().get("/api/v1/orgs/424242/member-orgs"), 404)
    assert_error(api(admin).post("/api/v1/orgs/424242/member-orgs", json={"org_id": 1}), 404)


# Event partners ---------------------------------------------------------------------------


def _partners(api, event):
    response = api().get(f"/api/v1/events/{event.id}/partners")
    assert response.status_code == 200
    return [(p["org_id"], p["role"]) for p in response.get_json()["items"]]


def test_organizers_set_change_and_remove_partners(api, organizer, event, org, other_org):
    url = f"/api/v1/events/{event.id}/partners"
    response = api(organizer).post(url, json={"org_id": other_org.id, "role": "co_host"})
    assert response.status_code == 201
    assert response.get_json()["role"] == "co_host"
    assert response.get_json()["name"] == other_org.name
    assert _partners(api, event) == [(org.id, "host"), (other_org.id, "co_host")]
    # Twice: the role changes.
    response = api(organizer).post(url, json={"org_id": other_org.id, "role": "supporter"})
    assert response.status_code == 200
    assert _partners(api, event) == [(org.id, "host"), (other_org.id, "supporter")]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EventPartner)) == 1
    assert api(organizer).delete(f"{url}/{other_org.id}").status_code == 204
    assert _partners(api, event) == [(org.id, "host")]
    audit = db.session.execute(sa.select(AuditEntry.action, AuditEntry.after).where(
        AuditEntry.event_id == event.id, AuditEntry.action.like("event.partner%"))
        .order_by(AuditEntry.id)).all()
    assert [a for a, _ in audit] == ["event.partner_set", "event.partner_set",
                                     "event.partner_removed"]
    assert audit[1][1] == {"org_id": other_org.id, "role": "supporter"}


def test_the_host_is_not_a_partner(api, organizer, event, org):
    client = api(organizer)
    before = db_counts()
    response = client.post(f"/api/v1/events/{event.id}/partners",
                                   json={"org_id": org.id, "role": "co_host"})
    assert_error(response, 409, "partner_is_host")
    assert db_counts() == before


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"org_id": 424242, "role": "co_host"}, 422),
        ({"org_id": 0, "role": "co_host"}, 422),
        ({"org_id": 2**40, "role": "co_host"}, 422),
        ({"role": "co_host"}, 422),
        ({"org_id": "@other", "role": "host"}, 422),
        ({"org_id": "@other", "role": "sponsor"}, 422),
        ({"org_id": "@other"}, 422),
        ({"org_id": "@other", "role": "co_host", "extra": 1}, 422),
    ],
)
def test_bad_partner_bodies(api, organizer, event, other_org, body, status):
    body = {k: other_org.id if v == "@other" else v for k, v in body.items()}
    client = api(organizer)
    before = db_counts()
    assert_error(client.post(f"/api/v1/events/{event.id}/partners", json=body), status)
    assert db_counts() == before


def test_other_peoples_events(api, outsider_organizer, staff, participant, event, other_org,
                              now):
    url = f"/api/v1/events/{event.id}/partners"
    body = {"org_id": other_org.id, "role": "co_host"}
    # An organizer of the would-be partner cannot add it to someone else's event.
    assert_error(api(outsider_organizer).post(url, json=body), 403, "forbidden")
    assert_error(api(staff).post(url, json=body), 403, "forbidden")
    assert_error(api(participant).post(url, json=body), 403, "forbidden")
    assert_error(api().post(url, json=body), 401)
    draft = factories.EventFactory(organization=event.organization, status="draft",
                                   published_at=None)
    assert_error(api(outsider_organizer).post(f"/api/v1/events/{draft.id}/partners",
                                              json=body), 404)
    assert_error(api().get(f"/api/v1/events/{draft.id}/partners"), 404)
    assert_error(api(outsider_organizer).delete(f"{url}/{other_org.id}"), 403)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EventPartner)) == 0


def test_removing_a_non_partner_is_404(api, organizer, event, other_org):
    assert_error(api(organizer).delete(f"/api/v1/events/{event.id}/partners/{other_org.id}"),
                 404)


def test_the_event_page_names_the_host_and_the_partners(api, client, organizer, event,
                                                        other_org):
    """主办 the owner organization, then 联合主办/承办/协办 the partners."""
    third = factories.OrganizationFactory(name="东北大学团委")
    assert "data-partners" not in client.get(f"/events/{event.id}").get_data(as_text=True)
    url = f"/api/v1/events/{event.id}/partners"
    api(organizer).post(url, json={"org_id": other_org.id, "role": "co_host"})
    api(organizer).post(url, json={"org_id": third.id, "role": "supporter"})
    html = client.get(f"/events/{event.id}").get_data(as_text=True)
    partners = html[html.index("data-partners"):]
    partners = partners[:partners.index("</dl>")]
    assert "<dt>主办</dt>" in partners and event.organization.name in partners
    assert "<dt>联合主办</dt>" in partners and other_org.name in partners
    assert "<dt>协办</dt>" in partners and third.name in partners
    assert partners.index("主办") < partners.index(other_org.name) < partners.index(third.name)
    english = client.get(f"/events/{event.id}?lang=en").get_data(as_text=True)
    assert "<dt>Host</dt>" in english
    assert "Co-host" in english and "Supporter" in english
