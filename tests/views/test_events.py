from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from eventhub.database import db
from eventhub.events.models import Event, EventSession, EventStatus
from tests import factories
from tests.views.conftest import count, fresh, text

GOOD_EVENT = {
    "title": "2026 沈阳海外学子创业周",
    "kind": "week",
    "description": "## 日程\n\n**路演**与沙龙",
    "venue": "浑南国际会展中心",
    "address": "沈阳市浑南区",
    "starts_at": "2030-05-18T09:30",
    "ends_at": "2030-05-20T17:00",
    "timezone": "Asia/Shanghai",
    "capacity": "300",
    "registration_opens_at": "2030-04-01T09:00",
    "registration_closes_at": "2030-05-17T18:00",
    "is_listed": "y",
}


# Home page --------------------------------------------------------------------------------


def test_home_lists_upcoming_published_listed_events(client, org, now):
    factories.EventFactory(organization=org, title="公开的沙龙")
    factories.EventFactory(organization=org, title="草稿活动", status="draft", published_at=None)
    factories.EventFactory(organization=org, title="不公开的活动", is_listed=False)
    factories.EventFactory(organization=org, title="已结束的活动",
                           starts_at=now - timedelta(days=3), ends_at=now - timedelta(days=2))
    html = text(client.get("/"))
    assert "公开的沙龙" in html
    for hidden in ("草稿活动", "不公开的活动", "已结束的活动"):
        assert hidden not in html


def test_home_filters_by_kind_and_organizer(client, org, other_org):
    factories.EventFactory(organization=org, title="沈阳大赛", kind="contest")
    factories.EventFactory(organization=org, title="沈阳沙龙", kind="salon")
    factories.EventFactory(organization=other_org, title="大连大赛", kind="contest")

    html = text(client.get("/?kind=contest"))
    assert "沈阳大赛" in html and "大连大赛" in html and "沈阳沙龙" not in html

    html = text(client.get(f"/?org={org.slug}"))
    assert "沈阳大赛" in html and "沈阳沙龙" in html and "大连大赛" not in html

    html = text(client.get(f"/?kind=contest&org={org.slug}"))
    assert "沈阳大赛" in html and "沈阳沙龙" not in html and "大连大赛" not in html


@pytest.mark.parametrize("query", ["?kind=bogus", "?org=nope", "?page=-3", "?page=abc",
                                   "?page=99999", "?org=" + "x" * 5000])
def test_home_survives_odd_query_arguments(client, query):
    assert client.get("/" + query).status_code == 200


def test_home_is_paginated(client, org):
    base = datetime.now(UTC) + timedelta(days=5)
    for i in range(14):
        factories.EventFactory(organization=org, title=f"第{i:02d}期沙龙",
                               starts_at=base + timedelta(hours=i),
                               ends_at=base + timedelta(hours=i + 1))
    first = text(client.get("/"))
    second = text(client.get("/?page=2"))
    assert "第00期沙龙" in first and "第11期沙龙" in first and "第12期沙龙" not in first
    assert "第12期沙龙" in second and "第13期沙龙" in second and "第00期沙龙" not in second
    assert 'rel="next"' in first


# Event page -------------------------------------------------------------------------------


def test_event_page_shows_times_in_the_event_time_zone(client, org):
    event = factories.EventFactory(
        organization=org, title="Silicon Valley Roadshow", timezone="America/Los_Angeles",
        starts_at=datetime(2030, 7, 1, 17, 0, tzinfo=UTC),  # 10:00 in Los Angeles (PDT)
        ends_at=datetime(2030, 7, 1, 20, 0, tzinfo=UTC),
    )
    factories.SessionFactory(event=event, title="Demo day", room="Hall B",
                             starts_at=datetime(2030, 7, 1, 18, 30, tzinfo=UTC),
                             ends_at=datetime(2030, 7, 1, 19, 0, tzinfo=UTC))
    html = text(client.get(f"/events/{event.id}?lang=en"))
    assert "10:00" in html and "1:00" in html  # 10:00 AM – 1:00 PM
    assert "11:30" in html and "Hall B" in html and "Demo day" in html
    assert "Pacific Daylight Time (UTC-7)" in html and "America/Los_Angeles" not in html
    assert "01:00" not in html  # Beijing time would be 01:00 the next day


