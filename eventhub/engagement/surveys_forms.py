"""The forms of the survey's pages. They only read what was typed or tapped: the rules (kinds,
options, ranges, required answers, once per registration) are `surveys`' services'."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from eventhub.engagement.models import (
    SURVEY_LABEL_MAX,
    SURVEY_TEXT_MAX,
    SurveyQuestion,
    SurveyQuestionKind,
)
from eventhub.registrations.forms import choices
from eventhub.webforms import Form

#: Blank rows the editor offers for new questions.
NEW_ROWS = 2

KIND_CHOICES = choices([
    (SurveyQuestionKind.rating.value, _l("Rating (1–5 stars)")),
    (SurveyQuestionKind.choice.value, _l("One choice")),
    (SurveyQuestionKind.text.value, _l("Free text")),
])


class QuestionRowForm(Form):
    """One question of the editor; ``id`` empty: a new one (left blank: ignored)."""

    class Meta(Form.Meta):
        csrf = False

    id = HiddenField()
    label = StringField(_l("Question"), render_kw={"maxlength": SURVEY_LABEL_MAX})
    kind = SelectField(_l("Kind"), choices=KIND_CHOICES, validate_choice=False)
    options = TextAreaField(_l("Options, one a line (for one choice)"), render_kw={"rows": 3})
    required = BooleanField(_l("An answer is required"))
    position = IntegerField(_l("Order"), validators=[Optional()],
                            render_kw={"inputmode": "numeric", "min": 1})
    remove = BooleanField(_l("Remove this question"))


class SurveyEditForm(Form):
    """The organizer's survey editor: every question in a row, and blank rows to add."""

    questions = FieldList(FormField(QuestionRowForm), min_entries=0, max_entries=60)

    def question_list(self) -> list[dict[str, Any]]:
        """The rows as `surveys.save_survey` takes them, in the order asked for (the order
        field, else the row's place), without removed rows and blank new ones."""
        rows = []
        for n, row in enumerate(self.questions):
            data = row.form
            if data.remove.data:
                continue
            raw_id = (data.id.data or "").strip()
            label = data.label.data or ""
            if not raw_id and not label.strip():
                continue
            options = [line.strip() for line in (data.options.data or "").splitlines()
                       if line.strip()]
            kind = data.kind.data or ""
            item: dict[str, Any] = {
                "id": int(raw_id) if raw_id.isdigit() and len(raw_id) < 12 else None,
                "label": label, "kind": kind, "required": bool(data.required.data),
                "options": options if kind == SurveyQuestionKind.choice.value else [],
            }
            if raw_id and item["id"] is None:
                item["id"] = -1  # tampered: the service refuses it as not this survey's
            order = data.position.data if data.position.data is not None else n + 1
            rows.append((order, n, item))
        return [item for _order, _n, item in sorted(rows, key=lambda r: (r[0], r[1]))]


def edit_form(questions: list[SurveyQuestion], **kwargs: Any) -> SurveyEditForm:
    """The editor for these questions, with blank rows to add new ones."""
    data = [{"id": str(q.id), "label": q.label, "kind": q.kind.value,
             "options": "\n".join(q.options or []), "required": q.required,
             "position": n + 1} for n, q in enumerate(questions)]
    data += [{"kind": SurveyQuestionKind.rating.value, "position": len(data) + n + 1}
             for n in range(NEW_ROWS)]
    return SurveyEditForm(data={"questions": data}, **kwargs)


def field_name(question: SurveyQuestion) -> str:
    return f"q{question.id}"


class AnswerForm(Form):
    """An attendee's answers; a new class per survey (`answer_form`)."""

    survey_questions: list[SurveyQuestion]

    def fields_of(self) -> list[tuple[SurveyQuestion, Any]]:
        return [(q, self[field_name(q)]) for q in self.survey_questions]

    def answers(self) -> dict[str, Any]:
        """{"<question id>": value} as `surveys.submit_response` takes it."""
        values: dict[str, Any] = {}
        for question, field in self.fields_of():
            value = field.data
            if isinstance(value, str):
                value = value.strip()
            if question.kind == SurveyQuestionKind.rating and isinstance(value, str):
                value = int(value) if value.isdigit() and len(value) < 3 else (value or None)
            values[str(question.id)] = value or None
        return values

    def field_map(self) -> dict[str, str]:
        """Service error fields (``answers.<id>``) → this form's field names."""
        return {f"answers.{q.id}": field_name(q) for q in self.survey_questions}


def answer_form(questions: list[SurveyQuestion], **kwargs: Any) -> AnswerForm:
    """A new form class holding one field per question."""
    attrs: dict[str, Any] = {"survey_questions": questions}
    for q in questions:
        if q.kind == SurveyQuestionKind.rating:
            attrs[field_name(q)] = RadioField(q.label, choices=choices((str(n), str(n))
                                                                        for n in range(1, 6)),
                                              validate_choice=False)
        elif q.kind == SurveyQuestionKind.choice:
            attrs[field_name(q)] = RadioField(q.label, choices=choices((o, o) for o in q.options),
                                              validate_choice=False)
        else:
            attrs[field_name(q)] = TextAreaField(q.label, render_kw={
                "maxlength": SURVEY_TEXT_MAX, "rows": 4})
    return type("SurveyAnswerForm", (AnswerForm,), attrs)(**kwargs)
