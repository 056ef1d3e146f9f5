"""The polls' pages (issue 14): organizers create, open and close; a registrant votes from the
ticket page; results stay hidden until the close; the big screen opens for organizers and the
signed link, and answers 304 while no vote arrived; the alarm shows to organizers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eventhub import live
from eventhub.checkin import services as checkin
from eventhub.database import db, utcnow
from eventhub.engagement import polls
from eventhub.models import Poll, PollVote
from eventhub.registrations import services as reg
from tests import factories
from tests.views.conftest import count, fresh, text


@pytest.fixture
def voter_ticket(event, organizer):
    user = factories.UserFactory(email="voter@example.com", name="钱投票", phone="13900001111")
    registration = reg.register(user, event, reg.RegistrationInfo(consent=True))
    checkin.scan(organizer, factories.main_list_of(event), registration.ticket_code, "n-1")
    return registration


@pytest.fixture
def poll(organizer, event):
    made = polls.create_poll(organizer, event, "最喜欢哪个分论坛？", "checked_in",
                             options=["人工智能", "医疗健康"])
    return polls.open_poll(organizer, made)


def test_an_organizer_creates_and_opens_a_poll(login, organizer, event):
    c = login(organizer)
    page = c.get(f"/events/{event.id}/polls")
    assert page.status_code == 200
    response = c.submit(f"/events/{event.id}/polls", {
        "question": "午餐吃什么？", "options": "饺子\n面条\n", "max_choices": "1",
        "eligible": "confirmed"})
    assert response.status_code == 302
    poll = db.session.query(Poll).filter_by(question="午餐吃什么？").one()
    assert [o.label for o in poll.options] == ["饺子", "面条"]
    admin_url = f"/polls/{poll.id}/manage"
    c.submit(f"/polls/{poll.id}/open", form_url=admin_url)
    assert fresh(poll).status == "open"
    c.submit(f"/polls/{poll.id}/close", form_url=admin_url)
    assert fresh(poll).status == "closed"


def test_a_bad_poll_is_shown_again_with_the_reason(login, organizer, event):
    response = login(organizer).submit(f"/events/{event.id}/polls", {
        "question": "Q", "options": "只有一个", "eligible": "confirmed"})
    assert response.status_code == 422
    assert count(Poll) == 0


def test_others_may_not_manage_polls(login, staff, participant, event, poll):
    assert login(participant).get(f"/events/{event.id}/polls").status_code == 403
    assert login(staff).get(f"/polls/{poll.id}/manage").status_code == 403


def test_the_ticket_page_votes_in_two_taps(client, poll, voter_ticket):
    url = f"/tickets/{voter_ticket.ticket_code}"
    page = text(client.get(url))
    assert "最喜欢哪个分论坛？" in page and 'name="option"' in page
    option = poll.options[1].id
    response = client.submit(f"/polls/{poll.id}/vote", {
        "option": str(option), "ticket": voter_ticket.ticket_code}, form_url=url)
    assert response.status_code == 302 and url in response.location
    assert count(PollVote) == 1
    again = text(client.get(url))
    assert 'name="option"' not in again
    # a second post from the same page changes nothing
    client.submit(f"/polls/{poll.id}/vote", {
        "option": str(option), "ticket": voter_ticket.ticket_code}, form_url=url)
    assert count(PollVote) == 1


def test_the_ticket_page_of_someone_not_checked_in_has_no_ballot(client, event, poll,
                                                                  participant):
    registration = reg.register(participant, event, reg.RegistrationInfo(consent=True))
    url = f"/tickets/{registration.ticket_code}"
    page = text(client.get(url))
    assert "最喜欢哪个分论坛？" in page and 'name="option"' not in page
    client.submit(f"/polls/{poll.id}/vote", {
        "option": str(poll.options[0].id), "ticket": registration.ticket_code}, form_url=url)
    assert count(PollVote) == 0


def test_another_events_ticket_cannot_vote(client, org, organizer, now, poll):
    other = factories.EventFactory(organization=org, status="published")
    stranger = reg.register(factories.UserFactory(phone="13900002222"), other,
                            reg.RegistrationInfo(consent=True))
    checkin.scan(organizer, factories.main_list_of(other), stranger.ticket_code, "n-2")
    token = client.csrf_token(f"/tickets/{stranger.ticket_code}")
    response = client.post(f"/polls/{poll.id}/vote", data={
        "csrf_token": token, "option": str(poll.options[0].id),
        "ticket": stranger.ticket_code})
    assert response.status_code == 404
    assert count(PollVote) == 0


def test_results_are_hidden_on_the_voting_page_until_the_close(client, organizer, poll,
                                                                 voter_ticket):
    polls.vote(voter_ticket, poll, [poll.options[0].id])
    page = text(client.get(f"/polls/{poll.id}"))
    assert "poll-results" not in page
    polls.close_poll(organizer, fresh(poll))
    page = text(client.get(f"/polls/{poll.id}"))
    assert "poll-results" in page and "1 票" in page


def test_a_draft_is_hidden(client, organizer, event):
    draft = polls.create_poll(organizer, event, "草稿", "confirmed", options=["a", "b"])
    assert client.get(f"/polls/{draft.id}").status_code == 404


def test_the_screen_opens_for_organizers_and_the_signed_link(app, client, login, organizer,
                                                             participant, poll):
    assert client.get(f"/polls/{poll.id}/screen").status_code == 302
    assert login(participant).get(f"/polls/{poll.id}/screen").status_code == 403
    assert login(organizer).get(f"/polls/{poll.id}/screen").status_code == 200
    with app.test_request_context():
        key = live.make_screen_key("poll", poll.id)
        wrong = live.make_screen_key("wall", poll.id)
    assert client.get(f"/polls/{poll.id}/screen?key={wrong}").status_code == 302
    response = client.get(f"/polls/{poll.id}/screen?key={key}")
    assert response.status_code == 200 and "人工智能" in text(response)


def test_the_screen_answers_304_until_a_vote_arrives(login, organizer, poll, voter_ticket):
    c = login(organizer)
    url = f"/polls/{poll.id}/screen/live"
    first = c.get(url)
    etag = first.headers["ETag"].strip('"')
    assert c.get(url, headers={"If-None-Match": etag}).status_code == 304
    polls.vote(voter_ticket, poll, [poll.options[0].id])
    changed = c.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and 'data-votes="1"' in text(changed)


def test_bars_can_wait_for_the_close(login, organizer, poll, voter_ticket):
    polls.vote(voter_ticket, poll, [poll.options[0].id])
    page = text(login(organizer).get(f"/polls/{poll.id}/screen?bars=after"))
    assert "data-votes" not in page and 'data-voters="1"' in page


def test_the_alarm_rings_for_votes_faster_than_people(login, organizer, event, poll):
    start = utcnow()
    door = factories.main_list_of(event)
    for i in range(polls.RATE_MAX_VOTES + 1):
        person = reg.register(factories.UserFactory(phone=f"1380000{i:04d}"), event,
                              reg.RegistrationInfo(consent=True))
        checkin.scan(organizer, door, person.ticket_code, f"a-{i}")
        polls.vote(person, poll, [poll.options[0].id], device="same-phone" if i < 5 else f"d{i}",
                   now=start + timedelta(milliseconds=50 * i))
    alarm = polls.alarm(poll)
    assert alarm.too_fast and alarm.peak == polls.RATE_MAX_VOTES + 1
    assert alarm.devices == [("same-phone"[:8], 5)]
    page = text(login(organizer).get(f"/polls/{poll.id}/manage"))
    assert "poll-alarm" in page and 'role="alert"' in page
    screen = text(login(organizer).get(f"/polls/{poll.id}/screen"))
    assert 'role="alert"' in screen


def test_a_slow_hall_rings_no_alarm(organizer, event, poll):
    start = utcnow()
    door = factories.main_list_of(event)
    for i in range(polls.RATE_MAX_VOTES + 5):
        person = reg.register(factories.UserFactory(phone=f"1380000{i:04d}"), event,
                              reg.RegistrationInfo(consent=True))
        checkin.scan(organizer, door, person.ticket_code, f"b-{i}")
        polls.vote(person, poll, [poll.options[1].id], device=f"d{i}",
                   now=start + timedelta(milliseconds=400 * i))
    assert not polls.alarm(poll).raised


def test_the_event_page_links_polls(client, login, organizer, event, poll):
    assert f"/polls/{poll.id}" in text(client.get(f"/events/{event.id}"))
    assert f"/events/{event.id}/polls" in text(login(organizer).get(f"/events/{event.id}"))
