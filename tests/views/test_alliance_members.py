"""An alliance's member organizations page (issue 15, alliances): the list for every member of
the alliance, adding and removing for its owners and platform admins, errors beside the field
and nothing changed on bad input, 404 for an organization that is not an alliance."""

from __future__ import annotations

import pytest

from eventhub.database import db
from eventhub.orgs.models import AllianceMember
from tests import factories
from tests.views.conftest import count, text

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en"}


@pytest.fixture
def alliance(_db):
    return factories.OrganizationFactory(name="辽宁省联盟成员页测试", slug="lm-alliance",
                                         kind="alliance")


@pytest.fixture
def spaces(alliance, now):
    """Two member spaces (one of them in the alliance since earlier) and one outside it."""
    first = factories.OrganizationFactory(name="成员页·沈阳空间", slug="lm-shenyang",
                                          kind="maker_space")
    second = factories.OrganizationFactory(name="成员页·大连孵化器", slug="lm-dalian",
                                           kind="incubator")
    outside = factories.OrganizationFactory(name="成员页·鞍山科技园", slug="lm-anshan",
                                            kind="university_park")
    for org in (first, second):
        factories.commit(AllianceMember(alliance_id=alliance.id, member_id=org.id))
    return {"first": first, "second": second, "outside": outside}


def member(org, role, email):
    user = factories.UserFactory(email=email)
    factories.MembershipFactory(organization=org, user=user, role=role)
    return user


@pytest.fixture
def people(alliance, spaces):
    return {
        "owner": member(alliance, "owner", "lm-owner@example.com"),
        "organizer": member(alliance, "organizer", "lm-organizer@example.com"),
        "viewer": member(alliance, "viewer", "lm-viewer@example.com"),
        "space_owner": member(spaces["first"], "owner", "lm-space@example.com"),
    }


def members_now(alliance) -> set[int]:
    db.session.expire_all()
    return {m.member_id for m in db.session.query(AllianceMember).filter_by(
        alliance_id=alliance.id)}


URL = "/orgs/lm-alliance/alliance"


def test_the_owner_sees_the_members_and_the_form(login, people, spaces, alliance):
    page = login(people["owner"]).get(URL, headers=ZH)
    assert page.status_code == 200
    body = text(page)
    assert "成员单位" in body and 'data-member-count>2<' in body
    assert body.index("成员页·大连孵化器") < body.index("成员页·沈阳空间")  # by name
    assert "孵化器" in body and "众创空间" in body and "加入" in body
    # Only organizations outside the alliance are offered, with their kind.
    form = body[body.index('<select'):body.index('</select>')]
    assert f'value="{spaces["outside"].id}"' in form and "成员页·鞍山科技园（大学科技园）" in form
    assert f'value="{spaces["first"].id}"' not in form
    assert f'value="{alliance.id}"' not in form and body.count("/remove") == 2


@pytest.mark.parametrize("role", ["organizer", "viewer"])
def test_readers_see_the_list_read_only(login, people, role):
    body = text(login(people[role]).get(URL, headers=ZH))
    assert "成员页·沈阳空间" in body and "data-read-only" in body
    assert "<select" not in body and "/remove" not in body


def test_a_member_spaces_owner_reaches_its_page_from_the_list(login, people, spaces):
    # The alliance's organizer sees no link into spaces they are no member of.
    assert 'href="/orgs/lm-shenyang"' not in text(login(people["organizer"]).get(URL))
    factories.MembershipFactory(organization=spaces["first"], user=people["organizer"],
                                role="organizer")
    assert 'href="/orgs/lm-shenyang"' in text(login(people["organizer"]).get(URL))


def test_outsiders_are_refused(login, client, people, spaces):
    assert login(people["space_owner"]).get(URL).status_code == 403
    assert client.get(URL).status_code in (302, 401)


def test_the_page_exists_for_alliances_only(login, people, spaces):
    admin = factories.UserFactory(is_admin=True)
    assert login(admin).get("/orgs/lm-shenyang/alliance").status_code == 404
    assert login(admin).get("/orgs/no-such-org/alliance").status_code == 404
    assert login(admin).get(URL).status_code == 200


