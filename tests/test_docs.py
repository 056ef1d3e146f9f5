"""The documents the code cites are in the repository: every "JUDGING.md §n" (or "section n",
"sections n-m") in eventhub/ and tests/ names docs/JUDGING.md and a section it has, and the API
contract is docs/API.md."""

from __future__ import annotations

import re

from tests.test_i18n import ROOT

DOCS = ROOT / "docs"
#: A mention of JUDGING.md, with the path before it and the sections after it if any.
MENTION = re.compile(r"(?P<path>[\w./]*)JUDGING\.md(?:'s)?(?P<after>[^\n]{0,20})")
SECTIONS = re.compile(r"^\s*(?:§\s*|sections?\s+)(\d+)(?:\s*[-–]\s*(\d+))?")


def _sources():
    for folder in ("eventhub", "tests"):
        yield from (ROOT / folder).rglob("*.py")


def cited_sections(text: str) -> list[tuple[str, list[int]]]:
    """(path written before JUDGING.md, sections cited) for each mention in ``text``."""
    found = []
    for mention in MENTION.finditer(text):
        sections = SECTIONS.match(mention.group("after"))
        numbers: list[int] = []
        if sections:
            first = int(sections.group(1))
            last = int(sections.group(2) or first)
            numbers = list(range(first, last + 1))
        found.append((mention.group("path"), numbers))
    return found


def test_cited_sections_reads_the_forms_used():
    text = ("exactly as docs/JUDGING.md §2-5 define\n(docs/JUDGING.md section 1: submitted)\n"
            "JUDGING.md's example\n(docs/JUDGING.md sections 3–4)")
    assert cited_sections(text) == [("docs/", [2, 3, 4, 5]), ("docs/", [1]), ("", []),
                                    ("docs/", [3, 4])]


def test_judging_references_resolve_in_the_repository():
    headings = {int(n) for n in re.findall(r"^## (\d+)\.", (DOCS / "JUDGING.md").read_text(
        encoding="utf-8"), re.MULTILINE)}
    wrong = []
    for path in _sources():
        if path.name == "test_docs.py":
            continue
        for written, sections in cited_sections(path.read_text(encoding="utf-8")):
            if written != "docs/" or not set(sections) <= headings:
                wrong.append(f"{path.relative_to(ROOT)}: {written}JUDGING.md {sections}")
    assert headings >= {1, 2, 3, 4, 5}
    assert not wrong, "References to a JUDGING.md the repository does not hold:\n" + "\n".join(
        wrong)


def test_api_contract_is_in_the_repository():
    text = (DOCS / "API.md").read_text(encoding="utf-8")
    assert "/api/v1" in text
