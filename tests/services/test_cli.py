"""`flask eventhub create-admin` and `flask eventhub demo`."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from eventhub.accounts import services as accounts
from eventhub.accounts.models import User
from eventhub.database import db
from eventhub.events.models import Event, EventKind
from tests import factories


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def _run(*args: str):
        result = runner.invoke(args=["eventhub", *args])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        return result

    return _run


def row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def test_create_admin_creates_then_updates(run):
    result = run("create-admin", "--email", "Boss@Example.com", "--password", "abc12345",
                 "--name", "平台管理员")
    assert result.exit_code == 0, result.output
    admin = accounts.find_user_by_email("boss@example.com")
    assert admin.is_admin and admin.name == "平台管理员"
    assert accounts.verify_password(admin, "abc12345")

    result = run("create-admin", "--email", "boss@example.com", "--password", "new-pass-2026",
                 "--name", "运营负责人")
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    [admin] = db.session.scalars(sa.select(User).where(User.email == "boss@example.com"))
    assert admin.name == "运营负责人"
    assert accounts.verify_password(admin, "new-pass-2026")
    assert not accounts.verify_password(admin, "abc12345")


def test_create_admin_promotes_an_existing_user(run, participant):
    result = run("create-admin", "--email", participant.email, "--password", "abc12345")
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(User, participant.id).is_admin
    assert db.session.get(User, participant.id).name == "赵参与"


def test_create_admin_refuses_a_weak_password(run):
    result = run("create-admin", "--email", "weak@example.com", "--password", "short")
    assert result.exit_code != 0
    assert "password" in result.output
    assert accounts.find_user_by_email("weak@example.com") is None


def test_demo_is_idempotent(run):
    run("demo")
    first = row_counts()
    assert first["scorecards"] > 200 and first["assignments"] > 300
    assert first["mentors"] == 12 and first["mentor_coachings"] > 100
    assert first["mentor_ratings"] > 30 and first["investor_interests"] > 5
    assert first["draws"] == 2 and first["poll_votes"] > 20 and first["survey_responses"] > 20
    assert first["certificates"] > 30 and first["wall_hidden_names"] == 1
    assert first["alliance_members"] == 4 and first["event_partners"] >= 15
    assert first["series"] == 1 and first["series_subscriptions"] >= 10
    result = run("demo")
    assert result.exit_code == 0, result.output
    assert row_counts() == first


def test_demo_reset_starts_over(run):
    run("demo")
    loaded = row_counts()
    factories.UserFactory(email="stranger@example.com")
    week = db.session.scalar(sa.select(Event).where(Event.kind == EventKind.week))
    week.title = "改过的标题"
    db.session.commit()

    result = run("demo", "--reset")
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert row_counts() == loaded
    assert accounts.find_user_by_email("stranger@example.com") is None
    assert db.session.scalar(sa.select(Event.title).where(Event.kind == EventKind.week)).endswith(
        "中国(沈阳)创业周"
    )


def test_demo_small_leaves_out_the_bulk(run):
    """`demo --small` (tests, a quick look): every part but the crowd's bulk, the named
    participant registered at every event with registrations."""
    from eventhub.demo import PARTICIPANTS, SMALL_CROWD
    from eventhub.registrations.models import Registration

    result = run("demo", "--small")
    assert result.exit_code == 0, result.output
    counts = row_counts()
    assert counts["mentors"] == 12 and counts["scorecards"] > 0 and counts["certificates"] > 0
    assert counts["alliance_members"] == 0 and counts["series"] == 0
    assert counts["wall_hidden_names"] == 0
    per_event = db.session.execute(
        sa.select(Registration.event_id, sa.func.count()).group_by(Registration.event_id)).all()
    # The named participants and a crowd of SMALL_CROWD (the investors and judges besides).
    assert per_event and all(n <= len(PARTICIPANTS) + SMALL_CROWD + 5 for _, n in per_event)
    assert accounts.find_user_by_email(f"guest{SMALL_CROWD:03d}@example.com") is None
    zhangwei = accounts.find_user_by_email("zhangwei@example.com")
    assert {event_id for event_id, _ in per_event} == set(db.session.scalars(
        sa.select(Registration.event_id).where(Registration.user_id == zhangwei.id)))


def test_purge_command(run, org, participant, organizer, now):
    from datetime import timedelta

    from eventhub.registrations import services as reg
    from eventhub.registrations.privacy import PLACEHOLDER_NAME

    old = factories.EventFactory(organization=org, starts_at=now - timedelta(days=200),
                                 ends_at=now - timedelta(days=199))
    registration = reg.register(participant, old, reg.RegistrationInfo(), actor=organizer)
    result = run("purge", "--days", "180")
    assert result.exit_code == 0 and "anonymized 1" in result.output
    db.session.expire_all()
    assert db.session.get(type(registration), registration.id).name == PLACEHOLDER_NAME
    assert "anonymized 0" in run("purge", "--days", "180").output
    assert run("purge", "--days", "-1").exit_code != 0


