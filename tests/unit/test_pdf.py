"""eventhub.pdf: the Chinese font and paragraph styles every PDF writer shares."""

from __future__ import annotations

import io
import subprocess
import sys

import pypdfium2 as pdfium
from reportlab.lib.pagesizes import A4
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate


def pdf_text(data: bytes) -> list[str]:
    pdf = pdfium.PdfDocument(data)
    try:
        return [page.get_textpage().get_text_range() for page in pdf]
    finally:
        pdf.close()


def test_importing_pdf_alone_registers_the_chinese_font():
    """A fresh interpreter that imports no other PDF writer can set Chinese in FONT."""
    code = (
        "from reportlab.pdfbase import pdfmetrics\n"
        "from eventhub import pdf\n"
        "assert pdf.FONT in pdfmetrics.getRegisteredFontNames()\n"
        "print(pdfmetrics.stringWidth('评分项', pdf.FONT, 10))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert float(done.stdout) > 0


def test_the_shared_styles_set_chinese_and_number_the_pages():
    from eventhub import pdf

    styles = pdf.styles()
    assert {"title", "heading", "body", "cell"} <= set(styles)
    assert all(style.fontName == pdf.FONT and style.wordWrap == "CJK" for style in styles.values())
    styles["body"].fontSize = 30  # a writer's own copy ...
    assert pdf.styles()["body"].fontSize == 10  # ... leaves the next writer's alone

    out = io.BytesIO()
    story = [Paragraph("青年创业大赛 成绩表", styles["title"]), PageBreak(),
             Paragraph("人工智能组别", styles["heading"])]
    SimpleDocTemplate(out, pagesize=A4).build(
        story, canvasmaker=pdf.numbered_canvas(lambda page, pages: f"第 {page} 页，共 {pages} 页"))
    pages = pdf_text(out.getvalue())
    assert len(pages) == 2
    assert "青年创业大赛" in pages[0] and "第 1 页，共 2 页" in pages[0]
    assert "人工智能组别" in pages[1] and "第 2 页，共 2 页" in pages[1]
