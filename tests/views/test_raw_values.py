"""No raw enum value reaches a page: statuses, kinds and methods are shown in words (the label
tables of events/labels.py, judging/labels.py, checkin/labels.py, registrations/labels.py),
never as stored (``confirmed``, ``draft``, ``trimmed_mean``, ``checked_in``).

The demo's pages are crawled as every role, in Chinese and in English, with the helpers of
test_page_language.py. In Chinese any stored value of an enum column seen as a word of the
visible text is raw (user data aside). In English a label may be the value itself ("draft",
"published"), so only values no English sentence contains are looked for: those with an
underscore (``trimmed_mean``, ``already_checked_in``, ``walk_in``)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from eventhub import demo
from eventhub.accounts.models import User
from eventhub.database import db
from tests.views.conftest import make_client
from tests.views.test_page_language import ZH, crawl, start_pages, user_data

EN = {"Accept-Language": "en"}
#: Statuses that are not columns: a judge's invitation, an assignment without a scorecard,
#: a registration's check-in as the API words it.
OTHER_VALUES = {"invited", "accepted", "todo", "checked_in"}


def enum_values() -> set[str]:
    """Every value an enum column of the schema stores, and the statuses computed from them."""
    values = set(OTHER_VALUES)
    for table in db.metadata.tables.values():
        for column in table.columns:
            if isinstance(column.type, sa.Enum):
                values.update(column.type.enums)
    return values


def raw_values(text: str, values: set[str]) -> dict[str, int]:
    """The values of ``values`` that stand as whole words in ``text`` (not inside a word, a
    hyphenated word, a mail address like ``staff@example.com`` or a file name), each with
    where it first does."""
    found = {}
    for value in values:
        match = re.search(rf"(?<![\w@.-]){re.escape(value)}(?![\w@-])(?!\.\w)", text)
        if match:
            found[value] = match.start()
    return found


def test_raw_values_finds_whole_words_only():
    values = {"confirmed", "trimmed_mean", "open"}
    assert raw_values("状态：confirmed · 方法 trimmed_mean", values) == {
        "confirmed": 3, "trimmed_mean": 18}
    assert raw_values("版本 1/confirmed. 见 open.csv", values) == {"confirmed": 5}
    assert raw_values("Reopened, unconfirmed; open-ended trimmed_means, open@x.cn",
                      values) == {}


@pytest.mark.words
@pytest.mark.parametrize(("locale", "headers"), [("zh_Hans", ZH), ("en", EN)])
def test_pages_show_no_raw_status_values(app, login, locale, headers):
    demo.load_demo()
    values = enum_values() - user_data()
    if locale == "en":
        values = {value for value in values if "_" in value}
    found: dict[str, set[str]] = {}
    pages = 0
    for email, starts in start_pages().items():
        if email:
            user = db.session.scalar(sa.select(User).where(User.email == email))
            user.locale = locale
            db.session.commit()
            client = login(user)
        else:
            client = make_client(app)
        for path, text in crawl(client, starts, seen_kinds=set(), headers=headers):
            pages += 1
            for value, at in raw_values(text, values).items():
                found.setdefault(value, set()).add(
                    f"{email or 'anonymous'} {path} «{text[max(at - 30, 0):at + 40]}»")
    assert pages > 40, f"only {pages} pages reached"
    assert not found, f"Raw values on {locale} pages:\n" + "\n".join(
        f"{value}: {', '.join(sorted(where)[:3])}" for value, where in sorted(found.items()))