def test_the_alliance_page_links_its_members_page(login, people):
    body = text(login(people["viewer"]).get("/orgs/lm-alliance", headers=ZH))
    assert f'href="{URL}"' in body and "成员单位" in body


def test_the_owner_adds_a_member(login, people, spaces, alliance):
    client = login(people["owner"])
    page = client.submit(URL, {"org_id": str(spaces["outside"].id)}, headers=ZH)
    assert page.status_code == 302
    assert spaces["outside"].id in members_now(alliance)
    assert "成员页·鞍山科技园 已加入联盟" in text(client.get(URL, headers=ZH))


def test_a_platform_admin_adds_and_removes(login, people, spaces, alliance):
    client = login(factories.UserFactory(is_admin=True))
    assert client.submit(URL, {"org_id": str(spaces["outside"].id)}).status_code == 302
    remove = f"{URL}/{spaces['first'].id}/remove"
    assert client.submit(remove, form_url=URL).status_code == 302
    assert members_now(alliance) == {spaces["second"].id, spaces["outside"].id}


@pytest.mark.parametrize(("value", "message"), [
    ("", "请选择一个机构。"),
    ("424242", "没有这个单位"),
    ("99999999999999999999", "没有这个单位"),
    ("abc", "没有这个单位"),
    ("self", "联盟不能是自己的成员单位"),
])
def test_bad_choices_are_shown_beside_the_field(login, people, spaces, alliance, value,
                                                 message):
    value = str(alliance.id) if value == "self" else value
    before = members_now(alliance)
    page = login(people["owner"]).submit(URL, {"org_id": value}, headers=ZH)
    assert page.status_code == 422
    body = text(page)
    field = body[body.index('class="field '):body.index('</select>') + 200]
    assert "field--invalid" in field and message in field
    assert members_now(alliance) == before


def test_adding_a_member_again_changes_nothing(login, people, spaces, alliance):
    page = login(people["owner"]).submit(URL, {"org_id": str(spaces["first"].id)},
                                         headers=ZH)
    assert page.status_code == 302
    assert members_now(alliance) == {spaces["first"].id, spaces["second"].id}


@pytest.mark.parametrize("role", ["organizer", "viewer", "space_owner"])
def test_only_owners_add_and_remove(app, login, people, spaces, alliance, role):
    owner_client = login(people["owner"])
    token = owner_client.csrf_token(URL)
    client = login(people[role])
    with client.session_transaction() as s, owner_client.session_transaction() as o:
        s["csrf_token"] = o["csrf_token"]
    add = client.post(URL, data={"csrf_token": token, "org_id": str(spaces["outside"].id)})
    remove = client.post(f"{URL}/{spaces['first'].id}/remove", data={"csrf_token": token})
    assert (add.status_code, remove.status_code) == (403, 403)
    assert members_now(alliance) == {spaces["first"].id, spaces["second"].id}


def test_removing_needs_the_csrf_token_and_a_member(login, people, spaces, alliance):
    client = login(people["owner"])
    assert client.post(f"{URL}/{spaces['first'].id}/remove").status_code == 400
    assert client.submit(f"{URL}/{spaces['outside'].id}/remove",
                         form_url=URL).status_code == 404
    assert client.submit(f"{URL}/424242/remove", form_url=URL).status_code == 404
    assert client.submit(f"{URL}/99999999999999999999/remove", form_url=URL).status_code == 404
    assert members_now(alliance) == {spaces["first"].id, spaces["second"].id}
    assert count(AllianceMember) == 2


def test_the_owner_removes_a_member_with_a_confirmation(login, people, spaces, alliance):
    client = login(people["owner"])
    body = text(client.get(URL, headers=ZH))
    assert 'data-confirm="确定将 成员页·沈阳空间 移出 辽宁省联盟成员页测试？"' in body
    page = client.submit(f"{URL}/{spaces['first'].id}/remove", form_url=URL)
    assert page.status_code == 302
    assert members_now(alliance) == {spaces["second"].id}
    assert "成员页·沈阳空间 已退出联盟" in text(client.get(URL, headers=ZH))


def test_the_page_in_english(login, people):
    people["owner"].locale = "en"
    db.session.commit()
    body = text(login(people["owner"]).get(URL, headers=EN))
    assert "Alliance members" in body and "Add a member organization" in body
    assert "Incubator" in body and "member since" in body
