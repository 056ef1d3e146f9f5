"""Judging's enums in words: one table per family, the only wording of these values.

Pages show them through the Jinja filters in `FILTERS` (registered by the judging blueprint),
the organizers' exports and audit trails through the ``*_label`` functions, forms take their
choices from the tables. A value not in a table (never expected) is shown as it is rather than
failing the page.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from eventhub.formatting import format_when
from eventhub.judging.models import Aggregation, ConflictSource, RoundStatus, StagePhase

#: A round's status: for organizers (badges, audit trails) and judges (their rounds) alike.
ROUND_STATUS_LABELS = {
    RoundStatus.draft: _l("Not open yet"),
    RoundStatus.open: _l("Open for scoring"),
    RoundStatus.closed: _l("Scoring closed"),
    RoundStatus.published: _l("Results published"),
}

#: Where a judge's scorecard of an entry stands; "todo" is an assignment without a scorecard.
SCORECARD_STATUS_LABELS = {
    "todo": _l("To do"),
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
}

#: A judge's invitation, with the moment it was sent or accepted (API.md's judge status).
JUDGE_STATUS_LABELS = {
    "invited": _l("Invited %(when)s, not accepted yet"),
    "accepted": _l("Accepted %(when)s"),
}

#: The aggregation methods (docs/JUDGING.md §3), for pages, forms and files.
AGGREGATION_LABELS = {
    Aggregation.mean: _l("Mean"),
    Aggregation.trimmed_mean: _l("Trimmed mean (highest and lowest dropped)"),
    Aggregation.median: _l("Median"),
    Aggregation.zscore: _l("Z-score (judges made comparable)"),
}

#: Who declared a conflict of interest.
CONFLICT_SOURCE_LABELS = {
    ConflictSource.organizer: _l("an organizer"),
    ConflictSource.judge: _l("the judge"),
}

#: Where the live roadshow of a round stands.
STAGE_PHASE_LABELS = {
    StagePhase.idle: _l("Nobody on stage"),
    StagePhase.ready: _l("Ready to start"),
    StagePhase.pitch: _l("Pitch"),
    StagePhase.qa: _l("Q&A"),
    StagePhase.scoring: _l("Judges are scoring"),
}


def round_status_label(status: RoundStatus | str) -> str:
    """A round's status in the reader's language ("打分进行中")."""
    return str(ROUND_STATUS_LABELS.get(status, status))


def scorecard_status_label(status: str) -> str:
    """A scorecard's status ("todo", "draft", "submitted") in the reader's language."""
    return str(SCORECARD_STATUS_LABELS.get(status, status))


def judge_status_label(status: str, when: datetime | None, tz: str | None = None) -> str:
    """A judge's status ("invited", "accepted") with its moment in the zone ``tz``:
    "已于 2026年5月18日 09:30 接受邀请"."""
    label = JUDGE_STATUS_LABELS.get(status)
    return status if label is None else str(label) % {"when": format_when(when, tz)}


def aggregation_label(method: Aggregation | str) -> str:
    """An aggregation method in the reader's language ("去掉最高分和最低分后的平均分")."""
    return str(AGGREGATION_LABELS.get(method, method))


def conflict_source_label(source: ConflictSource | str) -> str:
    """Who declared a conflict of interest, in the reader's language."""
    return str(CONFLICT_SOURCE_LABELS.get(source, source))


def stage_phase_label(phase: StagePhase | str) -> str:
    """Where a live roadshow stands, in the reader's language."""
    return str(STAGE_PHASE_LABELS.get(phase, phase))


#: The Jinja filters of this module, by name: the judging blueprint registers them.
FILTERS = {
    "round_status": round_status_label,
    "scorecard_status": scorecard_status_label,
    "judge_status": judge_status_label,
    "aggregation": aggregation_label,
    "conflict_source": conflict_source_label,
    "stage_phase": stage_phase_label,
}
