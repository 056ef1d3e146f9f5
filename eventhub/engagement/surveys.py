"""The satisfaction survey (满意度) of an event: the organizer's questions, the attendees'
answers (once per registration), the anonymous results and the mail that asks for them.

Who answers: after the event has started, a person whose confirmed registration was checked
in at the event (an ``ok`` entry scan, not reverted, at any of its check-in lists), once.

Editing (`save_survey` replaces the whole list): questions keep their id when the list names
it; a question that has answers may change its label, its required flag and its options'
order, and gain options, but it cannot be deleted, change its kind or lose an option someone
chose (409 ``question_answered``): the figures would otherwise count answers to a question
nobody asked.

Anonymity, and how it is kept:

- The person and the answers are stored apart with nothing to join them:
  `SurveyParticipant` (one row per registration: invited, answered) is the once-check;
  `SurveyResponse`/`SurveyAnswer` hold the answers with their event only (no registration, no
  user, no time). Both are written in one transaction, so "answered" and the response exist
  together or not at all.
- Answering writes no audit entry (that would name the actor beside the response) and the
  participant row keeps only when it answered, never which response it made.
- Organizers get figures (counts, averages, distributions, computed by aggregate queries) and
  the free-text answers without any name, in alphabetical order rather than the order they
  came in, so the list's order says nothing about who wrote what. No page, API or export
  lists who has answered.
- What remains is what any anonymous survey has: a response that appears on the results page
  just after someone said "I answered" (a small event makes that easier), and database rows in
  insertion order to someone with direct access to the database (outside the app's reach).

The average of all rating answers of an event (`average_rating`, `figures`) feeds the event's
figures.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from eventhub import audit, permissions
from eventhub.checkin.models import CheckinList, Scan
from eventhub.checkin.services import scan_checks_in
from eventhub.database import db, insert_unless_taken, lock_for_write, transactional, utcnow
from eventhub.engagement.models import (
    SURVEY_LABEL_MAX,
    SURVEY_TEXT_MAX,
    SurveyAnswer,
    SurveyParticipant,
    SurveyQuestion,
    SurveyQuestionKind,
    SurveyResponse,
)
from eventhub.errors import Conflict, NotAllowed, raise_field_errors
from eventhub.events.models import Event, EventStatus
from eventhub.links import external_url
from eventhub.mail.services import queue_mail
from eventhub.registrations.models import Registration, RegistrationStatus
from eventhub.text import check_text

#: At most this many questions in a survey, and options in a choice question.
QUESTIONS_MAX = 30
OPTIONS_MAX = 20
#: A rating is a whole number of stars in this range.
STARS = range(1, 6)
#: The survey mail goes to events that ended at most this long ago.
MAIL_WITHIN = timedelta(days=7)

KINDS = tuple(SurveyQuestionKind)


def already_answered() -> Conflict:
    return Conflict(_l("You have already answered this survey. Thank you!"),
                    code="already_answered")


def not_checked_in() -> NotAllowed:
    return NotAllowed(_l("Only people who checked in at the event can answer its survey."),
                      code="not_checked_in")


# Questions ----------------------------------------------------------------------------------


def questions_of(event: Event) -> list[SurveyQuestion]:
    """The event's survey questions in order (empty: the event has no survey)."""
    return list(db.session.scalars(
        sa.select(SurveyQuestion).where(SurveyQuestion.event_id == event.id)
        .order_by(SurveyQuestion.position, SurveyQuestion.id)
    ))


def has_survey(event: Event) -> bool:
    """Whether the event has a survey (at least one question)."""
    return db.session.scalar(sa.select(sa.exists().where(
        SurveyQuestion.event_id == event.id))) or False


def _answered_question_ids(question_ids: Iterable[int]) -> set[int]:
    ids = list(question_ids)
    if not ids:
        return set()
    return set(db.session.scalars(sa.select(SurveyAnswer.question_id).where(
        SurveyAnswer.question_id.in_(ids)).distinct()))


def _chosen_options(question_id: int) -> set[str]:
    return set(db.session.scalars(sa.select(SurveyAnswer.choice).where(
        SurveyAnswer.question_id == question_id, SurveyAnswer.choice.is_not(None)).distinct()))


