"""Organizations and memberships."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from eventhub.database import db
from eventhub.models import Membership, Organization, User
from tests import factories
from tests.api.conftest import assert_error


def test_admin_creates_an_org(api, admin):
    response = api(admin).post(
        "/api/v1/orgs", json={"name": "大连高新区众创空间", "kind": "maker_space"}
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["slug"].startswith("da-lian")
    assert body["kind"] == "maker_space"
    assert body["name"] == "大连高新区众创空间"
    assert db.session.get(Organization, body["id"]) is not None


@pytest.mark.parametrize("who", ["owner", "organizer", "participant"])
def test_only_admins_create_orgs(api, request, who):
    user = request.getfixturevalue(who)
    response = api(user).post("/api/v1/orgs", json={"name": "新空间", "kind": "incubator"})
    assert_error(response, 403, "forbidden")


def test_creating_an_org_needs_authentication(api):
    assert_error(api().post("/api/v1/orgs", json={"name": "x", "kind": "other"}), 401)


def test_org_name_taken(api, admin, org):
    response = api(admin).post("/api/v1/orgs", json={"name": org.name, "kind": "other"})
    error = assert_error(response, 409, "name_taken")
    assert "name" in error["fields"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "kind": "club"}, "kind"),
        ({"name": "", "kind": "other"}, "name"),
        ({"name": "x" * 201, "kind": "other"}, "name"),
        ({"name": "x", "kind": "other", "description": "x" * 10_001}, "description"),
        ({"kind": "other"}, "name"),
    ],
)
def test_org_field_errors(api, admin, body, field):
    error = assert_error(api(admin).post("/api/v1/orgs", json=body), 422, "validation_failed")
    assert field in error["fields"]


def test_list_orgs_shows_your_own(api, owner, org, other_org, admin):
    body = api(owner).get("/api/v1/orgs").get_json()
    assert [o["id"] for o in body["items"]] == [org.id]
    assert body["total"] == 1
    everything = api(admin).get("/api/v1/orgs").get_json()
    assert {o["id"] for o in everything["items"]} == {org.id, other_org.id}


def test_list_orgs_needs_authentication(api):
    assert_error(api().get("/api/v1/orgs"), 401, "not_authenticated")


def test_get_org_is_public(api, org):
    body = api().get(f"/api/v1/orgs/{org.id}").get_json()
    assert body["name"] == org.name and body["slug"] == org.slug


@pytest.mark.parametrize("org_id", ["424242", "99999999999999999999"])
def test_unknown_org_is_404(api, org_id):
    assert_error(api().get(f"/api/v1/orgs/{org_id}"), 404, "not_found")


# Members ----------------------------------------------------------------------------------


def test_owner_invites_a_new_person(api, owner, org):
    response = api(owner).post(
        f"/api/v1/orgs/{org.id}/members", json={"email": "New.Staff@example.com", "role": "staff"}
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["role"] == "staff"
    assert body["org_id"] == org.id
    assert body["user"]["email"] == "new.staff@example.com"
    user = db.session.scalar(sa.select(User).where(User.email == "new.staff@example.com"))
    assert user.password_hash is None


def test_owner_changes_a_role_with_200(api, owner, staff, org):
    response = api(owner).post(
        f"/api/v1/orgs/{org.id}/members", json={"email": staff.email, "role": "organizer"}
    )
    assert response.status_code == 200
    assert response.get_json()["role"] == "organizer"


def test_admin_manages_members(api, admin, participant, org):
    response = api(admin).post(
        f"/api/v1/orgs/{org.id}/members", json={"email": participant.email, "role": "owner"}
    )
    assert response.status_code == 201


@pytest.mark.parametrize("who", ["organizer", "staff", "participant", "outsider_organizer"])
def test_only_owners_manage_members(api, request, org, owner, who):
    user = request.getfixturevalue(who)
    response = api(user).post(
        f"/api/v1/orgs/{org.id}/members", json={"email": "x@example.com", "role": "staff"}
    )
    assert_error(response, 403, "forbidden")
    assert db.session.scalar(sa.select(User).where(User.email == "x@example.com")) is None


def test_last_owner_cannot_be_demoted(api, owner, org):
    response = api(owner).post(
        f"/api/v1/orgs/{org.id}/members", json={"email": owner.email, "role": "staff"}
    )
    assert_error(response, 409, "last_owner")


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"email": "not-an-email", "role": "staff"}, 422, "email"),
        ({"email": "a@example.com", "role": "king"}, 422, "role"),
        ({"email": "a@example.com"}, 422, "role"),
        ({"email": 42, "role": "staff"}, 400, "email"),
    ],
)
def test_member_field_errors(api, owner, org, body, status, field):
    error = assert_error(api(owner).post(f"/api/v1/orgs/{org.id}/members", json=body), status)
    assert field in error["fields"]


def test_members_of_unknown_org_is_404(api, admin):
    response = api(admin).post(
        "/api/v1/orgs/424242/members", json={"email": "a@example.com", "role": "staff"}
    )
    assert_error(response, 404, "not_found")


def test_members_list_for_members(api, org, owner, organizer, staff):
    body = api(staff).get(f"/api/v1/orgs/{org.id}/members").get_json()
    assert body["total"] == 3
    assert body["items"][0]["role"] == "owner"
    assert {m["user"]["email"] for m in body["items"]} == {
        owner.email, organizer.email, staff.email,
    }


@pytest.mark.parametrize("who", ["participant", "outsider_organizer"])
def test_members_list_is_403_for_others(api, request, org, owner, who):
    response = api(request.getfixturevalue(who)).get(f"/api/v1/orgs/{org.id}/members")
    assert_error(response, 403, "forbidden")


def test_owner_removes_a_member(api, owner, staff, org):
    membership_id = _membership(org, staff).id
    response = api(owner).delete(f"/api/v1/orgs/{org.id}/members/{membership_id}")
    assert response.status_code == 204
    db.session.expire_all()
    assert db.session.get(Membership, membership_id) is None


def test_removing_the_last_owner_is_409(api, owner, admin, org):
    membership = _membership(org, owner)
    response = api(admin).delete(f"/api/v1/orgs/{org.id}/members/{membership.id}")
    assert_error(response, 409, "last_owner")


def test_organizer_cannot_remove_members(api, owner, organizer, staff, org):
    membership = _membership(org, staff)
    response = api(organizer).delete(f"/api/v1/orgs/{org.id}/members/{membership.id}")
    assert_error(response, 403, "forbidden")
    assert db.session.get(Membership, membership.id) is not None


def test_removing_a_membership_of_another_org_is_404(api, owner, org, outsider_organizer,
                                                     other_org):
    foreign = _membership(other_org, outsider_organizer)
    response = api(owner).delete(f"/api/v1/orgs/{org.id}/members/{foreign.id}")
    assert_error(response, 404, "not_found")
    assert db.session.get(Membership, foreign.id) is not None


@pytest.mark.parametrize("membership_id", ["424242", "99999999999999999999"])
def test_removing_an_unknown_membership_is_404(api, owner, org, membership_id):
    response = api(owner).delete(f"/api/v1/orgs/{org.id}/members/{membership_id}")
    assert_error(response, 404, "not_found")


def test_members_pagination(api, admin, org):
    for _ in range(5):
        factories.MembershipFactory(organization=org, role="staff")
    body = api(admin).get(f"/api/v1/orgs/{org.id}/members?page=2&per_page=2").get_json()
    assert (body["page"], body["per_page"], body["total"], len(body["items"])) == (2, 2, 5, 2)


def _membership(org, user) -> Membership:
    return db.session.scalar(
        sa.select(Membership).where(Membership.org_id == org.id, Membership.user_id == user.id)
    )
