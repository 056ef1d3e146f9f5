"""The participant's pages: the 报名 box, the registration form, my registrations, tickets."""

import re
from datetime import UTC, timedelta
from io import BytesIO

import icalendar
import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image

from eventhub.database import db
from eventhub.registrations import form_builder
from eventhub.registrations import services as reg
from eventhub.registrations.form_builder import QuestionInfo
from eventhub.registrations.models import Registration
from eventhub.registrations.services import RegistrationInfo
from tests import factories
from tests.views.conftest import count, fresh, text


def register_url(event):
    return f"/events/{event.id}/register"


@pytest.fixture
def questions(event, organizer):
    """One question of each interesting kind, in form order."""
    return {
        "company": form_builder.save_question(organizer, event, QuestionInfo("项目名称", "text",
                                                                    required=True)),
        "stage": form_builder.save_question(organizer, event, QuestionInfo(
            "融资阶段", "choice", required=True, options=["未融资", "天使轮", "A轮"])),
        "fields": form_builder.save_question(organizer, event, QuestionInfo(
            "关注领域", "multichoice", options=["人工智能", "新能源", "生物医药"])),
        "team": form_builder.save_question(organizer, event, QuestionInfo("团队人数", "number")),
        "founded": form_builder.save_question(organizer, event, QuestionInfo("成立日期", "date")),
        "about": form_builder.save_question(organizer, event, QuestionInfo("项目简介", "textarea",
                                                                  help_text="200 字以内")),
        "photos": form_builder.save_question(
            organizer, event, QuestionInfo("同意拍照", "checkbox")),
    }


def answers(questions, **changes):
    q = questions
    data = {
        f"q_{q['company'].id}": "智能农机",
        f"q_{q['stage'].id}": "天使轮",
        f"q_{q['fields'].id}": ["人工智能", "新能源"],
        f"q_{q['team'].id}": "5",
        f"q_{q['founded'].id}": "2024-03-01",
        f"q_{q['about'].id}": "用无人机做植保。",
        f"q_{q['photos'].id}": "y",
    }
    for key, value in changes.items():
        name = f"q_{q[key].id}"
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def form_data(**extra):
    return {
        "name": "赵参与",
        "phone": "138 1234 5678",
        "organization": "沈阳工业大学",
        "job_title": "学生",
        "consent": "y",
        **extra,
    }


def the_registration(event, user):
    db.session.expire_all()
    return db.session.scalar(
        sa.select(Registration).where(Registration.event_id == event.id,
                                      Registration.user_id == user.id)
    )


def error_of(html, field):
    match = re.search(rf'<p class="field__error" id="{re.escape(field)}-error">(.*?)</p>', html,
                      re.S)
    return match.group(1) if match else None


def decode_png(data: bytes) -> str:
    results = zxingcpp.read_barcodes(Image.open(BytesIO(data)))
    assert results, "no QR code found"
    return results[0].text


# The event page's box -----------------------------------------------------------------------


def test_event_page_sends_anonymous_visitors_to_login_with_next(client, event):
    html = text(client.get(f"/events/{event.id}"))
    assert 'id="register"' in html
    assert f'href="/login?next=/events/{event.id}/register"' in html
    response = client.get(register_url(event))
    assert response.status_code == 302
    assert "/login" in response.location and f"next=%2Fevents%2F{event.id}%2Fregister" in (
        response.location)


def test_event_page_links_the_form_then_the_registration(login, event, participant):
    c = login(participant)
    assert f'href="{register_url(event)}"' in text(c.get(f"/events/{event.id}"))
    registration = reg.register(participant, event, RegistrationInfo(consent=True))
    html = text(c.get(f"/events/{event.id}"))
    assert f'href="/registrations/{registration.id}"' in html
    assert f'href="/tickets/{registration.ticket_code}"' in html
    assert f'href="{register_url(event)}"' not in html


def test_event_page_offers_the_waitlist_when_full(login, event, participant):
    event.capacity = 1
    db.session.commit()
    reg.register(factories.UserFactory(phone="13900000001"), event, RegistrationInfo(consent=True))
    html = text(login(participant).get(f"/events/{event.id}"))
    assert f'href="{register_url(event)}"' in html
    assert "reg-badge" not in html


