"""The organization's and alliance's dashboard (issue 15): who reads it, its periods (a year,
a quarter, a month), its figures against `organizations.org_report` on a small data set whose
numbers are worked out below, no participant's personal data, and the signed, expiring
read-only links (made, opened without an account, expired, revoked, tampered with)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from eventhub.audit import AuditEntry
from eventhub.database import db, utcnow
from eventhub.events.models import EventPartner
from eventhub.live import make_screen_key
from eventhub.orgs.models import AllianceMember
from eventhub.reports import dashboard_links, organizations
from eventhub.reports.models import DashboardLink
from tests import factories
from tests.api.test_event_stats import person, scan

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: The participants' personal data: never on a dashboard.
PERSONAL = ("参会者1号", "参会者2号", "参会者3号", "person1@example.com", "13900000001",
            "机构1")


def at(year, month, day, hour=10):
    return datetime(year, month, day, hour, tzinfo=SHANGHAI)


@pytest.fixture
def world(org, other_org):
    """An alliance of two members, in 2025:

    - 仪表盘众创空间 (A) hosts 仪表盘沙龙 on 10 May (salon): persons 1 and 2 confirmed, 1 checked
      in; person 4 cancelled. Its draft on 1 June is left out.
    - 仪表盘科技园 (B) hosts 仪表盘大赛 on 20 August (contest) with A as 联合主办: person 3
      confirmed and checked in.

    The alliance: 2 events, credited 2 (host for both), 3 confirmed, 2 checked in (66.7%), 2
    participants. A: 2 events, credited 1.5; B: 1 event, credited 1."""
    alliance = factories.OrganizationFactory(name="仪表盘联盟", slug="dash-alliance",
                                             kind="alliance")
    a = factories.OrganizationFactory(name="仪表盘众创空间", slug="dash-a")
    b = factories.OrganizationFactory(name="仪表盘科技园", slug="dash-b", kind="university_park")
    for member in (a, b):
        factories.commit(AllianceMember(alliance_id=alliance.id, member_id=member.id))
    salon = factories.EventFactory(organization=a, title="仪表盘沙龙", kind="salon",
                                   starts_at=at(2025, 5, 10), ends_at=at(2025, 5, 10, 17),
                                   lead_name="周负责")
    contest = factories.EventFactory(organization=b, title="仪表盘大赛", kind="contest",
                                     starts_at=at(2025, 8, 20), ends_at=at(2025, 8, 21))
    factories.EventFactory(organization=a, title="仪表盘草稿", status="draft",
                           starts_at=at(2025, 6, 1), ends_at=at(2025, 6, 2))
    factories.commit(EventPartner(event_id=contest.id, org_id=a.id, role="co_host"))
    r1 = person(salon, 1, "confirmed")
    person(salon, 2, "confirmed")
    person(salon, 4, "cancelled")
    r3 = person(contest, 3, "confirmed")
    scan(factories.main_list_of(salon), r1)
    scan(factories.main_list_of(contest), r3)
    users = {}
    for role in ("owner", "organizer", "viewer"):
        users[role] = factories.UserFactory(name=f"联盟{role}")
        factories.MembershipFactory(organization=alliance, user=users[role], role=role)
    return {"alliance": alliance, "a": a, "b": b, "salon": salon, "contest": contest,
            "users": users}


def stat(html: str, name: str) -> str:
    found = re.search(rf'data-stat="{name}">([^<]*)<', html)
    assert found, name
    return found.group(1)


def page(client, world, period="2025"):
    response = client.get(f"/orgs/dash-alliance/dashboard?period={period}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


# Who reads it -----------------------------------------------------------------------------------


def test_owners_organizers_viewers_and_admins_read_the_dashboard(login, world, admin):
    for user in (*world["users"].values(), admin):
        html = page(login(user), world)
        assert "仪表盘联盟" in html and 'id="od-chart-data"' in html


def test_others_are_refused(login, client, world, participant, outsider_organizer, organizer):
    for user in (participant, outsider_organizer, organizer):  # organizer: of another org
        assert login(user).get("/orgs/dash-alliance/dashboard").status_code == 403
    response = client.get("/orgs/dash-alliance/dashboard")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert login(world["users"]["owner"]).get("/orgs/nobody-here/dashboard").status_code == 404


def test_the_organization_page_links_its_dashboard(login, world, participant, org):
    for user in world["users"].values():
        html = login(user).get("/orgs/dash-alliance").get_data(as_text=True)
        assert "/orgs/dash-alliance/dashboard" in html
    staff = factories.UserFactory()
    factories.MembershipFactory(organization=world["alliance"], user=staff, role="staff")
    html = login(staff).get("/orgs/dash-alliance").get_data(as_text=True)
    assert "/orgs/dash-alliance/dashboard" not in html


# Figures and periods ----------------------------------------------------------------------------


def test_the_figures_are_the_reports(login, world):
    viewer = login(world["users"]["viewer"])
    html = page(viewer, world)
    assert stat(html, "events") == "2"
    assert stat(html, "credited") == "2"
    assert stat(html, "registrations") == "3"
    assert stat(html, "checked_in") == "2"
    assert stat(html, "checkin_rate") == "66.7%"
    assert stat(html, "participants") == "2"
    report = organizations.org_report(world["alliance"], at(2025, 1, 1, 0), at(2026, 1, 1, 0))
    assert (report["events"]["count"], report["registrations"], report["checked_in"],
            report["participants"]) == (2, 3, 2, 2)
    assert stat(html, "entries") == str(report["entries"])
    assert stat(html, "coachings") == str(report["mentors"]["coachings"])
    # Members side by side: A has both events (host, co-host), B its own.
    a_row = re.search(rf'data-member-id="{world["a"].id}">(.*?)</tr>', html, re.S).group(1)
    assert re.search(r'data-col="events">2<', a_row)
    assert re.search(r'data-col="credited">1.5<', a_row)
    b_row = re.search(rf'data-member-id="{world["b"].id}">(.*?)</tr>', html, re.S).group(1)
    assert re.search(r'data-col="events">1<', b_row) and re.search(r'data-col="checked_in">1<',
                                                                    b_row)
    # The events table, by date, with the 负责人; the draft is left out.
    table = html[html.index('id="od-events"'):]
    assert table.index("仪表盘沙龙") < table.index("仪表盘大赛")
    assert "周负责" in table and "仪表盘草稿" not in html
    # The charts' data: per month, the rate per event, the kinds, the members.
    data = _chart_data(html)
    assert data["months"]["names"][4] == "2025-05" and data["months"]["events"][4] == 1
    assert sum(data["months"]["checkedIn"]) == 2
    assert data["rates"]["values"] == [50.0, 100.0]
    assert sorted(k["value"] for k in data["kinds"]) == [1, 1]
    assert data["members"]["names"] == [m["name"] for m in report["members"]]
    assert data["members"]["credited"] == [1.5, 1.0]


def test_the_consistency_warnings_show(login, world):
    """The contest has no 负责人: the exports' check names it; the salon has one."""
    html = page(login(world["users"]["viewer"]), world)
    box = re.search(r"data-warnings>(.*?)</section>", html, re.S).group(1)
    lead = re.search(r'data-warning="lead_missing">(.*?)</li>\s*</ul>', box, re.S).group(1)
    assert "仪表盘大赛" in lead and "2025-08-20" in lead and "仪表盘沙龙" not in lead
    world["contest"].lead_name = "吴负责"
    db.session.commit()
    assert "data-warnings" not in page(login(world["users"]["viewer"]), world)


