"""The satisfaction survey (满意度, issue 14 point 4): the API as API.md says, every rule of
answering, the results' figures against a hand-built data set, anonymity, and the mail."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from eventhub.checkin import services as checkin
from eventhub.database import db
from eventhub.engagement import surveys
from eventhub.mail.models import OutboxMessage
from eventhub.models import (
    AuditEntry,
    SurveyAnswer,
    SurveyParticipant,
    SurveyQuestion,
    SurveyResponse,
)
from eventhub.registrations import services as registrations
from eventhub.registrations.models import Registration
from tests import factories
from tests.api.conftest import assert_error, schema_errors
from tests.api.conftest import db_counts as all_counts
from tests.api.test_openapi import document  # noqa: F401 (fixture)

QUESTIONS = [
    {"label": "总体满意度", "kind": "rating", "required": True},
    {"label": "最喜欢的环节", "kind": "choice", "options": ["主题演讲", "路演", "交流"]},
    {"label": "建议", "kind": "text"},
]


def db_counts() -> dict[str, int]:
    """Row counts of every table but the API tokens (each ``api(user)`` makes one)."""
    counts = all_counts()
    for name in ("api_tokens", "live_tokens"):
        counts.pop(name)
    return counts


def attendee(event, main_list, organizer, name="钱参会", checked_in=True):
    """A user registered for the event (confirmed), checked in at its main door."""
    user = factories.UserFactory(name=name)
    registration = registrations.register(user, event, registrations.RegistrationInfo(
        consent=True, phone=f"139{user.id:08d}"), now=event.starts_at - timedelta(days=1))
    if checked_in:
        checkin.scan(organizer, main_list, registration.ticket_code, f"nonce-{user.id}")
    return user


@pytest.fixture
def survey(api, organizer, event):
    """The event's three questions, saved through the API: {label: id}."""
    response = api(organizer).put(f"/api/v1/events/{event.id}/survey",
                                  json={"questions": QUESTIONS})
    assert response.status_code == 200, response.get_json()
    return {q["label"]: q["id"] for q in response.get_json()["questions"]}


@pytest.fixture
def started(event, now):
    """The event, started an hour ago."""
    event.starts_at = now - timedelta(hours=1)
    db.session.commit()
    return event


def answers(survey, rating=5, choice="路演", text=None):
    body = {str(survey["总体满意度"]): rating, str(survey["最喜欢的环节"]): choice}
    if text is not None:
        body[str(survey["建议"])] = text
    return {"answers": body}


def post_answers(api, user, event, body):
    return api(user).post(f"/api/v1/events/{event.id}/survey/responses", json=body)


# Editing ------------------------------------------------------------------------------------


def test_the_organizer_puts_the_questions_and_ids_are_kept(api, organizer, event, survey):
    client = api(organizer)
    got = client.get(f"/api/v1/events/{event.id}/survey").get_json()
    assert [q["label"] for q in got["questions"]] == ["总体满意度", "最喜欢的环节", "建议"]
    assert got["questions"][1]["options"] == ["主题演讲", "路演", "交流"]
    assert got["questions"][0]["required"] is True and got["open"] is False
    # Reorder, rename one, drop one, add one.
    body = {"questions": [
        {"id": survey["建议"], "label": "还有什么建议？", "kind": "text"},
        {"id": survey["总体满意度"], "label": "总体满意度", "kind": "rating", "required": True},
        {"label": "场地", "kind": "rating"},
    ]}
    response = client.put(f"/api/v1/events/{event.id}/survey", json=body)
    assert response.status_code == 200, response.get_json()
    saved = response.get_json()["questions"]
    assert [q["id"] for q in saved[:2]] == [survey["建议"], survey["总体满意度"]]
    assert saved[0]["label"] == "还有什么建议？" and saved[2]["id"] not in survey.values()
    assert db.session.get(SurveyQuestion, survey["最喜欢的环节"]) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "survey.saved")) == 2


