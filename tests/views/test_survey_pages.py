"""The satisfaction survey's pages (issue 14 point 4): the organizer's editor, the attendee's
answer page (stars as a radio group), the anonymous results with bars, and the links from
the ticket page, my registrations and the organizer's tools."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from eventhub.checkin import services as checkin
from eventhub.database import db
from eventhub.engagement import surveys
from eventhub.models import SurveyQuestion, SurveyResponse
from eventhub.registrations import services as registrations
from tests import factories

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en"}


def attendee(event, organizer, name="钱参会"):
    user = factories.UserFactory(name=name)
    registration = registrations.register(user, event, registrations.RegistrationInfo(
        consent=True, phone=f"139{user.id:08d}"), now=event.starts_at - timedelta(days=1))
    checkin.scan(organizer, factories.main_list_of(event), registration.ticket_code,
                 f"n-{user.id}")
    return user, registration


def make_survey(organizer, event):
    return surveys.save_survey(organizer, event, [
        {"label": "总体满意度", "kind": "rating", "required": True},
        {"label": "最喜欢的环节", "kind": "choice", "options": ["路演", "交流"]},
        {"label": "建议", "kind": "text"},
    ])


def start(event, now):
    event.starts_at = now - timedelta(hours=1)
    db.session.commit()


def test_the_editor_adds_renames_and_removes_questions(login, organizer, event):
    client = login(organizer)
    page = client.get(f"/events/{event.id}/survey/edit", headers=ZH)
    assert page.status_code == 200 and "满意度问卷" in page.get_data(as_text=True)
    response = client.submit(f"/events/{event.id}/survey/edit", {
        "questions-0-label": "总体满意度", "questions-0-kind": "rating",
        "questions-0-required": "y", "questions-0-position": "2",
        "questions-1-label": "最喜欢的环节", "questions-1-kind": "choice",
        "questions-1-options": "路演\n交流\n", "questions-1-position": "1",
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    saved = surveys.questions_of(event)
    assert [(q.label, q.kind.value, q.options, q.required) for q in saved] == [
        ("最喜欢的环节", "choice", ["路演", "交流"], False),
        ("总体满意度", "rating", [], True)]
    response = client.submit(f"/events/{event.id}/survey/edit", {
        "questions-0-id": str(saved[0].id), "questions-0-label": "环节",
        "questions-0-kind": "choice", "questions-0-options": "路演\n交流",
        "questions-0-remove": "y",
        "questions-1-id": str(saved[1].id), "questions-1-label": "总体",
        "questions-1-kind": "rating",
    })
    assert response.status_code == 302
    db.session.expire_all()
    assert [q.label for q in surveys.questions_of(event)] == ["总体"]


def test_the_editor_shows_refusals_beside_the_form(login, organizer, event):
    client = login(organizer)
    response = client.submit(f"/events/{event.id}/survey/edit", {
        "questions-0-label": "环节", "questions-0-kind": "choice",
        "questions-0-options": "只有一个"}, headers=ZH)
    assert response.status_code == 200
    assert "请给出 2 到 20 个选项。" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(SurveyQuestion.id))) == 0


def test_only_organizers_reach_the_editor_and_results(login, participant, staff, event):
    for user in (participant, staff):
        client = login(user)
        assert client.get(f"/events/{event.id}/survey/edit").status_code == 403
        assert client.get(f"/events/{event.id}/survey/results").status_code == 403


def test_an_attendee_answers_with_stars_from_the_phone(login, organizer, event, now):
    make_survey(organizer, event)
    start(event, now)
    user, registration = attendee(event, organizer)
    client = login(user)
    ticket = client.get(f"/tickets/{registration.ticket_code}", headers=ZH)
    html = ticket.get_data(as_text=True)
    assert f"/events/{event.id}/survey" in html and "填写问卷" in html
    mine = client.get("/me/registrations", headers=ZH).get_data(as_text=True)
    assert f"/events/{event.id}/survey" in mine
    page = client.get(f"/events/{event.id}/survey", headers=ZH)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.count('type="radio"') == 5 + 2
    assert "<fieldset" in html and "<legend" in html and "5 星" in html
    q = {q.label: q.id for q in surveys.questions_of(event)}
    response = client.submit(f"/events/{event.id}/survey", {f"q{q['总体满意度']}": "6"}, headers=ZH)
    assert "请给出 1 到 5 星的评分。" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(SurveyResponse.id))) == 0
    response = client.submit(f"/events/{event.id}/survey", {
        f"q{q['总体满意度']}": "4", f"q{q['最喜欢的环节']}": "路演",
        f"q{q['建议']}": "  多安排交流  "})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(SurveyResponse.id))) == 1
    after = client.get(f"/events/{event.id}/survey", headers=ZH).get_data(as_text=True)
    assert "您已填写过此问卷" in after and 'type="radio"' not in after
    again = client.submit(f"/events/{event.id}/survey", {f"q{q['总体满意度']}": "1"})
    assert again.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(SurveyResponse.id))) == 1
    mine = client.get("/me/registrations", headers=ZH).get_data(as_text=True)
    assert f"/events/{event.id}/survey" not in mine


def test_the_answer_page_explains_why_it_cannot_be_answered(login, organizer, participant,
                                                            event, now):
    client = login(participant)
    assert "此活动没有满意度问卷" in client.get(f"/events/{event.id}/survey",
                                                headers=ZH).get_data(as_text=True)
    make_survey(organizer, event)
    assert "活动开始后才能填写问卷" in client.get(f"/events/{event.id}/survey",
                                                  headers=ZH).get_data(as_text=True)
    start(event, now)
    html = client.get(f"/events/{event.id}/survey", headers=ZH).get_data(as_text=True)
    assert "只有在活动现场签到的参会者" in html
    response = client.submit(f"/events/{event.id}/survey", {}, form_url="/")
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(SurveyResponse.id))) == 0


def test_results_show_averages_bars_and_texts_without_names(login, organizer, event, now):
    make_survey(organizer, event)
    start(event, now)
    q = {q.label: str(q.id) for q in surveys.questions_of(event)}
    for n, (rating, text) in enumerate(((5, "很好"), (4, "茶歇太短"), (4, None))):
        user, _ = attendee(event, organizer, name=f"参会者{n}")
        surveys.submit_response(user, event, {q["总体满意度"]: rating, q["建议"]: text})
    client = login(organizer)
    html = client.get(f"/events/{event.id}/survey/results", headers=ZH).get_data(as_text=True)
    assert "4.33" in html and "figure__value\">3<" in html
    assert 'max="3" value="2" aria-label="4 星" data-share="67"' in html  # 2 of 3 gave 4 stars
    assert "很好" in html and "茶歇太短" in html
    assert "参会者" not in html
    tools = client.get(f"/events/{event.id}", headers=ZH).get_data(as_text=True)
    assert "满意度问卷 · 4.33 分（满分 5）" in tools
    organizer.locale = "en"
    db.session.commit()
    english = client.get(f"/events/{event.id}/survey/results", headers=EN).get_data(
        as_text=True)
    assert "Average rating (of 5)" in english and "4 stars" in english
