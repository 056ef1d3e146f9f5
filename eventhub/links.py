"""Absolute links for mail and documents, built the same in a request, a CLI command or a job;
signed read-only keys to big screens (`SignedLink`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


def external_url(endpoint: str, **values: Any) -> str:
    """``EVENTHUB_BASE_URL`` + the route of ``endpoint`` (no request needed)."""
    base = urlsplit(current_app.config["EVENTHUB_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=True)


class SignedLink:
    """Signed read-only keys to one kind of page (a big screen), for a device without an
    account: a projector laptop opens ``?key=...`` and sees that page of that object only.

    ``salt`` tells the kinds apart (a key to one kind opens no other), ``field`` names the
    object id in the signed payload; keys expire after ``max_age`` seconds.
    """

    def __init__(self, salt: str, field: str, max_age: int) -> None:
        self.salt = salt
        self.field = field
        self.max_age = max_age

    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=self.salt)

    def make(self, object_id: int) -> str:
        """A key to the page of ``object_id``."""
        return self._serializer().dumps({self.field: object_id})

    def valid(self, key: str | None, object_id: int) -> bool:
        """Tell whether ``key`` opens the page of ``object_id`` (signed for it, not expired)."""
        if not key:
            return False
        try:
            data = self._serializer().loads(key, max_age=self.max_age)
        except (SignatureExpired, BadSignature):
            return False
        return isinstance(data, dict) and data.get(self.field) == object_id