@pytest.mark.parametrize(("question", "field"), [
    ({"label": "", "kind": "rating"}, "questions.0.label"),
    ({"label": "x" * 201, "kind": "rating"}, "questions.0.label"),
    ({"label": "A", "kind": "stars"}, "questions.0.kind"),
    ({"label": "A", "kind": "choice"}, "questions.0.options"),
    ({"label": "A", "kind": "choice", "options": ["一"]}, "questions.0.options"),
    ({"label": "A", "kind": "choice", "options": ["一", "一"]}, "questions.0.options"),
    ({"label": "A", "kind": "choice", "options": ["一", " "]}, "questions.0.options"),
    ({"label": "A", "kind": "rating", "options": ["一", "二"]}, "questions.0.options"),
    ({"id": 424242, "label": "A", "kind": "rating"}, "questions.0.id"),
])
def test_bad_questions_are_422_and_change_nothing(api, organizer, event, survey, question,
                                                  field):
    before = db_counts()
    response = api(organizer).put(f"/api/v1/events/{event.id}/survey",
                                  json={"questions": [question]})
    error = assert_error(response, 422)
    assert field in error["fields"], error
    assert db_counts() == before


def test_too_many_questions_and_another_event_s_question_are_refused(api, organizer, event,
                                                                    org, survey):
    client = api(organizer)
    many = [{"label": f"Q{i}", "kind": "rating"} for i in range(31)]
    assert_error(client.put(f"/api/v1/events/{event.id}/survey", json={"questions": many}),
                 422)
    other = factories.EventFactory(organization=org)
    stolen = {"id": survey["建议"], "label": "偷来的", "kind": "text"}
    error = assert_error(client.put(f"/api/v1/events/{other.id}/survey",
                                    json={"questions": [stolen]}), 422)
    assert "questions.0.id" in error["fields"]
    assert db.session.get(SurveyQuestion, survey["建议"]).event_id == event.id


def test_only_organizers_edit_and_see_results(api, event, participant, outsider_organizer,
                                              staff, survey):
    for user in (participant, outsider_organizer, staff):
        assert_error(api(user).put(f"/api/v1/events/{event.id}/survey",
                                   json={"questions": []}), 403)
        assert_error(api(user).get(f"/api/v1/events/{event.id}/survey/results"), 403)
    assert_error(api().put(f"/api/v1/events/{event.id}/survey", json={"questions": []}), 401)
    assert_error(api().get(f"/api/v1/events/{event.id}/survey/results"), 401)
    assert db.session.scalar(sa.select(sa.func.count(SurveyQuestion.id))) == 3


def test_answered_questions_cannot_be_deleted_or_change_kind(api, organizer, started,
                                                            main_list, survey):
    user = attendee(started, main_list, organizer)
    assert post_answers(api, user, started, answers(survey, choice="路演")).status_code == 201
    client = api(organizer)
    keep = {"id": survey["总体满意度"], "label": "总体", "kind": "rating", "required": True}
    choice = {"id": survey["最喜欢的环节"], "label": "环节", "kind": "choice",
              "options": ["路演", "交流"]}
    text = {"id": survey["建议"], "label": "建议", "kind": "text"}
    before = db_counts()
    for questions in (
        [choice, text],  # the answered rating left out
        [{**keep, "kind": "text"}, choice, text],  # the rating becomes text
        [keep, {**choice, "options": ["交流", "茶歇"]}, text],  # 路演 was chosen
    ):
        response = client.put(f"/api/v1/events/{started.id}/survey",
                              json={"questions": questions})
        assert_error(response, 409, "question_answered")
        assert db_counts() == before
    # Renaming, dropping an option nobody chose, adding one, and dropping the unanswered
    # text question are fine.
    response = client.put(f"/api/v1/events/{started.id}/survey", json={"questions": [
        keep, {**choice, "options": ["路演", "交流", "茶歇"]}]})
    assert response.status_code == 200, response.get_json()
    assert db.session.get(SurveyQuestion, survey["建议"]) is None


# Answering ----------------------------------------------------------------------------------