def test_event_page_shows_the_facts_and_safe_markdown(client, org):
    event = factories.EventFactory(
        organization=org, venue="创新大厦", address="沈阳市浑南区创新路 1 号",
        description="**欢迎** <script>alert(1)</script> [link](javascript:alert(2))",
    )
    html = text(client.get(f"/events/{event.id}"))
    assert "<strong>欢迎</strong>" in html
    assert "<script>alert" not in html and 'href="javascript:' not in html
    assert "创新大厦" in html and "沈阳市浑南区创新路 1 号" in html and org.name in html


def test_draft_event_is_404_for_the_public_and_visible_to_its_org(client, login, org, staff,
                                                                  participant,
                                                                  outsider_organizer):
    draft = factories.EventFactory(organization=org, status="draft", published_at=None)
    assert client.get(f"/events/{draft.id}").status_code == 404
    assert login(participant).get(f"/events/{draft.id}").status_code == 404
    assert login(outsider_organizer).get(f"/events/{draft.id}").status_code == 404
    assert login(staff).get(f"/events/{draft.id}").status_code == 200


def test_unknown_event_is_404(client):
    assert client.get("/events/987654").status_code == 404


def test_status_buttons_show_only_for_those_allowed(login, event, organizer, staff):
    assert "/publish" not in text(login(organizer).get(f"/events/{event.id}"))
    assert f"/events/{event.id}/close" in text(login(organizer).get(f"/events/{event.id}"))
    html = text(login(staff).get(f"/events/{event.id}"))
    assert f"/events/{event.id}/close" not in html and f"/events/{event.id}/edit" not in html


# Creating and editing ---------------------------------------------------------------------


def test_organizer_creates_a_draft_with_times_in_its_zone(login, org, organizer):
    c = login(organizer)
    response = c.submit(f"/orgs/{org.slug}/events/new", GOOD_EVENT)
    assert response.status_code == 302
    event = db.session.scalars(sa.select(Event).where(Event.title == GOOD_EVENT["title"])).one()
    assert response.headers["Location"] == f"/events/{event.id}"
    assert event.status == EventStatus.draft
    assert event.starts_at == datetime(2030, 5, 18, 1, 30, tzinfo=UTC)
    assert event.ends_at == datetime(2030, 5, 20, 9, 0, tzinfo=UTC)
    assert event.registration_closes_at == datetime(2030, 5, 17, 10, 0, tzinfo=UTC)
    assert event.capacity == 300 and event.is_listed and not event.requires_approval


def test_a_chosen_time_zone_is_used_for_the_typed_times(login, org, organizer):
    c = login(organizer)
    c.submit(f"/orgs/{org.slug}/events/new",
             {**GOOD_EVENT, "timezone": "Europe/London", "registration_opens_at": "",
              "registration_closes_at": ""})
    event = db.session.scalars(sa.select(Event)).one()
    assert event.timezone == "Europe/London"
    assert event.starts_at == datetime(2030, 5, 18, 8, 30, tzinfo=UTC)  # BST is UTC+1