def _check_options(kind: Any, options: Any) -> tuple[list[str], Any]:
    """A choice question's options, cleaned, or the reason they are refused; the other kinds
    take none."""
    if options is None:
        options = []
    if not isinstance(options, list):
        return [], _l("Give the options as a list.")
    if kind != SurveyQuestionKind.choice:
        return [], _l("Only a choice question has options.") if options else None
    cleaned = []
    for option in options:
        value, reason = check_text(option, limit=SURVEY_LABEL_MAX, required=True)
        if reason:
            return [], reason
        cleaned.append(value)
    if not 2 <= len(cleaned) <= OPTIONS_MAX:
        return [], _l("Give between %(low)d and %(high)d options.", low=2, high=OPTIONS_MAX)
    if len(set(cleaned)) != len(cleaned):
        return [], _l("Each option may appear only once.")
    return cleaned, None


def _check_questions(event: Event, questions: Any) -> list[dict[str, Any]]:
    """The questions as plain dicts (id or None, label, kind, options, required), or raise
    ValidationFailed naming each refused field as ``questions.<n>.<field>``."""
    if not isinstance(questions, list):
        raise_field_errors({"questions": _l("Give the questions as a list.")})
    if len(questions) > QUESTIONS_MAX:
        raise_field_errors({"questions": _l("A survey has at most %(n)d questions.",
                                            n=QUESTIONS_MAX)})
    existing = {q.id for q in questions_of(event)}
    errors: dict[str, Any] = {}
    cleaned: list[dict[str, Any]] = []
    seen: set[int] = set()
    for n, item in enumerate(questions):
        where = f"questions.{n}"
        if not isinstance(item, dict):
            errors[where] = _l("Give each question as an object.")
            continue
        question_id = item.get("id")
        if question_id is not None:
            if (isinstance(question_id, bool) or not isinstance(question_id, int)
                    or question_id not in existing):
                errors[f"{where}.id"] = _l("This question is not one of this survey's.")
            elif question_id in seen:
                errors[f"{where}.id"] = _l("Each question may appear only once.")
            if isinstance(question_id, int):
                seen.add(question_id)
        label, reason = check_text(item.get("label"), limit=SURVEY_LABEL_MAX, required=True)
        if reason:
            errors[f"{where}.label"] = reason
        kind = item.get("kind")
        if kind not in KINDS:
            errors[f"{where}.kind"] = _l("Choose rating, text or choice.")
            kind = None
        else:
            kind = SurveyQuestionKind(kind)
        options, reason = _check_options(kind, item.get("options"))
        if reason and kind is not None:
            errors[f"{where}.options"] = reason
        required = item.get("required", False)
        if not isinstance(required, bool):
            errors[f"{where}.required"] = _l("Answer yes or no.")
        cleaned.append({"id": question_id, "label": label, "kind": kind, "options": options,
                        "required": required is True})
    raise_field_errors(errors)
    return cleaned


@transactional
def save_survey(actor: Any, event: Event, questions: Any) -> list[SurveyQuestion]:
    """Replace the event's survey questions with ``questions`` (a list of dicts: ``id``
    (keep that question), ``label``, ``kind`` rating|text|choice, ``options`` (choice: 2–20),
    ``required``), in that order; an empty list removes the survey. Returns the questions.
    Raises NotAllowed (not an organizer of the event), ValidationFailed, Conflict
    ``question_answered`` (a question with answers deleted, of another kind, or losing an
    option that was chosen)."""
    permissions.require(permissions.can_manage_event, actor, event)
    cleaned = _check_questions(event, questions)
    lock_for_write()
    current = {q.id: q for q in questions_of(event)}
    answered = _answered_question_ids(current)
    kept = {item["id"] for item in cleaned if item["id"] is not None}
    for question_id in answered:
        question = current[question_id]
        item = next((i for i in cleaned if i["id"] == question_id), None)
        if item is None or item["kind"] != question.kind or (
            question.kind == SurveyQuestionKind.choice
            and not _chosen_options(question_id) <= set(item["options"])
        ):
            raise Conflict(
                _l("“%(label)s” has answers: it cannot be deleted, change its kind or lose an "
                   "option someone chose.", label=question.label),
                code="question_answered",
            )
    before = [_question_dict(q) for q in current.values()]
    for question_id in set(current) - kept:
        db.session.delete(current[question_id])
    saved = []
    for position, item in enumerate(cleaned):
        question = current.get(item["id"]) if item["id"] is not None else None
        if question is None:
            question = SurveyQuestion(event_id=event.id)
            db.session.add(question)
        question.position = position
        question.label = item["label"]
        question.kind = item["kind"]
        question.options = item["options"]
        question.required = item["required"]
        saved.append(question)
    db.session.flush()
    audit.record("survey.saved", event, actor=actor, event_id=event.id, before=before,
                 after=[_question_dict(q) for q in saved])
    return saved