def test_a_checked_in_attendee_answers_once(api, organizer, started, main_list, survey):
    user = attendee(started, main_list, organizer)
    status = api(user).get(f"/api/v1/events/{started.id}/survey").get_json()
    assert status["open"] is True and status["can_answer"] is True
    assert status["answered"] is False
    response = post_answers(api, user, started, answers(survey, text="很好"))
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {"status": "answered"}
    again = post_answers(api, user, started, answers(survey, rating=1))
    assert_error(again, 409, "already_answered")
    assert db.session.scalar(sa.select(sa.func.count(SurveyResponse.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(SurveyAnswer.id))) == 3
    status = api(user).get(f"/api/v1/events/{started.id}/survey").get_json()
    assert status["answered"] is True and status["can_answer"] is False


def test_not_checked_in_is_403(api, organizer, started, main_list, survey, participant,
                               outsider_organizer):
    registered = attendee(started, main_list, organizer, checked_in=False)
    before = db_counts()
    for user in (registered, participant, organizer, outsider_organizer):
        assert_error(post_answers(api, user, started, answers(survey)), 403, "not_checked_in")
    assert db_counts() == before


def test_a_reverted_check_in_or_a_cancelled_registration_does_not_count(
    api, organizer, started, main_list, survey
):
    user = factories.UserFactory()
    registration = registrations.register(user, started, registrations.RegistrationInfo(
        consent=True, phone="13900001111"), now=started.starts_at - timedelta(days=1))
    scan = checkin.scan(organizer, main_list, registration.ticket_code, "n-1")
    checkin.revert(organizer, scan["checkin_id"])
    assert_error(post_answers(api, user, started, answers(survey)), 403, "not_checked_in")
    other = attendee(started, main_list, organizer, name="孙取消")
    mine = db.session.scalar(sa.select(Registration).where(
        Registration.user_id == other.id))
    registrations.cancel(organizer, mine)
    assert_error(post_answers(api, other, started, answers(survey)), 403, "not_checked_in")


def test_before_the_event_starts_it_is_refused(api, organizer, event, main_list, survey):
    user = attendee(event, main_list, organizer)
    before = db_counts()
    assert_error(post_answers(api, user, event, answers(survey)), 409, "survey_not_open")
    assert db_counts() == before
    assert api(user).get(f"/api/v1/events/{event.id}/survey").get_json()["can_answer"] is False


def test_without_a_survey_it_is_409_and_invisible_events_are_404(api, organizer, event,
                                                                main_list, now, org):
    event.starts_at = now - timedelta(hours=1)
    user = attendee(event, main_list, organizer)
    assert_error(post_answers(api, user, event, {"answers": {}}), 409, "no_survey")
    draft = factories.EventFactory(organization=org, status="draft", published_at=None)
    assert_error(post_answers(api, user, draft, {"answers": {}}), 404)
    assert_error(api(user).get(f"/api/v1/events/{draft.id}/survey"), 404)


def _bad_answers(survey):
    rating, choice, text = (str(survey[k]) for k in ("总体满意度", "最喜欢的环节", "建议"))
    return [
        ({rating: 0}, f"answers.{rating}"),
        ({rating: 6}, f"answers.{rating}"),
        ({rating: 4.5}, f"answers.{rating}"),
        ({rating: "5"}, f"answers.{rating}"),
        ({rating: True}, f"answers.{rating}"),
        ({choice: "茶歇", rating: 5}, f"answers.{choice}"),
        ({choice: ["路演"], rating: 5}, f"answers.{choice}"),
        ({choice: "路演"}, f"answers.{rating}"),  # the required rating is missing
        ({rating: None}, f"answers.{rating}"),
        ({rating: 5, "424242": 3}, "answers.424242"),
        ({rating: 5, "abc": 3}, "answers.abc"),
        ({rating: 5, text: "x" * 2001}, f"answers.{text}"),
        ({rating: 5, text: 42}, f"answers.{text}"),
    ]


def test_bad_answers_are_422_and_change_nothing(api, organizer, started, main_list, survey):
    user = attendee(started, main_list, organizer)
    before = db_counts()
    for body, field in _bad_answers(survey):
        error = assert_error(post_answers(api, user, started, {"answers": body}), 422)
        assert field in error["fields"], (body, error)
        assert db_counts() == before, body
    for raw, status in (('{"answers": [5]}', 400), ('{"answers": 5}', 400), ("{}", 422),
                        ('{"answers": {}, "who": 1}', 422), ("{", 400)):
        response = api(user).post(f"/api/v1/events/{started.id}/survey/responses", data=raw,
                                  content_type="application/json")
        assert_error(response, status)
    assert_error(post_answers(api, user, started, {"answers": {}}), 422)
    assert db_counts() == before
    # Still free to answer properly afterwards.
    assert post_answers(api, user, started, answers(survey)).status_code == 201


def test_a_question_of_another_event_is_unknown_here(api, organizer, started, main_list,
                                                     survey, org):
    other = factories.EventFactory(organization=org)
    foreign = surveys.save_survey(organizer, other, [{"label": "别的", "kind": "rating"}])[0]
    user = attendee(started, main_list, organizer)
    body = answers(survey)
    body["answers"][str(foreign.id)] = 5
    error = assert_error(post_answers(api, user, started, body), 422)
    assert f"answers.{foreign.id}" in error["fields"]


# Results ------------------------------------------------------------------------------------


def test_results_against_a_hand_built_data_set(api, organizer, started, main_list, survey,
                                               document):  # noqa: F811
    """Five attendees: ratings 5, 4, 4, 2 and one who skips the text and the choice; the
    averages and the distributions are worked out by hand."""
    data = [(5, "路演", "很好"), (4, "路演", None), (4, "交流", "茶歇太短"), (2, None, "")]
    for n, (rating, choice, text) in enumerate(data):
        user = attendee(started, main_list, organizer, name=f"参会{n}")
        body = {str(survey["总体满意度"]): rating}
        if choice:
            body[str(survey["最喜欢的环节"])] = choice
        if text is not None:
            body[str(survey["建议"])] = text
        assert post_answers(api, user, started, {"answers": body}).status_code == 201
    response = api(organizer).get(f"/api/v1/events/{started.id}/survey/results")
    assert response.status_code == 200
    body = response.get_json()
    schema = document["paths"]["/api/v1/events/{event_id}/survey/results"]["get"][
        "responses"]["200"]["content"]["application/json"]["schema"]
    assert schema_errors(document, schema, body) == []
    assert body["responses"] == 4
    rating, choice, text = body["questions"]
    assert rating == {"id": survey["总体满意度"], "label": "总体满意度", "kind": "rating",
                      "answered": 4, "average": 3.75,
                      "counts": {"1": 0, "2": 1, "3": 0, "4": 2, "5": 1}}
    assert choice["counts"] == {"主题演讲": 0, "路演": 2, "交流": 1}
    assert "average" not in choice and choice["answered"] == 3
    assert text["texts"] == sorted(["很好", "茶歇太短"]) and text["answered"] == 2
    assert body["average"] == 3.75
    assert surveys.average_rating(started.id) == 3.75
    assert surveys.figures(started.id) == {"responses": 4, "average": 3.75}


def test_averages_round_to_two_decimals(api, organizer, started, main_list, survey):
    for n, rating in enumerate((5, 4, 4)):
        user = attendee(started, main_list, organizer, name=f"参会{n}")
        post_answers(api, user, started, {"answers": {str(survey["总体满意度"]): rating}})
    body = api(organizer).get(f"/api/v1/events/{started.id}/survey/results").get_json()
    assert body["questions"][0]["average"] == 4.33
    user = attendee(started, main_list, organizer, name="参会9")
    post_answers(api, user, started, {"answers": {str(survey["总体满意度"]): 1}})
    assert surveys.average_rating(started.id) == 3.5


def test_results_without_answers(api, organizer, event, survey):
    body = api(organizer).get(f"/api/v1/events/{event.id}/survey/results").get_json()
    assert body["responses"] == 0 and body["average"] is None
    assert body["questions"][0]["average"] is None
    assert body["questions"][0]["counts"] == {str(s): 0 for s in range(1, 6)}
    assert surveys.average_rating(event.id) is None


# Anonymity ----------------------------------------------------------------------------------


def test_nothing_links_an_answer_to_its_author(api, login, organizer, started, main_list,
                                               survey):
    """The response rows hold no person, registration or time; the results, the audit log
    and the results page never name who answered."""
    user = attendee(started, main_list, organizer, name="周匿名")
    assert post_answers(api, user, started, answers(survey, text="秘密的建议")).status_code \
        == 201
    response_columns = set(SurveyResponse.__table__.c.keys())
    answer_columns = set(SurveyAnswer.__table__.c.keys())
    assert response_columns == {"id", "event_id"}
    assert answer_columns == {"id", "response_id", "question_id", "rating", "choice", "text"}
    assert not {c.name for c in SurveyParticipant.__table__.c} & {"response_id"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.actor_id == user.id)) == 0
    results = api(organizer).get(f"/api/v1/events/{started.id}/survey/results")
    text = json.dumps(results.get_json(), ensure_ascii=False)
    assert "秘密的建议" in text
    for secret in ("周匿名", user.email, "user", "registration", "name", "email"):
        assert secret not in text
    page = login(organizer).get(f"/events/{started.id}/survey/results")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "秘密的建议" in html and "周匿名" not in html and user.email not in html


