"""Registration forms. The participant's form is built as a new class per request from the
event's categories, sessions and questions; the rules live in the services, not here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, DateInput, ListWidget, NumberInput

from eventhub.accounts.models import NAME_MAX, User
from eventhub.events.models import Event, EventSession
from eventhub.registrations.answers import TEXT_MAX, TEXTAREA_MAX, answer_key
from eventhub.registrations.form_builder import QuestionInfo
from eventhub.registrations.models import (
    WALL_NAME_MAX,
    Category,
    Question,
    QuestionKind,
    Registration,
)
from eventhub.registrations.services import NOTES_MAX, RegistrationInfo
from eventhub.webforms import Form

try:  # WTForms ≥ 3.3 deprecates (value, label) tuples
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    SelectChoice = None


def choices(pairs: Iterable[tuple[Any, Any]]) -> list[Any]:
    """Select choices from (value, label) pairs, in the shape this WTForms wants."""
    if SelectChoice is None:  # pragma: no cover
        return list(pairs)
    return [SelectChoice(value=value, label=label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    """Several checkboxes; the service decides which values are allowed."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def question_field_name(question: Question) -> str:
    return f"q_{question.id}"


def _question_field(question: Question) -> Field:
    """One WTForms field for a question, by kind. No validators: `clean_answers` decides."""
    label, help_text = question.label, question.help_text or None
    kind = question.kind
    common: dict[str, Any] = {"description": help_text}
    if kind == QuestionKind.textarea:
        return TextAreaField(label, render_kw={"rows": 5, "maxlength": TEXTAREA_MAX}, **common)
    if kind == QuestionKind.choice:
        return RadioField(label, choices=choices((o, o) for o in question.options),
                          validate_choice=False, **common)
    if kind == QuestionKind.multichoice:
        return MultiCheckboxField(label, choices=choices((o, o) for o in question.options),
                                  validate_choice=False, **common)
    if kind == QuestionKind.number:
        return StringField(label, widget=NumberInput(step="any"),
                           render_kw={"inputmode": "decimal"}, **common)
    if kind == QuestionKind.email:
        return EmailField(label, render_kw={"autocomplete": "email"}, **common)
    if kind == QuestionKind.phone:
        return TelField(label, render_kw={"inputmode": "tel"}, **common)
    if kind == QuestionKind.date:
        return StringField(label, widget=DateInput(), **common)
    if kind == QuestionKind.checkbox:
        return BooleanField(label, **common)
    return StringField(label, render_kw={"maxlength": TEXT_MAX}, **common)


