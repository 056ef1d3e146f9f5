"""The forms of the judging pages: the organizers' contest pages (tracks, judges, conflicts,
rounds, rubric, entries taking part, assignments, status) and the entry pages (a team's entry,
the entry window, the import, renaming a track). Choices that depend on the contest are set by
the page; rules stay in the services, which the pages call with what a form read.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FloatField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from eventhub.accounts.models import NAME_MAX
from eventhub.events.models import Event
from eventhub.ids import coerce_id
from eventhub.judging import attachments, checks, entries, rounds
from eventhub.judging.labels import AGGREGATION_LABELS
from eventhub.judging.models import Aggregation, Entry, Round, Track
from eventhub.text import REQUIRED_MESSAGE
from eventhub.webforms import Form, LocalDateTimeField

RULE_LABELS = {
    "none": _l("Nobody advances automatically"),
    "top_n": _l("The top N of each track"),
    "top_percent": _l("The top percent of each track"),
    "threshold": _l("Everyone with at least this score"),
}
RULE_FIELDS = {"top_n": "advance_top_n", "top_percent": "advance_top_percent",
               "threshold": "advance_threshold"}
#: Service field names shown on the round form under another name.
ROUND_FIELDS = dict.fromkeys(RULE_FIELDS.values(), "rule_value")
_required = InputRequired(message=REQUIRED_MESSAGE)


def lazy_choices(pairs: Any) -> list[SelectChoice]:
    """Choices whose lazy labels stay lazy: class-level forms are built at import, before any
    request has a language."""
    return [SelectChoice(value=value, label=label) for value, label in pairs]


# The contest pages ------------------------------------------------------------------------


class PageForm(Form):
    """A form among several on one page: its fields' names and ids carry ``PREFIX`` unless
    another ``prefix`` is given (the edit pages give ``""``)."""

    PREFIX = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", self.PREFIX)
        super().__init__(*args, **kwargs)


class TrackForm(PageForm):
    PREFIX = "track"
    name = StringField(_l("Track name"), validators=[_required],
                       render_kw={"maxlength": NAME_MAX},
                       description=_l("For example: 医疗健康, 先进制造, 互联网+."))


def optional_id(value: Any) -> int | None:
    """An optional select's value as an id: None for its empty choice, else as `coerce_id`."""
    return None if value in (None, "") else coerce_id(value)


class JudgeForm(PageForm):
    """Invite a judge (a mentor of the pool, or by email and name), or edit one (institution
    and expertise only)."""

    PREFIX = "judge"
    mentor_id = SelectField(
        _l("From the mentor pool"), coerce=optional_id, validate_choice=False,
        description=_l("Choose a mentor to invite with their email, name, affiliation and "
                       "expertise, or leave this and type an email below."))
    email = StringField(_l("Email"), render_kw={"maxlength": 254, "type": "email",
                                                "autocomplete": "off"})
    name = StringField(_l("Name"), render_kw={"maxlength": NAME_MAX})
    institution = StringField(
        _l("Institution"), render_kw={"maxlength": NAME_MAX},
        description=_l("Entries of the same institution are an automatic conflict."))
    expertise = StringField(
        _l("Expertise"), render_kw={"maxlength": 2000},
        description=_l("Tags separated by commas; automatic assignment prefers a tag that "
                       "names the entry's track."))


class ConflictForm(PageForm):
    PREFIX = "conflict"
    judge_id = SelectField(_l("Judge"), coerce=coerce_id, validate_choice=False,
                           validators=[_required])
    entry_id = SelectField(_l("Contest entry"), coerce=coerce_id, validate_choice=False,
                           validators=[_required])
    reason = TextAreaField(_l("Reason"), render_kw={"rows": 2, "maxlength": 10_000})