def _chart_data(html):
    import json

    block = re.search(r'<script type="application/json" id="od-chart-data">(.*?)</script>',
                      html, re.S)
    return json.loads(block.group(1))


@pytest.mark.parametrize(("period", "days", "events", "confirmed"), [
    ("2025", ("2025-01-01", "2025-12-31"), "2", "3"),
    ("2025-Q2", ("2025-04-01", "2025-06-30"), "1", "2"),
    ("2025-Q3", ("2025-07-01", "2025-09-30"), "1", "1"),
    ("2025-Q1", ("2025-01-01", "2025-03-31"), "0", "0"),
    ("2025-05", ("2025-05-01", "2025-05-31"), "1", "2"),
    ("2025-08", ("2025-08-01", "2025-08-31"), "1", "1"),
])
def test_the_period_picker_periods(login, world, period, days, events, confirmed):
    html = page(login(world["users"]["viewer"]), world, period)
    assert stat(html, "events") == events and stat(html, "registrations") == confirmed
    text = re.search(r"data-period-text>([^<]*)<", html).group(1)
    assert days[0] in text and days[1] in text
    assert f'href="/orgs/dash-alliance/dashboard?period={period}" aria-current="true"' in html
    # The quarters and months of the period's year are one tap away.
    assert 'href="/orgs/dash-alliance/dashboard?period=2025-Q4"' in html
    assert 'href="/orgs/dash-alliance/dashboard?period=2025-12"' in html


