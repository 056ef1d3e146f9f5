"""Absolute links for mail and documents, built the same in a request, a CLI command or a job."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values: Any) -> str:
    """``EVENTHUB_BASE_URL`` + the route of ``endpoint`` (no request needed)."""
    base = urlsplit(current_app.config["EVENTHUB_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=True)
