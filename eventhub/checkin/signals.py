"""Signals of the check-in domain, for listeners that must not be imported by its services
(the organizers' live dashboard)."""

from blinker import Namespace

_signals = Namespace()

#: Sent with the event id inside the unit of work that recorded a scan (any outcome).
scan_recorded = _signals.signal("scan-recorded")

#: Sent with the event id inside the unit of work that reverted a scan.
scan_reverted = _signals.signal("scan-reverted")
