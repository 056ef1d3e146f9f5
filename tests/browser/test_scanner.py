"""The door scanner in a real browser: a QR code read from a (fake) camera, a hardware
scanner's keystrokes, and a door that goes offline, queues its scans and uploads them."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import qrcode
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import Page, expect

from eventhub.checkin import services as checkin
from eventhub.checkin import views
from eventhub.checkin.models import Scan
from eventhub.database import db
from eventhub.models import Event, Registration, User
from tests.browser.conftest import (
    CHROMIUM_ARGS,
    PHONE,
    add_member,
    admin_and_org,
    chromium_path,
    door_phone,
    publish_event,
    register_people,
    sign_in,
)
from tests.ci import missing
from tests.views.test_scanner_page import png_header_only

pytestmark = pytest.mark.browser

PASSWORD = "chuangye2026"
EVENT = "沈阳创业周·主会场签到"
STAFF = "door-staff@example.com"
PEOPLE = {
    "camera": ("door-camera@example.com", "陈摄像", "13800000001"),
    "repeat": ("door-repeat@example.com", "李重复", "13800000002"),
    "offline": ("door-offline@example.com", "王离线", "13800000003"),
    "double": ("door-double@example.com", "赵两次", "13800000004"),
    "photo": ("door-photo@example.com", "孙拍照", "13800000005"),
}


@pytest.fixture(scope="module")
def door(live_server):
    """An event with door staff and five confirmed registrations (one checked in at the west
    gate already), made through the services on the live database."""
    with live_server.app_context():
        event = db.session.scalar(sa.select(Event).where(Event.title == EVENT))
        if event is None:
            admin, org = admin_and_org("door-admin@example.com", PASSWORD, "沈阳浑南众创空间")
            staff = add_member(admin, org, "staff", STAFF, PASSWORD, "张签到")
            starts = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
            event = publish_event(admin, org, EVENT, "week", starts, timedelta(hours=8))
            register_people(event, PEOPLE, PASSWORD)
            main = checkin.lists_of(event)[0]
            checkin.scan(staff, main, code_of(PEOPLE["repeat"][0]), str(uuid.uuid4()),
                         device="西门")
        return {"event_id": event.id, "list_id": checkin.lists_of(event)[0].id,
                "codes": {key: code_of(email) for key, (email, _, _) in PEOPLE.items()}}


def code_of(email: str) -> str:
    return db.session.scalar(
        sa.select(Registration.ticket_code)
        .join(User, User.id == Registration.user_id)
        .where(User.email == email)
    )


def open_scanner(page: Page, live_server, door) -> None:
    sign_in(page, STAFF, PASSWORD, live_server.url)
    page.goto(f"{live_server.url}/door/{door['event_id']}")
    expect(page.locator("#door")).to_have_attribute("data-ready", "true")


def write_clip(path: Path, code: str) -> Path:
    """A Y4M clip (640×480, 4:2:0) showing the ticket's QR code, about 300 px wide."""
    qr = qrcode.QRCode(border=4, box_size=1)
    qr.add_data(code)
    qr.make()
    image = qr.make_image().get_image().convert("L").resize((300, 300), Image.NEAREST)
    y = np.full((480, 640), 255, dtype=np.uint8)
    y[90:390, 170:470] = np.asarray(image, dtype=np.uint8)
    chroma = np.full((240, 320), 128, dtype=np.uint8).tobytes()
    frame = b"FRAME\n" + y.tobytes() + chroma + chroma
    path.write_bytes(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n" + frame * 5)
    return path



def enter_code(page, code: str) -> None:
    """A code as a keyboard-app scanner enters it (#door-wedge): typed keys, whose timing a
    loaded machine stretches, are the hardware-scanner test's alone."""
    page.locator("#door-wedge").fill(code)


def test_the_camera_reads_a_ticket_and_shows_the_green_answer(
    live_server, door, playwright_driver, tmp_path
):
    with live_server.app_context():
        decoder = views.decoder_version()
    if decoder is None:
        missing("npm ci was not run: the camera decoder (node_modules) is missing")
    clip = write_clip(tmp_path / "ticket.y4m", door["codes"]["camera"])
    browser = playwright_driver.chromium.launch(
        executable_path=chromium_path(),
        args=[*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream",
              "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={clip}"],
    )
    try:
        context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True,
                                      has_touch=True)
        context.set_default_timeout(20_000)
        page = context.new_page()
        open_scanner(page, live_server, door)
        result = page.locator("#door-result")
        expect(result).to_have_attribute("data-status", "ok")
        expect(result).to_have_class("door-result door-result--ok")
        expect(page.locator("#door-result-name")).to_have_text(PEOPLE["camera"][1])
        # Door staff see the numbers of the list: one at the west gate, one now.
        expect(page.locator("#door-checked")).to_have_text("2")
        expect(page.locator("#door-expected")).to_have_text(str(len(PEOPLE)))
        Path("/tmp/scanner-camera-ok.png").write_bytes(page.screenshot())
        # Ready for the next person: the answer clears itself, and the ticket still in front
        # of the camera is not scanned again.
        expect(result).to_be_hidden(timeout=3_000)
        expect(page.locator("#door-log li")).to_have_count(1)
    finally:
        browser.close()


