"""Signals of the accounts domain, for listeners accounts must not import (judging signs a
judge's devices out when the judge's account changes its password)."""

from blinker import Namespace

_signals = Namespace()

#: Sent with the User (the sender) and ``now`` inside the unit of work that set a new password
#: (a change or a reset) and revoked the account's sessions and API tokens, so what listeners
#: revoke commits, or rolls back, with them.
password_changed = _signals.signal("password-changed")