class RoundForm(PageForm):
    PREFIX = "round"
    name = StringField(_l("Round name"), validators=[_required], render_kw={"maxlength": NAME_MAX},
                       description=_l("For example: 网评, 复赛, 决赛路演."))
    aggregation = SelectField(
        _l("Aggregation method"),
        choices=lazy_choices((m.value, label) for m, label in AGGREGATION_LABELS.items()),
        default=Aggregation.mean.value)
    rule = RadioField(_l("Who advances"), choices=lazy_choices(RULE_LABELS.items()), default="none")
    rule_value = FloatField(_l("N, percent or score"), validators=[Optional()],
                            render_kw={"inputmode": "decimal", "step": "any"})
    anonymous = BooleanField(_l("Anonymous: judges do not see team names and institutions"))
    opens_at = LocalDateTimeField(_l("Scoring opens"), validators=[Optional()])
    closes_at = LocalDateTimeField(_l("Scoring closes"), validators=[Optional()])

    def __init__(self, *args: Any, event: Event, round_: Round | None = None,
                 **kwargs: Any) -> None:
        typed = kwargs.get("formdata", True) is not None and self.is_submitted()
        super().__init__(*args, **kwargs)
        self.event = event
        if round_ is not None and not typed:
            self.name.data = round_.name
            self.aggregation.data = round_.aggregation.value
            self.anonymous.data = round_.anonymous
            self.rule.data = "none"
            for rule, name in RULE_FIELDS.items():
                if getattr(round_, name) is not None:
                    self.rule.data, self.rule_value.data = rule, getattr(round_, name)
            self.opens_at.set_local(round_.opens_at, event.timezone)
            self.closes_at.set_local(round_.closes_at, event.timezone)

    @staticmethod
    def locked_inputs(round_: Round) -> set[str]:
        """The inputs of the round's settings its status locks (`rounds.locked_fields`), by
        this form's names: ``aggregation``, ``rule``, ``anonymous``, ``window``."""
        names = {**dict.fromkeys(RULE_FIELDS.values(), "rule"),
                 **dict.fromkeys(rounds.WINDOW, "window")}
        return {names.get(field, field) for field in rounds.locked_fields(round_)}

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.rule.data in RULE_FIELDS and self.rule_value.data is None:
            self.rule_value.errors = [*self.rule_value.errors,
                                      _("Enter the number for this rule.")]
            return False
        return valid

    def to_info(self) -> rounds.RoundInfo:
        rules: dict[str, Any] = dict.fromkeys(RULE_FIELDS.values())
        if self.rule.data in RULE_FIELDS:
            value = self.rule_value.data
            if self.rule.data == "top_n" and value is not None and float(value).is_integer():
                value = int(value)
            rules[RULE_FIELDS[self.rule.data]] = value
        tz = self.event.timezone
        return rounds.RoundInfo(
            name=self.name.data or "", aggregation=self.aggregation.data or "",
            anonymous=bool(self.anonymous.data), opens_at=self.opens_at.aware(tz),
            closes_at=self.closes_at.aware(tz), **rules)


class CriterionForm(PageForm):
    PREFIX = "criterion"
    name = StringField(_l("Criterion"), validators=[_required],
                       render_kw={"maxlength": NAME_MAX})
    description = TextAreaField(_l("What judges look for"),
                                render_kw={"rows": 2, "maxlength": 10_000})
    max_points = FloatField(_l("Maximum points"), validators=[_required],
                            render_kw={"inputmode": "decimal", "step": "any", "min": 0})
    weight = FloatField(_l("Weight (of 100)"), validators=[_required],
                        render_kw={"inputmode": "decimal", "step": "any", "min": 0, "max": 100})


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EntriesForm(PageForm):
    PREFIX = "entries"
    mode = RadioField(_l("Entries taking part"), default="all", choices=lazy_choices([
        ("all", _l("Every entry of the contest")),
        ("advanced", _l("The entries advanced from an earlier round")),
        ("pick", _l("The entries I tick below")),
    ]))
    from_round_id = SelectField(_l("Earlier round"), coerce=int, validate_choice=False)
    entry_ids = CheckboxesField(_l("Entries"), coerce=int, validate_choice=False)


