"""The courier: one daemon thread per process that delivers the outbox, so a request never
waits for an SMTP server. It is woken after each commit that queued mail (`services.hand_over`)
and looks again every POLL_SECONDS for messages whose retry is due.

Development's default (no worker to run); production delivers with ``flask eventhub mail
worker`` (RQ) or ``flask eventhub mail send --loop`` instead (MAIL_SEND_IN_BACKGROUND=false).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

#: How often an idle courier looks for messages whose next attempt has come.
POLL_SECONDS = 60.0


class Courier:
    """Runs ``deliver`` (by default `services.deliver_pending`) in its own thread, inside an
    application context of ``app``, whenever it is woken and every ``poll_seconds``."""

    def __init__(
        self,
        app: Any,
        deliver: Callable[[], Any] | None = None,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.app = app
        self.deliver = deliver or _deliver_pending
        self.poll_seconds = poll_seconds
        self.pid = os.getpid()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        """Have the outbox delivered soon; returns at once (starts the thread if needed)."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="eventhub-mail-courier", daemon=True
                )
                self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
            self.deliver_once()

    def deliver_once(self) -> None:
        """One round of delivery; a failure (the database away) is logged in one line and the
        next round tries again."""
        with self.app.app_context():
            try:
                self.deliver()
            except Exception as exc:  # noqa: BLE001 - the thread must outlive any failure
                reason = (str(exc).strip().splitlines() or [""])[0][:300]
                self.app.logger.warning(
                    "mail courier: delivery failed (%s: %s); retrying later",
                    type(exc).__name__, reason,
                )


def _deliver_pending() -> Any:
    from eventhub.mail.services import deliver_pending

    return deliver_pending()


_lock = threading.Lock()


def courier_for(app: Any) -> Courier:
    """The courier of ``app`` in this process (a forked worker gets one of its own)."""
    with _lock:
        courier = app.extensions.get("eventhub_mail_courier")
        if courier is None or courier.pid != os.getpid():
            courier = Courier(app)
            app.extensions["eventhub_mail_courier"] = courier
        return courier