class AnswersForm(Form):
    """The standard fields and the event's questions (subclassed per request)."""

    name = StringField(_l("Name"), render_kw={"maxlength": NAME_MAX, "autocomplete": "name"})
    phone = TelField(
        _l("Mobile phone"),
        render_kw={"inputmode": "tel", "autocomplete": "tel"},
        description=_l("Door staff find you by it if your ticket is lost."),
    )
    organization = StringField(
        _l("Organization or school"),
        render_kw={"maxlength": NAME_MAX, "autocomplete": "organization"},
    )
    job_title = StringField(
        _l("Job title"), render_kw={"maxlength": NAME_MAX, "autocomplete": "organization-title"}
    )

    questions: list[Question]
    #: Fields the page shows after the questions.
    AFTER_QUESTIONS: tuple[str, ...] = ()

    def question_fields(self) -> list[tuple[Question, Field]]:
        return [(q, self[question_field_name(q)]) for q in self.questions]

    def answers(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for question, field in self.question_fields():
            value = field.data
            if question.kind == QuestionKind.checkbox:
                value = bool(value)
            elif question.kind == QuestionKind.multichoice:
                value = list(value or [])
            elif isinstance(value, str):
                value = value.strip() if question.kind != QuestionKind.textarea else value
            values[str(question.id)] = value
        return values

    def field_map(self) -> dict[str, str]:
        """Domain error fields (``answers.<id>``) → this form's field names."""
        return {answer_key(q.id): question_field_name(q) for q in self.questions}

    def info(self, **extra: Any) -> RegistrationInfo:
        return RegistrationInfo(
            answers=self.answers(),
            name=self.name.data or "",
            phone=self.phone.data or "",
            organization=self.organization.data or "",
            job_title=self.job_title.data or "",
            **extra,
        )


def _with_questions(base: type[AnswersForm], questions: list[Question]) -> type[AnswersForm]:
    attrs: dict[str, Any] = {question_field_name(q): _question_field(q) for q in questions}
    for name in base.AFTER_QUESTIONS:
        # Made anew after the questions' fields, so the form's order (its error summary's
        # too) is the page's.
        unbound = getattr(base, name)
        attrs[name] = unbound.field_class(*unbound.args, **unbound.kwargs)
    attrs["questions"] = questions
    return type("EventAnswersForm", (base,), attrs)


def _show_on_wall_field() -> BooleanField:
    return BooleanField(_l("Show me on the welcome wall"), description=_l(
        "When you check in, the big screen in the hall greets you by name. Off unless you "
        "turn it on; you may change it at any time."))


def _wall_name_field() -> StringField:
    return StringField(_l("Name on the wall"), render_kw={"maxlength": WALL_NAME_MAX},
                       description=_l("Leave it empty to show your surname followed by ** "
                                      "(for example 张**)."))


class RegisterForm(AnswersForm):
    category_id = RadioField(_l("How you take part"), coerce=int, validate_choice=False,
                             validators=[Optional()])
    session_ids = MultiCheckboxField(_l("Sessions"), coerce=int, validate_choice=False)
    consent = BooleanField(_l("I have read the privacy notice and agree to it."))
    show_on_wall = _show_on_wall_field()
    wall_name = _wall_name_field()
    AFTER_QUESTIONS = ("consent", "show_on_wall", "wall_name")

    def info(self, **extra: Any) -> RegistrationInfo:
        return super().info(
            category_id=self.category_id.data if self.category_id.data else None,
            session_ids=list(self.session_ids.data or []),
            consent=bool(self.consent.data),
            show_on_wall=bool(self.show_on_wall.data),
            wall_name=self.wall_name.data or "",
            **extra,
        )


class WallChoiceForm(Form):
    """The registrant's choice for the welcome wall (签到墙), on their registration and ticket."""

    show_on_wall = _show_on_wall_field()
    wall_name = _wall_name_field()


def registration_form(
    event: Event,
    user: User,
    questions: list[Question],
    categories: list[Category],
    sessions: list[EventSession],
    **kwargs: Any,
) -> RegisterForm:
    """A new form class for this event's form, prefilled from the account."""
    cls = _with_questions(RegisterForm, questions)
    form = cls(
        data={
            "name": user.name,
            "phone": user.phone or "",
            "organization": user.organization or "",
            "job_title": user.job_title or "",
        },
        **kwargs,
    )
    form.category_id.choices = choices((c.id, c.name) for c in categories)
    form.session_ids.choices = choices((s.id, s.title) for s in sessions)
    return form  # type: ignore[return-value]


def answers_form(registration: Registration, questions: list[Question]) -> AnswersForm:
    """The edit form of an existing registration, prefilled with its answers."""
    cls = _with_questions(AnswersForm, questions)
    data: dict[str, Any] = {
        "name": registration.name,
        "phone": registration.phone,
        "organization": registration.organization,
        "job_title": registration.job_title,
    }
    for q in questions:
        data[question_field_name(q)] = registration.answers.get(str(q.id))
    form = cls()
    if not form.is_submitted():
        # Only on display: unticked boxes are absent from a post and must stay unticked.
        form = cls(formdata=None, data=data)
    return form


# Organizers --------------------------------------------------------------------------------


class ManualRegistrationForm(Form):
    """An organizer registers someone on their behalf."""

    name = StringField(_l("Name"), render_kw={"maxlength": NAME_MAX})
    email = EmailField(_l("Email"), description=_l("An account is made for a new address; "
                                                  "they claim it by a password reset link."))
    phone = TelField(_l("Mobile phone"), render_kw={"inputmode": "tel"})
    category_id = RadioField(_l("Category"), coerce=int, validate_choice=False,
                             validators=[Optional()])
    session_ids = MultiCheckboxField(_l("Sessions"), coerce=int, validate_choice=False)
    notify = BooleanField(_l("Mail them about the registration"), default=True)


class DecisionForm(Form):
    message = TextAreaField(
        _l("Message to the participant"),
        render_kw={"rows": 2, "maxlength": NOTES_MAX},
        description=_l("Optional; it goes out with the mail."),
    )


class BulkDecisionForm(DecisionForm):
    action = SelectField(choices=choices([("approve", _l("Approve")), ("reject", _l("Reject"))]))
    ids = SelectMultipleField(coerce=int, validate_choice=False)


class NotesForm(Form):
    notes = TextAreaField(
        _l("Notes for the door"),
        render_kw={"rows": 3, "maxlength": NOTES_MAX},
        description=_l("VIP, dietary needs, an interpreter… Door staff see them when scanning."),
    )


class CancelForm(Form):
    """Only the CSRF token: cancelling needs nothing else."""


class CategoryForm(Form):
    name = StringField(_l("Category name"), render_kw={"maxlength": NAME_MAX},
                       description=_l("For example: audience, founder, investor, media."))
    capacity = IntegerField(_l("Places"), validators=[Optional()],
                            render_kw={"inputmode": "numeric", "min": 0},
                            description=_l("Leave empty for no limit of its own."))
    requires_approval = BooleanField(_l("Registrations in this category need our approval"))
    investor = BooleanField(
        _l("People in this category are investors"),
        description=_l("They may mark interest in the contest's entries during the roadshow; "
                       "a team sees an investor's contact details only after accepting."),
    )
    description = StringField(_l("Description"), render_kw={"maxlength": 500})


def question_kind_choices() -> list[Any]:
    return choices((kind.value, str(label)) for kind, label in KIND_LABELS.items())


KIND_LABELS = {
    QuestionKind.text: _l("Short text"),
    QuestionKind.textarea: _l("Long text"),
    QuestionKind.choice: _l("Single choice"),
    QuestionKind.multichoice: _l("Multiple choice"),
    QuestionKind.number: _l("Number"),
    QuestionKind.email: _l("Email"),
    QuestionKind.phone: _l("Phone"),
    QuestionKind.date: _l("Date"),
    QuestionKind.checkbox: _l("Checkbox (yes/no)"),
}


class QuestionForm(Form):
    label = StringField(_l("Question"), render_kw={"maxlength": NAME_MAX})
    kind = SelectField(_l("Kind"), choices=[], validate_choice=False)
    options = TextAreaField(_l("Options"), render_kw={"rows": 4},
                            description=_l("For choice questions: one option per line."))
    required = BooleanField(_l("An answer is required"))
    help_text = StringField(_l("Help text"), render_kw={"maxlength": 500},
                            description=_l("Shown under the question."))

    def __init__(self, *args: Any, question: Question | None = None, **kwargs: Any) -> None:
        if question is not None and "data" not in kwargs:
            kwargs["data"] = {
                "label": question.label,
                "kind": question.kind.value,
                "options": "\n".join(question.options),
                "required": question.required,
                "help_text": question.help_text,
            }
        super().__init__(*args, **kwargs)
        self.kind.choices = question_kind_choices()

    def to_info(self) -> QuestionInfo:
        options = [line.strip() for line in (self.options.data or "").splitlines()]
        return QuestionInfo(
            label=self.label.data or "",
            kind=self.kind.data or "",
            required=bool(self.required.data),
            options=[o for o in options if o],
            help_text=self.help_text.data or "",
        )


class PrivacyNoticeForm(Form):
    privacy_notice = TextAreaField(
        _l("Privacy notice"),
        render_kw={"rows": 10, "maxlength": 10_000},
        description=_l("Markdown. Name the organizer, the purposes, how long you keep the data "
                       "and how people exercise their rights. Leave empty for the default "
                       "notice. Each change is a new version that new registrations accept."),
    )
