"""Privacy (PIPL): the data export, deleting an account, purging the data of old events."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from eventhub.accounts.models import ApiToken, User
from eventhub.accounts.services import create_token
from eventhub.audit import AuditEntry
from eventhub.database import db
from eventhub.errors import ValidationFailed
from eventhub.mail.models import OutboxMessage
from eventhub.orgs.models import Membership
from eventhub.registrations import form_builder, privacy, queries
from eventhub.registrations import services as reg
from eventhub.registrations.form_builder import QuestionInfo
from eventhub.registrations.models import Registration
from tests import factories
from tests.conftest import DEFAULT_PASSWORD


def info(**kw):
    return reg.RegistrationInfo(consent=True, **kw)


def people(n, start=0):
    return [factories.UserFactory(phone=f"137{i:08d}") for i in range(start, start + n)]


@pytest.fixture
def form(event, organizer):
    city = form_builder.save_question(organizer, event, QuestionInfo("所在城市", "text"))
    fields = form_builder.save_question(
        organizer, event,
        QuestionInfo("关注领域", "multichoice", options=["智能制造", "生物医药"]),
    )
    return city, fields


# Export -----------------------------------------------------------------------------------


def test_export_contains_profile_registrations_and_labelled_answers(
    event, org, participant, form, now
):
    city, fields = form
    registration = reg.register(
        participant, event,
        info(answers={str(city.id): "沈阳", str(fields.id): ["生物医药", "智能制造"]}),
    )
    data = privacy.export_my_data(participant)
    json.dumps(data)  # JSON-serializable as it is
    assert data["profile"]["email"] == participant.email
    assert data["profile"]["phone"] == "13812345678"
    [item] = data["registrations"]
    assert item["id"] == registration.id
    assert item["event"]["title"] == event.title
    assert item["event"]["organizer"] == org.name
    assert item["status"] == "confirmed"
    assert item["ticket_code"] == registration.ticket_code
    assert [(a["question"], a["value"]) for a in item["answers"]] == [
        ("所在城市", "沈阳"), ("关注领域", ["智能制造", "生物医药"])
    ]
    assert item["consent"]["version"] == str(event.privacy_version)
    assert item["consent"]["at"].startswith(str(now.year))
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "privacy.exported"))
    assert entry.actor_id == participant.id


def test_export_of_someone_without_registrations(participant):
    data = privacy.export_my_data(participant)
    assert data["registrations"] == [] and data["memberships"] == []


def test_export_lists_memberships(organizer, org):
    data = privacy.export_my_data(organizer)
    assert data["memberships"] == [{"organization": org.name, "role": "organizer"}]


# Deleting an account ----------------------------------------------------------------------


def test_wrong_password_is_refused_and_changes_nothing(event, participant):
    reg.register(participant, event, info())
    for password in ("wrong-password-1", "", None):
        with pytest.raises(ValidationFailed) as error:
            privacy.delete_account(participant, password)
        assert error.value.code == "wrong_password" and "password" in error.value.fields
    db.session.expire_all()
    assert db.session.get(User, participant.id) is not None
    assert reg.find_registration(event, participant).status == "confirmed"


def test_delete_cancels_upcoming_registrations_and_promotes_the_waitlist(event, participant):
    event.capacity = 1
    db.session.commit()
    mine = reg.register(participant, event, info())
    waiting = reg.register(people(1)[0], event, info())
    assert waiting.status == "waitlisted"

    privacy.delete_account(participant, DEFAULT_PASSWORD)

    db.session.expire_all()
    mine, waiting = db.session.get(Registration, mine.id), db.session.get(Registration, waiting.id)
    assert mine.status == "cancelled" and mine.ticket_code is None
    assert waiting.status == "confirmed" and waiting.ticket_code
    assert queries.status_counts(event)["confirmed"] == 1


def test_delete_anonymizes_every_registration_and_keeps_the_counts(
    event, org, participant, organizer, form, now
):
    city, _ = form
    past = factories.EventFactory(organization=org, starts_at=now - timedelta(days=30),
                                  ends_at=now - timedelta(days=29))
    past_reg = reg.register(participant, past, info(), actor=organizer)
    assert past_reg.status == "confirmed"
    upcoming = reg.register(participant, event, info(answers={str(city.id): "大连"}))
    reg.set_notes(organizer, upcoming, "VIP")
    others = [reg.register(u, event, info()) for u in people(2)]
    before_past = queries.status_counts(past)

    count = privacy.delete_account(participant, DEFAULT_PASSWORD)

    assert count == 2
    db.session.expire_all()
    for registration in (db.session.get(Registration, past_reg.id),
                         db.session.get(Registration, upcoming.id)):
        assert registration.user_id is None
        assert registration.name == privacy.PLACEHOLDER_NAME
        assert (registration.email, registration.phone, registration.organization,
                registration.job_title, registration.notes) == ("", "", "", "", "")
        assert registration.answers == {}
        assert registration.anonymized_at is not None
    # The past event's figures are unchanged; the upcoming one lost a confirmed place.
    assert queries.status_counts(past) == before_past
    counts = queries.status_counts(event)
    assert (counts["confirmed"], counts["cancelled"]) == (2, 1)
    assert db.session.get(Registration, past_reg.id).ticket_code  # attended: still counted
    assert all(db.session.get(Registration, r.id).name != privacy.PLACEHOLDER_NAME
               for r in others)


def test_delete_removes_the_account_memberships_tokens_and_their_mail(
    event, organizer, org
):
    reg.register(organizer, event, info(phone="13800000000"))
    create_token(organizer, "script")
    user_id, email = organizer.id, organizer.email
    assert db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.to_addr == email)).all()

    privacy.delete_account(organizer, DEFAULT_PASSWORD)

    db.session.expire_all()
    assert db.session.get(User, user_id) is None
    assert not db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user_id)).all()
    assert not db.session.scalars(sa.select(Membership).where(Membership.user_id == user_id)).all()
    assert not db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.to_addr == email)
    ).all()
    assert [m.user_id for m in db.session.get(type(org), org.id).memberships] == []
    deleted = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "account.deleted"))
    assert deleted.object_id == user_id and deleted.actor_id is None
    # The organizer's earlier audit entries stay, unlinked.
    assert db.session.scalars(sa.select(AuditEntry).where(AuditEntry.actor_id == user_id)).all() \
        == []


def test_the_email_is_free_again_after_deletion(event, participant):
    from eventhub.accounts import services as accounts

    privacy.delete_account(participant, DEFAULT_PASSWORD)
    again = accounts.sign_up(accounts.SignUpInfo("participant@example.com", "abc12345", "新"))
    assert reg.register(again, event, info(phone="13812345678")).status == "confirmed"


# Purging ended events ---------------------------------------------------------------------


def test_purge_touches_only_events_that_ended_long_enough_ago(org, event, now, organizer):
    old = factories.EventFactory(organization=org, starts_at=now - timedelta(days=100),
                                 ends_at=now - timedelta(days=99))
    recent = factories.EventFactory(organization=org, starts_at=now - timedelta(days=10),
                                    ends_at=now - timedelta(days=9))
    a, b, c = people(3)
    old_regs = [reg.register(u, old, info(), actor=organizer) for u in (a, b)]
    reg.cancel(organizer, old_regs[1])
    recent_reg = reg.register(c, recent, info(), actor=organizer)
    upcoming = reg.register(c, event, info())
    before = queries.status_counts(old)

    assert privacy.purge_ended_events(30) == 2
    db.session.expire_all()
    for r in old_regs:
        row = db.session.get(Registration, r.id)
        assert row.name == privacy.PLACEHOLDER_NAME and row.user_id is None
        assert row.phone == "" and row.anonymized_at
    assert queries.status_counts(old) == before
    for r in (recent_reg, upcoming):
        row = db.session.get(Registration, r.id)
        assert row.user_id == c.id and row.anonymized_at is None

    # Idempotent: nothing left to do.
    assert privacy.purge_ended_events(30) == 0
    # A shorter retention reaches the recent event too.
    assert privacy.purge_ended_events(5) == 1
    entries = db.session.scalars(
        sa.select(AuditEntry.event_id).where(AuditEntry.action == "registrations.purged")
    ).all()
    assert sorted(entries) == sorted([old.id, recent.id])


def test_purge_refuses_negative_days():
    with pytest.raises(ValueError):
        privacy.purge_ended_events(-1)