def test_a_hardware_scanner_types_a_code_that_is_checked_in_already(live_server, door,
                                                                     new_page):
    page = door_phone(new_page)
    open_scanner(page, live_server, door)
    page.keyboard.type(door["codes"]["repeat"], delay=8)
    page.keyboard.press("Enter")
    result = page.locator("#door-result")
    expect(result).to_have_attribute("data-status", "already_checked_in")
    expect(result).to_have_class("door-result door-result--warn")
    expect(page.locator("#door-result-status")).to_have_text("已签到过")
    expect(page.locator("#door-result-name")).to_have_text(PEOPLE["repeat"][1])
    expect(page.locator("#door-result-detail")).to_contain_text("西门")
    # Slow typing in the search box is a person, not a scanner: it searches.
    page.locator("#door-q").type("0001", delay=60)
    page.keyboard.press("Enter")
    found = page.locator("#door-results li")
    expect(found).to_have_count(1)
    expect(found).to_contain_text(PEOPLE["camera"][1])
    expect(found).to_contain_text("138****0001")  # door staff see phones masked
    expect(page.locator("#door-q")).to_have_value("0001")


def test_offline_scans_wait_in_the_queue_and_the_server_answers_on_upload(
    live_server, door, new_page
):
    page = door_phone(new_page)
    context = page.context
    open_scanner(page, live_server, door)
    # The list is on the device.
    expect(page.locator("#door-prepared")).to_contain_text(str(len(PEOPLE)))

    context.set_offline(True)
    expect(page.locator("#door-net")).to_have_attribute("data-state", "offline")
    enter_code(page, door["codes"]["offline"])
    expect(page.locator("#door-result")).to_have_attribute("data-status", "local-known")
    expect(page.locator("#door-result-name")).to_have_text(PEOPLE["offline"][1])
    expect(page.locator("#door-queue")).to_have_text("1")
    # The same ticket again on this device: known from the device alone.
    enter_code(page, door["codes"]["offline"])
    expect(page.locator("#door-result")).to_have_attribute("data-status", "local-seen")
    # Meanwhile another door checks in a ticket this door scans offline too: a double entry.
    with live_server.app_context():
        staff = db.session.scalar(sa.select(User).where(User.email == STAFF))
        main = checkin.lists_of(db.session.get(Event, door["event_id"]))[0]
        checkin.scan(staff, main, door["codes"]["double"], str(uuid.uuid4()), device="北门")
        # ...and the organizer opens a second door, which the page learns of when back online.
        admin = db.session.scalar(sa.select(User).where(User.email == "door-admin@example.com"))
        checkin.create_list(admin, main.event, "VIP 通道")
    enter_code(page, door["codes"]["double"])
    expect(page.locator("#door-queue")).to_have_text("3")

    expect(page.locator("#door-list option")).to_have_count(1)
    context.set_offline(False)
    expect(page.locator("#door-queue")).to_have_text("0")
    expect(page.locator("#door-list option")).to_have_text(["主入口", "VIP 通道"])
    log = page.locator("#door-log li")
    expect(log).to_have_count(3)
    offline = log.filter(has_text=PEOPLE["offline"][1])  # newest first
    expect(offline.last).to_have_attribute("data-status", "ok")
    expect(offline.first).to_have_attribute("data-status", "already_checked_in")
    expect(offline.first).not_to_have_class(re.compile("double"))  # refused here already
    double = log.filter(has_text=PEOPLE["double"][1])
    expect(double).to_have_attribute("data-status", "already_checked_in")
    expect(double).to_have_class("door-log__item door-log__item--warn door-log__item--double")
    expect(double).to_contain_text("北门")
    with live_server.app_context():
        recorded = db.session.execute(
            sa.select(Scan.status, Scan.client_at)
            .join(Registration, Registration.id == Scan.registration_id)
            .where(Registration.ticket_code == door["codes"]["offline"])
            .order_by(Scan.id)
        ).all()
    # Both offline scans reached the server, in order, with the time the door scanned them.
    assert [status for status, _ in recorded] == ["ok", "already_checked_in"]
    assert all(client_at is not None for _, client_at in recorded)


