"""Template filters: times in the event's zone and the reader's language, Markdown.

Domains register the filters that show their own values (statuses, kinds) from their
blueprints."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as babel_format_datetime
from babel.dates import format_time as babel_format_time
from babel.dates import get_timezone_name
from flask import Flask
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from eventhub.markdown import render_markdown

DEFAULT_TZ = "Asia/Shanghai"
#: Zones people here call otherwise than the CLDR does ("中国标准时间").
ZONE_NAMES = {"Asia/Shanghai": _l("Beijing time")}


def format_when(value: datetime | None, tz: str | None = None, fmt: str = "medium") -> str:
    """Format an aware datetime in the zone ``tz`` for the current locale."""
    if value is None:
        return ""
    locale = get_locale()
    if fmt == "medium":
        # The locale's medium date with hours and minutes: seconds mean nothing for an event.
        fmt = str(locale.datetime_formats["medium"]).format(
            locale.time_formats["short"].pattern, locale.date_formats["medium"].pattern
        )
    return babel_format_datetime(value, fmt, tzinfo=ZoneInfo(tz or DEFAULT_TZ), locale=locale)


def format_clock(value: datetime | None, tz: str | None = None) -> str:
    if value is None:
        return ""
    return babel_format_time(value, "short", tzinfo=ZoneInfo(tz or DEFAULT_TZ), locale=get_locale())


def format_moment(
    value: datetime | None, tz: str | None = None, seconds: bool = False,
    now: datetime | None = None,
) -> str:
    """A moment at the door: its time ("09:05") when it is today in the zone ``tz``, with the
    date before it otherwise ("12月28日 09:05"; the year too when not this year), so a time of
    another day of a week-long event is never read as today's."""
    if value is None:
        return ""
    locale = get_locale()
    zone = ZoneInfo(tz or DEFAULT_TZ)
    pattern = "HH:mm:ss" if seconds else "HH:mm"
    day = value.astimezone(zone).date()
    today = (now or datetime.now(zone)).astimezone(zone).date()
    if day != today:
        date = locale.datetime_skeletons["MMMd" if day.year == today.year else "yMMMd"]
        pattern = str(locale.datetime_formats["medium"]).format(pattern, date.pattern)
    return babel_format_datetime(value, pattern, tzinfo=zone, locale=locale)


def format_range(start: datetime, end: datetime, tz: str | None = None) -> str:
    """"2026年5月18日 09:30 – 17:00" when on one day, both full datetimes otherwise."""
    zone = ZoneInfo(tz or DEFAULT_TZ)
    if start.astimezone(zone).date() == end.astimezone(zone).date():
        return f"{format_when(start, tz)} – {format_clock(end, tz)}"
    return f"{format_when(start, tz)} – {format_when(end, tz)}"


def format_zone(tz: str | None, at: datetime | None = None) -> str:
    """A time zone as people name it, with its offset at ``at`` (summer time counts):
    "北京时间（UTC+8）", "British Summer Time (UTC+1)"."""
    zone = ZoneInfo(tz or DEFAULT_TZ)
    moment = (at or datetime.now(UTC)).astimezone(zone)
    minutes = int(moment.utcoffset().total_seconds() // 60)
    offset = ""
    if minutes:
        hours, rest = divmod(abs(minutes), 60)
        offset = f"{'+' if minutes > 0 else '-'}{hours}" + (f":{rest:02d}" if rest else "")
    if zone.key == "UTC":
        return "UTC"
    name = ZONE_NAMES.get(zone.key) or get_timezone_name(moment, "long", locale=get_locale())
    return _("%(zone)s (UTC%(offset)s)", zone=name, offset=offset)


def format_fixed(value: float | Decimal, digits: int = 2) -> str:
    """``value`` with ``digits`` decimals, halves rounded up (87.125 → "87.13"), as people
    round (float formatting would give 87.12)."""
    return str(Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def list_separator() -> str:
    """What separates the items of a list in the reader's language: "、" in Chinese, ", " in
    English."""
    return get_locale().list_patterns["standard"]["middle"].format("", "")


def mask_phone(phone: str | None) -> str:
    """138****5678: what door staff see."""
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


#: Chinese compound surnames (复姓) common enough to meet at an event: 欧阳娜娜 is 欧阳**.
COMPOUND_SURNAMES = frozenset({
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "公孙", "慕容", "尉迟", "长孙", "宇文",
    "司徒", "司空", "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "百里", "呼延", "钟离", "澹台",
    "公冶", "太史", "申屠", "闻人", "赫连", "万俟", "第五", "濮阳", "单于", "拓跋", "谷梁", "宰父",
    "东郭", "仲孙", "颛孙", "巫马", "漆雕", "乐正", "壤驷", "公良", "梁丘", "左丘", "南门", "东门",
})


def _is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def mask_surname(name: str | None) -> str:
    """张三 -> 张**: the surname followed by ``**``, what a public screen or page shows of a
    person who chose no name of their own.

    A Chinese name keeps its first character, or its compound surname (欧阳娜娜 -> 欧阳**,
    from `COMPOUND_SURNAMES`, when more follows it). A name in a script written with spaces
    keeps its first word (Zhang Wei -> Zhang **, as pinyin puts the surname first; John Smith
    -> John **, the name a welcome uses anyway); a single such word keeps its first letter
    (Madonna -> M**). Empty names stay empty.
    """
    name = " ".join((name or "").split())
    if not name:
        return ""
    if _is_cjk(name[0]):
        if len(name) > 2 and name[:2] in COMPOUND_SURNAMES:
            return name[:2] + "**"
        return name[0] + "**"
    first, _, rest = name.partition(" ")
    if rest:
        return first + " **"
    return name[0] + "**"


def register(app: Flask) -> None:
    app.jinja_env.filters.update(
        when=format_when,
        clock=format_clock,
        moment=format_moment,
        timerange=format_range,
        zone=format_zone,
        fixed=format_fixed,
        markdown=render_markdown,
        mask_phone=mask_phone,
        mask_surname=mask_surname,
    )
    app.jinja_env.globals.update(current_locale=lambda: str(get_locale()))