def _question_dict(question: SurveyQuestion) -> dict[str, Any]:
    return {"id": question.id, "label": question.label, "kind": question.kind.value,
            "options": list(question.options or []), "required": question.required}


# Answering ----------------------------------------------------------------------------------


def checked_in_registration(user: Any, event: Event) -> Registration | None:
    """The user's confirmed registration for the event if it was checked in there (an ``ok``
    entry scan, not reverted, at any of the event's lists), else None."""
    if not getattr(user, "is_authenticated", False):
        return None
    scanned = sa.exists().where(
        Scan.registration_id == Registration.id,
        Scan.list_id == CheckinList.id,
        CheckinList.event_id == event.id,
        scan_checks_in(),
    )
    return db.session.scalar(sa.select(Registration).where(
        Registration.event_id == event.id,
        Registration.user_id == user.id,
        Registration.status == RegistrationStatus.confirmed,
        scanned,
    ))


def is_open(event: Event, now: datetime | None = None) -> bool:
    """Whether the event's survey takes answers: it has one and the event has started."""
    return (now or utcnow()) >= event.starts_at and has_survey(event)


def has_answered(user: Any, event: Event) -> bool:
    """Whether the user's registration for the event has answered its survey."""
    if not getattr(user, "is_authenticated", False):
        return False
    return db.session.scalar(sa.select(sa.exists().where(
        SurveyParticipant.registration_id == Registration.id,
        SurveyParticipant.answered_at.is_not(None),
        Registration.event_id == event.id,
        Registration.user_id == user.id,
    ))) or False


def can_answer(user: Any, event: Event, now: datetime | None = None) -> bool:
    """Answer the event's survey now: it is open, the user was checked in and has not
    answered yet."""
    return (is_open(event, now) and checked_in_registration(user, event) is not None
            and not has_answered(user, event))


def _check_answer(question: SurveyQuestion, value: Any) -> tuple[dict[str, Any] | None, Any]:
    """The answer's columns (None: not answered), or the reason it is refused."""
    if value is None or value == "":
        return None, _l("Please answer this question.") if question.required else None
    if question.kind == SurveyQuestionKind.rating:
        if isinstance(value, bool) or not isinstance(value, int) or value not in STARS:
            return None, _l("Give a rating from 1 to 5.")
        return {"rating": value}, None
    if question.kind == SurveyQuestionKind.choice:
        if not isinstance(value, str) or value not in question.options:
            return None, _l("Choose one of the options.")
        return {"choice": value}, None
    text, reason = check_text(value, limit=SURVEY_TEXT_MAX)
    if reason:
        return None, reason
    if not text:
        return None, _l("Please answer this question.") if question.required else None
    return {"text": text}, None


def _check_answers(questions: list[SurveyQuestion], answers: Any) -> list[tuple[int, dict]]:
    """[(question id, columns)] of the given answers, or raise ValidationFailed naming each
    refused one as ``answers.<question id>``."""
    if not isinstance(answers, dict):
        raise_field_errors({"answers": _l("Give the answers as an object.")})
    by_id = {str(q.id): q for q in questions}
    errors = {f"answers.{key[:40]}": _l("This question is not one of this survey's.")
              for key in answers if key not in by_id}
    rows = []
    for key, question in by_id.items():
        columns, reason = _check_answer(question, answers.get(key))
        if reason:
            errors[f"answers.{key}"] = reason
        elif columns is not None:
            rows.append((question.id, columns))
    raise_field_errors(errors)
    if not rows:
        raise_field_errors({"answers": _l("Answer at least one question.")})
    return rows


