"""Rendered pages speak Chinese: every page a role reaches from its start pages (the demo data
set: events, registrations, the contest with its rounds, check-ins) shows no English of its own.

The pages are crawled (links followed, one page of each kind per role), their visible text read
with html.parser (text, and the attributes people see or hear: placeholder, title, aria-label,
alt, a submit input's value) and every run of ASCII letters must be user data, a brand or an
abbreviation Chinese text uses as it is (QR, Excel, PDF, ...), an address, or a code."""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po

from eventhub import demo
from eventhub.accounts.models import User
from eventhub.database import db
from eventhub.judging.models import Judge, Round
from tests.test_i18n import PLACEHOLDER, PO_FILE
from tests.views.conftest import make_client

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}

#: Words Chinese pages use as they are.
ALLOWED_WORDS = {
    "eventhub", "QR", "CSV", "Excel", "PDF", "API", "URL", "ID", "Markdown", "Token", "ICS",
    "PNG", "JPEG", "JPG", "SVG", "WebP", "HTTPS", "JSON", "Bearer", "WeChat",
    # Statistics' names (Kendall's W, a z-score), the N of "the top N", the logo's mark.
    "Kendall's", "W", "z", "N", "e",
    "UTC", "GMT", "iCalendar", "Chrome", "Safari", "EN", "English",
    # 要BP: an investor asks a team for its business plan (融资对接).
    "BP",
}
#: Addresses, mail addresses, file names and codes: not words at all.
NOT_WORDS = re.compile(
    r"https?://\S+"  # URLs
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # mail addresses
    r"|/[\w./{}<>:-]*"  # paths
    r"|\b[\w-]+\.(?:csv|xlsx|pdf|ics|png|json|svg)\b"  # file names
    r"|\b(?=[A-Za-z0-9-]*\d)[A-Za-z0-9-]{4,}\b"  # codes with digits (ticket codes, ids)
    r"|\b[A-Z0-9]{2,}(?:-[A-Z0-9]+)*\b"  # all-capital codes and abbreviations of user data
)
WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
#: Attributes whose values are read (placeholder, tooltip, screen reader, image text).
SHOWN_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}
#: Links not to follow: downloads, images, live fragments, the scanner's files, leaving.
SKIPPED_LINK = re.compile(
    r"\.(?:csv|xlsx|pdf|png|svg|ics|json|js|webmanifest)$|/live$|^/static/|^/api/|^/door/vendor/"
)
#: A page kind: its path with numbers and codes replaced, except the event's or the round's
#: number (a contest's pages differ from a week's, an open round's from a published one's).
NUMBER = re.compile(r"/\d+(?=/|$)")
KEPT_NUMBER = re.compile(r"^/(?:events|judging/events|judging/rounds)/\d+")
CODE = re.compile(r"/(tickets|orgs|reset|judging/sign-in)/[^/]+")