def test_this_year_by_default_and_a_bad_period_is_refused(login, world):
    viewer = login(world["users"]["viewer"])
    html = viewer.get("/orgs/dash-alliance/dashboard").get_data(as_text=True)
    this_year = datetime.now(SHANGHAI).year
    assert f'href="/orgs/dash-alliance/dashboard?period={this_year}" aria-current="true"' in html
    for bad in ("2025-13", "2025-Q5", "yesterday", "1900", "x" * 500):
        response = viewer.get(f"/orgs/dash-alliance/dashboard?period={bad}")
        assert response.status_code == 422
        assert 'data-stat="events"' not in response.get_data(as_text=True)


def test_english(login, world):
    viewer = world["users"]["viewer"]
    viewer.locale = "en"
    db.session.commit()
    html = page(login(viewer), world, "2025-Q2")
    assert "Check-in rate" in html and "Members side by side" in html
    assert "data-period-label>Q2 2025<" in html
    assert page(login(viewer), world, "2025").count("data-period-label>Year 2025<") == 1


def test_the_downloads_carry_the_period(login, world):
    html = page(login(world["users"]["organizer"]), world, "2025-Q2")
    base = f"/api/v1/orgs/{world['alliance'].id}"
    assert f'href="{base}/report.xlsx?from=2025-04-01&amp;to=2025-07-01"' in html
    assert f'href="{base}/report.xlsx?from=2025-04-01&amp;to=2025-07-01&amp;format=torch"' in html
    assert f'href="{base}/report.pdf?from=2025-04-01&amp;to=2025-07-01"' in html
    # The buttons work in a signed-in browser, a viewer's too.
    viewer = login(world["users"]["viewer"])
    period = "from=2025-04-01&to=2025-07-01"
    for url in (f"{base}/report.xlsx?{period}", f"{base}/report.xlsx?{period}&format=torch",
                f"{base}/report.pdf?{period}"):
        response = viewer.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert len(response.data) > 1000


def test_a_viewer_sees_no_personal_data(login, world):
    for period in ("2025", "2025-05", "2025-08"):
        html = page(login(world["users"]["viewer"]), world, period)
        assert not [p for p in PERSONAL if p in html]


def test_a_plain_organization_has_no_members_part(login, world):
    owner = factories.UserFactory()
    factories.MembershipFactory(organization=world["a"], user=owner, role="owner")
    html = login(owner).get("/orgs/dash-a/dashboard?period=2025").get_data(as_text=True)
    assert stat(html, "events") == "2" and stat(html, "credited") == "1.5"
    assert 'id="od-members"' not in html and "members" not in _chart_data(html)


# Read-only links ----------------------------------------------------------------------------


def _make_link(client, days="30"):
    response = client.submit("/orgs/dash-alliance/dashboard/links",
                             {"days": days, "period": "2025"},
                             form_url="/orgs/dash-alliance/dashboard?period=2025")
    assert response.status_code == 302
    return response


def _key(world):
    link = db.session.scalars(sa.select(DashboardLink).where(
        DashboardLink.org_id == world["alliance"].id).order_by(DashboardLink.id.desc())).first()
    return link, dashboard_links.key_of(link)


def test_an_organizer_shares_a_link_that_opens_without_an_account(login, client, world):
    organizer = login(world["users"]["organizer"])
    _make_link(organizer, "7")
    link, key = _key(world)
    assert timedelta(days=6, hours=23) < link.expires_at - utcnow() <= timedelta(days=7)
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "dashboard_link.created")).one()
    assert entry.object_id == link.id and entry.actor_id == world["users"]["organizer"].id
    html = page(organizer, world)
    assert f'data-link-id="{link.id}"' in html and "/dashboards/" in html
    response = client.get(f"/dashboards/{key}?period=2025")
    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response.headers["X-Robots-Tag"]
    shared = response.get_data(as_text=True)
    assert '<meta name="robots" content="noindex, nofollow">' in shared
    assert stat(shared, "events") == "2" and stat(shared, "checkin_rate") == "66.7%"
    assert "data-shared" in shared
    # Read-only: no downloads, no links to manage, no event pages; the periods stay in the link.
    assert "data-download" not in shared and "/dashboard/links" not in shared
    assert "/orgs/dash-alliance" not in shared and f"/events/{world['salon'].id}" not in shared
    assert f'href="/dashboards/{key}?period=2025-Q2"' in shared
    assert stat(client.get(f"/dashboards/{key}?period=2025-08").get_data(as_text=True),
                "events") == "1"
    assert not [p for p in PERSONAL if p in shared]