def _claim(event: Event, registration: Registration, column: str, now: datetime,
           unless: tuple[str, ...] = ()) -> bool:
    """Set the registration's participant ``column`` to ``now`` if it (and every column in
    ``unless``) is unset: the row is made if missing (the unique registration id decides
    between two requests), then claimed by a guarded UPDATE, so of two requests at once one
    wins. Returns whether this call claimed it."""
    exists = db.session.scalar(sa.select(SurveyParticipant.id).where(
        SurveyParticipant.registration_id == registration.id))
    if exists is None:
        insert_unless_taken(SurveyParticipant(event_id=event.id, registration_id=registration.id))
    table = SurveyParticipant.__table__
    guards = [table.c[name].is_(None) for name in (column, *unless)]
    return db.session.execute(
        sa.update(table).where(table.c.registration_id == registration.id, *guards)
        .values({column: now})
    ).rowcount == 1


@transactional
def submit_response(actor: Any, event: Event, answers: Any,
                    now: datetime | None = None) -> SurveyResponse:
    """Record the actor's answers to the event's survey (``answers``: {"<question id>":
    value}; a rating 1–5, one of a choice's options, text up to 2000 characters), once per
    registration, anonymously (see the module's docstring). Raises Conflict ``no_survey``,
    ``survey_not_open`` (before the event starts), ``already_answered``; NotAllowed
    ``not_checked_in``; ValidationFailed (answers out of range, unknown questions, a required
    one missing, text too long)."""
    now = now or utcnow()
    questions = questions_of(event)
    if not questions:
        raise Conflict(_l("This event has no survey."), code="no_survey")
    if now < event.starts_at:
        raise Conflict(_l("The survey opens when the event starts."), code="survey_not_open")
    registration = checked_in_registration(actor, event)
    if registration is None:
        raise not_checked_in()
    rows = _check_answers(questions, answers)
    lock_for_write()
    if not _claim(event, registration, "answered_at", now):
        raise already_answered()
    response = SurveyResponse(event_id=event.id)
    db.session.add(response)
    db.session.flush()
    db.session.add_all(SurveyAnswer(response_id=response.id, question_id=question_id, **columns)
                       for question_id, columns in rows)
    db.session.flush()
    return response


# Results ------------------------------------------------------------------------------------


def _rounded(value: Any) -> float | None:
    """An average as API.md gives it: rounded half up to 2 decimals (None stays None)."""
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def response_count(event_id: int) -> int:
    """How many responses the event's survey has."""
    return db.session.scalar(sa.select(sa.func.count(SurveyResponse.id)).where(
        SurveyResponse.event_id == event_id)) or 0


def average_rating(event_id: int) -> float | None:
    """The average of every rating answer (1–5) of the event's survey, rounded to 2 decimals;
    None without any. The figure the event's figures show for its survey."""
    return _rounded(db.session.scalar(
        sa.select(sa.func.avg(SurveyAnswer.rating * 1.0))
        .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
        .where(SurveyQuestion.event_id == event_id, SurveyAnswer.rating.is_not(None))
    ))


def figures(event_id: int) -> dict[str, Any]:
    """``{responses, average}``: the survey's part of the event's figures (API.md's stats)."""
    return {"responses": response_count(event_id), "average": average_rating(event_id)}


def can_see_results(user: Any, event: Event) -> bool:
    """See the survey's results: the event's organizers."""
    return permissions.can_manage_event(user, event)


