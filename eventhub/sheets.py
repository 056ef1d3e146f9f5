"""Spreadsheet files people download (CSV and Excel): every cell written through `safe_cell`,
so no stored text can break a file or run in it as a formula."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from eventhub import text

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

#: A cell whose first non-blank character is one of these is read as a formula. Full-width
#: (＝＋－＠) and small forms count too: they are compared after NFKC normalization.
FORMULA_STARTS = frozenset("=+-@")


def safe_cell(value: Any) -> Any:
    """A cell value safe to write: text loses the characters no text may hold (`eventhub.text`;
    openpyxl refuses control characters, and rows stored before that rule may hold them),
    and text a spreadsheet program would run as a formula (CSV injection: its first non-blank
    character is ``=``, ``+``, ``-`` or ``@`` in any width, or it starts with a tab or a line
    break) gets a leading apostrophe. Numbers and other values are kept as they are."""
    if not isinstance(value, str):
        return value
    value = text.strip_forbidden(value)
    head = value.lstrip()[:1]
    if value[:1] in ("\t", "\r", "\n") or (
        head and unicodedata.normalize("NFKC", head)[:1] in FORMULA_STARTS
    ):
        return "'" + value
    return value


def csv_bytes(
    header: Sequence[Any], rows: Sequence[Sequence[Any]], title_lines: Sequence[str] = ()
) -> bytes:
    """A CSV file Excel opens right: UTF-8 with a BOM, every cell through `safe_cell`;
    ``title_lines`` (one cell each) go above the header."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows([[safe_cell(line)] for line in title_lines])
    writer.writerow([safe_cell(v) for v in header])
    writer.writerows([[safe_cell(v) for v in row] for row in rows])
    # The BOM makes Excel read UTF-8, so Chinese shows correctly.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(
    title: str,
    header: Sequence[Any],
    rows: Sequence[Sequence[Any]],
    title_lines: Sequence[str] = (),
    number_format: str | None = None,
) -> bytes:
    """An Excel workbook of one sheet named ``title``: ``title_lines`` on top, then the bold
    header, frozen; every cell through `safe_cell`; float cells shown with ``number_format``
    (e.g. ``0.0000``) when given."""
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = text.strip_forbidden(title)[:31] or "Sheet"
    for line in title_lines:
        sheet.append([safe_cell(line)])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
    sheet.append([safe_cell(v) for v in header])
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
        if number_format:
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, float):
                    cell.number_format = number_format
    for index, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(
            max(len(str(name)) * 2, 10), 40
        )
    sheet.freeze_panes = f"A{header_row + 1}"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
