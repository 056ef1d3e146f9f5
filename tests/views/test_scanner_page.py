"""The door scanner page: who may open it, the list picker, the web app manifest, the service
worker's scope, the decoder served from our own origin, and decoding a photo of a ticket."""

import io
import re
import struct
import zlib

import pytest
import qrcode
from PIL import Image

from eventhub.checkin import services as checkin
from eventhub.checkin import views
from eventhub.registrations import form_builder
from eventhub.registrations import services as reg
from eventhub.registrations.services import RegistrationInfo
from tests import factories
from tests.views.conftest import text

CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')


def page(event):
    return f"/door/{event.id}"


@pytest.fixture
def lists(event, organizer):
    factories.main_list_of(event)
    checkin.create_list(organizer, event, "投资论坛", allow_reentry=True)
    return checkin.lists_of(event)


def test_door_staff_get_the_scanner_with_the_list_picker(login, event, staff, lists):
    response = login(staff).get(page(event))
    assert response.status_code == 200
    html = text(response)
    options = re.findall(r'<option value="(\d+)">([^<]+)</option>', html)
    assert [int(value) for value, _ in options] == [lst.id for lst in lists]
    assert "投资论坛" in options[1][1]
    assert f'href="/door/{event.id}/manifest.webmanifest"' in html
    assert 'capture="environment"' in html and 'inputmode="none"' in html
    assert "<script>" not in html and "style=" not in html  # CSP: no inline code


def test_organizers_owners_and_admins_may_scan(login, event, organizer, owner, admin):
    for user in (organizer, owner, admin):
        assert login(user).get(page(event)).status_code == 200


def test_outsiders_are_refused(client, login, event, outsider_organizer, participant, org):
    anonymous = client.get(page(event))
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    for user in (outsider_organizer, participant):
        assert login(user).get(page(event)).status_code == 403
    draft = factories.EventFactory(organization=org, status="draft", published_at=None)
    assert login(outsider_organizer).get(page(draft)).status_code == 404
    assert login(participant).get("/door/424242").status_code == 404


