"""Check-in's enums in words: a scan's status, the only wording of these values.

Two tables, one family: `SCAN_STATUS_LABELS` names a status in a few words (the dashboard's
latest scans, through the ``scan_status`` Jinja filter the check-in blueprint registers);
`SCAN_STATUS_MESSAGES` is what the scanner tells the door staff about a scan with that status
(its strings, read by scanner.js under the status's own value). A value not in a table (never
expected) is shown as it is rather than failing the page.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eventhub.checkin.models import ScanStatus, ScanType

SCAN_STATUS_LABELS = {
    ScanStatus.ok: _l("Checked in"),
    ScanStatus.already_checked_in: _l("Already checked in"),
    ScanStatus.invalid: _l("Invalid ticket"),
    ScanStatus.wrong_event: _l("Ticket of another event"),
    ScanStatus.not_on_list: _l("Not on this list"),
    ScanStatus.not_confirmed: _l("Registration not confirmed"),
    ScanStatus.cancelled: _l("Registration cancelled"),
}
#: An accepted exit scan, and a scan an organizer undid.
EXIT_LABEL = _l("Left")
UNDONE_LABEL = _l("Undone")

SCAN_STATUS_MESSAGES = {
    ScanStatus.ok: _l("Checked in"),
    ScanStatus.already_checked_in: _l("Already checked in"),
    ScanStatus.invalid: _l("Unknown ticket: no such code"),
    ScanStatus.wrong_event: _l("This ticket is for another event"),
    ScanStatus.not_on_list: _l("Not on this list (did not book this session)"),
    ScanStatus.not_confirmed: _l("Registration not confirmed (pending or on the waitlist)"),
    ScanStatus.cancelled: _l("Registration cancelled"),
}


def scan_status_label(
    status: ScanStatus | str, type: ScanType | str = ScanType.entry, reverted: bool = False,
) -> str:
    """A scan's status in a few words: "已签到", "离场" for an accepted exit, "已撤销" once
    undone."""
    if reverted:
        return str(UNDONE_LABEL)
    if status == ScanStatus.ok and type == ScanType.exit:
        return str(EXIT_LABEL)
    return str(SCAN_STATUS_LABELS.get(status, status))


#: The Jinja filters of this module, by name: the check-in blueprint registers them.
FILTERS = {"scan_status": scan_status_label}
