import sqlalchemy as sa

from eventhub.database import db
from eventhub.mail.models import OutboxMessage
from eventhub.orgs.models import Membership, Organization, Role
from tests import factories
from tests.views.conftest import count, fresh, text


def test_members_see_the_dashboard_with_drafts(login, org, staff):
    factories.EventFactory(organization=org, title="内部草稿活动", status="draft",
                           published_at=None)
    response = login(staff).get(f"/orgs/{org.slug}")
    assert response.status_code == 200
    assert "内部草稿活动" in text(response)


def test_outsiders_get_403_on_a_dashboard(login, org, outsider_organizer, participant):
    assert login(outsider_organizer).get(f"/orgs/{org.slug}").status_code == 403
    assert login(participant).get(f"/orgs/{org.slug}").status_code == 403


def test_anonymous_visitors_are_sent_to_login(client, org):
    response = client.get(f"/orgs/{org.slug}")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_unknown_organization_is_404(login, admin):
    assert login(admin).get("/orgs/no-such-org").status_code == 404


def test_my_dashboard_lists_the_events_of_all_my_orgs(login, org, other_org, organizer):
    factories.MembershipFactory(organization=other_org, user=organizer, role="staff")
    factories.EventFactory(organization=org, title="沈阳路演")
    factories.EventFactory(organization=other_org, title="大连沙龙", status="draft")
    factories.EventFactory(title="别人的活动")
    html = text(login(organizer).get("/dashboard"))
    assert "沈阳路演" in html and "大连沙龙" in html
    assert "别人的活动" not in html
    assert org.name in html and other_org.name in html


def test_my_dashboard_merges_my_orgs_events_newest_first_up_to_its_limit(
    login, org, other_org, organizer, monkeypatch
):
    from datetime import UTC, datetime

    from eventhub.orgs import views as org_views

    factories.MembershipFactory(organization=other_org, user=organizer, role="staff")
    start = datetime(2030, 5, 1, 1, tzinfo=UTC)
    for day, (where, title) in enumerate(
        [(org, "第一天路演"), (other_org, "第二天沙龙"), (org, "第三天论坛"),
         (other_org, "第四天训练营")]
    ):
        factories.EventFactory(organization=where, title=title,
                               starts_at=start.replace(day=1 + day))
    monkeypatch.setattr(org_views, "MINE_EVENTS", 3)
    html = text(login(organizer).get("/dashboard"))
    shown = [t for t in ("第四天训练营", "第三天论坛", "第二天沙龙", "第一天路演") if t in html]
    assert shown == ["第四天训练营", "第三天论坛", "第二天沙龙"]
    assert html.index("第四天训练营") < html.index("第三天论坛") < html.index("第二天沙龙")


def test_nav_shows_my_organizations_only_to_members(login, organizer, participant):
    assert "我的机构" in text(login(organizer).get("/"))
    assert "我的机构" not in text(login(participant).get("/"))


def test_owner_adds_a_new_person_who_gets_an_invitation(login, org, owner):
    c = login(owner)
    response = c.submit(f"/orgs/{org.slug}/members",
                        {"email": "New.Staff@example.com", "role": "staff"})
    assert response.status_code == 302
    membership = db.session.scalars(
        sa.select(Membership).join(Membership.user).where(Membership.org_id == org.id)
        .where(Membership.role == Role.staff)
    ).one()
    assert membership.user.email == "new.staff@example.com"
    mail = db.session.scalars(sa.select(OutboxMessage)).one()
    assert mail.template == "org_invitation"
    assert org.name in mail.subject
    assert "/reset/" in mail.text_body
    assert "已成为成员" in text(c.get(f"/orgs/{org.slug}/members"))


