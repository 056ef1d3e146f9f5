"""The registration form builder: an event's categories (参会类型) and custom questions.

Organizers shape the form here; `queries.categories_of` and `queries.questions_of` read it, and
`services.register` applies it. Every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from eventhub import audit, permissions
from eventhub.accounts.models import NAME_MAX, User
from eventhub.database import db, transactional, unique_or
from eventhub.errors import Conflict, raise_field_errors
from eventhub.events.models import Event
from eventhub.registrations import capacity, queries
from eventhub.registrations.models import Category, Question, QuestionKind, Registration
from eventhub.registrations.services import fill_from_waitlist
from eventhub.text import text_error


def _check_capacity(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1_000_000:
        return _l("Enter a whole number of places, 0 or more (empty for no limit).")
    return None


@transactional
def save_category(
    actor: User,
    event: Event,
    name: str,
    capacity_: int | None = None,
    requires_approval: bool = False,
    description: str = "",
    category: Category | None = None,
    investor: bool | None = None,
) -> Category:
    """Add a category (参会类型) or change one; ``investor`` flags its registrants as
    investors (融资对接; None: unchanged, a new category's is off). Raises NotAllowed,
    ValidationFailed, Conflict ``name_taken``."""
    permissions.require(permissions.can_manage_event, actor, event)
    capacity.lock_event(event.id)
    raise_field_errors(
        {
            "name": text_error(name, limit=NAME_MAX, required=True),
            "capacity": _check_capacity(capacity_),
            "description": text_error(description, limit=500),
        }
    )
    if category is None:
        position = db.session.scalar(
            sa.select(sa.func.count()).select_from(Category).where(Category.event_id == event.id)
        )
        category = Category(event=event, position=position)
    with unique_or("name", _l("A category with this name exists already.")):
        category.name, category.capacity = name.strip(), capacity_
        category.requires_approval = bool(requires_approval)
        category.description = description or ""
        if investor is not None:
            category.investor = bool(investor)
        db.session.add(category)
    audit.record(
        "category.saved",
        category,
        actor=actor,
        event_id=event.id,
        after={"name": category.name, "capacity": capacity_, "investor": category.investor},
    )
    fill_from_waitlist(event)  # a pool may have grown
    return category


@transactional
def delete_category(actor: User, category: Category) -> None:
    """Remove a category nobody registered in. Raises NotAllowed, Conflict ``in_use``."""
    permissions.require(permissions.can_manage_event, actor, category.event)
    used = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Registration)
        .where(Registration.category_id == category.id)
    )
    if used:
        raise Conflict(
            _l("People registered in this category; it cannot be removed."), code="in_use"
        )
    audit.record(
        "category.deleted",
        category,
        actor=actor,
        event_id=category.event_id,
        before={"name": category.name},
    )
    db.session.delete(category)


@dataclass
class QuestionInfo:
    label: str
    kind: str
    required: bool = False
    options: list[str] = field(default_factory=list)
    help_text: str = ""


def _check_question(info: QuestionInfo) -> None:
    errors: dict[str, Any] = {
        "label": text_error(info.label, limit=NAME_MAX, required=True),
        "help_text": text_error(info.help_text, limit=500),
        "kind": None
        if info.kind in QuestionKind.__members__
        else _l("Choose a kind from the list."),
    }
    choices = info.kind in (QuestionKind.choice, QuestionKind.multichoice)
    if not isinstance(info.options, list) or not all(isinstance(o, str) for o in info.options):
        errors["options"] = _l("Give the options as a list of texts.")
    elif choices:
        options = [o.strip() for o in info.options if o.strip()]
        if len(options) < 2:
            errors["options"] = _l("Give at least two options.")
        elif len(set(options)) != len(options):
            errors["options"] = _l("Each option must be different.")
        elif len(options) > 100 or any(len(o) > NAME_MAX for o in options):
            errors["options"] = _l("At most 100 options of at most 200 characters.")
    raise_field_errors(errors)


@transactional
def save_question(
    actor: User, event: Event, info: QuestionInfo, question: Question | None = None
) -> Question:
    """Add a question to the event's form or change one. Raises NotAllowed, ValidationFailed."""
    permissions.require(permissions.can_manage_event, actor, event)
    _check_question(info)
    if question is None:
        position = (
            db.session.scalar(
                sa.select(sa.func.coalesce(sa.func.max(Question.position), -1)).where(
                    Question.event_id == event.id
                )
            )
            + 1
        )
        question = Question(event_id=event.id, position=position)
        db.session.add(question)
    question.label, question.kind = info.label.strip(), QuestionKind(info.kind)
    question.required, question.help_text = bool(info.required), (info.help_text or "").strip()
    question.options = (
        [o.strip() for o in info.options if o.strip()]
        if question.kind in (QuestionKind.choice, QuestionKind.multichoice)
        else []
    )
    db.session.flush()
    audit.record(
        "question.saved",
        question,
        actor=actor,
        event_id=event.id,
        after={"label": question.label, "kind": info.kind},
    )
    return question


@transactional
def delete_question(actor: User, event: Event, question: Question) -> None:
    """Remove a question (answers already given stay in the registrations)."""
    permissions.require(permissions.can_manage_event, actor, event)
    audit.record(
        "question.deleted",
        question,
        actor=actor,
        event_id=event.id,
        before={"label": question.label},
    )
    db.session.delete(question)


@transactional
def move_question(actor: User, event: Event, question: Question, offset: int) -> None:
    """Move a question up (-1) or down (+1) in the form."""
    permissions.require(permissions.can_manage_event, actor, event)
    ordered = queries.questions_of(event)
    index = ordered.index(question)
    target = min(max(index + offset, 0), len(ordered) - 1)
    ordered.insert(target, ordered.pop(index))
    for position, q in enumerate(ordered):
        q.position = position