def test_event_page_without_a_register_link_when_closed(login, event, participant, now):
    event.registration_closes_at = now - timedelta(hours=1)
    db.session.commit()
    html = text(login(participant).get(f"/events/{event.id}"))
    assert f'href="{register_url(event)}"' not in html
    assert "state--closed" in html


@pytest.mark.parametrize(
    ("change", "state"),
    [({"registration_paused": True}, "paused"), ({"registration_opens_at": "future"}, "soon")],
)
def test_event_page_facts_and_box_say_the_same_window(login, event, participant, now, change,
                                                      state):
    for key, value in change.items():
        setattr(event, key, now + timedelta(days=1) if value == "future" else value)
    db.session.commit()
    html = text(login(participant).get(f"/events/{event.id}"))
    assert html.count(f"state--{state}") == 2  # the facts row and the registration box
    assert "state--open" not in html and "state--closed" not in html
    assert f'href="{register_url(event)}"' not in html


# Registering --------------------------------------------------------------------------------


def test_the_form_is_prefilled_and_has_a_field_per_question(login, event, participant,
                                                           questions):
    html = text(login(participant).get(register_url(event)))
    assert 'value="赵参与"' in html and 'value="13812345678"' in html
    for q in questions.values():
        assert f'name="q_{q.id}"' in html
    assert html.count(f'name="q_{questions["stage"].id}" type="radio"') == 3
    assert html.count(f'name="q_{questions["fields"].id}" type="checkbox"') == 3
    assert f'id="q_{questions["about"].id}"' in html and "<textarea" in html
    assert "200 字以内" in html  # the help text
    assert f'href="/events/{event.id}/privacy"' in html
    assert 'name="consent"' in html


def test_register_with_answers_confirms_and_shows_the_ticket(login, event, participant,
                                                              questions):
    c = login(participant)
    response = c.submit(register_url(event), form_data(**answers(questions)))
    registration = the_registration(event, participant)
    assert response.status_code == 302
    assert response.location.endswith(f"/registrations/{registration.id}")
    assert registration.status == "confirmed"
    q = questions
    assert registration.answers == {
        str(q["company"].id): "智能农机",
        str(q["stage"].id): "天使轮",
        str(q["fields"].id): ["人工智能", "新能源"],
        str(q["team"].id): 5,
        str(q["founded"].id): "2024-03-01",
        str(q["about"].id): "用无人机做植保。",
        str(q["photos"].id): True,
    }
    assert registration.phone == "13812345678"
    assert registration.organization == "沈阳工业大学"
    assert registration.consent_at is not None

    html = text(c.get(response.location))
    assert "<svg" in html and "智能农机" in html and "人工智能、新能源" in html

    ticket = c.get(f"/tickets/{registration.ticket_code}")
    html = text(ticket)
    assert ticket.status_code == 200
    assert re.search(r'<figure class="qr"[^>]*><svg[^>]*viewBox', html)
    assert "<path" in html
    assert registration.ticket_code[:4] + " " + registration.ticket_code[4:8] in html
    assert "赵参与" in html and event.title in html
    assert ticket.headers["Cache-Control"] == "private, no-store"
    assert ticket.headers["X-Robots-Tag"] == "noindex"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"company": None}, "company"),
        ({"company": "   "}, "company"),
        ({"stage": "C轮"}, "stage"),
        ({"fields": ["区块链"]}, "fields"),
        ({"company": "长" * 10_000}, "company"),
        ({"about": "长" * 10_001}, "about"),
        ({"team": "五个"}, "team"),
        ({"founded": "2024-13-45"}, "founded"),
    ],
)
def test_bad_answers_are_shown_beside_their_field(login, event, participant, questions,
                                                  changes, field):
    response = login(participant).submit(register_url(event),
                                         form_data(**answers(questions, **changes)))
    assert response.status_code == 422
    html = text(response)
    question = questions[field]
    assert error_of(html, f"q_{question.id}")
    others = [q for key, q in questions.items() if key != field]
    assert not any(error_of(html, f"q_{q.id}") for q in others)
    assert count(Registration) == 0


