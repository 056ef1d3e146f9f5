"""Import every domain's models once: one mapper registry, and the metadata Alembic compares."""

from eventhub.accounts.models import AccountSession, ApiToken, User
from eventhub.audit import AuditEntry
from eventhub.checkin.models import CheckinList, Scan
from eventhub.database import Base, db
from eventhub.engagement.models import (
    Certificate,
    Draw,
    DrawWinner,
    InvestorConnection,
    InvestorInterest,
    Poll,
    PollChoice,
    PollOption,
    PollVote,
    SurveyAnswer,
    SurveyParticipant,
    SurveyQuestion,
    SurveyResponse,
    WallHiddenName,
)
from eventhub.events.models import (
    Event,
    EventPartner,
    EventSession,
    Series,
    SeriesNotice,
    SeriesSubscription,
)
from eventhub.judging.models import (
    Assignment,
    ConflictOfInterest,
    ContestSettings,
    Criterion,
    Entry,
    Judge,
    JudgeLink,
    Round,
    RoundEntry,
    Scorecard,
    Stage,
    Track,
)
from eventhub.mail.models import OutboxMessage
from eventhub.mentors.models import (
    Mentor,
    MentorBooking,
    MentorCoaching,
    MentorRating,
    MentorRule,
    MentorSlot,
    coaching_mentees,
)
from eventhub.orgs.models import AllianceMember, Membership, Organization
from eventhub.registrations.models import Category, Question, Registration, registration_sessions
from eventhub.reports.models import DashboardLink, EventPhoto

__all__ = [
    "AccountSession", "AllianceMember", "ApiToken", "Assignment", "AuditEntry", "Base", "Category",
    "Certificate", "CheckinList", "ConflictOfInterest", "ContestSettings", "Criterion",
    "DashboardLink", "Draw",
    "DrawWinner", "Entry", "Event", "EventPartner", "EventPhoto", "EventSession",
    "InvestorConnection", "InvestorInterest", "Judge", "JudgeLink", "Membership", "Mentor",
    "MentorBooking", "MentorCoaching", "MentorRating", "MentorRule", "MentorSlot", "Organization",
    "OutboxMessage", "Poll", "PollChoice", "PollOption", "PollVote", "Question", "Registration",
    "Round", "RoundEntry", "Scan", "Scorecard", "Series", "SeriesNotice", "SeriesSubscription",
    "Stage", "SurveyAnswer", "SurveyParticipant", "SurveyQuestion", "SurveyResponse", "Track",
    "User", "WallHiddenName", "coaching_mentees", "db", "registration_sessions",
]
