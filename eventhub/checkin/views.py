"""The door scanner (pages): the scanner of an event, its web app manifest and service worker,
the camera decoder served from our own origin, and decoding a photo of a ticket."""

from __future__ import annotations

import hashlib
import io
import json
import warnings
from functools import cache
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from eventhub import permissions
from eventhub.checkin import labels, services
from eventhub.checkin.labels import SCAN_STATUS_MESSAGES
from eventhub.errors import ValidationFailed, error_response
from eventhub.events.access import event_for
from eventhub.events.models import Event, EventStatus
from eventhub.registrations.labels import status_labels as registration_status_labels
from eventhub.registrations.models import Category
from eventhub.registrations.queries import categories_of
from eventhub.vendor import installed_version, send_vendor_file

bp = Blueprint("checkin", __name__)
#: A scan's status in words, for every page (checkin/labels.py).
bp.record_once(lambda state: state.app.jinja_env.filters.update(labels.FILTERS))

#: A phone photo is a few MB; anything much larger is no ticket photo.
PHOTO_MAX_BYTES = 8 * 1024 * 1024
#: Photos are scaled down to this many pixels on their long side before decoding.
PHOTO_MAX_SIDE = 1600
#: The most pixels a photo may have as it would be decoded (a JPEG is decoded scaled down, so
#: any phone's JPEG passes): a PNG of 9400 × 9400 would cost a worker some 400 MB.
PHOTO_MAX_PIXELS = 16_000_000
#: The browser decoder (npm ``barcode-detector``), by the name the page asks for.
VENDOR_FILES = {
    "ponyfill.js": "barcode-detector/dist/es/ponyfill.js",
    "zxing-exported.js": "barcode-detector/dist/es/zxing-exported.js",
    "zxing_reader.wasm": "zxing-wasm/dist/reader/zxing_reader.wasm",
}
#: The page's own files, cached by the service worker for offline use.
SHELL_STATIC = (
    "css/app.css",
    "css/scanner.css",
    "js/scanner.js",
    "js/scanner-camera.js",
    "js/scanner-keys.js",
    "js/scanner-store.js",
    "img/favicon.svg",
)
#: Home screens want PNG icons of these sizes (Android: 192 and 512).
ICON_SIZES = (192, 512)

#: What the scanner script says, in the reader's language (data attributes of the page).
STRINGS = {
    "ok-exit": _l("Exit recorded"),
    "already-exit": _l("Not inside (no entry to leave from)"),
    "previous": _l("First at %(at)s · %(device)s"),
    "local-known": _l("Known ticket (offline: waiting for upload)"),
    "local-unknown": _l("Unknown ticket (offline check)"),
    "local-seen": _l("Already scanned on this device"),
    "local-unchecked": _l("Offline: saved, will be checked on upload"),
    "local-in": _l("Checked in already (at another door)"),
    "double": _l("Double entry"),
    "no-code": _l("No QR code found in the photo. Try again closer, in good light."),
    "photo-failed": _l("The photo could not be read."),
    "camera-failed": _l("The camera is not available. Use a hardware scanner, search or a photo."),
    "camera-on": _l("Camera on"),
    "camera-off": _l("Camera off"),
    "prepared": _l("%(n)s tickets on this device"),
    "not-prepared": _l("No list on this device yet"),
    "never": _l("never"),
    "no-results": _l("Nobody found."),
    "check-in": _l("Check in"),
    "checked-in-at": _l("Checked in %(at)s"),
    "not-checked-in": _l("Not checked in yet"),
    "left": _l("Left"),
    "searching": _l("Searching…"),
    "online": _l("Online"),
    "offline": _l("Offline"),
    "search-failed": _l("Search needs the network."),
    "walkin-offline": _l("Registering at the door needs the network."),
}


def decoder_version() -> str | None:
    """The installed barcode-detector version, or None when ``npm ci`` was not run."""
    return installed_version("barcode-detector", VENDOR_FILES.values())


def _door_event(event_id: int) -> Event:
    return event_for(event_id, permissions.can_check_in)


def _walk_in_categories(event: Event) -> list[Category] | None:
    """The categories someone can be registered for at the door (none of them needs the
    organizer's approval), or None when the door cannot register anyone."""
    if event.requires_approval or event.status != EventStatus.published:
        return None
    categories = categories_of(event)
    open_ones = [c for c in categories if not c.requires_approval]
    return None if categories and not open_ones else open_ones


