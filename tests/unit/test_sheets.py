"""The one rule for characters no text may hold (eventhub.text) and the one spreadsheet cell
writer (eventhub.sheets): no stored text breaks an export or runs in it as a formula."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from eventhub import sheets, text

FORBIDDEN = ["\x00", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\x9f", "\ud800",
             "\udfff", "\ufdd0", "\ufffe", "\uffff", "\U0001fffe", "\U0010ffff"]
ALLOWED = ["\t", "\n", "\r", " ", "北京", "é", "\u3000", "\u200b", "😀", "\ue000"]


@pytest.mark.parametrize("char", FORBIDDEN, ids=lambda c: f"U+{ord(c):04X}")
def test_control_characters_surrogates_and_noncharacters_are_forbidden(char):
    assert text.has_forbidden(f"北京{char}")
    assert text.strip_forbidden(f"北{char}京{char}") == "北京"


@pytest.mark.parametrize("char", ALLOWED, ids=lambda c: f"U+{ord(c[0]):04X}")
def test_text_and_line_breaks_are_allowed(char):
    assert not text.has_forbidden(f"a{char}b")
    assert text.strip_forbidden(f"a{char}b") == f"a{char}b"


@pytest.mark.parametrize("value", [
    "=1+1", "+1", "-1", "@SUM(A1)", "＝1+1", "＋1", "－1", "＠SUM(A1)", "﹦1", " =1+1",
    "\t=1+1", "\r=1+1", "\n=1+1", "\u3000＝HYPERLINK(\"x\")", "\t", "\rabc",
])
def test_cells_a_spreadsheet_would_run_are_neutralized(value):
    assert sheets.safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["北京", "1+1", "a=b", "", "100%", "—", 5, -1, 2.5, None])
def test_other_cells_are_kept(value):
    assert sheets.safe_cell(value) == value


def test_a_cell_loses_the_forbidden_characters_before_the_guard():
    assert sheets.safe_cell("北京\x08") == "北京"
    assert sheets.safe_cell("\x08=1+1") == "'=1+1"


def test_files_with_control_characters_and_formulas_open_as_plain_text():
    header = ["名称\x1b", "城市"]
    rows = [["＝HYPERLINK(\"http://x\")", "北京\x08"], [3, "\x7f上海"]]
    book = load_workbook(io.BytesIO(sheets.xlsx_bytes("表\x08", header, rows, ["标题\x0c"])))
    cells = [list(r) for r in book.active.iter_rows(values_only=True)]
    assert cells == [["标题", None], ["名称", "城市"],
                     ["'＝HYPERLINK(\"http://x\")", "北京"], [3, "上海"]]
    data = sheets.csv_bytes(header, rows).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(data))) == [
        ["名称", "城市"], ["'＝HYPERLINK(\"http://x\")", "北京"], ["3", "上海"]]