def test_adding_with_a_bad_email_or_role_changes_nothing(login, org, owner):
    c = login(owner)
    before = count(Membership)
    response = c.submit(f"/orgs/{org.slug}/members", {"email": "nope", "role": "staff"})
    assert response.status_code == 422
    assert 'id="email-error"' in text(response)
    response = c.submit(f"/orgs/{org.slug}/members",
                        {"email": "a@example.com", "role": "emperor"})
    assert response.status_code == 422
    assert 'id="role-error"' in text(response)
    assert count(Membership) == before
    assert count(OutboxMessage) == 0


def test_only_owners_and_admins_manage_members(login, org, organizer, staff, admin):
    assert login(organizer).get(f"/orgs/{org.slug}/members").status_code == 403
    assert login(staff).get(f"/orgs/{org.slug}/members").status_code == 403
    response = login(organizer).submit(
        f"/orgs/{org.slug}/members", {"email": "x@example.com", "role": "owner"},
        form_url="/",
    )
    assert response.status_code == 403
    assert login(admin).get(f"/orgs/{org.slug}/members").status_code == 200


def test_owner_changes_a_role_and_removes_a_member(login, org, owner, staff):
    c = login(owner)
    membership = next(m for m in fresh(org).memberships if m.user_id == staff.id)
    response = c.submit(f"/orgs/{org.slug}/members/{membership.id}/role", {"role": "organizer"},
                        form_url=f"/orgs/{org.slug}/members")
    assert response.status_code == 302
    assert fresh(membership).role == Role.organizer

    membership_id = membership.id
    response = c.submit(f"/orgs/{org.slug}/members/{membership_id}/remove",
                        form_url=f"/orgs/{org.slug}/members")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Membership, membership_id) is None


def test_the_last_owner_cannot_be_removed_or_demoted(login, org, owner):
    c = login(owner)
    membership = next(m for m in fresh(org).memberships if m.user_id == owner.id)
    c.submit(f"/orgs/{org.slug}/members/{membership.id}/remove",
             form_url=f"/orgs/{org.slug}/members")
    assert "至少需要一位负责人" in text(c.get(f"/orgs/{org.slug}/members"))
    c.submit(f"/orgs/{org.slug}/members/{membership.id}/role", {"role": "staff"},
             form_url=f"/orgs/{org.slug}/members")
    assert fresh(membership).role == Role.owner


def test_admin_registers_an_organization(login, admin):
    c = login(admin)
    response = c.submit("/orgs/new", {"name": "浑南区孵化器", "kind": "incubator",
                                      "description": "**孵化**"})
    assert response.status_code == 302
    org = db.session.scalars(sa.select(Organization).where(Organization.name == "浑南区孵化器")
                             ).one()
    assert response.headers["Location"] == f"/orgs/{org.slug}/members"


def test_others_cannot_register_organizations(login, organizer):
    assert login(organizer).get("/orgs/new").status_code == 403
    assert "新建机构" not in text(login(organizer).get("/"))


def test_owner_edits_the_organization(login, org, owner, other_org):
    c = login(owner)
    response = c.submit(f"/orgs/{org.slug}/edit", {"name": "沈阳市众创空间（新）",
                                                  "kind": "incubator", "description": ""})
    assert response.status_code == 302
    assert fresh(org).name == "沈阳市众创空间（新）"

    response = c.submit(f"/orgs/{org.slug}/edit", {"name": other_org.name,
                                                  "kind": "incubator", "description": ""})
    assert response.status_code == 422
    assert "已有同名机构" in text(response)
    assert fresh(org).name == "沈阳市众创空间（新）"


def test_an_organization_name_of_10000_characters_is_refused(login, org, owner):
    response = login(owner).submit(f"/orgs/{org.slug}/edit",
                                   {"name": "名" * 10_000, "kind": "incubator"})
    assert response.status_code == 422
    assert 'id="name-error"' in text(response)
    assert fresh(org).name == "沈阳市众创空间"


def test_organizers_cannot_edit_the_organization(login, org, organizer):
    assert login(organizer).get(f"/orgs/{org.slug}/edit").status_code == 403
