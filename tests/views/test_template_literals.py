"""No template pipes a string literal alone into a filter (``{{ 'host'|partner_role }}``).

Jinja evaluates a filter of constants once, when it compiles the template, so a label filter
there would speak the language of the first request forever after. A variable
(``{% set host = 'host' %}{{ host|partner_role }}``) is looked up at render time."""

from __future__ import annotations

import re

from tests.test_i18n import ROOT

#: ``{{ 'literal'|filter }}`` or ``{{ "literal"|filter }}`` with no arguments to the filter.
LITERAL_FILTERED = re.compile(r"""\{\{-?\s*(['"])[^'"]*\1\s*\|\s*\w+\s*-?\}\}""")


def test_no_template_filters_a_lone_literal():
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if LITERAL_FILTERED.search(line)
    ]
    assert not found, "\n".join(found)