def test_the_installed_page_opens_again_offline(live_server, door, new_page):
    page = door_phone(new_page)
    open_scanner(page, live_server, door)
    scope = page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    assert scope == f"{live_server.url}/door/"
    # The worker controls the page once it is loaded again; then the network may go.
    page.reload()
    expect(page.locator("#door")).to_have_attribute("data-ready", "true")
    for _ in range(50):  # (wait_for_function would evaluate a string: the CSP forbids it)
        if page.evaluate("navigator.serviceWorker.controller !== null"):
            break
        page.wait_for_timeout(100)
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    page.context.set_offline(True)
    page.reload()
    expect(page.locator("#door")).to_have_attribute("data-ready", "true")
    expect(page.locator("#door-net")).to_have_attribute("data-state", "offline")
    expect(page.locator("#door-prepared")).to_contain_text(str(len(PEOPLE)))
    enter_code(page, door["codes"]["repeat"])
    expect(page.locator("#door-result")).to_have_attribute("data-status", "local-in")
    expect(page.locator("#door-result-detail")).not_to_be_empty()


KEY_CASES = """async () => {
  const keys = await import('/static/js/scanner-keys.js');
  const code = 'N35ZX25DJGH5CZ0N96ZZPKMBGG';
  const burst = (gaps, text = code, t0 = 0) => {
    let t = t0;
    return [...text].map((ch, i) => ({ ch, t: (t += i ? gaps(i) : 0) }));
  };
  const human = burst(() => 120, 'ABC');
  const scanner = burst(() => 7, code, human[2].t + 100);
  return {
    fast: keys.acceptBurst(burst(() => 7)),
    stalls: keys.acceptBurst(burst((i) => (i % 9 ? 8 : 90))),
    slow: keys.acceptBurst(burst(() => 60)),
    short: keys.acceptBurst(burst(() => 5, 'N35ZX25')),
    not_a_code: keys.acceptBurst(burst(() => 5, 'HELLOWORLD1')),
    after_a_person: keys.acceptBurst([...human, ...scanner]),
    normalized: keys.normalizeCode(' n35z-x25d-jgh5-cz0n-96zz-pkmb-gg '.replace('0', 'o')),
  };
}"""

DETECTOR_CASES = """async ({ decoder, wasm }) => {
  const { makeDetector } = await import('/static/js/scanner-camera.js');
  class Native {
    constructor(options) { this.options = options; this.native = true; }
    static async getSupportedFormats() { return Native.formats; }
  }
  globalThis.BarcodeDetector = Native;
  Native.formats = ['qr_code', 'ean_13'];
  const native = await makeDetector({ decoderUrl: decoder, wasmUrl: wasm });
  Native.formats = ['ean_13'];
  const ponyfill = await makeDetector({ decoderUrl: decoder, wasmUrl: wasm });
  return { native: native.native === true && native.options.formats.join(),
           ponyfill: ponyfill.native === undefined && typeof ponyfill.detect };
}"""


