"""factory_boy factories. Each commits (to the test's savepoint), so a service that rolls back
its own unit of work does not take the fixtures with it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import factory
import sqlalchemy as sa
from factory.alchemy import SQLAlchemyModelFactory
from werkzeug.security import generate_password_hash

from eventhub.database import db
from eventhub.models import Event, EventSession, Membership, Organization, User

PASSWORD = "correct-horse-42"
_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        # Commit (a savepoint release inside the test transaction), so a service that rolls
        # back after a refused change does not take the test's rows with it.
        sqlalchemy_session_persistence = "commit"


class UserFactory(Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Sequence(lambda n: f"用户{n}")
    password_hash = _HASH
    locale = "zh_Hans"
    is_admin = False


class OrganizationFactory(Base):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"众创空间{n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    kind = "maker_space"
    description = ""


class MembershipFactory(Base):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = "organizer"


def _soon(days: int) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)


class EventFactory(Base):
    class Meta:
        model = Event

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"创业沙龙 第{n}期")
    kind = "salon"
    status = "published"
    description = "**欢迎**参加。"
    venue = "沈阳市浑南区创新路 1 号"
    starts_at = factory.LazyFunction(lambda: _soon(7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=3))
    timezone = "Asia/Shanghai"
    published_at = factory.LazyFunction(lambda: datetime.now(UTC))


class SessionFactory(Base):
    class Meta:
        model = EventSession

    event = factory.SubFactory(EventFactory)
    title = factory.Sequence(lambda n: f"分论坛 {n}")
    starts_at = factory.LazyAttribute(lambda o: o.event.starts_at)
    ends_at = factory.LazyAttribute(lambda o: o.event.starts_at + timedelta(hours=2))
    room = "A101"


def commit(obj):
    """Add a hand-built row and commit it (to the test's savepoint)."""
    db.session.add(obj)
    db.session.commit()
    return obj


def session_key(user, user_agent="pytest", ip="127.0.0.1"):
    """A new signed-in browser (account session) of ``user``: the id its cookies carry."""
    from eventhub.accounts.sessions import start_session

    return start_session(user, user_agent, ip)[1]


def main_list_of(event):
    """The event's main check-in list: events built here skip the service that makes it."""
    from eventhub.checkin.models import CheckinList

    existing = db.session.scalar(
        sa.select(CheckinList).where(CheckinList.event_id == event.id, CheckinList.is_main)
    )
    return existing or commit(CheckinList(event_id=event.id, name="主入口", is_main=True))


# Judging ----------------------------------------------------------------------------------


def contest(organization, **kw):
    """A published contest (event of kind contest) of ``organization``."""
    return EventFactory(organization=organization, kind="contest", title="创新创业大赛", **kw)


def judge(event, user=None, institution="", expertise=(), accepted=True):
    """A judge of the contest (a new user unless given) who has accepted the invitation,
    unless ``accepted=False``."""
    from eventhub.database import utcnow
    from eventhub.judging.models import Judge

    user = user or UserFactory()
    return commit(Judge(event_id=event.id, user_id=user.id, user=user, institution=institution,
                        expertise=list(expertise), accepted_at=utcnow() if accepted else None))


def rubric_round(actor, event, criteria=((10, 40), (20, 35), (5, 25)), **info):
    """A round with a rubric of (max_points, weight) criteria, opened unless ``draft=True``."""
    from eventhub.judging.rounds import RoundInfo, add_criterion, create_round, open_round

    draft = info.pop("draft", False)
    round_ = create_round(actor, event, RoundInfo(name=info.pop("name", "网评"),
                                                                  **info))
    for i, (max_points, weight) in enumerate(criteria):
        add_criterion(actor, round_, f"标准{i + 1}", max_points, weight)
    if not draft:
        open_round(actor, round_)
    return round_


def roadshow(actor, event, judges=5, entries=3, aggregation="trimmed_mean", **info):
    """A final (决赛路演) of ``entries`` entries in one track, every one of ``judges`` judges
    (institutions 机构1..) assigned to every entry, open, with one criterion of 100 points
    (a scorecard's total is its score). Returns (round, entries, judges)."""
    from eventhub.judging.assignments import assign
    from eventhub.judging.entries import EntryInfo, create_entry, create_track

    track = create_track(actor, event, info.pop("track", "科技创新组"))
    made = [create_entry(actor, event, EntryInfo(
                title=f"路演项目{i + 1}", track_id=track.id, team_name=f"团队{i + 1}",
                institution=f"大学{i + 1}"))
            for i in range(entries)]
    panel = [judge(event, institution=f"机构{i + 1}") for i in range(judges)]
    round_ = rubric_round(actor, event, criteria=((100, 100),), name=info.pop("name", "决赛路演"),
                          aggregation=aggregation, **info)
    for j in panel:
        for e in made:
            assign(actor, round_, j.id, e.id)
    return round_, made, panel


def score(judge, round_, entry, total, submit=True):
    """``judge``'s scorecard of ``entry`` giving ``total`` to the round's first criterion (all
    of a roadshow's score), submitted unless ``submit=False``."""
    from eventhub.judging.scorecards import save_scorecard

    return save_scorecard(judge.user, round_, entry,
                                  {str(round_.criteria[0].id): total}, submit=submit)


def contest_with_organizers(organizers=1):
    """A published contest of a new organization with ``organizers`` organizers, committed:
    in a concurrency test (fresh_db) the threads see it. Returns (event, organizers)."""
    org = OrganizationFactory(kind="incubator")
    people = [MembershipFactory(organization=org).user for _ in range(organizers)]
    return contest(org), people


def contest_through_services(title, admin, org_name, org_kind="incubator", days=1):
    """A published contest made as on the live site (browser tests' seeds): ``admin`` =
    (email, password, name) signs up and is made a site admin, creates the organization and
    the contest (starting in ``days`` days, for 8 hours) and publishes it.
    Returns (admin, event)."""
    from eventhub.accounts import services as accounts
    from eventhub.events import services as events
    from eventhub.orgs import services as orgs

    user = accounts.sign_up(accounts.SignUpInfo(*admin))
    user.is_admin = True
    db.session.commit()
    org = orgs.create_org(user, org_name, org_kind)
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)
    event = events.create_event(user, org, events.EventInfo(
        title=title, kind="contest", starts_at=starts, ends_at=starts + timedelta(hours=8)))
    events.change_status(user, event, "publish")
    return user, event