def test_standard_fields_and_consent_are_checked(login, event, participant, questions):
    c = login(participant)
    response = c.submit(register_url(event), form_data(**answers(questions), phone="", name="  ",
                                                       consent=""))
    assert response.status_code == 422
    html = text(response)
    assert error_of(html, "phone") and error_of(html, "name")
    assert count(Registration) == 0
    response = c.submit(register_url(event), {**form_data(**answers(questions)), "consent": ""})
    assert response.status_code == 422
    assert error_of(text(response), "consent")
    assert count(Registration) == 0


def test_one_submit_shows_every_problem_with_a_summary_linking_to_each(
    login, event, organizer, participant, questions
):
    form_builder.save_category(organizer, event, "观众", 100)
    c = login(participant)
    response = c.submit(register_url(event), {
        **form_data(**answers(questions, company=None, team="五个")),
        "name": " ", "phone": "", "consent": "",
    })
    assert response.status_code == 422
    html = text(response)
    wrong = ["name", "phone", "category_id", f"q_{questions['company'].id}",
             f"q_{questions['team'].id}", "consent"]
    assert all(error_of(html, name) for name in wrong)
    summary = re.search(r'<ul class="form-errors__list">(.*?)</ul>', html, re.S).group(1)
    assert re.findall(r'href="#([^"]+)"', summary) == wrong  # in the form's order
    assert count(Registration) == 0


def test_editing_answers_shows_every_problem_at_once(login, event, participant, questions):
    c = login(participant)
    c.submit(register_url(event), form_data(**answers(questions)))
    registration = the_registration(event, participant)
    url = f"/registrations/{registration.id}/edit"
    response = c.submit(url, {**form_data(**answers(questions, company=None)), "phone": ""})
    assert response.status_code == 422
    html = text(response)
    assert error_of(html, "phone") and error_of(html, f"q_{questions['company'].id}")


def test_categories_and_sessions(login, event, organizer, participant):
    full = form_builder.save_category(organizer, event, "投资人", 0)
    audience = form_builder.save_category(organizer, event, "观众", 100, requires_approval=True)
    forum = factories.SessionFactory(event=event, title="开幕论坛", room="A101", capacity=50)
    c = login(participant)
    html = text(c.get(register_url(event)))
    assert 'name="category_id" type="radio"' in html and "开幕论坛" in html and "A101" in html

    response = c.submit(register_url(event), form_data())
    assert response.status_code == 422
    assert error_of(text(response), "category_id")

    response = c.submit(register_url(event), form_data(category_id=str(audience.id),
                                                       session_ids=[str(forum.id)]))
    assert response.status_code == 302
    registration = the_registration(event, participant)
    assert registration.status == "pending"
    assert registration.category_id == audience.id
    assert [s.id for s in registration.sessions] == [forum.id]
    assert full.id != audience.id


def test_a_full_event_puts_people_on_the_waitlist(login, event, participant):
    event.capacity = 1
    db.session.commit()
    reg.register(factories.UserFactory(phone="13900000001"), event, RegistrationInfo(consent=True))
    c = login(participant)
    response = c.submit(register_url(event), form_data())
    registration = the_registration(event, participant)
    assert registration.status == "waitlisted"
    html = text(c.get(response.location))
    assert "<svg" not in html
    assert "reg-state--waitlisted" in html and " 1 " in html.replace(">", "> ").replace("<", " <")


def test_a_closed_window_shows_no_form_and_refuses_posts(login, event, participant, now):
    c = login(participant)
    token = c.csrf_token(register_url(event))
    event.registration_closes_at = now - timedelta(minutes=1)
    db.session.commit()
    html = text(c.get(register_url(event)))
    assert 'name="consent"' not in html
    response = c.post(register_url(event), data={"csrf_token": token, **form_data()})
    assert response.status_code == 409
    assert count(Registration) == 0


def test_unpublished_events_are_404_and_closed_ones_take_nobody(login, event, participant):
    c = login(participant)
    token = c.csrf_token(f"/events/{event.id}")
    event.status = "draft"
    event.published_at = None
    db.session.commit()
    assert c.get(register_url(event)).status_code == 404
    response = c.post(register_url(event), data={"csrf_token": token, **form_data()})
    assert response.status_code == 404

    event.status = "closed"
    db.session.commit()
    assert 'name="consent"' not in text(c.get(register_url(event)))
    response = c.post(register_url(event), data={"csrf_token": token, **form_data()})
    assert response.status_code == 409
    assert count(Registration) == 0