# The mail after the event -------------------------------------------------------------------


def test_the_survey_mail_goes_once_to_checked_in_attendees(organizer, event, main_list,
                                                           survey, now):
    here = attendee(event, main_list, organizer, name="吴到场")
    here.locale = "en"
    absent = attendee(event, main_list, organizer, name="郑缺席", checked_in=False)
    answered = attendee(event, main_list, organizer, name="王已答")
    event.starts_at, event.ends_at = now - timedelta(days=2), now - timedelta(days=1)
    db.session.commit()
    surveys.submit_response(answered, event, {str(survey["总体满意度"]): 4})
    assert surveys.send_survey_invitations(now=now) == 1
    mail = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.template == "survey_invitation")).all()
    assert [m.to_addr for m in mail] == [here.email]
    assert "survey" in mail[0].subject and event.title in mail[0].subject  # English
    assert f"/events/{event.id}/survey" in mail[0].text_body
    assert absent.email not in {m.to_addr for m in mail}
    assert surveys.send_survey_invitations(now=now) == 0
    assert surveys.send_survey_invitations(now=now + timedelta(hours=3)) == 0


def test_the_survey_mail_is_in_the_recipient_s_language_and_only_within_a_week(
    organizer, event, main_list, survey, now
):
    attendee(event, main_list, organizer, name="冯中文")
    event.starts_at, event.ends_at = now - timedelta(days=9), now - timedelta(days=8)
    db.session.commit()
    assert surveys.send_survey_invitations(now=now) == 0  # ended more than 7 days ago
    event.ends_at = now + timedelta(hours=1)
    assert surveys.send_survey_invitations(now=now) == 0  # not ended yet
    assert surveys.send_survey_invitations(now=now + timedelta(hours=2)) == 1
    mail = db.session.scalar(sa.select(OutboxMessage).where(
        OutboxMessage.template == "survey_invitation"))
    assert "问卷" in mail.subject


def test_no_survey_no_mail(organizer, event, main_list, now):
    attendee(event, main_list, organizer)
    event.starts_at, event.ends_at = now - timedelta(days=2), now - timedelta(days=1)
    assert surveys.send_survey_invitations(now=now) == 0


def test_mail_remind_queues_the_survey_mail(app, organizer, event, main_list, survey, now):
    attendee(event, main_list, organizer)
    event.starts_at, event.ends_at = now - timedelta(days=2), now - timedelta(hours=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["eventhub", "mail", "remind"])
    assert result.exit_code == 0, result.output
    assert "queued 1 survey invitations" in result.output
