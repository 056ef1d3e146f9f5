"""The satisfaction survey (满意度): questions, answers, anonymous results (see API.md and
`eventhub.engagement.surveys` for the rules and how answers stay anonymous)."""

from __future__ import annotations

import marshmallow as ma
from flask_login import current_user

from eventhub.api.common import (
    Bool,
    IdField,
    Str,
    StrictSchema,
    doc_errors,
    make_blueprint,
    optional_auth,
    require_user,
    signed_in,
)
from eventhub.api.events import load_event, managed_event
from eventhub.engagement import surveys
from eventhub.engagement.models import SURVEY_LABEL_MAX, SurveyQuestion, SurveyQuestionKind

blp = make_blueprint(
    "api_surveys",
    "The satisfaction survey (满意度): questions, answers, anonymous results.",
)

KIND_TEXT = "rating: 1–5 stars; choice: one of `options`; text: free text (≤ 2000 characters)."


class SurveyQuestionInSchema(StrictSchema):
    id = IdField(metadata={"description": "Keep this existing question (its answers stay "
                                          "with it); absent: a new question."})
    label = Str(required=True)
    kind = ma.fields.Enum(SurveyQuestionKind, required=True, metadata={"description": KIND_TEXT})
    options = ma.fields.List(Str(max_length=SURVEY_LABEL_MAX), metadata={
        "description": "A choice question's options (2–20, distinct); no other kind has any."})
    required = Bool(load_default=False)


class SurveyInSchema(StrictSchema):
    questions = ma.fields.List(ma.fields.Nested(SurveyQuestionInSchema), required=True, metadata={
        "description": "The whole list, in order (at most 30; empty: no survey). A question "
                       "that has answers cannot be left out, change its kind or lose an "
                       "option that was chosen (409 `question_answered`)."})


class SurveyQuestionSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    label = ma.fields.String(required=True)
    kind = ma.fields.Enum(SurveyQuestionKind, required=True)
    options = ma.fields.List(ma.fields.String())
    required = ma.fields.Boolean(required=True)


class SurveySchema(ma.Schema):
    questions = ma.fields.List(ma.fields.Nested(SurveyQuestionSchema), required=True)
    open = ma.fields.Boolean(metadata={
        "description": "It takes answers: it has questions and the event has started."})
    can_answer = ma.fields.Boolean(metadata={
        "description": "The caller may answer now (checked in, not answered yet)."})
    answered = ma.fields.Boolean(metadata={"description": "The caller has answered."})


class SurveyAnswersInSchema(StrictSchema):
    answers = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Raw(allow_none=True),
                             required=True, metadata={"description": (
                                 '{"<question_id>": value}: an integer 1–5 for a rating, one '
                                 "of the options for a choice, a string for text; null or "
                                 "absent leaves a question unanswered (not a required one).")})


class SurveyAnsweredSchema(ma.Schema):
    status = ma.fields.String(required=True, metadata={"enum": ["answered"]})


class SurveyQuestionResultSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    label = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, metadata={"enum": [k.value for k in
                                                              SurveyQuestionKind]})
    answered = ma.fields.Integer(metadata={"description": "Responses that answered it."})
    average = ma.fields.Float(allow_none=True, metadata={
        "description": "Ratings: the average of the 1–5 answers, rounded to 2 decimals "
                       "(null without answers)."})
    counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), metadata={
        "description": 'Ratings: answers per star ("1" … "5"); choices: answers per option.'})
    options = ma.fields.List(ma.fields.String(), metadata={"description": "Choices only."})
    texts = ma.fields.List(ma.fields.String(), metadata={
        "description": "Text questions: the answers, alphabetical, without names."})


class SurveyResultsSchema(ma.Schema):
    responses = ma.fields.Integer(required=True)
    average = ma.fields.Float(allow_none=True, metadata={
        "description": "The average of every rating answer of the survey (2 decimals)."})
    questions = ma.fields.List(ma.fields.Nested(SurveyQuestionResultSchema), required=True)


def _question_body(question: SurveyQuestion) -> dict:
    return {"id": question.id, "label": question.label, "kind": question.kind,
            "options": list(question.options or []), "required": question.required}


@blp.route("/events/<id:event_id>/survey", methods=["GET"])
@blp.response(200, SurveySchema)
@doc_errors(blp, 404)
@optional_auth(blp)
def get_survey(event_id: int) -> dict:
    """The event's survey questions (empty: no survey), whether it takes answers and, for a
    signed-in caller, whether they may answer and have answered."""
    event = load_event(event_id)
    body = {"questions": [_question_body(q) for q in surveys.questions_of(event)],
            "open": surveys.is_open(event)}
    if current_user.is_authenticated:
        body["answered"] = surveys.has_answered(current_user, event)
        body["can_answer"] = surveys.can_answer(current_user, event)
    return body


@blp.route("/events/<id:event_id>/survey", methods=["PUT"])
@blp.response(200, SurveySchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(SurveyInSchema)
def put_survey(data: dict, event_id: int) -> dict:
    """Replace the event's survey questions (organizers). Questions named by `id` keep it
    (and their answers); the others are new; those left out are deleted, unless they have
    answers (409 `question_answered`, and then nothing changes)."""
    event = managed_event(event_id)
    questions = [{**q, "kind": q["kind"].value} for q in data["questions"]]
    saved = surveys.save_survey(require_user(), event, questions)
    return {"questions": [_question_body(q) for q in saved], "open": surveys.is_open(event)}


@blp.route("/events/<id:event_id>/survey/responses", methods=["POST"])
@blp.response(201, SurveyAnsweredSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(SurveyAnswersInSchema)
def post_response(data: dict, event_id: int) -> dict:
    """Answer the survey, once per registration, after the event has started, as someone
    checked in at it (403 `not_checked_in` otherwise). 409 `already_answered`,
    `survey_not_open` (before the event starts), `no_survey`; 422 for a rating out of 1–5, a
    choice not among the options, a missing required answer, an unknown question, text too
    long. Anonymous: the answer is stored without any link to the caller."""
    event = load_event(event_id)
    surveys.submit_response(require_user(), event, data["answers"])
    return {"status": "answered"}


@blp.route("/events/<id:event_id>/survey/results", methods=["GET"])
@blp.response(200, SurveyResultsSchema)
@doc_errors(blp, 401, 403, 404)
@signed_in(blp)
def get_results(event_id: int) -> dict:
    """The survey's anonymous results (organizers): responses, and per question the average
    and answers per star (ratings), answers per option (choices) or the texts without names
    (text); figures computed in the database."""
    event = load_event(event_id)
    return surveys.results(require_user(), event)
