"""Name badges: the PDF renders, carries every confirmed person's name, and each QR code
decodes back to that person's ticket code."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image

from eventhub.audit import AuditEntry
from eventhub.database import db
from eventhub.errors import NotAllowed
from eventhub.registrations import form_builder
from eventhub.registrations import services as reg
from eventhub.registrations.badges import badges_pdf
from eventhub.registrations.models import Registration
from tests import factories

LONG_ORG = "辽宁省大连市高新技术产业园区某某某某人工智能与智能制造创新创业孵化基地有限公司"


def pdf_pages(data: bytes, dpi: int = 200) -> list[Image.Image]:
    """Render every page in grey, as a printer would (PDFium, the engine of Chromium's viewer,
    from the pypdfium2 wheel: no system package needed)."""
    pdf = pdfium.PdfDocument(data)
    try:
        # A copy: the image would otherwise share the bitmap's memory, freed with the bitmap.
        return [page.render(scale=dpi / 72, grayscale=True).to_pil().copy() for page in pdf]
    finally:
        pdf.close()


def pdf_text(data: bytes) -> str:
    """The text of every page, each ended by a form feed (as pdftotext gives it)."""
    pdf = pdfium.PdfDocument(data)
    try:
        return "".join(page.get_textpage().get_text_range() + "\f" for page in pdf)
    finally:
        pdf.close()


@pytest.fixture
def people(event, owner):
    founders = form_builder.save_category(owner, event, "创业者", None)
    guests = []
    for i in range(9):
        user = factories.UserFactory(name=f"参会者{i}号", phone=f"1380000{i:04d}",
                                     organization=LONG_ORG if i == 0 else f"创客{i}")
        guests.append(reg.register(user, event, reg.RegistrationInfo(
            consent=True, category_id=founders.id)))
    event.capacity = 9
    db.session.commit()
    waiting = reg.register(factories.UserFactory(phone="13900000000"), event,
                           reg.RegistrationInfo(consent=True, category_id=founders.id))
    assert waiting.status == "waitlisted"
    return guests, waiting


def test_a4_sheets_hold_eight_badges_whose_codes_decode(owner, event, people):
    confirmed, waiting = people
    data = badges_pdf(owner, event, [*confirmed, waiting], "sheet")
    assert data.startswith(b"%PDF")
    pages = pdf_pages(data)
    assert len(pages) == 2  # nine badges, eight to a page
    decoded = [r.text for page in pages for r in zxingcpp.read_barcodes(page)
               if r.format == zxingcpp.BarcodeFormat.QRCode]
    assert sorted(decoded) == sorted(r.ticket_code for r in confirmed)
    text = pdf_text(data)
    for registration in confirmed:
        assert registration.name in text
    assert "创业者" in text and event.title in text
    assert waiting.name not in text


def test_one_badge_per_page_for_badge_printers(owner, event, people):
    confirmed, _ = people
    data = badges_pdf(owner, event, confirmed[:3], "single")
    pages = pdf_pages(data, dpi=300)
    assert len(pages) == 3
    width, height = pages[0].size
    assert (round(width / 300 * 25.4), round(height / 300 * 25.4)) == (90, 65)
    for page, registration in zip(pages, confirmed[:3], strict=True):
        assert [r.text for r in zxingcpp.read_barcodes(page)] == [registration.ticket_code]


def test_a_long_organization_is_cut_to_the_badge(owner, event, people):
    confirmed, _ = people
    text = pdf_text(badges_pdf(owner, event, confirmed[:1], "single"))
    assert LONG_ORG[:10] in text
    assert LONG_ORG not in text.replace("\n", "")  # wrapped over two lines and cut
    assert "…" in text


def test_badges_are_for_organizers_and_audited(owner, staff, outsider_organizer, event, people):
    confirmed, _ = people
    for someone in (staff, outsider_organizer):
        with pytest.raises(NotAllowed):
            badges_pdf(someone, event, confirmed, "sheet")
    badges_pdf(owner, event, confirmed, "sheet")
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "badges.printed")
    ).one()
    assert entry.after == {"layout": "sheet", "badges": 9}


def test_badges_of_another_event_are_left_out(owner, org, event, people):
    other = factories.EventFactory(organization=org)
    stranger = reg.register(factories.UserFactory(phone="13700000000"), other,
                            reg.RegistrationInfo(consent=True))
    confirmed, _ = people
    text = pdf_text(badges_pdf(owner, event, [confirmed[1], stranger], "single"))
    assert confirmed[1].name in text and stranger.name not in text


def test_the_badge_page_applies_the_list_filters(login, organizer, staff, event, people):
    confirmed, _ = people
    client = login(organizer)
    response = client.get(f"/events/{event.id}/registrations/badges.pdf?q={confirmed[2].phone}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert [r.text for r in zxingcpp.read_barcodes(pdf_pages(response.data)[0])] == [
        confirmed[2].ticket_code
    ]
    everyone = client.get(f"/events/{event.id}/registrations/badges.pdf?layout=single")
    assert len(pdf_pages(everyone.data)) == len(confirmed)
    assert client.get(f"/events/{event.id}/registrations/badges.pdf?layout=x").status_code == 404
    assert login(staff).get(f"/events/{event.id}/registrations/badges.pdf").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 10
