"""What every PDF the app writes shares: the Chinese font, the paragraph styles and QR codes.

The font is registered with reportlab here, once, when this module is imported (the only
``registerFont`` call in the project); a PDF writer imports `FONT` (and `styles`) from here, so
drawing Chinese never depends on another writer having been imported first.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import qrcode
from flask_babel import gettext as _
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import SimpleDocTemplate, Table, TableStyle
from reportlab.platypus.flowables import Flowable

#: Simplified Chinese, built into every PDF reader (nothing to embed, any glyph of GB 18030).
FONT = "STSong-Light"
#: A fixed-width Latin font (one of PDF's standard 14, nothing to register), for codes.
CODE_FONT = "Courier"

pdfmetrics.registerFont(UnicodeCIDFont(FONT))


#: The shade of a table's header row, in every document.
HEADER_SHADE = colors.Color(0.9, 0.92, 0.96)


def grid_table(data: list[list[Any]], widths: list[float], *commands: tuple) -> Table:
    """A table in the documents' one look: `FONT` at 9 pt, thin grey lines, the header row
    shaded and repeated on every page, cells centred vertically. ``commands`` are the
    table's own (its columns' alignment, padding); a later command wins over these."""
    grid = Table(data, colWidths=widths, repeatRows=1)
    grid.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, 9),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_SHADE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        *commands,
    ]))
    return grid


def styles() -> dict[str, ParagraphStyle]:
    """The paragraph styles of a document in `FONT`, wrapping Chinese by character (CJK):
    ``title`` (18 pt, centred), ``heading`` (13 pt, a section such as a track), ``body``
    (10 pt) and ``cell`` (9 pt, a table cell). A fresh set each call, so a writer may adjust
    its copy."""
    body = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=14, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=body, fontSize=18, leading=24,
                                alignment=TA_CENTER, spaceAfter=4 * mm),
        "heading": ParagraphStyle("heading", parent=body, fontSize=13, leading=18,
                                  spaceBefore=5 * mm, spaceAfter=2 * mm),
        "body": body,
        "cell": ParagraphStyle("cell", parent=body, fontSize=9, leading=12),
    }


def numbered_canvas(label: Callable[[int, int], str]) -> type[Canvas]:
    """A canvas class (for ``SimpleDocTemplate.build(..., canvasmaker=...)``) that writes
    ``label(page, pages)`` centred at the foot of every page once the number of pages is known
    (the pages are kept until `save`)."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self.setFont(FONT, 9)
                self.setFillColor(colors.grey)
                self.drawCentredString(self._pagesize[0] / 2, 10 * mm,
                                       label(number, len(self._pages)))
                super().showPage()
            super().save()

    return NumberedCanvas


def page_number(page: int, pages: int) -> str:
    """"Page 2 of 5" in the reader's language, for the foot of a page."""
    return _("Page %(page)d of %(pages)d", page=page, pages=pages)


def document(
    story: list[Flowable], title: str, pagesize: tuple[float, float], header: str = "",
    page_label: Callable[[int, int], str] = page_number,
) -> bytes:
    """A PDF of ``story`` (15 mm side margins): ``header`` in grey at the top of every page
    when given, ``page_label(page, pages)`` at the foot (`numbered_canvas`)."""

    def draw_header(canvas: Any, doc: Any) -> None:
        if header:
            canvas.saveState()
            canvas.setFont(FONT, 9)
            canvas.setFillColor(colors.grey)
            canvas.drawString(doc.leftMargin, pagesize[1] - 10 * mm, header)
            canvas.restoreState()

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=pagesize, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=16 * mm,
        bottomMargin=18 * mm, title=title, creator="eventhub")
    doc.build(story, onFirstPage=draw_header, onLaterPages=draw_header,
              canvasmaker=numbered_canvas(page_label))
    return out.getvalue()


def qr_matrix(data: str) -> list[list[bool]]:
    """``data`` (a link, a code) as a QR code's rows of dark (True) and light modules, without
    the quiet zone: the smallest version that holds it, error correction M."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    qr.add_data(data)
    qr.make(fit=True)
    return qr.get_matrix()


def draw_qr(canvas: Canvas, modules: list[list[bool]], x: float, y: float, size: float) -> None:
    """Draw a QR code's ``modules`` (`qr_matrix`, `tickets.qr_modules`) as filled squares
    (sharp at any print resolution), ``size`` wide with its lower-left corner at (x, y). Leave
    white around it: the quiet zone is not drawn."""
    cell = size / len(modules)
    canvas.setFillColor(colors.black)
    path = canvas.beginPath()
    for row, line in enumerate(modules):
        for column, dark in enumerate(line):
            if dark:
                path.rect(x + column * cell, y + size - (row + 1) * cell, cell, cell)
    canvas.drawPath(path, stroke=0, fill=1)


def fit_line(
    canvas: Canvas, text: str, x: float, y: float, width: float, size: float,
    min_size: float = 7, centred: bool = False,
) -> float:
    """Draw ``text`` in `FONT` on one line (from ``x``, or centred on ``x``), shrinking the
    font down to ``min_size`` and then cutting the text with an ellipsis so it fits
    ``width``. Returns the font size used."""
    while size > min_size and pdfmetrics.stringWidth(text, FONT, size) > width:
        size -= 0.5
    canvas.setFont(FONT, size)
    draw = canvas.drawCentredString if centred else canvas.drawString
    draw(x, y, cut_to_width(text, width, size))
    return size


def cut_to_width(text: str, width: float, size: float) -> str:
    """``text`` cut with an ellipsis so that, in `FONT` at ``size``, it fits ``width``."""
    if pdfmetrics.stringWidth(text, FONT, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", FONT, size) > width:
        text = text[:-1]
    return text + "…"
