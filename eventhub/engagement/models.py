"""Investor interest at roadshows (融资对接): an investor's mark on a contest entry and the
connection that shares both sides' contact details once the team accepts it.

Consent (PIPL): sharing contact details with the other side is a purpose of its own, so it
needs its own consent from each side, recorded with the time and the version of the text that
was shown. The investor gives theirs on the mark (``share_consent_at``), the team's leader
gives theirs by accepting; the connection row keeps both copies, so what was agreed to stays
on record even if the mark changes later.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventhub.accounts.models import User
from eventhub.database import Base, UTCDateTime, utcnow
from eventhub.events.models import Event
from eventhub.judging.models import Entry
from eventhub.registrations.models import Registration

#: Longest note an investor may leave with a mark.
NOTE_MAX = 1000


class InterestLevel(enum.StrEnum):
    """How far an investor's interest goes, from least to most (感兴趣 / 想约谈 / 要BP)."""

    interested = "interested"
    meeting = "meeting"
    bp = "bp"


class InvestorInterest(Base):
    """An investor's mark on an entry: one per investor and entry (the database decides), its
    level changed by marking again. The team sees it without the investor's identity."""

    __tablename__ = "investor_interests"
    __table_args__ = (sa.UniqueConstraint("entry_id", "investor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("entries.id", ondelete="CASCADE"))
    investor_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[InterestLevel] = mapped_column(
        sa.Enum(InterestLevel, native_enum=False, length=16)
    )
    #: For the team, shown only once connected (it may name the investor).
    note: Mapped[str] = mapped_column(sa.String(NOTE_MAX), default="")
    #: The investor's consent to share their contact details with the team if it accepts:
    #: when, and which text (`investors.SHARE_CONSENT_VERSION`); None: not given (or withdrawn).
    share_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    share_consent_version: Mapped[str] = mapped_column(sa.String(32), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    entry: Mapped[Entry] = relationship()
    investor: Mapped[User] = relationship()


class InvestorConnection(Base):
    """A mark the team accepted (对接成功): its investor and the leader who accepted see each
    other's contact details, with both consents on record. One per mark."""

    __tablename__ = "investor_connections"

    id: Mapped[int] = mapped_column(primary_key=True)
    interest_id: Mapped[int] = mapped_column(
        sa.ForeignKey("investor_interests.id", ondelete="CASCADE"), unique=True
    )
    entry_id: Mapped[int] = mapped_column(
        sa.ForeignKey("entries.id", ondelete="CASCADE"), index=True
    )
    investor_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    #: The leader who accepted (and consented); a later leader of the entry sees nothing.
    leader_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    investor_consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    investor_consent_version: Mapped[str] = mapped_column(sa.String(32))
    leader_consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    leader_consent_version: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    interest: Mapped[InvestorInterest] = relationship()
    entry: Mapped[Entry] = relationship()
    investor: Mapped[User] = relationship(foreign_keys=[investor_id])
    leader: Mapped[User] = relationship(foreign_keys=[leader_id])


# Lucky draws (抽奖) ---------------------------------------------------------------------------


class DrawStatus(enum.StrEnum):
    """draft (being set up) → committed (pool and seed frozen, commitment public) → drawn."""

    draft = "draft"
    committed = "committed"
    drawn = "drawn"


class DrawEligibility(enum.StrEnum):
    """Who is in a draw's pool: people checked in at its list, or every confirmed one on it."""

    checked_in = "checked_in"
    confirmed = "confirmed"


class Draw(Base):
    """A lucky draw of an event, verifiable by anyone (commit–reveal, see
    `eventhub.engagement.draws`): the pool and the seed are frozen at the commit, when only the
    pool's digest and the seed's commitment are published; the run reveals the seed."""

    __tablename__ = "draws"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    #: ``[{"name": "一等奖", "count": 1}, ...]`` in the order they take winners.
    prizes: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    eligible: Mapped[DrawEligibility] = mapped_column(
        sa.Enum(DrawEligibility, native_enum=False, length=16)
    )
    #: The check-in list whose people are eligible (None: the event's main list).
    list_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("checkin_lists.id", ondelete="SET NULL")
    )
    #: Ids of earlier draws of the event whose winners are left out of the pool.
    exclude_winners_of: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    status: Mapped[DrawStatus] = mapped_column(
        sa.Enum(DrawStatus, native_enum=False, length=16), default=DrawStatus.draft
    )
    #: The frozen pool: registration ids, ascending (set at the commit).
    pool: Mapped[list[int] | None] = mapped_column(sa.JSON)
    pool_digest: Mapped[str | None] = mapped_column(sa.String(64))
    #: 64 lowercase hex characters, secret until the run.
    seed: Mapped[str | None] = mapped_column(sa.String(64))
    #: sha256 of the seed's ASCII text, hex: public from the commit.
    commitment: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    committed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()


class DrawWinner(Base):
    """A winner of a draw: one row per person ever drawn (the unique (draw, registration)
    constraint: nobody wins twice in one draw). A winner redrawn as absent keeps their row,
    with the reason, and the prize goes to a new row."""

    __tablename__ = "draw_winners"
    __table_args__ = (sa.UniqueConstraint("draw_id", "registration_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(sa.ForeignKey("draws.id", ondelete="CASCADE"))
    #: Index of the prize in `Draw.prizes`.
    prize_index: Mapped[int]
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE")
    )
    #: The winner's place in the draw order (0: first).
    position: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set when the winner was absent and the prize was redrawn.
    redrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    redraw_reason: Mapped[str] = mapped_column(sa.String(1000), default="")
    #: The registration the prize went to instead.
    replaced_by: Mapped[int | None]

    registration: Mapped[Registration] = relationship()


# Certificates (参会证明, 获奖证书) -------------------------------------------------------


class CertificateKind(enum.StrEnum):
    """参会证明 (for a checked-in registration) or 获奖证书 (for a member of an awarded entry)."""

    attendance = "attendance"
    award = "award"


class Certificate(Base):
    """A certificate, verifiable by anyone who holds its code (`/verify/<code>`).

    Issuing again issues only what is new: the database refuses a second attendance
    certificate of a registration, and a second certificate of the same award of an entry to
    the same person (a revoked certificate still counts: it is not issued again)."""

    __tablename__ = "certificates"
    __table_args__ = (
        sa.UniqueConstraint("registration_id", "kind"),
        sa.UniqueConstraint("entry_id", "user_id", "award"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The serial printed on the PDF and in its QR code: random, from an unambiguous alphabet.
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[CertificateKind] = mapped_column(
        sa.Enum(CertificateKind, native_enum=False, length=16)
    )
    #: Attendance: the checked-in registration it certifies.
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE")
    )
    #: Award: the awarded entry.
    entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("entries.id", ondelete="CASCADE"))
    #: The owner, who sees it on their page and downloads its PDF.
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    #: The person's full name when issued (printed on the PDF; masked everywhere public).
    name: Mapped[str] = mapped_column(sa.String(200))
    #: The award as the organizer named it (一等奖); "" for attendance.
    award: Mapped[str] = mapped_column(sa.String(200), default="")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    #: Why it was revoked: shown on the public verification page.
    revoke_reason: Mapped[str] = mapped_column(sa.String(1000), default="")

    entry: Mapped[Entry | None] = relationship()

    @property
    def valid(self) -> bool:
        return self.revoked_at is None


# Satisfaction survey (满意度) ----------------------------------------------------------------
#
# Anonymous to organizers by construction: the person and what they answered live in separate
# tables with no column joining them. `SurveyParticipant` says who was invited and who has
# answered (the once-check); `SurveyResponse` and `SurveyAnswer` hold what was answered, with
# the event and nothing else (no registration, no user, no time). See `engagement.surveys`.

#: Longest question label, choice option and free-text answer of a survey.
SURVEY_LABEL_MAX = 200
SURVEY_TEXT_MAX = 2000


class SurveyQuestionKind(enum.StrEnum):
    """Rating 1–5 stars, one choice among options, free text."""

    rating = "rating"
    text = "text"
    choice = "choice"


class SurveyQuestion(Base):
    """A question of an event's satisfaction survey, in ``position`` order."""

    __tablename__ = "survey_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(sa.String(SURVEY_LABEL_MAX))
    kind: Mapped[SurveyQuestionKind] = mapped_column(
        sa.Enum(SurveyQuestionKind, native_enum=False, length=16)
    )
    #: A choice question's options, in order (empty for the other kinds).
    options: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    required: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SurveyParticipant(Base):
    """A registration's part in its event's survey: invited (the mail went out) and answered
    (the once-check). Never what it answered: no column leads to a `SurveyResponse`."""

    __tablename__ = "survey_participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    #: One row per registration (the database decides), claimed by guarded UPDATEs.
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), unique=True
    )
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SurveyResponse(Base):
    """One anonymous response to an event's survey: the event only, on purpose (no person,
    no registration, no time)."""

    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )


class SurveyAnswer(Base):
    """A response's answer to one question: ``rating`` (1–5), ``choice`` (the option's text)
    or ``text``, as the question's kind says."""

    __tablename__ = "survey_answers"
    __table_args__ = (sa.UniqueConstraint("response_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_responses.id", ondelete="CASCADE")
    )
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_questions.id", ondelete="CASCADE"), index=True
    )
    rating: Mapped[int | None]
    choice: Mapped[str | None] = mapped_column(sa.String(SURVEY_LABEL_MAX))
    text: Mapped[str | None] = mapped_column(sa.String(SURVEY_TEXT_MAX))


# Audience voting (人气奖) and live polls ---------------------------------------------------------

#: Longest question and option label (API.md: titles and names ≤ 200 characters).
POLL_TEXT_MAX = 200


class PollStatus(enum.StrEnum):
    """draft → open → closed; votes only while open, results public once closed."""

    draft = "draft"
    open = "open"
    closed = "closed"


class PollEligibility(enum.StrEnum):
    """Who may vote: confirmed registrants who have checked in, or every confirmed one."""

    checked_in = "checked_in"
    confirmed = "confirmed"


class Poll(Base):
    """A question put to an event's registrants (the 人气奖 vote when its options are a round's
    entries)."""

    __tablename__ = "polls"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    question: Mapped[str] = mapped_column(sa.String(POLL_TEXT_MAX))
    #: The round whose entries are the options (None: free-text options).
    round_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rounds.id", ondelete="SET NULL"))
    #: How many options one vote may choose.
    max_choices: Mapped[int] = mapped_column(default=1)
    eligible: Mapped[PollEligibility] = mapped_column(
        sa.Enum(PollEligibility, native_enum=False, length=16)
    )
    status: Mapped[PollStatus] = mapped_column(
        sa.Enum(PollStatus, native_enum=False, length=16), default=PollStatus.draft
    )
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    options: Mapped[list[PollOption]] = relationship(
        back_populates="poll", order_by="PollOption.position", cascade="all, delete-orphan"
    )


