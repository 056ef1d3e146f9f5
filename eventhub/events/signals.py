"""Signals other domains listen to without events importing them (check-in lists, …)."""

from blinker import Namespace

_signals = Namespace()

#: Sent with the new Event inside the unit of work that created it.
event_created = _signals.signal("event-created")
