"""The judge-scoped sign-in of a device: a judge's link, once opened, makes this browser that
judge's device for the judging pages and judging API of one contest (`judges.JudgeDevice`).

It is kept in the signed session under its own key, apart from Flask-Login's login of an
account, so it never signs the account in: every other page sees an anonymous visitor. The
database decides whether it still holds (`judges.judge_device`: the link not revoked, the
device not expired, the judge still of the contest). Judging's views and API ask
`actor_for(event_id)` whom a page of a contest acts for.
"""

from __future__ import annotations

from typing import Any

from flask import g, session
from flask_login import current_user

from eventhub.judging import judges
from eventhub.judging.models import JudgeLink

#: The session key holding the id of the link that opened this device.
KEY = "judge_link"


def begin(link: JudgeLink) -> None:
    """Make this browser the device ``link`` opened. The session outlives a browser restart
    (a tablet's browser is closed between sessions of a final); the device's own end is
    ``JUDGE_DEVICE_MAX_AGE`` after the link was opened."""
    session[KEY] = link.id
    session.permanent = True
    g.pop("judge_device", None)


def end() -> None:
    """Sign this browser's judge device out (an account login, if any, stays)."""
    session.pop(KEY, None)
    g.judge_device = None


def ended() -> bool:
    """Tell whether this browser held a judge device whose session no longer holds (the link
    was replaced, the device expired, the judge was removed)."""
    return device() is None and KEY in session


def device() -> judges.JudgeDevice | None:
    """This browser's judge device while it may judge (read once a request)."""
    if "judge_device" not in g:
        link_id = session.get(KEY)
        g.judge_device = judges.judge_device(link_id) if link_id is not None else None
    return g.judge_device


def actor_for(event_id: int | None) -> Any:
    """Whom a judging page or call of the contest ``event_id`` acts for: this browser's judge
    device when it is of that contest, else the signed-in account (or the anonymous visitor,
    whom the predicates then refuse). ``None``: a call about no contest in particular (the
    judge's own list), which a device answers for its contest."""
    judge_device = device()
    if judge_device is not None and (
        event_id == judge_device.event_id
        or (event_id is None and not current_user.is_authenticated)
    ):
        return judge_device
    return current_user._get_current_object()
