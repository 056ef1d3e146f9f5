"""Signals of the judging domain, for listeners its services must not import (the live
roadshow's screens)."""

from blinker import Namespace

_signals = Namespace()

#: Sent inside the unit of work that saved or submitted a scorecard, with ``event_id``,
#: ``round_id``, ``entry_id`` and ``submitted`` (bool).
scorecard_saved = _signals.signal("scorecard-saved")

#: Sent inside the unit of work that changed a round's status, its entries, its assignments
#: or the conflicts of its judges, with ``event_id`` and ``round_id``
#: (`services.announce_rounds`).
round_changed = _signals.signal("round-changed")
