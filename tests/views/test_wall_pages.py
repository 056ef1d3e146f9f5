"""The welcome wall's pages: the screen (organizers, or the signed link; a wrong key is 404),
its live fragment (ETag / 304), the organizers' page that hides names, and the registrant's
choice on the registration form, the registration page and the ticket page (off by default;
only the registrant)."""

from __future__ import annotations

import re
import uuid

import pytest

from eventhub.checkin import services as checkin
from eventhub.database import db
from eventhub.engagement import wall
from eventhub.registrations import services as reg
from tests import factories


def text(response):
    return response.get_data(as_text=True)


def person(event, name, show=True, wall_name=""):
    user = factories.UserFactory(name=name, phone="13900003333")
    registration = reg.register(user, event, reg.RegistrationInfo(consent=True))
    if show:
        reg.set_wall_choice(user, registration, show_on_wall=True, wall_name=wall_name)
    return registration


@pytest.fixture
def arrived(event, staff, main_list):
    registration = person(event, "张三丰")
    checkin.scan(staff, main_list, registration.ticket_code, str(uuid.uuid4()))
    return registration


def test_the_screen_opens_for_organizers_and_with_the_signed_link(login, client, organizer,
                                                                 staff, event, arrived):
    html = text(login(organizer).get(f"/events/{event.id}/wall"))
    assert "张**" in html and event.title in html and event.organization.name in html
    assert 'data-wall-count>1<' in html
    key = wall.make_screen_key(event)
    anonymous = client.get(f"/events/{event.id}/wall?key={key}")
    assert anonymous.status_code == 200 and "张**" in text(anonymous)
    assert f"/events/{event.id}/wall/live?key=" in text(anonymous)
    assert client.get(f"/events/{event.id}/wall/live?key={key}").status_code == 200
    assert client.get(f"/events/{event.id}/wall?key={key}x").status_code == 404
    other = factories.EventFactory(organization=event.organization, status="published")
    assert client.get(f"/events/{other.id}/wall?key={key}").status_code == 404
    assert client.get(f"/events/{event.id}/wall").status_code == 302  # sign in first
    assert login(staff).get(f"/events/{event.id}/wall").status_code == 403


def test_the_fragment_answers_304_until_someone_arrives(login, organizer, staff, event,
                                                        main_list, arrived):
    browser = login(organizer)
    first = browser.get(f"/events/{event.id}/wall/live")
    etag = first.headers["ETag"]
    again = browser.get(f"/events/{event.id}/wall/live", headers={"If-None-Match": etag})
    assert again.status_code == 304
    newcomer = person(event, "李四", wall_name="小李")
    checkin.scan(staff, main_list, newcomer.ticket_code, str(uuid.uuid4()))
    fresh = browser.get(f"/events/{event.id}/wall/live", headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    html = text(fresh)
    assert html.index("小李") < html.index("张**")  # newest first


def test_organizers_hide_a_name_and_show_it_again(login, organizer, event, arrived):
    browser = login(organizer)
    page = text(browser.get(f"/events/{event.id}/wall/manage"))
    assert "张三丰" in page and "张**" in page and "/wall?key=" in page
    token = browser.csrf_token(f"/events/{event.id}/wall/manage")
    done = browser.post(f"/events/{event.id}/wall/manage", data={
        "csrf_token": token, "registration_id": arrived.id, "action": "hide"})
    assert done.status_code == 302
    assert "张**" not in text(browser.get(f"/events/{event.id}/wall/live"))
    browser.post(f"/events/{event.id}/wall/manage", data={
        "csrf_token": token, "registration_id": arrived.id, "action": "show"})
    assert "张**" in text(browser.get(f"/events/{event.id}/wall/live"))


def test_the_wall_page_is_for_organizers_only(login, staff, participant, event, arrived):
    assert login(staff).get(f"/events/{event.id}/wall/manage").status_code == 403
    browser = login(staff)
    token = browser.csrf_token("/")
    refused = browser.post(f"/events/{event.id}/wall/manage", data={
        "csrf_token": token, "registration_id": arrived.id, "action": "hide"})
    assert refused.status_code == 403
    assert wall.wall(event).items


def test_the_event_page_links_organizers_to_the_wall(login, organizer, participant, event):
    assert f"/events/{event.id}/wall/manage" in text(login(organizer).get(f"/events/{event.id}"))
    assert "/wall/manage" not in text(login(participant).get(f"/events/{event.id}"))


def test_the_registration_form_offers_the_wall_unticked(login, participant, event):
    browser = login(participant)
    html = text(browser.get(f"/events/{event.id}/register"))
    box = re.search(r'<input[^>]*name="show_on_wall"[^>]*>', html).group(0)
    assert "checked" not in box
    token = browser.csrf_token(f"/events/{event.id}/register")
    browser.post(f"/events/{event.id}/register", data={
        "csrf_token": token, "name": "赵参与", "phone": "13812345678", "consent": "y",
        "show_on_wall": "y", "wall_name": "小赵"})
    registration = reg.find_registration(event, participant)
    assert registration.show_on_wall and registration.wall_name == "小赵"


def test_the_ticket_page_changes_the_choice_of_its_registrant_only(login, client, participant,
                                                                    organizer, ticket):
    assert ticket.show_on_wall is False
    assert 'name="show_on_wall"' not in text(client.get(f"/tickets/{ticket.ticket_code}"))
    browser = login(participant)
    html = text(browser.get(f"/tickets/{ticket.ticket_code}"))
    assert 'name="show_on_wall"' in html and 'placeholder="赵**"' in html
    token = browser.csrf_token(f"/tickets/{ticket.ticket_code}")
    done = browser.post(f"/registrations/{ticket.id}/wall", data={
        "csrf_token": token, "show_on_wall": "y", "wall_name": "", "back": "ticket"})
    assert done.headers["Location"].endswith(f"/tickets/{ticket.ticket_code}")
    db.session.refresh(ticket)
    assert ticket.show_on_wall is True and ticket.wall_name == ""
    # Too long a name changes nothing and says why.
    refused = browser.post(f"/registrations/{ticket.id}/wall", data={
        "csrf_token": token, "wall_name": "名" * 21}, follow_redirects=True)
    assert 'class="flash flash--error"' in text(refused)
    db.session.refresh(ticket)
    assert ticket.show_on_wall is True
    # An organizer may not choose for them; a stranger does not see the registration.
    organizer_browser = login(organizer)
    assert organizer_browser.post(f"/registrations/{ticket.id}/wall", data={
        "csrf_token": organizer_browser.csrf_token("/"), "show_on_wall": ""}).status_code == 403
    stranger = login(factories.UserFactory(email="stranger@example.com"))
    assert stranger.post(f"/registrations/{ticket.id}/wall", data={
        "csrf_token": stranger.csrf_token("/")}).status_code == 404
    db.session.refresh(ticket)
    assert ticket.show_on_wall is True