class AutoAssignForm(PageForm):
    PREFIX = "auto"
    judges_per_entry = IntegerField(_l("Number of judges per entry"), validators=[_required],
                                    render_kw={"inputmode": "numeric", "min": 1}, default=3)


class AssignForm(PageForm):
    PREFIX = "assign"
    judge_id = SelectField(_l("Judge"), coerce=coerce_id, validate_choice=False)
    entry_id = SelectField(coerce=coerce_id, validate_choice=False, validators=[_required])


class ReopenForm(PageForm):
    PREFIX = "reopen"
    reason = TextAreaField(_l("Why reopen it?"), validators=[_required],
                           render_kw={"rows": 2, "maxlength": 10_000},
                           description=_l("Kept in the audit log."))


class PublishForm(PageForm):
    PREFIX = "publish"
    notice_ends_at = LocalDateTimeField(
        _l("Public notice ends"), validators=[Optional()],
        description=_l("The end of the notice period (公示); leave empty for none."))


# The entry pages --------------------------------------------------------------------------


class MembersField(TextAreaField):
    """Team members typed one per line (``张三:CEO``): an entry's list of members is shown
    as such lines, so the field's data is text whether it comes from the entry or the post
    (a post without the field keeps the entry's members)."""

    def process_data(self, value: Any) -> None:
        if isinstance(value, list):
            value = "\n".join(entries.format_members([m]) for m in value)
        super().process_data(value)


class EntryForm(Form):
    title = StringField(_l("Project title"), validators=[InputRequired(REQUIRED_MESSAGE)],
                        render_kw={"maxlength": NAME_MAX})
    track_id = SelectField(_l("Track"), coerce=int,
                           validators=[InputRequired(_l("Choose a track of this contest."))])
    team_name = StringField(_l("Team name"), render_kw={"maxlength": NAME_MAX})
    institution = StringField(_l("School or company"), render_kw={"maxlength": NAME_MAX})
    summary = TextAreaField(_l("Summary"), render_kw={"rows": 6,
                                                      "maxlength": checks.TEXT_MAX})
    members = MembersField(
        _l("Team members"), render_kw={"rows": 4},
        description=_l("One member per line, name and role: 张三:CEO"),
    )
    file = FileField(
        _l("Business plan (PDF)"),
        render_kw={"accept": "application/pdf,.pdf"},
        description=_l("A PDF of at most %(n)d MB. Uploading a new one replaces the old.",
                       n=15),
    )

    def __init__(self, tracks: list[Track], entry: Entry | None = None, **kwargs: Any):
        super().__init__(obj=entry, **kwargs)
        self.track_id.choices = [(t.id, t.name) for t in tracks]
        self.file.description = _l(
            "A PDF of at most %(n)d MB. Uploading a new one replaces the old.",
            n=attachments.max_attachment_bytes() // (1024 * 1024))

    def changes(self) -> dict[str, Any]:
        members = entries.parse_members(self.members.data or "")
        return {
            "title": self.title.data or "",
            "track_id": self.track_id.data,
            "team_name": self.team_name.data or "",
            "institution": self.institution.data or "",
            "summary": self.summary.data or "",
            # Unreadable: the service says so beside the field.
            "members": members if members is not None else None,
        }


class WindowForm(Form):
    entries_open_at = LocalDateTimeField(_l("Entries open"), validators=[Optional()])
    entries_close_at = LocalDateTimeField(
        _l("Entries close"), validators=[Optional()],
        description=_l("Leave empty to keep the window open."))


class ImportForm(Form):
    file = FileField(_l("CSV or Excel file"), render_kw={"accept": ".csv,.xlsx"})


class TrackNameForm(Form):
    """Rename a track (the entries page)."""

    name = StringField(_l("Track name"), render_kw={"maxlength": NAME_MAX})