class VisibleText(HTMLParser):
    """The text a person sees or hears on a page, in the page's language: parts marked as in
    another language (the language switch's lang="en") are left out."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
            "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        #: (tag, hidden) per open element: hidden when script/style/template or another language.
        self._stack: list[tuple[str, bool]] = []
        #: The language of the page (its <html lang>).
        self._language: str | None = None

    @property
    def _hidden(self) -> bool:
        return bool(self._stack) and self._stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        lang = (attrs.get("lang") or "").lower().split("-")[0] or None
        if tag == "html":
            self._language = lang
        hidden = self._hidden or tag in {"script", "style", "template"} or (
            lang is not None and lang != (self._language or "zh"))
        if not hidden:
            for name in SHOWN_ATTRIBUTES:
                if attrs.get(name):
                    self.parts.append(attrs[name])
            if (tag == "input" and attrs.get("type") in {"submit", "button", "reset"}
                    and attrs.get("value")):
                self.parts.append(attrs["value"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag not in self.VOID:
            self._stack.append((tag, hidden))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self._stack.pop()

    def handle_endtag(self, tag):
        # Close up to the matching tag (HTML lets some end tags be left out).
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                del self._stack[i:]
                return

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data)


def english_words(text: str, user_data: set[str]) -> set[str]:
    """The runs of ASCII letters in ``text`` that are neither allowed nor user data."""
    text = NOT_WORDS.sub(" ", text)
    return {w for w in WORD.findall(text)
            if w not in ALLOWED_WORDS and w not in user_data}


def test_visible_text_skips_scripts_other_languages_and_reads_labels():
    parser = VisibleText()
    parser.feed('<p>报名<script>var x = "Hidden";</script><span lang="en">EN only</span>'
                '<input type="submit" value="Save"><input type="text" value="typed">'
                '<img alt="Poster"><a href="/events/1" title="Open">打开</a><br>末尾</p>')
    assert parser.parts == ["报名", "Save", "Poster", "Open", "打开", "末尾"]
    assert parser.links == ["/events/1"]


def test_english_words_ignores_codes_addresses_and_user_data():
    text = ("票号 AB12-CD34 发送至 zhang@example.com，见 https://x.cn/a 与 /me/data，"
            "下载 registrations.xlsx（Excel）；赵磊 CTO, Sam 的 Mean 前 N 名")
    assert english_words(text, user_data={"Sam", "N"}) == {"Mean"}


def catalog_phrases() -> set[str]:
    """The catalog's English sentences of two words or more (placeholders left out): one of them
    on a page is English left untranslated, whatever the allowed words."""
    with PO_FILE.open("rb") as f:
        catalog = read_po(f)
    phrases = set()
    for message in catalog:
        for msgid in message.id if isinstance(message.id, tuple) else (message.id,):
            if msgid and " " in msgid.strip() and not PLACEHOLDER.search(msgid) \
                    and "<" not in msgid:
                phrases.add(msgid.strip())
    return phrases


#: The columns people type into (names, titles, descriptions, answers): their words are data.
TYPED_COLUMNS = {
    "users": ("name", "organization", "job_title"),
    "organizations": ("name", "description"),
    "events": ("title", "description", "venue", "address", "privacy_notice"),
    "event_sessions": ("title", "description", "room"),
    "categories": ("name", "description"),
    "questions": ("label", "options", "help_text"),
    "registrations": ("name", "organization", "job_title", "answers", "notes",
                      "decision_message", "wall_name"),
    "api_tokens": ("name",),
    "checkin_lists": ("name",),
    "scans": ("device",),
    "tracks": ("name",),
    "entries": ("title", "team_name", "institution", "summary", "members", "attachment_name"),
    "judges": ("institution", "expertise", "invited_name"),
    "conflicts_of_interest": ("reason",),
    "rounds": ("name",),
    "criteria": ("name", "description"),
    "scorecards": ("comment",),
    "mentors": ("title", "affiliation", "expertise", "bio"),
    "mentor_slots": ("location",),
    "mentor_bookings": ("topic", "cancel_message"),
    "mentor_coachings": ("topic", "notes"),
    "draws": ("name", "prizes"),
    "draw_winners": ("redraw_reason",),
    "polls": ("question",),
    "poll_options": ("label",),
    "survey_questions": ("label", "options"),
    "survey_answers": ("choice", "text"),
    "certificates": ("name", "award", "revoke_reason"),
}


def user_data() -> set[str]:
    """Every ASCII word people typed into the demo."""
    words: set[str] = set()
    for name, columns in TYPED_COLUMNS.items():
        table = db.metadata.tables[name]
        for row in db.session.execute(sa.select(*(table.c[c] for c in columns))):
            for value in row:
                if value is not None:
                    words.update(WORD.findall(str(value)))
    return words


def _page_kind(path: str) -> str:
    kept = KEPT_NUMBER.match(path)
    head, rest = (kept.group(), path[kept.end():]) if kept else ("", path)
    return CODE.sub(r"/\1/<code>", head + NUMBER.sub("/<n>", rest))


def crawl(client, starts: list[str], seen_kinds: set[str], limit: int = 150,
          headers: dict[str, str] = ZH):
    """Yield (path, visible text) for one page of each kind reached from ``starts``, asked for
    with ``headers`` (in Chinese unless told)."""
    queue = deque(starts)
    while queue and limit:
        path = queue.popleft()
        kind = _page_kind(path)
        if kind in seen_kinds:
            continue
        seen_kinds.add(kind)
        response = client.get(path, headers=headers, follow_redirects=True)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        limit -= 1
        path = response.request.path
        parser = VisibleText()
        parser.feed(response.get_data(as_text=True))
        yield path, " ".join(parser.parts)
        for href in parser.links:
            url = urlsplit(urljoin(f"http://localhost{path}", href))
            if (url.netloc == "localhost" and not SKIPPED_LINK.search(url.path)
                    and _page_kind(url.path) not in seen_kinds):
                queue.append(url.path)


def start_pages() -> dict[str | None, list[str]]:
    """Where each role begins: its own pages; a judge also the contest's judging pages (their
    invitation mail links there)."""
    judging = [f"/judging/events/{event_id}" for event_id in db.session.scalars(
        sa.select(Judge.event_id).join(User).where(User.email == "judge1@example.com"))]
    rounds = [f"/judging/rounds/{round_id}" for round_id in db.session.scalars(
        sa.select(Round.id).order_by(Round.id))]
    return {
        None: ["/", "/login", "/signup", "/password/forgot"],
        "zhangwei@example.com": ["/me/registrations", "/me/data", "/me/delete", "/profile",
                                 "/tokens", "/"],
        "organizer@example.com": ["/dashboard", "/"],
        "staff@example.com": ["/dashboard", "/"],
        "judge1@example.com": ["/dashboard", *judging, *rounds, "/"],
        "admin@example.com": ["/dashboard", "/orgs/new", "/"],
    }


@pytest.mark.words
def test_pages_show_no_untranslated_english(app, login):
    demo.load_demo()
    typed = user_data()
    phrases = catalog_phrases()
    found: dict[str, set[str]] = {}
    pages = 0
    for email, starts in start_pages().items():
        client = login(db.session.scalar(sa.select(User).where(User.email == email))) \
            if email else make_client(app)
        for path, text in crawl(client, starts, seen_kinds=set()):
            pages += 1
            for phrase in phrases:
                if phrase in text:
                    found.setdefault(repr(phrase), set()).add(f"{email or 'anonymous'} {path}")
            for word in english_words(text, typed):
                at = text.find(word)
                found.setdefault(word, set()).add(
                    f"{email or 'anonymous'} {path} «{text[max(at - 30, 0):at + 40]}»")
    assert pages > 40, f"only {pages} pages reached"
    assert not found, "English on Chinese pages:\n" + "\n".join(
        f"{word}: {', '.join(sorted(where)[:3])}" for word, where in sorted(found.items()))
