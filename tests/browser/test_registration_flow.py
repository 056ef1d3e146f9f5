"""Registering in a real browser: on a phone from the home page to the QR ticket, and on a
laptop an organizer approving someone and downloading the Excel list."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from eventhub.accounts import services as accounts
from eventhub.database import db
from eventhub.models import Event, User
from eventhub.registrations import form_builder
from eventhub.registrations import services as reg
from eventhub.registrations.form_builder import QuestionInfo
from eventhub.registrations.models import Registration
from tests.browser.conftest import PHONE, add_member, admin_and_org, publish_event, sign_in

pytestmark = pytest.mark.browser

PASSWORD = "chuangye2026"
OPEN_EVENT = "海创周·青年创业者路演报名"
REVIEWED_EVENT = "天使投资人闭门对接会"


@pytest.fixture(scope="module")
def seeded(live_server):
    """Two published events made through the services on the live database: one open to all
    with questions, one whose registrations need approval (with one waiting)."""
    with live_server.app_context():
        existing = db.session.scalar(sa.select(Event).where(Event.title == OPEN_EVENT))
        if existing is None:
            admin, org = admin_and_org("flow-admin@example.com", PASSWORD, "大连海创众创空间")
            add_member(admin, org, "organizer", "flow-organizer@example.com", PASSWORD, "孙组织")
            accounts.sign_up(accounts.SignUpInfo("flow-founder@example.com", PASSWORD, "刘创业",
                                                 phone="13812345678"))
            starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=5)
            open_event = publish_event(admin, org, OPEN_EVENT, "roadshow", starts,
                                       timedelta(hours=4), venue="大连高新区创业大厦 3 楼")
            form_builder.save_question(admin, open_event, QuestionInfo("项目名称", "text",
                                                                  required=True))
            form_builder.save_question(admin, open_event, QuestionInfo(
                "所属领域", "choice", required=True, options=["人工智能", "新能源", "生物医药"]))
            reviewed = publish_event(admin, org, REVIEWED_EVENT, "salon",
                                     starts + timedelta(days=1), timedelta(hours=2),
                                     requires_approval=True)
            investor = accounts.sign_up(accounts.SignUpInfo(
                "flow-investor@example.com", PASSWORD, "周天使", phone="13900001234"))
            reg.register(investor, reviewed, reg.RegistrationInfo(consent=True))
        ids = {
            title: db.session.scalar(sa.select(Event.id).where(Event.title == title))
            for title in (OPEN_EVENT, REVIEWED_EVENT)
        }
    return ids


def registration_of(live_server, email: str, event_id: int) -> Registration:
    with live_server.app_context():
        return db.session.scalar(
            sa.select(Registration)
            .join(User, User.id == Registration.user_id)
            .where(User.email == email, Registration.event_id == event_id)
        )


def test_register_on_a_phone_and_show_the_qr_ticket(live_server, seeded, new_page, tmp_path):
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(live_server.url + "/")
    page.get_by_role("link", name=OPEN_EVENT).first.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/events/{seeded[OPEN_EVENT]}")

    register = page.locator("#register a.button--primary")
    expect(register).to_be_visible()
    box = register.bounding_box()
    assert box and box["height"] >= 44
    register.click()
    page.wait_for_load_state()
    assert "/login" in page.url
    sign_in(page, "flow-founder@example.com", PASSWORD)
    assert page.url.endswith(f"/events/{seeded[OPEN_EVENT]}/register")

    form = page.locator("main form")
    assert form.locator("input[name=name]").input_value() == "刘创业"
    assert form.locator("input[name=phone]").input_value() == "13812345678"
    form.locator("input[name=organization]").fill("大连理工大学")
    form.locator("input[type=text][name^=q_]").fill("海上风电运维机器人")
    form.locator("label.choice", has_text="新能源").tap()
    form.locator("input[name=consent]").check()
    form.locator("[type=submit]").tap()
    page.wait_for_url(re.compile(r"/registrations/\d+$"))
    expect(page.locator(".reg-state--confirmed")).to_be_visible()

    page.locator("a.ticket-preview").tap()
    page.wait_for_url(re.compile(r"/tickets/[0-9A-Z]{26}$"))
    qr = page.locator("figure.qr svg")
    expect(qr).to_be_visible()
    size = qr.bounding_box()
    assert size and size["width"] >= 250  # large on a 375 px screen
    shot = tmp_path / "ticket-qr.png"
    qr.screenshot(path=str(shot))
    Path("/tmp/registration-flow-ticket.png").write_bytes(page.screenshot(full_page=True))

    registration = registration_of(live_server, "flow-founder@example.com", seeded[OPEN_EVENT])
    assert registration.status == "confirmed"
    assert registration.organization == "大连理工大学"
    assert "海上风电运维机器人" in registration.answers.values()
    assert "新能源" in registration.answers.values()
    decoded = zxingcpp.read_barcodes(Image.open(shot))
    assert [r.text for r in decoded] == [registration.ticket_code]


def test_organizer_approves_and_downloads_the_excel_list(live_server, seeded, new_page):
    page = new_page(viewport={"width": 1280, "height": 800})
    event_id = seeded[REVIEWED_EVENT]
    page.goto(live_server.url + "/login")
    sign_in(page, "flow-organizer@example.com", PASSWORD)
    page.goto(f"{live_server.url}/events/{event_id}")
    page.locator(".panel--organizer").get_by_role(
        "link", name="Registrations").or_(page.locator(
            f".panel--organizer a[href='/events/{event_id}/registrations']")).first.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/events/{event_id}/registrations")

    row = page.locator("table.reg-table tbody tr", has_text="周天使")
    expect(row).to_be_visible()
    row.locator("input[name=ids]").check()
    page.locator("input[name=message]").fill("欢迎参加，请准时到场")
    page.locator("button[name=action][value=approve]").click()
    page.wait_for_load_state()
    expect(page.locator(".flash--success")).to_be_visible()

    registration = registration_of(live_server, "flow-investor@example.com", event_id)
    assert registration.status == "confirmed" and registration.ticket_code
    assert registration.decision_message == "欢迎参加，请准时到场"

    with page.expect_download() as info:
        page.locator(f"a[href='/events/{event_id}/registrations.xlsx']").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    rows = [[cell.value for cell in row] for row in workbook.active.iter_rows()]
    person = next(r for r in rows if "周天使" in r)
    assert "13900001234" in person and registration.ticket_code in person
