"""Event and session forms. Times are typed as wall-clock time in the event's time zone."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from eventhub.accounts.models import NAME_MAX
from eventhub.events.labels import EVENT_KIND_LABELS
from eventhub.events.models import Event, EventSession
from eventhub.events.services import TEXT_MAX, EventInfo, SessionInfo
from eventhub.webforms import Form, LocalDateTimeField

DEFAULT_TZ = "Asia/Shanghai"

#: The zones organizers pick from; an event made through the API may have another one.
COMMON_TIMEZONES = {
    "Asia/Shanghai": _l("China: Beijing time (UTC+8)"),
    "Asia/Hong_Kong": _l("Hong Kong (UTC+8)"),
    "Asia/Taipei": _l("Taipei (UTC+8)"),
    "Asia/Singapore": _l("Singapore (UTC+8)"),
    "Asia/Tokyo": _l("Tokyo (UTC+9)"),
    "Asia/Seoul": _l("Seoul (UTC+9)"),
    "Asia/Dubai": _l("Dubai (UTC+4)"),
    "Europe/London": _l("London"),
    "Europe/Berlin": _l("Berlin, Paris"),
    "America/New_York": _l("New York"),
    "America/Los_Angeles": _l("Los Angeles, San Francisco"),
    "UTC": _l("UTC"),
}

_when_required = InputRequired(message=_l("Enter a date and time."))


def kind_choices() -> list[tuple[str, str]]:
    return [(kind.value, str(label)) for kind, label in EVENT_KIND_LABELS.items()]


def timezone_choices(current: str | None = None) -> list[tuple[str, str]]:
    choices = [(name, str(label)) for name, label in COMMON_TIMEZONES.items()]
    if current and current not in COMMON_TIMEZONES:
        choices.insert(0, (current, current))
    return choices


class EventForm(Form):
    title = StringField(_l("Title"), render_kw={"maxlength": NAME_MAX},
                        description=_l("For example: 2026 Shenyang Entrepreneurship Week."))
    kind = SelectField(_l("Kind"), choices=kind_choices)
    starts_at = LocalDateTimeField(_l("Starts"), validators=[_when_required])
    ends_at = LocalDateTimeField(_l("Ends"), validators=[_when_required])
    timezone = SelectField(_l("Time zone"), default=DEFAULT_TZ,
                           description=_l("Times above are read in this zone."))
    venue = StringField(_l("Venue"), render_kw={"maxlength": NAME_MAX},
                        description=_l("Building and room, or “online”."))
    address = StringField(_l("Address"), render_kw={"maxlength": 500})
    lead_name = StringField(_l("Lead (person in charge)"), render_kw={"maxlength": NAME_MAX},
                            description=_l("Who answers for the event; the reports name them."))
    description = TextAreaField(
        _l("Description"), render_kw={"rows": 10, "maxlength": TEXT_MAX},
        description=_l("Markdown: **bold**, ## headings, lists, links. Up to 10,000 characters."),
    )
    capacity = IntegerField(_l("Places"), validators=[Optional()],
                            render_kw={"inputmode": "numeric", "min": 0},
                            description=_l("Leave empty for no limit."))
    registration_opens_at = LocalDateTimeField(
        _l("Registration opens"), validators=[Optional()],
        description=_l("Leave empty to open as soon as the event is published."))
    registration_closes_at = LocalDateTimeField(
        _l("Registration closes"), validators=[Optional()],
        description=_l("Leave empty to keep it open until the event starts."))
    requires_approval = BooleanField(_l("Registrations need our approval"))
    registration_paused = BooleanField(_l("Pause registration for now"))
    is_listed = BooleanField(_l("List on the home page (otherwise only people with the link "
                                "find it)"), default=True)

    def __init__(self, *args: Any, event: Event | None = None, **kwargs: Any) -> None:
        super().__init__(*args, obj=event, **kwargs)
        self.timezone.choices = timezone_choices(event.timezone if event else None)
        if event is not None and not self.is_submitted():
            for name in ("starts_at", "ends_at", "registration_opens_at",
                         "registration_closes_at"):
                getattr(self, name).set_local(getattr(event, name), event.timezone)

    def to_info(self) -> EventInfo:
        """The typed values, with times made aware in the chosen zone."""
        tz = self.timezone.data or DEFAULT_TZ
        return EventInfo(
            title=self.title.data or "",
            kind=self.kind.data or "",
            starts_at=self.starts_at.aware(tz),
            ends_at=self.ends_at.aware(tz),
            timezone=tz,
            venue=(self.venue.data or "").strip(),
            address=(self.address.data or "").strip(),
            lead_name=(self.lead_name.data or "").strip(),
            description=self.description.data or "",
            capacity=self.capacity.data,
            registration_opens_at=self.registration_opens_at.aware(tz),
            registration_closes_at=self.registration_closes_at.aware(tz),
            requires_approval=bool(self.requires_approval.data),
            registration_paused=bool(self.registration_paused.data),
            is_listed=bool(self.is_listed.data),
        )

    def changes(self) -> dict[str, Any]:
        return asdict(self.to_info())


class SessionForm(Form):
    title = StringField(_l("Title"), render_kw={"maxlength": NAME_MAX},
                        description=_l("For example: Roadshow, Investor salon, Opening forum."))
    starts_at = LocalDateTimeField(_l("Starts"), validators=[_when_required])
    ends_at = LocalDateTimeField(_l("Ends"), validators=[_when_required])
    room = StringField(_l("Room"), render_kw={"maxlength": NAME_MAX})
    capacity = IntegerField(_l("Places"), validators=[Optional()],
                            render_kw={"inputmode": "numeric", "min": 0},
                            description=_l("Leave empty for no limit."))
    description = TextAreaField(_l("Description"), render_kw={"rows": 4, "maxlength": TEXT_MAX})

    def __init__(self, *args: Any, event: Event, session: EventSession | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, obj=session, **kwargs)
        self.event = event
        if session is not None and not self.is_submitted():
            self.starts_at.set_local(session.starts_at, event.timezone)
            self.ends_at.set_local(session.ends_at, event.timezone)
        elif session is None and not self.is_submitted():
            self.starts_at.set_local(event.starts_at, event.timezone)
            self.ends_at.set_local(event.starts_at, event.timezone)

    def to_info(self) -> SessionInfo:
        tz = self.event.timezone
        return SessionInfo(
            title=self.title.data or "",
            starts_at=self.starts_at.aware(tz),
            ends_at=self.ends_at.aware(tz),
            room=self.room.data or "",
            capacity=self.capacity.data,
            description=self.description.data or "",
        )
