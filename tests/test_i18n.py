"""Translations: every string in the source has a Chinese translation, the compiled catalog
matches the .po, placeholders survive translation, and pages speak the reader's language."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG_DIR = ROOT / "eventhub" / "translations" / "zh_Hans" / "LC_MESSAGES"
PO_FILE = CATALOG_DIR / "messages.po"
MO_FILE = CATALOG_DIR / "messages.mo"
#: The same markers as README's `pybabel extract -k _l -k lazy_gettext -k N_` (with Babel's
#: defaults: _, gettext, ngettext, N_, ...).
KEYWORDS = {**DEFAULT_KEYWORDS, **parse_keywords(["_l", "lazy_gettext", "N_"])}
#: Like `--ignore-dirs '.* __pycache__ node_modules'`: Babel would skip `_partials/` otherwise.
SKIPPED_DIRS = {"__pycache__", "node_modules"}

#: %(name)s, %(n)d, bare %s/%d, and str.format's {name} (marshmallow's messages).
PLACEHOLDER = re.compile(
    r"%(?:\(\w+\))?[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"  # %(name)s, %(n)d, %s
    r"|\{\w*\}"  # {choices}
)


def _keep_dir(path: str) -> bool:
    name = Path(path).name
    return not name.startswith(".") and name not in SKIPPED_DIRS


def _msgid(message: str | tuple[str, ...]) -> str:
    return message if isinstance(message, str) else message[0]


@pytest.fixture(scope="module")
def source_messages() -> dict[tuple[str, str | None], list[str]]:
    """(msgid, context) -> where it occurs, extracted from the current source as babel.cfg
    says."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f, "babel.cfg")
    found: dict[tuple[str, str | None], list[str]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, directory_filter=_keep_dir
    ):
        found.setdefault((_msgid(message), context), []).append(f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def po_catalog():
    with PO_FILE.open("rb") as f:
        return read_po(f)


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return not message.fuzzy and all(s and s.strip() for s in strings)


def test_extraction_finds_the_interface(source_messages):
    # Strings from Python (lazy and plain), templates, and templates/_partials/.
    msgids = {msgid for msgid, _context in source_messages}
    for msgid in ("Maker space", "Sign up", "Sign out", "Must be one of: {choices}."):
        assert msgid in msgids


def test_every_source_string_is_translated(source_messages, po_catalog):
    missing = []
    for (msgid, context), where in sorted(source_messages.items(), key=lambda i: i[1][0]):
        message = po_catalog.get(msgid, context)
        if message is None or not _translated(message):
            missing.append(f"{msgid!r} ({where[0]})")
    assert not missing, (
        "Untranslated strings; run the three pybabel commands in README (Translations), "
        "translate, compile:\n" + "\n".join(missing)
    )


def test_no_fuzzy_or_empty_entries(po_catalog):
    bad = [_msgid(m.id) for m in po_catalog if m.id and not _translated(m)]
    assert not bad


def _hashable(value):
    """A plural's msgid and msgstr: read_mo gives lists where the .po catalog has tuples."""
    return tuple(value) if isinstance(value, list) else value


def test_compiled_catalog_matches_po(po_catalog):
    with MO_FILE.open("rb") as f:
        mo_catalog = read_mo(f)
    expected = {(_hashable(m.id), m.context): _hashable(m.string)
                for m in po_catalog if m.id and _translated(m)}
    compiled = {(_hashable(m.id), m.context): _hashable(m.string) for m in mo_catalog if m.id}
    assert compiled == expected, "messages.mo is stale: run pybabel compile (README, Translations)"


def test_placeholders_survive_translation(po_catalog):
    wrong = []
    for message in po_catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        # zh_Hans has one plural form, used for every number: it follows the plural msgid.
        wanted = Counter(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            if Counter(PLACEHOLDER.findall(string)) != wanted:
                wrong.append(f"{ids[0]!r} -> {string!r}")
    assert not wrong, "\n".join(wrong)


def test_placeholder_pattern():
    assert PLACEHOLDER.findall("%(a)d to %(name)s, %s, {choices}, 100%") == [
        "%(a)d", "%(name)s", "%s", "{choices}",
    ]


# Pages and API answers: Chinese unless the reader asks for English.


def test_home_page_is_chinese_by_default(client):
    body = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-Hans">' in body
    for text in ("登录", "注册", "创新创业活动", "创业周"):
        assert text in body
    assert "Sign in" not in body


def test_home_page_is_chinese_for_a_chinese_browser(client):
    body = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
    assert '<html lang="zh-Hans">' in body
    assert "登录" in body


def test_home_page_is_english_for_an_english_browser(client):
    body = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in body
    for text in ("Sign in", "Sign up", "Innovation and entrepreneurship events"):
        assert text in body
    assert "登录" not in body


def test_lang_query_switches_the_home_page_to_english(client):
    body = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in body
    assert "Sign in" in body and "登录" not in body
    # The choice stays with this browser, then ?lang=zh_Hans switches back.
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    body = client.get("/?lang=zh_Hans").get_data(as_text=True)
    assert '<html lang="zh-Hans">' in body and "登录" in body


def test_home_page_follows_the_language_cookie(client):
    client.set_cookie("locale", "en")
    body = client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert '<html lang="en">' in body
    assert "Sign in" in body


def test_api_errors_are_translated(client):
    body = client.get("/api/v1/events/999999").get_json()
    assert body["error"]["message"] == "未找到，或您无权查看。"


def test_api_errors_in_english(client):
    body = client.get("/api/v1/events/999999", headers={"Accept-Language": "en"}).get_json()
    assert body["error"]["message"] == "Not found, or not visible to you."
