"""The welcome wall (签到墙): the opt-in on PATCH /registrations/{id}, and GET /events/{id}/wall
(organizers or the signed screen link): only opted-in people checked in, newest first, never a
hidden name, with the count of everyone checked in."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from eventhub.audit import AuditEntry
from eventhub.checkin import services as checkin
from eventhub.database import db
from eventhub.engagement import wall
from eventhub.formatting import mask_surname
from eventhub.registrations import services as reg
from tests import factories
from tests.api.conftest import assert_error, row_snapshot


def person(event, name, email=None, show=None, wall_name=None):
    """A confirmed registration of a new account (opted in when ``show``)."""
    user = factories.UserFactory(name=name, email=email or f"{uuid.uuid4().hex[:8]}@example.com",
                                 phone="13900001111")
    registration = reg.register(user, event, reg.RegistrationInfo(consent=True))
    if show is not None:
        reg.set_wall_choice(user, registration, show_on_wall=show, wall_name=wall_name)
    return registration


def check_in(actor, main_list, registration):
    checkin.scan(actor, main_list, registration.ticket_code, str(uuid.uuid4()))


@pytest.fixture
def wall_of(api, organizer):
    def _wall(event, **params):
        response = api(organizer).get(f"/api/v1/events/{event.id}/wall", query_string=params)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    return _wall


# Opting in ------------------------------------------------------------------------------------


def test_opt_in_is_off_by_default_and_the_registrant_turns_it_on(api, participant, ticket):
    client = api(participant)
    body = client.get(f"/api/v1/registrations/{ticket.id}").get_json()
    assert body["show_on_wall"] is False and body["wall_name"] == ""
    response = client.patch(f"/api/v1/registrations/{ticket.id}",
                            json={"show_on_wall": True, "wall_name": " 小赵 "})
    assert response.status_code == 200
    assert response.get_json()["show_on_wall"] is True
    assert response.get_json()["wall_name"] == "小赵"
    off = client.patch(f"/api/v1/registrations/{ticket.id}", json={"show_on_wall": False})
    assert off.get_json()["show_on_wall"] is False and off.get_json()["wall_name"] == "小赵"


def test_only_the_registrant_chooses(api, organizer, outsider_organizer, ticket):
    before = row_snapshot(ticket)
    body = {"show_on_wall": True}
    # An organizer sees the registration but may not consent for its registrant.
    assert_error(api(organizer).patch(f"/api/v1/registrations/{ticket.id}", json=body), 403)
    # Anyone else does not even see it.
    stranger = factories.UserFactory(email="stranger@example.com")
    assert_error(api(stranger).patch(f"/api/v1/registrations/{ticket.id}", json=body), 404)
    assert_error(api(outsider_organizer).patch(f"/api/v1/registrations/{ticket.id}",
                                               json=body), 404)
    assert_error(api().patch(f"/api/v1/registrations/{ticket.id}", json=body), 401)
    assert row_snapshot(ticket) == before


@pytest.mark.parametrize("body", [
    {"show_on_wall": True, "wall_name": "名" * 21},
    {"show_on_wall": True, "wall_name": "小\x00赵"},
    {"show_on_wall": True, "wall_name": 12},
    {"show_on_wall": "yes"},
    {"show_on_wall": True, "wall_name": "小赵", "name": "赵" * 500},
])
def test_bad_wall_choices_change_nothing(api, participant, ticket, body):
    before = row_snapshot(ticket)
    response = api(participant).patch(f"/api/v1/registrations/{ticket.id}", json=body)
    assert response.status_code in (400, 422)
    assert_error(response, response.status_code)
    assert row_snapshot(ticket) == before


def test_a_bad_wall_name_is_refused_by_the_service_too(participant, ticket):
    with pytest.raises(reg.ValidationFailed) as refused:
        reg.set_wall_choice(participant, ticket, show_on_wall=True, wall_name="名" * 21)
    assert "wall_name" in refused.value.fields
    db.session.refresh(ticket)
    assert ticket.show_on_wall is False


def test_an_organizer_registering_someone_cannot_opt_them_in(organizer, event):
    user = factories.UserFactory(email="walkin@example.com", name="钱多多")
    registration = reg.register(user, event, reg.RegistrationInfo(show_on_wall=True),
                                actor=organizer)
    assert registration.show_on_wall is False


def test_the_registration_form_opts_in_only_when_asked(event):
    user = factories.UserFactory(email="self@example.com", name="孙悟空", phone="13900002222")
    registration = reg.register(user, event, reg.RegistrationInfo(
        consent=True, show_on_wall=True, wall_name="大圣"))
    assert registration.show_on_wall and registration.wall_name == "大圣"
    plain = person(event, "猪八戒")
    assert plain.show_on_wall is False


# The wall -------------------------------------------------------------------------------------


def test_the_wall_shows_opted_in_arrivals_newest_first(staff, event, main_list, wall_of):
    first = person(event, "张三丰", show=True)
    second = person(event, "欧阳娜娜", show=True, wall_name="娜娜")
    shy = person(event, "李四", show=False)
    absent = person(event, "王五", show=True)
    for registration in (first, shy, second):
        check_in(staff, main_list, registration)
    body = wall_of(event)
    assert body["checked_in"] == 3  # everyone checked in, opted in or not
    assert [i["wall_name"] for i in body["items"]] == ["娜娜", "张**"]
    assert absent.id not in [a.registration_id for a in wall.wall(event).items]
    at = datetime.fromisoformat(body["items"][0]["at"])
    assert at.utcoffset() == timedelta(hours=8)  # the event's time zone


def test_after_gives_only_later_arrivals(staff, event, main_list, wall_of):
    early = person(event, "张一", show=True)
    check_in(staff, main_list, early)
    cut = datetime.now(UTC)
    late = person(event, "李二", show=True)
    check_in(staff, main_list, late)
    body = wall_of(event, after=cut.isoformat())
    assert [i["wall_name"] for i in body["items"]] == ["李**"]
    assert body["checked_in"] == 2


def test_a_reverted_check_in_leaves_the_wall(api, staff, event, main_list, wall_of):
    registration = person(event, "周六", show=True)
    result = checkin.scan(staff, main_list, registration.ticket_code, "n-1")
    assert wall_of(event)["items"]
    checkin.revert(staff, result["checkin_id"])
    assert wall_of(event) == {"checked_in": 0, "items": []}


def test_a_hidden_name_leaves_the_wall_and_is_audited(organizer, staff, event, main_list,
                                                      wall_of):
    registration = person(event, "吴七", show=True)
    check_in(staff, main_list, registration)
    version = wall.live_version(event.id)
    wall.hide(organizer, event, registration.id)
    assert wall.live_version(event.id) != version
    assert wall_of(event) == {"checked_in": 1, "items": []}
    wall.hide(organizer, event, registration.id)  # again: nothing more
    actions = db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.object_id == registration.id, AuditEntry.action.like("wall.%"))).all()
    assert actions == ["wall.hidden"]
    wall.unhide(organizer, event, registration.id)
    assert [i["wall_name"] for i in wall_of(event)["items"]] == ["吴**"]


def test_only_organizers_hide_names_of_their_own_event(staff, outsider_organizer, event,
                                                       other_org, organizer, main_list):
    registration = person(event, "郑八", show=True)
    with pytest.raises(reg.NotAllowed):
        wall.hide(staff, event, registration.id)
    with pytest.raises(reg.NotAllowed):
        wall.hide(outsider_organizer, event, registration.id)
    other = factories.EventFactory(organization=event.organization, status="published")
    with pytest.raises(reg.NotFound):
        wall.hide(organizer, other, registration.id)


def test_who_may_read_the_wall(api, organizer, staff, participant, event):
    url = f"/api/v1/events/{event.id}/wall"
    assert_error(api().get(url), 401)
    assert_error(api(staff).get(url), 403)
    assert_error(api(participant).get(url), 403)
    key = wall.make_screen_key(event)
    assert api().get(url, query_string={"key": key}).status_code == 200
    other = factories.EventFactory(organization=event.organization, status="published")
    assert_error(api().get(f"/api/v1/events/{other.id}/wall", query_string={"key": key}), 404)
    assert_error(api().get(url, query_string={"key": key + "x"}), 404)
    assert_error(api().get("/api/v1/events/999999/wall", query_string={"key": key}), 404)
    assert_error(api(organizer).get(url, query_string={"after": "yesterday"}), 422)


def test_the_wall_answers_304_while_nothing_changed(api, organizer, staff, event, main_list):
    client = api(organizer)
    url = f"/api/v1/events/{event.id}/wall"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    check_in(staff, main_list, person(event, "冯九", show=True))
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200


@pytest.mark.parametrize(("name", "masked"), [
    ("张三", "张**"), ("欧阳娜娜", "欧阳**"), ("司马懿", "司马**"), ("欧阳", "欧**"),
    ("Zhang Wei", "Zhang **"), ("  John   Smith ", "John **"), ("Madonna", "M**"), ("", ""),
])
def test_the_default_wall_name_is_the_surname_and_stars(name, masked):
    assert mask_surname(name) == masked