def test_a_double_submit_makes_one_registration(login, event, participant):
    c = login(participant)
    token = c.csrf_token(register_url(event))
    first = c.post(register_url(event), data={"csrf_token": token, **form_data()})
    second = c.post(register_url(event), data={"csrf_token": token, **form_data()})
    assert first.status_code == second.status_code == 302
    assert first.location == second.location
    assert count(Registration) == 1
    # The form itself sends people who are registered to their registration.
    assert c.get(register_url(event)).location == first.location


def test_without_csrf_nothing_is_created(login, event, participant):
    response = login(participant).post(register_url(event), data=form_data())
    assert response.status_code == 400
    assert count(Registration) == 0


# The registration page, editing, cancelling --------------------------------------------------


def test_other_peoples_registrations_are_404(login, event, participant, organizer, staff):
    registration = reg.register(participant, event, RegistrationInfo(consent=True))
    stranger = login(factories.UserFactory())
    for url in (f"/registrations/{registration.id}", f"/registrations/{registration.id}/edit",
                f"/registrations/{registration.id}/cancel", "/registrations/999999"):
        assert stranger.get(url).status_code == 404
    assert login(staff).get(f"/registrations/{registration.id}").status_code == 404
    assert login(organizer).get(f"/registrations/{registration.id}").status_code == 200
    assert login(participant).get(f"/registrations/{registration.id}").status_code == 200


def test_edit_answers_until_the_window_closes(login, event, participant, questions, now):
    registration = reg.register(participant, event, RegistrationInfo(
        consent=True, phone="13812345678",
        answers={str(questions["company"].id): "旧名称", str(questions["stage"].id): "未融资",
                 str(questions["fields"].id): ["新能源"], str(questions["photos"].id): True}))
    c = login(participant)
    url = f"/registrations/{registration.id}/edit"
    html = text(c.get(url))
    assert 'value="旧名称"' in html
    response = c.submit(url, form_data(**answers(questions, company="新名称", fields=None,
                                                 photos=None)))
    assert response.status_code == 302
    fresh_reg = fresh(registration)
    assert fresh_reg.answers[str(questions["company"].id)] == "新名称"
    # Unticked boxes are absent from the post and mean "no".
    assert str(questions["fields"].id) not in fresh_reg.answers
    assert str(questions["photos"].id) not in fresh_reg.answers

    response = c.submit(url, form_data(**answers(questions, stage="D轮")))
    assert response.status_code == 422
    assert error_of(text(response), f"q_{questions['stage'].id}")

    token = c.csrf_token(url)
    event.registration_closes_at = now - timedelta(minutes=1)
    db.session.commit()
    response = c.post(url, data={"csrf_token": token, **form_data(**answers(questions))})
    assert response.status_code == 409


def test_cancel_with_a_confirmation_page(login, event, participant):
    registration = reg.register(participant, event, RegistrationInfo(consent=True))
    code = registration.ticket_code
    c = login(participant)
    url = f"/registrations/{registration.id}/cancel"
    page = c.get(url)
    assert page.status_code == 200 and f'action="{url}"' in text(page)
    response = c.submit(url)
    assert response.status_code == 302
    assert fresh(registration).status == "cancelled"
    html = text(c.get(f"/tickets/{code}"))
    assert "<svg" not in html and "reg-badge--cancelled" in html
    # Cancelled: the event page offers the form again.
    assert f'href="{register_url(event)}"' in text(c.get(f"/events/{event.id}"))