def results(actor: Any, event: Event) -> dict[str, Any]:
    """The survey's anonymous results: ``responses`` and per question ``id, label, kind,
    answered``, with ``average`` and ``counts`` per star for ratings, ``counts`` per option for
    choices, and ``texts`` (alphabetical, no names) for text questions; all computed by
    aggregate queries. Raises NotAllowed (not an organizer)."""
    permissions.require(can_see_results, actor, event)
    questions = questions_of(event)
    ids = [q.id for q in questions] or [0]
    answered = dict(db.session.execute(
        sa.select(SurveyAnswer.question_id, sa.func.count())
        .where(SurveyAnswer.question_id.in_(ids)).group_by(SurveyAnswer.question_id)).all())
    averages = dict(db.session.execute(
        sa.select(SurveyAnswer.question_id, sa.func.avg(SurveyAnswer.rating * 1.0))
        .where(SurveyAnswer.question_id.in_(ids), SurveyAnswer.rating.is_not(None))
        .group_by(SurveyAnswer.question_id)).all())
    counts: dict[int, dict[str, int]] = {}
    for question_id, rating, choice, n in db.session.execute(
        sa.select(SurveyAnswer.question_id, SurveyAnswer.rating, SurveyAnswer.choice,
                  sa.func.count())
        .where(SurveyAnswer.question_id.in_(ids), SurveyAnswer.text.is_(None))
        .group_by(SurveyAnswer.question_id, SurveyAnswer.rating, SurveyAnswer.choice)
    ):
        counts.setdefault(question_id, {})[str(rating) if rating is not None else choice] = n
    texts: dict[int, list[str]] = {}
    for question_id, text in db.session.execute(
        sa.select(SurveyAnswer.question_id, SurveyAnswer.text)
        .where(SurveyAnswer.question_id.in_(ids), SurveyAnswer.text.is_not(None))
        .order_by(SurveyAnswer.question_id, SurveyAnswer.text)
    ):
        texts.setdefault(question_id, []).append(text)
    items = []
    for q in questions:
        item: dict[str, Any] = {"id": q.id, "label": q.label, "kind": q.kind.value,
                                "answered": answered.get(q.id, 0)}
        found = counts.get(q.id, {})
        if q.kind == SurveyQuestionKind.rating:
            item["average"] = _rounded(averages.get(q.id))
            item["counts"] = {str(star): found.get(str(star), 0) for star in STARS}
        elif q.kind == SurveyQuestionKind.choice:
            item["options"] = list(q.options)
            item["counts"] = {option: found.get(option, 0) for option in q.options}
        else:
            item["texts"] = texts.get(q.id, [])
        items.append(item)
    return {"responses": response_count(event.id), "average": average_rating(event.id),
            "questions": items}


# The mail after the event -------------------------------------------------------------------


def _mail_invitation(event: Event, registration: Registration) -> None:
    user = registration.user
    queue_mail(
        registration.email or user.email, "survey_invitation",
        user.locale or current_app.config["BABEL_DEFAULT_LOCALE"],
        user=user, event=event,
        link=external_url("engagement_surveys.answer", event_id=event.id),
    )


@transactional
def send_survey_invitations(now: datetime | None = None) -> int:
    """Ask the checked-in attendees of events that ended in the last 7 days and have a survey
    to answer it, by mail in their language, once per registration (not those who already
    answered, nor registrations without an account); returns how many were queued.

    Each registration is claimed by a guarded UPDATE of its participant row (``invited_at``
    set only while unset) in the transaction that queues its mail: two runs at once mail it
    once."""
    now = now or utcnow()
    lock_for_write()
    events = db.session.scalars(
        sa.select(Event).where(
            Event.ends_at <= now, Event.ends_at > now - MAIL_WITHIN,
            Event.status.in_([EventStatus.published, EventStatus.closed, EventStatus.archived]),
            sa.exists().where(SurveyQuestion.event_id == Event.id),
        ).order_by(Event.id)
    ).all()
    queued = 0
    for event in events:
        scanned = (
            sa.select(Scan.registration_id).join(CheckinList, CheckinList.id == Scan.list_id)
            .where(CheckinList.event_id == event.id, scan_checks_in())
        )
        done = sa.select(SurveyParticipant.registration_id).where(
            SurveyParticipant.event_id == event.id,
            sa.or_(SurveyParticipant.invited_at.is_not(None),
                   SurveyParticipant.answered_at.is_not(None)))
        due = db.session.scalars(
            sa.select(Registration).where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.confirmed,
                Registration.user_id.is_not(None),
                Registration.id.in_(scanned), Registration.id.not_in(done),
            ).order_by(Registration.id)
        ).all()
        for registration in due:
            if _claim(event, registration, "invited_at", now, unless=("answered_at",)):
                _mail_invitation(event, registration)
                queued += 1
    return queued
