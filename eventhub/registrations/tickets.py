"""Ticket codes: 130 random bits as 26 Crockford base32 characters, and their QR images.

26 characters fit QR alphanumeric mode at version 2 (25×25 modules) with error correction Q,
small enough to scan at 80 px in a camera frame. Codes carry no signature: revocation is a
new code (a database update), and a scanner never holds a secret that could mint tickets.
"""

from __future__ import annotations

import io
import re
import secrets

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_Q

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 26
_CODE_RE = re.compile(f"^[{ALPHABET}]{{{CODE_LENGTH}}}$")
_TRANSLATE = str.maketrans({"I": "1", "L": "1", "O": "0"})
_NOT_ALPHABET = re.compile(f"[^{ALPHABET}]")


def new_code() -> str:
    """Return a fresh random ticket code (26 characters, 130 bits)."""
    value = secrets.randbits(5 * CODE_LENGTH)
    chars = []
    for _ in range(CODE_LENGTH):
        value, digit = divmod(value, 32)
        chars.append(ALPHABET[digit])
    return "".join(chars)


def code_groups(code: str) -> str:
    """A ticket code in groups of four, for reading aloud or typing: ``N35Z X25D …``."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalize_code(text: str) -> str:
    """Clean up what a scanner or a person typed: trim, upper-case, I/L → 1, O → 0, and drop
    everything outside the alphabet (spaces, dashes, a scanner's stray characters)."""
    return _NOT_ALPHABET.sub("", text.strip().upper().translate(_TRANSLATE))


def looks_like_code(text: str) -> bool:
    return bool(_CODE_RE.match(text))


def _qr(code: str, **kwargs: object) -> qrcode.QRCode:
    qr = qrcode.QRCode(version=2, error_correction=ERROR_CORRECT_Q, **kwargs)
    qr.add_data(code)
    qr.make(fit=False)
    return qr


def qr_svg(code: str) -> str:
    """The ticket's QR code as an SVG document (a single path, safe to inline in HTML)."""
    image = _qr(code, border=4, image_factory=qrcode.image.svg.SvgPathImage).make_image()
    svg = image.to_string(encoding="unicode")
    # Scale to the container: drop the fixed millimetre size, keep the viewBox.
    return re.sub(r' width="[^"]+" height="[^"]+"', "", svg, count=1)


def qr_modules(code: str) -> list[list[bool]]:
    """The ticket's QR code as rows of dark (True) and light modules, without the quiet
    zone (for drawing it in a PDF)."""
    return _qr(code, border=0).get_matrix()


def qr_png(code: str, box_size: int = 12) -> bytes:
    """The ticket's QR code as a PNG (for download and mail)."""
    image = _qr(code, border=4, box_size=box_size).make_image(
        fill_color="black", back_color="white"
    )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
