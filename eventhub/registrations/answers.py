"""Check a participant's answers against an event's questions (pure: no database)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from eventhub.accounts.services import check_email, check_phone, normalize_phone
from eventhub.errors import ValidationFailed, raise_field_errors
from eventhub.registrations.models import Question, QuestionKind
from eventhub.text import check_text

TEXT_MAX = 1_000
TEXTAREA_MAX = 10_000
NUMBER_LIMIT = 1e12

REQUIRED = _l("This question needs an answer.")


def answer_key(question_id: int) -> str:
    """The field name of a question's answer in forms and API errors."""
    return f"answers.{question_id}"


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value is False


def _clean_one(question: Question, value: Any) -> tuple[Any, Any]:
    """Return (clean value, error) for one answer that is not empty."""
    kind = question.kind
    if kind in (QuestionKind.text, QuestionKind.textarea):
        limit = TEXT_MAX if kind == QuestionKind.text else TEXTAREA_MAX
        return check_text(value, limit=limit)
    if kind == QuestionKind.choice:
        if not isinstance(value, str) or value not in question.options:
            return None, _l("Choose one of the options offered.")
        return value, None
    if kind == QuestionKind.multichoice:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return None, _l("Choose among the options offered.")
        if any(v not in question.options for v in value):
            return None, _l("Choose among the options offered.")
        return [o for o in question.options if o in value], None
    if kind == QuestionKind.number:
        number = _number(value)
        if number is None:
            return None, _l("Enter a number.")
        return number, None
    if kind == QuestionKind.email:
        if not isinstance(value, str):
            return None, _l("Enter a valid email address.")
        email = value.strip().lower()
        error = check_email(email)
        return (None, error) if error else (email, None)
    if kind == QuestionKind.phone:
        if not isinstance(value, str):
            return None, check_phone("x")
        phone = normalize_phone(value)
        error = check_phone(phone)
        return (None, error) if error else (phone, None)
    if kind == QuestionKind.date:
        if not isinstance(value, str):
            return None, _l("Enter a date like 2026-05-18.")
        try:
            return date.fromisoformat(value.strip()[:10]).isoformat(), None
        except ValueError:
            return None, _l("Enter a date like 2026-05-18.")
    if kind == QuestionKind.checkbox:
        if isinstance(value, bool):
            return value, None
        if value in ("y", "on", "true", "1", 1):
            return True, None
        return None, _l("Tick the box or leave it empty.")
    return None, _l("Unknown question.")  # pragma: no cover - every kind is handled above


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip()) if value.strip() else None
        except ValueError:
            return None
    if not isinstance(value, int | float) or not math.isfinite(value) or abs(value) > NUMBER_LIMIT:
        return None
    return int(value) if float(value).is_integer() else value


def clean_answers(
    questions: Iterable[Question], answers: Any, *, required: bool = True
) -> dict[str, Any]:
    """Validate answers keyed by question id; return them cleaned and keyed by ``str(id)``.

    Raises ValidationFailed with a reason per ``answers.<id>`` field: a required question left
    empty (unless ``required`` is False: someone registered at the door in a hurry), a value
    of the wrong kind, a choice not offered, text too long, an unknown question.
    """
    if answers is None:
        answers = {}
    if not isinstance(answers, dict):
        raise ValidationFailed(fields={"answers": _l("Answers must be an object.")})
    questions = list(questions)
    known = {str(q.id) for q in questions}
    errors: dict[str, Any] = {
        answer_key(k): _l("Unknown question.") for k in map(str, answers) if k not in known
    }
    clean: dict[str, Any] = {}
    given = {str(k): v for k, v in answers.items()}
    for question in questions:
        value = given.get(str(question.id))
        if _empty(value):
            if question.required and required:
                errors[answer_key(question.id)] = REQUIRED
            continue
        cleaned, error = _clean_one(question, value)
        if error:
            errors[answer_key(question.id)] = error
        elif not _empty(cleaned):
            clean[str(question.id)] = cleaned
        elif question.required and required:
            errors[answer_key(question.id)] = REQUIRED
    raise_field_errors(errors)
    return clean


def format_answer(question: Question | None, value: Any, separator: str = "; ") -> str:
    """An answer as text: the options of a multiple choice joined by ``separator`` (exports
    keep "; ", pages pass the reader's "、" or ", ")."""
    if value is None:
        return ""
    if isinstance(value, list):
        return separator.join(map(str, value))
    if isinstance(value, bool):
        return "✓" if value else ""
    return str(value)