def test_staff_and_outsiders_cannot_create_events(login, org, staff, outsider_organizer):
    for user in (staff, outsider_organizer):
        c = login(user)
        assert c.get(f"/orgs/{org.slug}/events/new").status_code == 403
        response = c.submit(f"/orgs/{org.slug}/events/new", GOOD_EVENT, form_url="/")
        assert response.status_code == 403
    assert count(Event) == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "标" * 10_000}, "title"),
        ({"title": "   "}, "title"),
        ({"venue": "v" * 10_000}, "venue"),
        ({"address": "a" * 10_000}, "address"),
        ({"description": "d" * 10_001}, "description"),
        ({"starts_at": "2030-13-45T99:00"}, "starts_at"),
        ({"starts_at": ""}, "starts_at"),
        ({"starts_at": "0001-01-01T00:00"}, "starts_at"),
        ({"ends_at": "9999-12-31T23:59"}, "ends_at"),
        ({"ends_at": "2030-05-17T09:00"}, "ends_at"),
        ({"registration_closes_at": "2030-03-01T09:00"}, "registration_closes_at"),
        ({"registration_opens_at": "yesterday"}, "registration_opens_at"),
        ({"capacity": "-1"}, "capacity"),
        ({"capacity": "many"}, "capacity"),
        ({"capacity": "9" * 40}, "capacity"),
        ({"kind": "party"}, "kind"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
    ],
)
def test_bad_event_input_is_shown_beside_the_field_and_changes_nothing(
    login, org, organizer, changes, field
):
    response = login(organizer).submit(f"/orgs/{org.slug}/events/new", {**GOOD_EVENT, **changes})
    assert response.status_code == 422
    assert f'id="{field}-error"' in text(response)
    assert count(Event) == 0


def test_organizer_edits_an_event(login, event, organizer):
    c = login(organizer)
    form = c.get(f"/events/{event.id}/edit")
    assert form.status_code == 200
    local = event.starts_at.astimezone(event.tz).strftime("%Y-%m-%dT%H:%M")
    assert f'value="{local}"' in text(form)
    response = c.submit(f"/events/{event.id}/edit", {**GOOD_EVENT, "title": "新的标题"})
    assert response.status_code == 302
    assert fresh(event).title == "新的标题"
    assert fresh(event).starts_at == datetime(2030, 5, 18, 1, 30, tzinfo=UTC)


def test_bad_edit_changes_nothing(login, event, organizer):
    before = (event.title, event.starts_at)
    response = login(organizer).submit(f"/events/{event.id}/edit",
                                       {**GOOD_EVENT, "title": "x" * 10_000,
                                        "starts_at": "2031-01-01T10:00"})
    assert response.status_code == 422
    after = fresh(event)
    assert (after.title, after.starts_at) == before


def test_staff_and_outsiders_cannot_edit(login, event, staff, outsider_organizer, participant):
    for user in (staff, outsider_organizer, participant):
        c = login(user)
        assert c.get(f"/events/{event.id}/edit").status_code == 403
        response = c.submit(f"/events/{event.id}/edit", {**GOOD_EVENT, "title": "hijacked"},
                            form_url="/")
        assert response.status_code == 403
    assert fresh(event).title == "2026 沈阳创业周"


def test_editing_an_unknown_event_is_404(login, organizer):
    assert login(organizer).get("/events/424242/edit").status_code == 404


# Publishing -------------------------------------------------------------------------------


def test_organizer_publishes_closes_and_cancels(login, org, organizer):
    draft = factories.EventFactory(organization=org, status="draft", published_at=None)
    c = login(organizer)
    assert f"/events/{draft.id}/publish" in text(c.get(f"/events/{draft.id}"))
    response = c.submit(f"/events/{draft.id}/publish", form_url=f"/events/{draft.id}")
    assert response.status_code == 302
    assert fresh(draft).status == EventStatus.published
    assert fresh(draft).published_at is not None

    c.submit(f"/events/{draft.id}/close", form_url=f"/events/{draft.id}")
    assert fresh(draft).status == EventStatus.closed
    c.submit(f"/events/{draft.id}/cancel", form_url=f"/events/{draft.id}")
    assert fresh(draft).status == EventStatus.cancelled
    assert "此活动已取消。" in text(c.get(f"/events/{draft.id}"))