class PollOption(Base):
    """One answer a vote may choose, in the order shown."""

    __tablename__ = "poll_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(
        sa.ForeignKey("polls.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(sa.String(POLL_TEXT_MAX))
    #: The round's entry this option stands for (None: free text).
    entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("entries.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(default=0)

    poll: Mapped[Poll] = relationship(back_populates="options")


class PollVote(Base):
    """One registration's vote: one per poll and registration, whatever the concurrency (the
    unique constraint decides, never a read before the write)."""

    __tablename__ = "poll_votes"
    __table_args__ = (
        sa.UniqueConstraint("poll_id", "registration_id"),
        #: The alarm reads a poll's votes in time order.
        sa.Index("ix_poll_votes_poll_at", "poll_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(sa.ForeignKey("polls.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    #: A keyed digest of the voter's IP address and browser (never the address itself), for
    #: the alarm on many votes from one device.
    device: Mapped[str] = mapped_column(sa.String(32), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PollChoice(Base):
    """An option a vote chose."""

    __tablename__ = "poll_choices"

    vote_id: Mapped[int] = mapped_column(
        sa.ForeignKey("poll_votes.id", ondelete="CASCADE"), primary_key=True
    )
    option_id: Mapped[int] = mapped_column(
        sa.ForeignKey("poll_options.id", ondelete="CASCADE"), primary_key=True, index=True
    )


# The welcome wall (签到墙) ------------------------------------------------------------------


class WallHiddenName(Base):
    """A name an organizer took off the event's welcome wall (one row per registration: the
    database decides; showing it again deletes the row). The registrant's own opt-in stays
    theirs, on the registration."""

    __tablename__ = "wall_hidden_names"

    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True
    )
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    hidden_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    hidden_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
