"""What every PDF the app writes shares: the Chinese font and the paragraph styles.

The font is registered with reportlab here, once, when this module is imported (the only
``registerFont`` call in the project); a PDF writer imports `FONT` (and `styles`) from here, so
drawing Chinese never depends on another writer having been imported first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

#: Simplified Chinese, built into every PDF reader (nothing to embed, any glyph of GB 18030).
FONT = "STSong-Light"
#: A fixed-width Latin font (one of PDF's standard 14, nothing to register), for codes.
CODE_FONT = "Courier"

pdfmetrics.registerFont(UnicodeCIDFont(FONT))


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
