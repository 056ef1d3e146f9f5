"""The zh_Hans catalog speaks the glossary (docs/GLOSSARY.md): every msgid that names a term
is translated with the term's Chinese, never with a word the glossary rules out (评分标准 for a
criterion, 赛道 for a track, ...)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from babel.messages.pofile import read_po

from tests.test_i18n import PLACEHOLDER, PO_FILE, ROOT

GLOSSARY = ROOT / "docs" / "GLOSSARY.md"


@dataclass(frozen=True)
class Term:
    english: tuple[str, ...]
    chinese: str
    shorter: tuple[str, ...]
    never: tuple[str, ...]

    @property
    def pattern(self) -> re.Pattern[str]:
        """The term's forms as whole words in any case, plurals with -s/-es counted."""
        forms = "|".join(re.escape(form) for form in self.english)
        return re.compile(rf"\b(?:{forms})(?:s|es)?\b", re.IGNORECASE)

    @property
    def accepted(self) -> tuple[str, ...]:
        return (self.chinese, *self.shorter)


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _split(cell: str, separator: str = " / ") -> tuple[str, ...]:
    return tuple(part.strip() for part in cell.split(separator) if part.strip())


def _tables(text: str) -> list[list[list[str]]]:
    """The Markdown tables of ``text``, each a list of rows of cells (header and rule left out)."""
    tables: list[list[list[str]]] = []
    rows: list[list[str]] | None = None
    for line in text.splitlines():
        if not line.startswith("|"):
            rows = None
            continue
        if rows is None:
            rows = []
            tables.append(rows)
            continue  # the header
        if set(line.replace("|", "").strip()) <= {"-", ":", " "}:
            continue  # the rule under the header
        rows.append(_cells(line))
    return tables


def read_glossary(text: str) -> tuple[list[Term], dict[str, set[str]]]:
    """The terms (first table) and, per English term, the msgids using it in another sense
    (the table under "Other senses")."""
    terms_table, senses_table = _tables(text)[:2]
    terms = [
        Term(english=_split(row[0]), chinese=row[1], shorter=_split(row[2], "、") or
             _split(row[2], ","), never=_split(row[3], "、") or _split(row[3], ","))
        for row in terms_table
    ]
    other_senses: dict[str, set[str]] = {}
    for english, msgid in senses_table:
        other_senses.setdefault(english, set()).add(msgid)
    return terms, other_senses


def _messages() -> list[tuple[str, str]]:
    """(msgid, msgstr) for every message and plural form of the catalog."""
    with PO_FILE.open("rb") as f:
        catalog = read_po(f)
    pairs = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        pairs.extend((msgid, string) for msgid in ids for string in strings if string)
    return pairs


TERMS, OTHER_SENSES = read_glossary(GLOSSARY.read_text(encoding="utf-8"))


def test_glossary_is_read():
    """The parser finds the terms the issue names, with their Chinese."""
    chinese = {term.english[0]: term.chinese for term in TERMS}
    assert chinese["criterion"] == "评分项"
    assert chinese["rubric"] == "评分标准"
    assert chinese["track"] == "组别"
    assert chinese["ticket"] == "电子票"
    assert "赛道" in next(t for t in TERMS if t.english[0] == "track").never


def test_read_glossary_parses_forms_and_other_senses():
    text = (
        "| English | 中文 | Shorter forms | Never | Meaning |\n|---|---|---|---|---|\n"
        "| criterion / criteria | 评分项 | | 评分标准 | One line. |\n"
        "| ticket | 电子票 | 票、票码 | 门票 | A code. |\n\n"
        "## Other senses\n\n| English | msgid |\n|---|---|\n| entry | Not for entry. |\n"
    )
    terms, senses = read_glossary(text)
    assert terms == [Term(("criterion", "criteria"), "评分项", (), ("评分标准",)),
                     Term(("ticket",), "电子票", ("票", "票码"), ("门票",))]
    assert senses == {"entry": {"Not for entry."}}
    assert terms[0].pattern.search("Score every Criteria twice")
    assert not terms[1].pattern.search("Ticketing")


@pytest.mark.parametrize("term", TERMS, ids=lambda term: term.english[0])
def test_catalog_uses_the_glossary(term: Term):
    """Placeholders (%(event)s, %(round)s) are left out: the words in them are not the text's."""
    skipped = OTHER_SENSES.get(term.english[0], set())
    wrong = [
        f"{msgid!r} => {string!r}"
        for msgid, string in _messages()
        if term.pattern.search(PLACEHOLDER.sub(" ", msgid)) and msgid not in skipped
        and (not any(word in string for word in term.accepted)
             or any(word in string for word in term.never))
    ]
    assert not wrong, (
        f"Translate {'/'.join(term.english)} as {term.chinese}"
        f"{' (or ' + '、'.join(term.shorter) + ')' if term.shorter else ''}"
        f"{', never ' + '、'.join(term.never) if term.never else ''}:\n" + "\n".join(wrong)
    )