def entries(actor, event, track, count, title="项目", team=False):
    """``count`` entries of ``track`` titled ``title``0.. from schools 大学0.. (teams 团队0..
    when ``team``): each institution its own, for automatic conflicts."""
    from eventhub.judging.entries import EntryInfo, create_entry

    return [create_entry(actor, event, EntryInfo(
                title=f"{title}{i}", track_id=track.id, institution=f"大学{i}",
                team_name=f"团队{i}" if team else ""))
            for i in range(count)]


def mentor(org, user=None, **profile):
    """A mentor of ``org``'s pool (a new account unless ``user`` is given), stored directly:
    no invitation mail."""
    from eventhub.mentors.models import Mentor

    user = user or UserFactory()
    return commit(Mentor(org_id=org.id, user_id=user.id, user=user,
                         **{"expertise": [], **profile}))


def coaching(mentor, entry_id=None, started_at=None, minutes=45):
    """A coaching record of ``mentor`` (about the contest entry ``entry_id``, if any), stored
    as the mentors' service stores it, without its mail."""
    from eventhub.database import utcnow
    from eventhub.mentors.models import CoachingMode, MentorCoaching

    return commit(MentorCoaching(
        mentor_id=mentor.id, started_at=started_at or utcnow() - timedelta(days=3),
        minutes=minutes, mode=CoachingMode.onsite, topic="商业计划书", entry_id=entry_id,
        created_by=mentor.user_id))