def test_my_registrations_lists_upcoming_first_with_tickets(login, org, participant, now):
    later = factories.EventFactory(organization=org, title="后面的路演",
                                   starts_at=now + timedelta(days=30),
                                   ends_at=now + timedelta(days=30, hours=3))
    sooner = factories.EventFactory(organization=org, title="先开的沙龙",
                                    starts_at=now + timedelta(days=2),
                                    ends_at=now + timedelta(days=2, hours=3))
    a = reg.register(participant, later, RegistrationInfo(consent=True))
    reg.register(participant, sooner, RegistrationInfo(consent=True))
    html = text(login(participant).get("/me/registrations"))
    assert html.index("先开的沙龙") < html.index("后面的路演")
    assert f'href="/tickets/{a.ticket_code}"' in html
    assert 'href="/me/registrations"' in html  # in the account menu


# Tickets ------------------------------------------------------------------------------------


def test_ticket_png_decodes_to_the_code(client, event, participant):
    registration = reg.register(participant, event, RegistrationInfo(consent=True))
    response = client.get(f"/tickets/{registration.ticket_code}.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert decode_png(response.data) == registration.ticket_code
    download = client.get(f"/tickets/{registration.ticket_code}.png?download=1")
    assert "attachment" in download.headers["Content-Disposition"]


def test_ticket_ics_has_the_event_in_utc(client, event, participant):
    registration = reg.register(participant, event, RegistrationInfo(consent=True))
    response = client.get(f"/tickets/{registration.ticket_code}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.data)
    (vevent,) = calendar.walk("VEVENT")
    start, end = vevent.decoded("DTSTART"), vevent.decoded("DTEND")
    assert start.utcoffset() == timedelta(0)
    assert start == event.starts_at.astimezone(UTC).replace(microsecond=0)
    assert end == event.ends_at.astimezone(UTC).replace(microsecond=0)
    assert b"DTSTART:" in response.data and b"Z\r\n" in response.data
    assert str(vevent["SUMMARY"]) == event.title
    assert str(vevent["LOCATION"]).startswith(event.venue)
    assert registration.ticket_code in str(vevent["DESCRIPTION"])
    assert str(vevent["UID"])


def test_ticket_print_view(client, event, participant):
    registration = reg.register(participant, event, RegistrationInfo(consent=True))
    response = client.get(f"/tickets/{registration.ticket_code}/print")
    html = text(response)
    assert response.status_code == 200 and "<svg" in html and "print-sheet" in html
    assert "<script>" not in html and "style=" not in html
    assert response.headers["X-Robots-Tag"] == "noindex"


def test_unknown_regenerated_and_typed_codes(client, event, participant, organizer):
    registration = reg.register(participant, event, RegistrationInfo(consent=True))
    code = registration.ticket_code
    assert client.get(f"/tickets/{code.lower()}").status_code == 200
    assert client.get("/tickets/" + "0" * 26).status_code == 404
    assert client.get("/tickets/nonsense").status_code == 404
    assert client.get("/tickets/" + "0" * 26 + ".png").status_code == 404
    reg.regenerate_ticket(organizer, registration)
    for suffix in ("", ".png", ".ics", "/print"):
        assert client.get(f"/tickets/{code}{suffix}").status_code == 404
    assert client.get(f"/tickets/{fresh(registration).ticket_code}").status_code == 200


def test_pending_and_waitlisted_tickets_show_their_state(client, event, participant,
                                                         organizer):
    event.requires_approval = True
    db.session.commit()
    registration = reg.register(participant, event, RegistrationInfo(consent=True))
    assert registration.status == "pending" and registration.ticket_code is None
    reg.approve(organizer, registration)
    code = fresh(registration).ticket_code
    reg.cancel(organizer, registration)
    html = text(client.get(f"/tickets/{code}"))
    assert "<svg" not in html and "reg-state--cancelled" in html
    assert client.get(f"/tickets/{code}.png").status_code == 404
    assert client.get(f"/tickets/{code}.ics").status_code == 404


# Privacy notice -----------------------------------------------------------------------------


def test_privacy_page_default_and_custom(client, event, org):
    html = text(client.get(f"/events/{event.id}/privacy"))
    assert org.name in html and event.title in html
    event.privacy_notice = "## 个人信息保护\n\n我们保存**一年**。"
    db.session.commit()
    html = text(client.get(f"/events/{event.id}/privacy"))
    assert "<strong>一年</strong>" in html
    draft = factories.EventFactory(organization=org, status="draft", published_at=None)
    assert client.get(f"/events/{draft.id}/privacy").status_code == 404
