"""The files of contest entries (a business plan PDF each), kept by `eventhub.uploads` under
``UPLOAD_FOLDER/entries``: checked for size and the ``%PDF-`` magic bytes; a file an entry no
longer uses is removed once the change is committed (`remove_file` after the commit).

Who may attach, replace, read and download a file is the entries' rule (`entries.save_attachment`,
`entries.may_read_attachment`, ...): this module only stores and finds files.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import IO, Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from eventhub import uploads
from eventhub.accounts.models import NAME_MAX

PDF_MAGIC = b"%PDF-"
PDF_TYPE = "application/pdf"


# Storage ----------------------------------------------------------------------------------

#: The kind of upload (its folder under UPLOAD_FOLDER) of entries' files.
KIND = "entries"


def upload_folder() -> Path:
    """Where attachments live (created on first use)."""
    return uploads.folder(KIND)


def attachment_path(key: str) -> Path:
    """Where the file of ``key`` is stored. Raises NotFound for a key no upload could have."""
    return uploads.path_of(KIND, key)


def max_attachment_bytes() -> int:
    """The largest file an entry may attach (``ENTRY_ATTACHMENT_MAX_BYTES``, default 10 MB)."""
    return int(current_app.config.get("ENTRY_ATTACHMENT_MAX_BYTES") or 10 * 1024 * 1024)


def remove_file(key: str) -> None:
    """Delete the stored file of ``key`` (a failure is logged, never raised)."""
    uploads.remove(KIND, key)


def _pdf_error(head: bytes) -> Any:
    return None if head.startswith(PDF_MAGIC) else _l("Upload a PDF file.")


def store(stream: IO[bytes]) -> tuple[str, int]:
    """Copy an upload to a new file under a random key; check its size and that it is a PDF.
    Raises ValidationFailed (``file``) and leaves nothing behind."""
    return uploads.store(KIND, stream, max_attachment_bytes(), _pdf_error)


def safe_name(filename: str | None) -> str:
    """The name to show for the file: no folders, no control characters, at most 200
    characters, ending in .pdf."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(c for c in name if c.isprintable()).strip() or "attachment.pdf"
    if not name.lower().endswith(".pdf"):
        name += ".pdf"
    return name[-NAME_MAX:]
