"""Files made for one signed-in person (exports, reports, their own data): sent as a download
or shown inline, never kept by a shared cache."""

from __future__ import annotations

from werkzeug.wrappers import Response


def private_file(data: bytes | str, mimetype: str, filename: str, *,
                 inline: bool = False) -> Response:
    """``data`` as a file named ``filename`` (an attachment unless ``inline``), ``private,
    no-store``."""
    response = Response(data, mimetype=mimetype)
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
