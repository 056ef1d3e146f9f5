"""Contest judging: tracks, entries, judges, conflicts of interest, rounds with their rubric,
the entries taking part, assignments and scorecards.

Numbers: a criterion's ``max_points`` and ``weight`` (and a round's threshold) are exact
``NUMERIC`` columns read back as floats; a scorecard's scores are JSON numbers keyed by
criterion id (``{"12": 7.5}``), one row per (round, judge, entry), so a save is one row
written under one version check. Totals are computed from the scores and the rubric when
needed (docs/JUDGING.md §2: never rounded before aggregation), not stored.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventhub.accounts.models import NAME_MAX, User
from eventhub.database import Base, UTCDateTime, utcnow
from eventhub.events.models import Event

#: Points and weights: up to 9999.9999 with four decimals, exact in the database.
POINTS = sa.Numeric(8, 4, asdecimal=False)


class Aggregation(enum.StrEnum):
    mean = "mean"
    trimmed_mean = "trimmed_mean"
    zscore = "zscore"
    median = "median"


class RoundStatus(enum.StrEnum):
    draft = "draft"
    open = "open"
    closed = "closed"
    published = "published"


class ConflictSource(enum.StrEnum):
    organizer = "organizer"
    judge = "judge"


class ScorecardStatus(enum.StrEnum):
    draft = "draft"
    submitted = "submitted"


class StagePhase(enum.StrEnum):
    """Where the live roadshow (路演) of a round stands."""

    idle = "idle"  # nobody on stage
    ready = "ready"  # an entry is on stage, its pitch not started
    pitch = "pitch"  # the pitch clock runs (or is paused)
    qa = "qa"  # the Q&A clock runs (or is paused)
    scoring = "scoring"  # time is up; judges finish their scorecards


class Track(Base):
    """A track (组别 / 行业) of a contest; entries are ranked within their track."""

    __tablename__ = "tracks"
    __table_args__ = (sa.UniqueConstraint("event_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()


class ContestSettings(Base):
    """Contest-wide settings of an event: the window in which team leaders submit entries."""

    __tablename__ = "contest_settings"

    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    entries_open_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    entries_close_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Entry(Base):
    """A project entered in a contest (参赛项目)."""

    __tablename__ = "entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    track_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tracks.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    team_name: Mapped[str] = mapped_column(sa.String(NAME_MAX), default="")
    #: The team's school or company; the same institution as a judge's is a conflict.
    institution: Mapped[str] = mapped_column(sa.String(NAME_MAX), default="")
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    leader_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    #: ``[{"name": "张三", "role": "CEO"}, ...]``
    members: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    #: The attachment (a business plan PDF): its stored file name under the upload folder
    #: (random, never the uploader's), the name it was uploaded as, its size and media type.
    attachment_key: Mapped[str | None] = mapped_column(sa.String(64))
    attachment_name: Mapped[str] = mapped_column(sa.String(NAME_MAX), default="")
    attachment_size: Mapped[int | None]
    attachment_type: Mapped[str] = mapped_column(sa.String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    track: Mapped[Track] = relationship()
    leader: Mapped[User | None] = relationship()


class Judge(Base):
    """A user invited to judge an event's contest (usually not a member of the organization)."""

    __tablename__ = "judges"
    __table_args__ = (sa.UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    institution: Mapped[str] = mapped_column(sa.String(NAME_MAX), default="")
    #: Tags such as ``["医疗", "人工智能"]``; automatic assignment prefers a tag naming the track.
    expertise: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The name the organizers gave when inviting ("" when none): what they see until the
    #: judge accepts, never the account's own name.
    invited_name: Mapped[str] = mapped_column(sa.String(NAME_MAX), default="")
    #: When the judge accepted the invitation (opened their link, or used the judging pages
    #: signed in with their account); before that organizers see no profile of the account.
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    @property
    def accepted(self) -> bool:
        return self.accepted_at is not None

    @property
    def display_name(self) -> str:
        """The name organizers see: the account's once the judge accepted; before that the
        name the organizers gave, else the email they invited."""
        if self.accepted:
            return self.user.name
        return self.invited_name or self.user.email


class JudgeLink(Base):
    """A judge's sign-in link (the invitation mail's): judge-scoped, never a full login of the
    account. It opens once, on one device, which then works the judging pages of the
    judge's contest only; it expires unused after a while; sending a new link revokes the
    earlier ones and signs their devices out."""

    __tablename__ = "judge_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    judge_id: Mapped[int] = mapped_column(
        sa.ForeignKey("judges.id", ondelete="CASCADE"), index=True
    )
    #: SHA-256 of the link's token (hex); the token itself is only in the mail.
    digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The link opens no device after this.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: When it was opened (it opens once): the start of its device's session.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When a newer link replaced it (or the organizers revoked it): its device is signed out.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    judge: Mapped[Judge] = relationship()


