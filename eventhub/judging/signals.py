"""Signals of the judging domain, for listeners its services must not import (the live
roadshow's screens)."""

from collections.abc import Iterable

from blinker import Namespace

_signals = Namespace()

#: Sent inside the unit of work that saved or submitted a scorecard, with ``event_id``,
#: ``round_id``, ``entry_id`` and ``submitted`` (bool).
scorecard_saved = _signals.signal("scorecard-saved")

#: Sent inside the unit of work that changed a round's status, its entries, its assignments
#: or the conflicts of its judges, with ``event_id`` and ``round_id`` (`announce_rounds`).
round_changed = _signals.signal("round-changed")


def announce_rounds(event_id: int, round_ids: Iterable[int]) -> None:
    """Tell listeners (the live roadshow's screens) that these rounds changed: their status,
    entries, assignments or the conflicts of their judges."""
    for round_id in sorted(set(round_ids)):
        round_changed.send(event_id=event_id, round_id=round_id)