def test_scanner_rules_and_the_choice_of_decoder(live_server, door, new_page):
    page = door_phone(new_page, is_mobile=False, has_touch=False)
    open_scanner(page, live_server, door)
    assert page.evaluate(KEY_CASES) == {
        "fast": "N35ZX25DJGH5CZ0N96ZZPKMBGG",
        "stalls": "N35ZX25DJGH5CZ0N96ZZPKMBGG",  # 90 ms stalls inside a burst are no reset
        "slow": None,  # a person typing
        "short": None,
        "not_a_code": None,
        "after_a_person": "N35ZX25DJGH5CZ0N96ZZPKMBGG",
        "normalized": "N35ZX25DJGH5CZ0N96ZZPKMBGG",
    }
    root = page.locator("#door")
    decoder, wasm = root.get_attribute("data-decoder"), root.get_attribute("data-wasm")
    if not decoder:
        pytest.skip("npm ci was not run: the ponyfill is missing")
    assert page.evaluate(DETECTOR_CASES, {"decoder": decoder, "wasm": wasm}) == {
        "native": "qr_code", "ponyfill": "function"}


def test_scanners_that_type_through_the_input_method_use_the_box(live_server, door, new_page):
    page = door_phone(new_page)
    open_scanner(page, live_server, door)
    box = page.locator("#door-wedge")
    assert box.get_attribute("inputmode") == "none"
    # Android scanners that inject through the IME: no usable keydown, only input events.
    box.evaluate("(el, code) => { el.value = code; el.dispatchEvent(new InputEvent('input')); }",
                 door["codes"]["repeat"].lower())
    expect(page.locator("#door-result")).to_have_attribute("data-status", "already_checked_in")
    expect(box).to_have_value("")


def test_scans_wait_on_the_device_while_signed_out(live_server, door, new_page):
    page = door_phone(new_page)
    open_scanner(page, live_server, door)
    page.context.set_offline(True)
    enter_code(page, door["codes"]["camera"])
    expect(page.locator("#door-queue")).to_have_text("1")
    page.context.clear_cookies()  # the session ends while the door is offline
    page.context.set_offline(False)
    expect(page.locator("#door-signed-out")).to_be_visible()
    expect(page.locator("#door-queue")).to_have_text("1")


def test_a_photo_of_the_ticket_is_decoded_by_the_server(live_server, door, new_page, tmp_path):
    page = door_phone(new_page)
    open_scanner(page, live_server, door)
    photo = tmp_path / "ticket.png"
    qrcode.make(door["codes"]["photo"]).save(photo)
    page.locator("#door-photo").set_input_files(photo)
    expect(page.locator("#door-result")).to_have_attribute("data-status", "ok")
    expect(page.locator("#door-result-name")).to_have_text(PEOPLE["photo"][1])


def test_a_picture_of_too_many_pixels_says_so(live_server, door, new_page, tmp_path):
    """The server refuses a 9400 × 9400 picture from its header; the scanner shows why."""
    page = door_phone(new_page)
    open_scanner(page, live_server, door)
    photo = tmp_path / "huge.png"
    photo.write_bytes(png_header_only(9400, 9400))
    page.locator("#door-photo").set_input_files(photo)
    expect(page.locator("#door-result")).to_have_attribute("data-status", "photo")
    expect(page.locator("#door-result-status")).to_have_text(re.compile("像素|pixels"))


def test_a_walk_in_is_registered_and_checked_in_in_one_step(live_server, door, new_page):
    page = door_phone(new_page)
    open_scanner(page, live_server, door)
    expect(page.locator("#door-checked")).to_have_text(re.compile(r"^\d+$"))
    checked = int(page.locator("#door-checked").inner_text())
    page.locator("#door-walkin summary").click()
    form = page.locator("#door-walkin-form")
    form.locator("input[name=name]").fill("周现场")
    form.locator("input[name=phone]").fill("12345")
    form.locator("[type=submit]").click()
    expect(page.locator("#door-walkin-error")).to_be_visible()  # not a mobile number
    form.locator("input[name=phone]").fill("13600009999")
    form.locator("input[name=organization]").fill("浑南创客")
    form.locator("[type=submit]").click()
    result = page.locator("#door-result")
    expect(result).to_have_attribute("data-status", "ok")
    expect(page.locator("#door-result-name")).to_have_text("周现场")
    expect(page.locator("#door-checked")).to_have_text(str(checked + 1))
    expect(form.locator("input[name=name]")).to_have_value("")
    with live_server.app_context():
        walk_in = db.session.scalar(sa.select(Registration).where(Registration.name == "周现场"))
        assert walk_in.source == "walk_in" and walk_in.status == "confirmed"
        assert walk_in.organization == "浑南创客"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Scan).where(
            Scan.registration_id == walk_in.id, Scan.status == "ok")) == 1
