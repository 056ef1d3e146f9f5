"""Spreadsheet files people download (CSV and Excel): every cell written through `safe_cell`,
so no stored text can break a file or run in it as a formula."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
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


@dataclass(frozen=True)
class Number:
    """A number cell shown with its own Excel format (``0.00%`` for a rate kept as a
    fraction), whatever the sheet's ``number_format``."""

    value: int | float
    format: str


@dataclass(frozen=True)
class Table:
    """A table of a sheet: an optional bold ``heading`` line, the bold ``header`` and the
    ``rows``."""

    header: Sequence[Any]
    rows: Sequence[Sequence[Any]]
    heading: str = ""


@dataclass(frozen=True)
class Sheet:
    """A sheet of a workbook: ``title_lines`` (bold) on top, then its ``tables`` one below the
    other, a blank row between them; float cells shown with ``number_format`` when given."""

    title: str
    tables: Sequence[Table]
    title_lines: Sequence[str] = ()
    number_format: str | None = None


def _append(sheet: Any, values: Sequence[Any], bold: bool = False,
            number_format: str | None = None) -> None:
    # The cells are made and styled before they are appended: reading the row back
    # (``sheet[sheet.max_row]``) walks every cell of the sheet, each row again.
    cells = []
    for value in values:
        cell = Cell(sheet, value=value.value if isinstance(value, Number) else safe_cell(value))
        if bold:
            cell.font = Font(bold=True)
        if isinstance(value, Number):
            cell.number_format = value.format
        elif number_format and isinstance(cell.value, float):
            cell.number_format = number_format
        cells.append(cell)
    sheet.append(cells)


def _width(value: Any) -> int:
    """About how many character widths ``value`` takes: Chinese characters count two."""
    shown = str(value.value if isinstance(value, Number) else value if value is not None else "")
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in shown) + 2


def _fill(sheet: Any, spec: Sheet) -> None:
    sheet.title = text.strip_forbidden(spec.title)[:31] or "Sheet"
    for line in spec.title_lines:
        _append(sheet, [line], bold=True)
    header_row = 0
    widths: dict[int, int] = {}
    for number, table in enumerate(spec.tables):
        if number:
            sheet.append([])
        if table.heading:
            _append(sheet, [table.heading], bold=True)
        _append(sheet, table.header, bold=True)
        header_row = sheet.max_row
        for row in table.rows:
            _append(sheet, row, number_format=spec.number_format)
        for line in (table.header, *table.rows):
            for index, value in enumerate(line, start=1):
                widths[index] = max(widths.get(index, 10), min(_width(value), 40))
    for index, width in widths.items():
        sheet.column_dimensions[get_column_letter(index)].width = width
    if len(spec.tables) == 1:
        sheet.freeze_panes = f"A{header_row + 1}"


def workbook_bytes(sheets: Sequence[Sheet]) -> bytes:
    """An Excel workbook of ``sheets``, in order; every cell through `safe_cell`."""
    workbook = Workbook(write_only=False)
    for number, spec in enumerate(sheets):
        _fill(workbook.active if number == 0 else workbook.create_sheet(), spec)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


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
    return workbook_bytes([Sheet(title, [Table(header, rows)], title_lines, number_format)])