def test_viewers_do_not_share(login, world):
    viewer = login(world["users"]["viewer"])
    html = page(viewer, world)
    assert "/dashboard/links" not in html
    token = viewer.csrf_token("/orgs/dash-alliance/dashboard")
    response = viewer.post("/orgs/dash-alliance/dashboard/links",
                           data={"csrf_token": token, "days": "30"})
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DashboardLink)) == 0


def test_only_7_30_or_90_days(login, world):
    owner = login(world["users"]["owner"])
    for days in ("5", "365", "", "abc", "-7"):
        _make_link(owner, days)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DashboardLink)) == 0
    _make_link(owner, "90")
    link, _ = _key(world)
    assert link.expires_at - utcnow() > timedelta(days=89)


def test_an_expired_link_says_so(login, client, world):
    _make_link(login(world["users"]["owner"]))
    link, key = _key(world)
    link.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.get(f"/dashboards/{key}")
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert 'data-link-invalid="expired"' in html and "仪表盘联盟" not in html
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_a_tampered_link_does_not_work(login, client, world, other_org):
    _make_link(login(world["users"]["owner"]))
    link, key = _key(world)
    forged = [
        key[:-2] + ("AA" if not key.endswith("AA") else "BB"),
        key[:20],
        "not-a-key",
        "x" * 2000,
        make_screen_key("poll", world["alliance"].id, link=link.id),  # another kind of key
        make_screen_key("dashboard", other_org.id, link=link.id),  # another organization
        make_screen_key("dashboard", world["alliance"].id, link=link.id + 1000),
        make_screen_key("dashboard", world["alliance"].id),  # no link
    ]
    for bad in forged:
        response = client.get(f"/dashboards/{bad}")
        assert response.status_code == 404, bad
        assert 'data-link-invalid="unknown"' in response.get_data(as_text=True)


def test_revoking_one_link_or_all(login, client, world):
    owner = login(world["users"]["owner"])
    for _ in range(3):
        _make_link(owner)
    links = db.session.scalars(sa.select(DashboardLink).order_by(DashboardLink.id)).all()
    keys = [dashboard_links.key_of(link) for link in links]
    response = owner.submit("/orgs/dash-alliance/dashboard/links/revoke",
                            {"link_id": str(links[0].id)},
                            form_url="/orgs/dash-alliance/dashboard")
    assert response.status_code == 302
    assert client.get(f"/dashboards/{keys[0]}").status_code == 410
    assert client.get(f"/dashboards/{keys[1]}").status_code == 200
    # Revoking it again, or a link of another organization: nothing changes.
    owner.submit("/orgs/dash-alliance/dashboard/links/revoke", {"link_id": str(links[0].id)},
                 form_url="/orgs/dash-alliance/dashboard")
    owner.submit("/orgs/dash-alliance/dashboard/links/revoke", {"link_id": "99999999999999999"},
                 form_url="/orgs/dash-alliance/dashboard")
    response = owner.submit("/orgs/dash-alliance/dashboard/links/revoke", {"everything": "y"},
                            form_url="/orgs/dash-alliance/dashboard")
    assert response.status_code == 302
    assert [client.get(f"/dashboards/{k}").status_code for k in keys] == [410, 410, 410]
    actions = db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.action.like("dashboard_link.%"))).all()
    assert actions.count("dashboard_link.created") == 3
    assert "dashboard_link.revoked" in actions and "dashboard_link.revoked_all" in actions
    assert "/dashboards/" not in page(owner, world)


def test_a_link_works_until_it_expires(world):
    link = dashboard_links.create_link(world["users"]["owner"], world["alliance"], 30)
    assert dashboard_links.open_link(dashboard_links.key_of(link))[0] == world["alliance"]
    with pytest.raises(dashboard_links.LinkExpired):
        dashboard_links.open_link(dashboard_links.key_of(link),
                                  now=utcnow() + timedelta(days=31))


def test_the_page_costs_the_same_statements_however_many_events(login, world, count_statements):
    """Every figure is an aggregate query: more events, members and registrations add no
    statement."""
    owner = login(world["users"]["owner"])

    def cost():
        count_statements.clear()
        page(owner, world)
        return len(count_statements)

    before = cost()
    third = factories.OrganizationFactory(name="仪表盘第三成员", slug="dash-c")
    factories.commit(AllianceMember(alliance_id=world["alliance"].id, member_id=third.id))
    for month in (2, 7, 11):
        event = factories.EventFactory(organization=third, title=f"仪表盘加场{month}",
                                       starts_at=at(2025, month, 3), ends_at=at(2025, month, 4))
        for n in range(3):
            scan(factories.main_list_of(event), person(event, 100 * month + n, "confirmed"))
    assert cost() == before
