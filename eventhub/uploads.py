"""Uploaded files kept on disk: each under ``UPLOAD_FOLDER/<kind>`` (``entries`` for contest
entries' business plans, ``mentors`` for mentors' photos) by a random key, never the uploader's
file name. An upload is copied to a temporary file, checked (its size, and its first bytes by
the caller's ``check``) and renamed into place, so a refused upload leaves nothing behind. A
file nothing uses any more is removed once the change is committed (`remove` after the commit).

Who may upload and read a file is the owning domain's rule: this module only stores and finds
files.
"""

from __future__ import annotations

import os
import re
import secrets
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps

from eventhub.errors import NotFound, ValidationFailed

#: Image types an upload may be, by format: (their MIME type, a test of their first bytes).
IMAGE_TYPES: dict[str, tuple[str, Callable[[bytes], bool]]] = {
    "JPEG": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    "PNG": ("image/png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    "WEBP": ("image/webp", lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP"),
}

#: The most pixels an uploaded image may have (a small file can unpack into a huge one).
IMAGE_MAX_PIXELS = 40_000_000

#: How many first bytes of an upload ``check`` is given.
HEAD_BYTES = 16

CHUNK = 64 * 1024


def folder(kind: str) -> Path:
    """Where the files of ``kind`` live (created on first use)."""
    base = current_app.config.get("UPLOAD_FOLDER") or os.path.join(
        current_app.instance_path, "uploads")
    path = Path(base) / kind
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_of(kind: str, key: str) -> Path:
    """Where the file of ``key`` is stored. Raises NotFound for a key no upload could have."""
    if not re.fullmatch(r"[0-9a-f]{32}", key or ""):
        raise NotFound()
    return folder(kind) / key


def remove(kind: str, key: str) -> None:
    """Delete the stored file of ``key`` (a failure is logged, never raised)."""
    try:
        path_of(kind, key).unlink(missing_ok=True)
    except (NotFound, OSError):
        current_app.logger.warning("Could not remove upload %s/%s", kind, key)


def too_large(limit: int, code: str = "file_too_large", field: str = "file") -> ValidationFailed:
    """The refusal of a file over ``limit`` bytes."""
    return ValidationFailed(_l("The file is too large."), code=code,
                            fields={field: _l("The file is larger than %(n)d MB.",
                                              n=max(1, limit // (1024 * 1024)))})


def store(
    kind: str, stream: IO[bytes], limit: int, check: Callable[[bytes], Any],
    code: str = "file_too_large", field: str = "file",
) -> tuple[str, int]:
    """Copy an upload to a new file of ``kind`` under a random key and return (key, size).
    Refuses (ValidationFailed on ``field``, leaving nothing behind) an empty file, one over
    ``limit`` bytes (with ``code``), and one whose first `HEAD_BYTES` ``check`` answers a
    reason for."""
    where = folder(kind)
    key = secrets.token_hex(16)
    temp = where / f".{key}.part"
    size = 0
    head = b""
    try:
        with open(temp, "wb") as out:
            while chunk := stream.read(CHUNK):
                if len(head) < HEAD_BYTES:
                    head += chunk[: HEAD_BYTES - len(head)]
                size += len(chunk)
                if size > limit:
                    raise too_large(limit, code, field)
                out.write(chunk)
        if size == 0:
            raise ValidationFailed(fields={field: _l("Choose a file.")})
        reason = check(head)
        if reason:
            raise ValidationFailed(fields={field: reason})
        os.replace(temp, where / key)
    finally:
        temp.unlink(missing_ok=True)
    return key, size


def image_format(head: bytes) -> str | None:
    """The `IMAGE_TYPES` format of a file by its first bytes (None: none of them)."""
    return next((name for name, (_, test) in IMAGE_TYPES.items() if test(head)), None)


def image_type(path: Path) -> str | None:
    """The MIME type of a stored image by its first bytes (None: not an image we keep)."""
    with open(path, "rb") as file:
        found = image_format(file.read(HEAD_BYTES))
    return IMAGE_TYPES[found][0] if found else None


def store_image(
    kind: str, stream: IO[bytes], limit: int, largest: int,
    code: str = "file_too_large", field: str = "file", formats: tuple[str, ...] = (),
) -> str:
    """Store an uploaded JPEG, PNG or WebP image (as `store`) and return its key; ``formats``
    (`IMAGE_TYPES` names) narrows the formats accepted. The file must really be one (its
    magic bytes, then Pillow reads it whole); it is re-encoded in its own format, turned
    upright, at most ``largest`` pixels a side and without its metadata (EXIF, GPS position,
    comments), so what is served is what Pillow wrote."""
    allowed = formats or tuple(IMAGE_TYPES)
    not_image = (_l("Upload a JPEG or PNG image.") if set(allowed) == {"JPEG", "PNG"}
                 else _l("Upload a JPEG, PNG or WebP image."))
    key, _ = store(kind, stream, limit,
                   lambda head: None if image_format(head) in allowed else not_image,
                   code=code, field=field)
    path = path_of(kind, key)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                found = image.format
                if found not in allowed or image.width * image.height > IMAGE_MAX_PIXELS:
                    raise ValueError(found)
                image.load()
                image = ImageOps.exif_transpose(image)
                image.thumbnail((largest, largest))
                if found == "JPEG" and image.mode not in ("RGB", "L"):
                    image = image.convert("RGB")
                elif found == "WEBP" and image.mode not in ("RGB", "RGBA"):
                    image = image.convert("RGBA")
                temp = path.with_name(f".{key}.image")
                image.save(temp, format=found, **({"quality": 88} if found != "PNG" else {}))
        os.replace(temp, path)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as error:
        remove(kind, key)
        path.with_name(f".{key}.image").unlink(missing_ok=True)
        raise ValidationFailed(fields={field: not_image}) from error
    return key