@bp.route("/door/<int:event_id>")
@login_required
def scanner(event_id: int) -> str:
    event = _door_event(event_id)
    version = decoder_version()
    return render_template(
        "checkin/scanner.html",
        event=event,
        lists=services.lists_of(event),
        walk_in_categories=_walk_in_categories(event),
        decoder_url=url_for("checkin.vendor", version=version, name="ponyfill.js")
        if version
        else "",
        wasm_url=url_for("checkin.vendor", version=version, name="zxing_reader.wasm")
        if version
        else "",
        strings={
            **{key: str(value) for key, value in STRINGS.items()},
            **{status.value: str(message) for status, message in SCAN_STATUS_MESSAGES.items()},
            **{f"status-{status}": label for status, label in registration_status_labels().items()},
        },
    )


@bp.route("/door/<int:event_id>/manifest.webmanifest")
def manifest(event_id: int) -> Response:
    # Browsers fetch manifests without cookies: nothing here but the page's address.
    manifest = {
        "name": str(_l("eventhub check-in")),
        "short_name": str(_l("Check-in")),
        "start_url": url_for("checkin.scanner", event_id=event_id),
        "scope": url_for("checkin.scanner", event_id=0).rsplit("/", 1)[0] + "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#1f1b16",
        "theme_color": "#b3261e",
        "icons": [
            {
                "src": url_for("static", filename="img/favicon.svg"),
                "sizes": "any",
                "type": "image/svg+xml",
                "purpose": "any",
            },
            *(
                {
                    "src": url_for("checkin.icon", size=size),
                    "sizes": f"{size}x{size}",
                    "type": "image/png",
                    "purpose": "any maskable",
                }
                for size in ICON_SIZES
            ),
        ],
    }
    response = jsonify(manifest)
    response.mimetype = "application/manifest+json"
    return response


def _shell_version(version: str | None) -> str:
    digest = hashlib.sha256((version or "none").encode())
    static = Path(current_app.static_folder or "")
    for name in SHELL_STATIC:
        try:
            digest.update((static / name).read_bytes())
        except OSError:
            digest.update(name.encode())
    return digest.hexdigest()[:16]


@bp.route("/door/icon-<int:size>.png")
def icon(size: int) -> Response:
    if size not in ICON_SIZES:
        abort(404)
    response = Response(_icon_png(size), mimetype="image/png")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@cache
def _icon_png(size: int) -> bytes:
    """The app icon (the favicon's white "e" on brand red), drawn for home screens, which
    want PNGs; full bleed, so launchers may mask it to any shape."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (size, size), "#b3261e")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=size * 3 // 5)
    draw.text((size / 2, size * 0.47), "e", fill="#ffffff", font=font, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


@bp.route("/door/sw.js")
def service_worker() -> Response:
    version = decoder_version()
    shell = [url_for("static", filename=name) for name in SHELL_STATIC]
    if version:
        shell += [url_for("checkin.vendor", version=version, name=n) for n in VENDOR_FILES]
    source = (Path(current_app.static_folder or "") / "js" / "sw.js").read_text()
    source = source.replace('"__SHELL_VERSION__"', json.dumps(_shell_version(version))).replace(
        '["__SHELL_URLS__"]', json.dumps(shell)
    )
    response = Response(source, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/door/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/door/vendor/<version>/<name>")
def vendor(version: str, name: str) -> Response:
    installed = decoder_version()
    if installed is None or version != installed or name not in VENDOR_FILES:
        abort(404)
    mimetype = "application/wasm" if name.endswith(".wasm") else "text/javascript"
    return send_vendor_file(VENDOR_FILES[name], mimetype)


@bp.route("/door/<int:event_id>/photo", methods=["POST"])
@login_required
def photo(event_id: int) -> Response:
    """Decode the QR code of a photo (phones without a usable camera stream); the page then
    scans the code as any other."""
    _door_event(event_id)
    if (request.content_length or 0) > PHOTO_MAX_BYTES:
        abort(413)
    upload = request.files.get("photo")
    if upload is None:
        abort(400)
    data = upload.read(PHOTO_MAX_BYTES + 1)
    if len(data) > PHOTO_MAX_BYTES:
        abort(413)
    try:
        return jsonify(codes=decode_photo(data))
    except ValidationFailed as error:
        return error_response(error.status, error.to_dict())


def decode_photo(data: bytes) -> list[str]:
    """Return the texts of the QR codes in an image (none when it is no image). Raises
    ValidationFailed ``photo_too_large`` for more pixels than PHOTO_MAX_PIXELS (or Pillow's
    own limit), read from the image's header before anything is decoded."""
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))  # reads the header only
            image.draft("L", (PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            if image.width * image.height > PHOTO_MAX_PIXELS:
                raise Image.DecompressionBombError(f"{image.size} from a photo")
            image = image.convert("L")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationFailed(
            _l("This picture has too many pixels. Take a photo with the camera, or send a "
               "smaller picture."),
            code="photo_too_large", fields={"photo": _l("The picture is too large.")},
        ) from None
    except (UnidentifiedImageError, OSError, ValueError):
        return []
    image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return [r.text for r in results if r.text]
