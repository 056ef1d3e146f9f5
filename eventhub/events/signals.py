"""Signals other domains listen to without events importing them (check-in lists, …)."""

from blinker import Namespace

_signals = Namespace()

#: Sent with the new Event inside the unit of work that created it.
event_created = _signals.signal("event-created")

#: Sent with the Event when a capacity of it (its own or a session's) was changed, inside the
#: unit of work that changed it, so a waitlist can move up in the same transaction.
capacity_changed = _signals.signal("capacity-changed")