def test_a_refused_transition_is_explained_and_changes_nothing(login, event, organizer):
    c = login(organizer)
    response = c.submit(f"/events/{event.id}/archive", form_url=f"/events/{event.id}")
    assert response.status_code == 302
    assert fresh(event).status == EventStatus.published
    assert "不能这样修改" in text(c.get(f"/events/{event.id}"))


def test_staff_and_outsiders_cannot_publish(login, org, staff, outsider_organizer):
    draft = factories.EventFactory(organization=org, status="draft", published_at=None)
    # Staff see their organization's draft but may not publish it; to outsiders it does not
    # exist.
    for user, status in ((staff, 403), (outsider_organizer, 404)):
        response = login(user).submit(f"/events/{draft.id}/publish", form_url="/")
        assert response.status_code == status
    assert fresh(draft).status == EventStatus.draft


def test_publish_needs_csrf(login, org, organizer):
    draft = factories.EventFactory(organization=org, status="draft", published_at=None)
    assert login(organizer).post(f"/events/{draft.id}/publish").status_code == 400
    assert fresh(draft).status == EventStatus.draft


# Sessions ---------------------------------------------------------------------------------


def test_organizer_adds_edits_and_deletes_a_session(login, event, organizer):
    c = login(organizer)
    local_day = event.starts_at.astimezone(event.tz).strftime("%Y-%m-%d")
    response = c.submit(f"/events/{event.id}/sessions",
                        {"title": "投资人路演", "starts_at": f"{local_day}T14:00",
                         "ends_at": f"{local_day}T16:30", "room": "B201", "capacity": "80"})
    assert response.status_code == 302
    session = db.session.scalars(sa.select(EventSession)).one()
    assert session.starts_at.astimezone(event.tz).strftime("%H:%M") == "14:00"
    assert session.starts_at.utcoffset() == timedelta(0)
    assert (session.room, session.capacity) == ("B201", 80)
    assert "投资人路演" in text(c.get(f"/events/{event.id}"))

    response = c.submit(f"/events/{event.id}/sessions/{session.id}/edit",
                        {"title": "投资人路演（决赛）", "starts_at": f"{local_day}T15:00",
                         "ends_at": f"{local_day}T17:00", "room": "C301", "capacity": ""})
    assert response.status_code == 302
    assert fresh(session).title == "投资人路演（决赛）"
    assert fresh(session).capacity is None

    session_id = session.id
    c.submit(f"/events/{event.id}/sessions/{session_id}/delete",
             form_url=f"/events/{event.id}/sessions")
    assert count(EventSession) == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "t" * 10_000}, "title"),
        ({"room": "r" * 10_000}, "room"),
        ({"starts_at": "not a date"}, "starts_at"),
        ({"ends_at": "2030-01-01T08:00"}, "ends_at"),
        ({"capacity": "-5"}, "capacity"),
    ],
)
def test_bad_session_input_changes_nothing(login, event, organizer, changes, field):
    data = {"title": "分论坛", "starts_at": "2030-01-01T09:00", "ends_at": "2030-01-01T10:00",
            "room": "A1", **changes}
    response = login(organizer).submit(f"/events/{event.id}/sessions", data)
    assert response.status_code == 422
    assert f'id="{field}-error"' in text(response)
    assert count(EventSession) == 0


def test_staff_cannot_manage_sessions(login, event, staff):
    session = factories.SessionFactory(event=event)
    c = login(staff)
    assert c.get(f"/events/{event.id}/sessions").status_code == 403
    response = c.submit(f"/events/{event.id}/sessions/{session.id}/delete", form_url="/")
    assert response.status_code == 403
    assert count(EventSession) == 1


def test_a_session_of_another_event_is_404(login, event, organizer):
    other = factories.SessionFactory()
    c = login(organizer)
    assert c.get(f"/events/{event.id}/sessions/{other.id}/edit").status_code == 404