class ConflictOfInterest(Base):
    """A declared conflict (回避) between a judge and an entry. Same-institution conflicts are
    automatic and not stored (see `judges.is_conflicted`)."""

    __tablename__ = "conflicts_of_interest"
    __table_args__ = (sa.UniqueConstraint("judge_id", "entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    judge_id: Mapped[int] = mapped_column(sa.ForeignKey("judges.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(
        sa.ForeignKey("entries.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    declared_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    source: Mapped[ConflictSource] = mapped_column(
        sa.Enum(ConflictSource, native_enum=False, length=16)
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Round(Base):
    """A judging round (网评, 复赛, 决赛路演): its rubric, entries, method and advancement rule."""

    __tablename__ = "rounds"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "name"),
        sa.CheckConstraint(
            "(CASE WHEN advance_top_n IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN advance_top_percent IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN advance_threshold IS NULL THEN 0 ELSE 1 END) <= 1",
            name="one_advancement_rule",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    #: Rounds run in this order within the event.
    position: Mapped[int] = mapped_column(default=0)
    aggregation: Mapped[Aggregation] = mapped_column(
        sa.Enum(Aggregation, native_enum=False, length=16), default=Aggregation.mean
    )
    #: At most one advancement rule: top N per track, top percent (0-100) per track, or a
    #: minimum score; none: nobody advances automatically.
    advance_top_n: Mapped[int | None]
    advance_top_percent: Mapped[float | None] = mapped_column(POINTS)
    advance_threshold: Mapped[float | None] = mapped_column(POINTS)
    #: Judges do not see team names and institutions (网评).
    anonymous: Mapped[bool] = mapped_column(default=False)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[RoundStatus] = mapped_column(
        sa.Enum(RoundStatus, native_enum=False, length=16), default=RoundStatus.draft
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: End of the public notice period (公示) of published results.
    notice_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="round",
        cascade="all, delete-orphan",
        order_by="(Criterion.position, Criterion.id)",
    )


class Criterion(Base):
    """One line of a round's rubric (评分标准); the weights of a round sum to 100."""

    __tablename__ = "criteria"
    __table_args__ = (
        sa.UniqueConstraint("round_id", "name"),
        sa.CheckConstraint("max_points > 0", name="max_points_positive"),
        sa.CheckConstraint("weight > 0", name="weight_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("rounds.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    max_points: Mapped[float] = mapped_column(POINTS)
    weight: Mapped[float] = mapped_column(POINTS)
    position: Mapped[int] = mapped_column(default=0)

    round: Mapped[Round] = relationship(back_populates="criteria")


class RoundEntry(Base):
    """An entry taking part in a round."""

    __tablename__ = "round_entries"

    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    entry_id: Mapped[int] = mapped_column(
        sa.ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    #: Order of appearance on stage (出场顺序, often drawn by lot); None: not set.
    position: Mapped[int | None]


class Assignment(Base):
    """A judge is to score an entry in a round."""

    __tablename__ = "assignments"
    __table_args__ = (
        sa.UniqueConstraint("round_id", "judge_id", "entry_id"),
        sa.Index("ix_assignments_round_entry", "round_id", "entry_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("rounds.id", ondelete="CASCADE"))
    judge_id: Mapped[int] = mapped_column(
        sa.ForeignKey("judges.id", ondelete="CASCADE"), index=True
    )
    entry_id: Mapped[int] = mapped_column(
        sa.ForeignKey("entries.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    judge: Mapped[Judge] = relationship()
    entry: Mapped[Entry] = relationship()


class Scorecard(Base):
    """A judge's scores for one entry in one round (评分表)."""

    __tablename__ = "scorecards"
    __table_args__ = (sa.UniqueConstraint("round_id", "judge_id", "entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("rounds.id", ondelete="CASCADE"))
    judge_id: Mapped[int] = mapped_column(
        sa.ForeignKey("judges.id", ondelete="CASCADE"), index=True
    )
    entry_id: Mapped[int] = mapped_column(
        sa.ForeignKey("entries.id", ondelete="CASCADE"), index=True
    )
    #: ``{"<criterion_id>": number}``: JSON numbers, any decimal within 0..max_points.
    scores: Mapped[dict[str, float]] = mapped_column(sa.JSON, default=dict)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[ScorecardStatus] = mapped_column(
        sa.Enum(ScorecardStatus, native_enum=False, length=16), default=ScorecardStatus.draft
    )
    #: Optimistic concurrency: each save must name the version it read; it becomes +1.
    version: Mapped[int] = mapped_column(default=1)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Stage(Base):
    """The live roadshow of a round: the entry on stage and its pitch and Q&A clocks.

    A clock is ``elapsed_ms`` already run plus, while ``running``, the time since
    ``phase_started_at``; every change bumps ``version`` so screens know to redraw.
    """

    __tablename__ = "stages"

    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    entry_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("entries.id", ondelete="SET NULL"), index=True
    )
    phase: Mapped[StagePhase] = mapped_column(
        sa.Enum(StagePhase, native_enum=False, length=16), default=StagePhase.idle
    )
    pitch_seconds: Mapped[int] = mapped_column(default=480)
    qa_seconds: Mapped[int] = mapped_column(default=300)
    running: Mapped[bool] = mapped_column(default=False)
    phase_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    elapsed_ms: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    round: Mapped[Round] = relationship()
    entry: Mapped[Entry | None] = relationship()
