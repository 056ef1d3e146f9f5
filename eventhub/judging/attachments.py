"""The files of contest entries (a business plan PDF each): stored under
``UPLOAD_FOLDER/entries`` by a random key, never the uploader's file name. An upload is written
to a temporary file, checked (size, the ``%PDF-`` magic bytes) and renamed into place; a file an
entry no longer uses is removed once the change is committed (`remove_file` after the commit).

Who may attach, replace, read and download a file is the entries' rule (`entries.save_attachment`,
`entries.may_read_attachment`, ...): this module only stores and finds files.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import IO

from flask import current_app
from flask_babel import lazy_gettext as _l

from eventhub.accounts.models import NAME_MAX
from eventhub.errors import NotFound, ValidationFailed

PDF_MAGIC = b"%PDF-"
PDF_TYPE = "application/pdf"


# Storage ----------------------------------------------------------------------------------


def upload_folder() -> Path:
    """Where attachments live (created on first use)."""
    base = current_app.config.get("UPLOAD_FOLDER") or os.path.join(
        current_app.instance_path, "uploads")
    folder = Path(base) / "entries"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def attachment_path(key: str) -> Path:
    """Where the file of ``key`` is stored. Raises NotFound for a key no upload could have."""
    if not re.fullmatch(r"[0-9a-f]{32}", key or ""):
        raise NotFound()
    return upload_folder() / key


def max_attachment_bytes() -> int:
    """The largest file an entry may attach (``ENTRY_ATTACHMENT_MAX_BYTES``, default 10 MB)."""
    return int(current_app.config.get("ENTRY_ATTACHMENT_MAX_BYTES") or 10 * 1024 * 1024)


def remove_file(key: str) -> None:
    """Delete the stored file of ``key`` (a failure is logged, never raised)."""
    try:
        attachment_path(key).unlink(missing_ok=True)
    except (NotFound, OSError):
        current_app.logger.warning("Could not remove attachment %s", key)


def store(stream: IO[bytes]) -> tuple[str, int]:
    """Copy an upload to a new file under a random key; check its size and that it is a PDF.
    Raises ValidationFailed (``file``) and leaves nothing behind."""
    limit = max_attachment_bytes()
    folder = upload_folder()
    key = secrets.token_hex(16)
    temp = folder / f".{key}.part"
    size = 0
    head = b""
    try:
        with open(temp, "wb") as out:
            while chunk := stream.read(64 * 1024):
                if len(head) < len(PDF_MAGIC):
                    head += chunk[: len(PDF_MAGIC)]
                size += len(chunk)
                if size > limit:
                    raise ValidationFailed(
                        _l("The file is too large."), code="file_too_large",
                        fields={"file": _l("The file is larger than %(n)d MB.",
                                           n=limit // (1024 * 1024))})
                out.write(chunk)
        if size == 0:
            raise ValidationFailed(fields={"file": _l("Choose a file.")})
        if not head.startswith(PDF_MAGIC):
            raise ValidationFailed(fields={"file": _l("Upload a PDF file.")})
        os.replace(temp, folder / key)
    finally:
        temp.unlink(missing_ok=True)
    return key, size


def safe_name(filename: str | None) -> str:
    """The name to show for the file: no folders, no control characters, at most 200
    characters, ending in .pdf."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(c for c in name if c.isprintable()).strip() or "attachment.pdf"
    if not name.lower().endswith(".pdf"):
        name += ".pdf"
    return name[-NAME_MAX:]