def test_manifest_starts_at_the_scanner_inside_the_worker_scope(client, event):
    response = client.get(f"/door/{event.id}/manifest.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = response.get_json()
    assert manifest["start_url"] == page(event) and manifest["scope"] == "/door/"
    assert manifest["display"] == "standalone"
    png = next(i for i in manifest["icons"] if i["sizes"] == "512x512")
    icon = client.get(png["src"])
    assert icon.mimetype == "image/png"
    assert Image.open(io.BytesIO(icon.data)).size == (512, 512)
    assert client.get("/door/icon-100.png").status_code == 404


def test_service_worker_covers_the_scanner_and_never_caches_the_api(client):
    response = client.get("/door/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/door/"
    assert response.headers["Cache-Control"] == "no-cache"
    source = text(response)
    assert "__SHELL_VERSION__" not in source and "__SHELL_URLS__" not in source
    assert '"/static/js/scanner.js"' in source and '"/static/css/scanner.css"' in source
    assert 'startsWith("/api/")' in source


def test_decoder_is_served_from_our_origin_with_a_long_cache(app, client, login, event, staff):
    version = views.decoder_version()
    if version is None:
        pytest.skip("npm ci was not run: node_modules/barcode-detector is missing")
    html = text(login(staff).get(page(event)))
    assert f'data-decoder="/door/vendor/{version}/ponyfill.js"' in html
    assert f'data-wasm="/door/vendor/{version}/zxing_reader.wasm"' in html
    with client.get(f"/door/vendor/{version}/zxing_reader.wasm") as wasm:
        assert wasm.status_code == 200 and wasm.mimetype == "application/wasm"
        assert wasm.data[:4] == b"\0asm"
        assert "immutable" in wasm.headers["Cache-Control"]
    with client.get(f"/door/vendor/{version}/ponyfill.js") as module:
        assert module.mimetype == "text/javascript" and b"./zxing-exported.js" in module.data
    assert client.get(f"/door/vendor/{version}/package.json").status_code == 404
    assert client.get("/door/vendor/0.0.0/ponyfill.js").status_code == 404
    assert f"/door/vendor/{version}/zxing_reader.wasm" in text(client.get("/door/sw.js"))


def test_without_the_decoder_the_page_offers_the_photo(app, login, event, staff, monkeypatch):
    monkeypatch.setattr(views, "decoder_version", lambda: None)
    html = text(login(staff).get(page(event)))
    assert 'id="door-no-decoder"' in html and 'data-decoder=""' in html
    assert 'id="door-photo"' in html


def png_of(data: str, size: int = 400) -> bytes:
    image = qrcode.make(data).get_image().resize((size, size), Image.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def post_photo(c, event, data: bytes, token: str | None):
    headers = {"X-CSRFToken": token} if token else {}
    return c.post(f"/door/{event.id}/photo", data={"photo": (io.BytesIO(data), "t.png")},
                  headers=headers, content_type="multipart/form-data")


def test_a_photo_of_a_ticket_gives_its_code(login, event, staff, participant):
    ticket = reg.register(participant, event, RegistrationInfo(consent=True))
    c = login(staff)
    token = CSRF_META.search(text(c.get(page(event)))).group(1)
    response = post_photo(c, event, png_of(ticket.ticket_code), token)
    assert response.status_code == 200
    assert response.get_json() == {"codes": [ticket.ticket_code]}
    assert post_photo(c, event, b"not an image", token).get_json() == {"codes": []}


def test_photo_needs_csrf_door_staff_and_a_small_file(login, event, staff, participant,
                                                      monkeypatch):
    c = login(staff)
    token = CSRF_META.search(text(c.get(page(event)))).group(1)
    assert post_photo(c, event, png_of("X"), None).status_code == 400
    other = login(participant)
    other_token = CSRF_META.search(text(login(staff).get(page(event)))).group(1)
    assert post_photo(other, event, png_of("X"), other_token).status_code in (400, 403)
    monkeypatch.setattr(views, "PHOTO_MAX_BYTES", 1000)
    assert post_photo(c, event, png_of("X" * 50, 900), token).status_code == 413


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header says ``width`` × ``height`` (its pixels would not decode)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b""))


def test_a_picture_of_too_many_pixels_is_refused_before_decoding(login, event, staff,
                                                                 participant, monkeypatch):
    """A 9400 × 9400 PNG (some 400 MB to decode) is refused from its header, with a reason
    the scanner shows; a phone's large JPEG is still read (it is decoded scaled down)."""
    c = login(staff)
    token = CSRF_META.search(text(c.get(page(event)))).group(1)

    def no_decoding(self, *args, **kwargs):
        raise AssertionError("the picture was decoded")

    with monkeypatch.context() as m:
        m.setattr(Image.Image, "load", no_decoding)
        response = post_photo(c, event, png_header_only(9400, 9400), token)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "photo_too_large" and error["message"] and error["fields"]["photo"]
    ticket = reg.register(participant, event, RegistrationInfo(consent=True))
    big = qrcode.make(ticket.ticket_code).get_image().convert("L").resize((5000, 5000),
                                                                          Image.NEAREST)
    buffer = io.BytesIO()
    big.save(buffer, format="JPEG", quality=85)
    response = post_photo(c, event, buffer.getvalue(), token)
    assert response.get_json() == {"codes": [ticket.ticket_code]}


def test_the_event_page_links_the_scanner_for_door_staff_and_organizers(
    login, event, staff, organizer, participant
):
    link = f'href="/door/{event.id}"'
    assert link in text(login(staff).get(f"/events/{event.id}"))
    assert link in text(login(organizer).get(f"/events/{event.id}"))
    assert link not in text(login(participant).get(f"/events/{event.id}"))


def test_the_walk_in_form_offers_only_categories_open_at_the_door(
    login, event, owner, staff, lists
):
    form_builder.save_category(owner, event, "观众", None)
    form_builder.save_category(owner, event, "投资人", None, requires_approval=True)
    html = text(login(staff).get(page(event)))
    walk_in = html[html.index('id="door-walkin-form"'):]
    walk_in = walk_in[: walk_in.index("</form>")]
    assert "观众" in walk_in and "投资人" not in walk_in
    assert 'name="phone"' in walk_in and 'name="name"' in walk_in


def test_no_walk_in_form_where_the_door_cannot_register_anyone(
    login, event, owner, staff, lists
):
    form_builder.save_category(owner, event, "投资人", None, requires_approval=True)
    assert "door-walkin-form" not in text(login(staff).get(page(event)))
    other = factories.EventFactory(organization=event.organization, requires_approval=True)
    assert "door-walkin-form" not in text(login(staff).get(page(other)))
