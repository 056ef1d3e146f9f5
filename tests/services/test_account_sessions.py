"""Account sessions: each signed-in browser is recorded, can be revoked one by one, and a
password change or reset signs the account out everywhere (sessions and API tokens)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from eventhub.accounts import services, sessions
from eventhub.accounts.models import AccountSession
from eventhub.audit import AuditEntry
from eventhub.database import db, utcnow
from eventhub.errors import NotFound, ValidationFailed
from tests import factories
from tests.conftest import DEFAULT_PASSWORD

CHROME_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
                  "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36")


def _audit(action):
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def test_a_session_keeps_only_a_digest_of_its_key(participant):
    row, key = sessions.start_session(participant, "x" * 1000, "203.0.113.9")
    user_id, secret = key.split(":")
    assert user_id == str(participant.id) and len(secret) >= 40
    assert secret not in row.digest and len(row.digest) == 64
    assert len(row.user_agent) == 255 and row.ip == "203.0.113.9"
    assert sessions.live_session(key).user == participant


@pytest.mark.parametrize("key", ["", "5", "abc:def", ":secret", "5:", "5:" + "x" * 500])
def test_a_bare_user_id_or_a_malformed_key_is_refused(participant, key):
    key = key.replace("5", str(participant.id))
    assert sessions.live_session(key) is None


def test_a_key_with_another_users_id_is_refused(participant, organizer):
    _, key = sessions.start_session(participant, "", None)
    secret = key.split(":")[1]
    assert sessions.live_session(f"{organizer.id}:{secret}") is None


def test_a_session_of_an_inactive_account_is_refused(participant):
    _, key = sessions.start_session(participant, "", None)
    participant.is_active_account = False
    db.session.commit()
    assert sessions.live_session(key) is None


def test_a_session_unused_longer_than_a_remember_cookie_is_over(app, participant):
    start = utcnow()
    _, key = sessions.start_session(participant, "", None, now=start)
    limit = timedelta(seconds=app.config["REMEMBER_COOKIE_DURATION"])
    assert sessions.live_session(key, now=start + limit - timedelta(minutes=1)) is not None
    _, key = sessions.start_session(participant, "", None, now=start)
    assert sessions.live_session(key, now=start + limit + timedelta(minutes=1)) is None
    assert len(sessions.list_sessions(participant, now=start + limit + timedelta(minutes=1))) == 1


def test_last_seen_is_written_at_most_every_few_minutes(participant, count_statements):
    start = utcnow()
    row, key = sessions.start_session(participant, "", "203.0.113.9", now=start)
    count_statements.clear()
    soon = start + sessions.TOUCH_INTERVAL - timedelta(seconds=1)
    assert sessions.live_session(key, "198.51.100.7", now=soon).last_seen_at == start
    assert len(count_statements) == 1, count_statements  # the read, no write
    later = start + sessions.TOUCH_INTERVAL + timedelta(seconds=1)
    sessions.live_session(key, "198.51.100.7", now=later)
    db.session.expire_all()
    row = db.session.get(AccountSession, row.id)
    assert (row.last_seen_at, row.ip) == (later, "198.51.100.7")


def test_a_password_reset_revokes_every_session_and_token(participant):
    keys = [sessions.start_session(participant, "", None)[1] for _ in range(2)]
    tokens = [services.create_token(participant, "kiosk")[1] for _ in range(2)]
    other_key = sessions.start_session(factories.UserFactory(), "", None)[1]
    services.reset_password(services.make_reset_token(participant), "brand-new-77")
    assert all(sessions.live_session(key) is None for key in keys)
    assert all(services.user_for_token(token) is None for token in tokens)
    assert sessions.live_session(other_key) is not None  # nobody else is signed out
    [entry] = _audit("account.password_changed")
    assert entry.object_id == participant.id and entry.actor_id == participant.id
    assert entry.after == {"sessions_revoked": 2, "tokens_revoked": 2}


def test_a_password_change_keeps_only_the_current_session(participant):
    current, current_key = sessions.start_session(participant, "", None)
    other_key = sessions.start_session(participant, "", None)[1]
    token = services.create_token(participant)[1]
    services.change_own_password(participant, DEFAULT_PASSWORD, "brand-new-77",
                                 keep_session_id=current.id)
    assert sessions.live_session(current_key) is not None
    assert sessions.live_session(other_key) is None
    assert services.user_for_token(token) is None
    assert services.verify_password(participant, "brand-new-77")


@pytest.mark.parametrize(("current", "new", "field"), [
    ("wrong-pass-1", "brand-new-77", "current_password"),
    (DEFAULT_PASSWORD, "short", "password"),
])
def test_a_refused_password_change_changes_nothing(participant, current, new, field):
    row, key = sessions.start_session(participant, "", None)
    other_key = sessions.start_session(participant, "", None)[1]
    token = services.create_token(participant)[1]
    before = participant.password_hash
    with pytest.raises(ValidationFailed) as error:
        services.change_own_password(participant, current, new, keep_session_id=row.id)
    assert field in error.value.fields
    db.session.expire_all()
    assert participant.password_hash == before
    assert sessions.live_session(other_key) is not None
    assert services.user_for_token(token) is not None
    assert _audit("account.password_changed") == []


def test_revoking_one_session_signs_out_only_that_one_and_is_audited(participant):
    row, key = sessions.start_session(participant, "", None)
    other_key = sessions.start_session(participant, "", None)[1]
    sessions.revoke_session(participant, row.id)
    assert sessions.live_session(key) is None
    assert sessions.live_session(other_key) is not None
    [entry] = _audit("account.session_revoked")
    assert (entry.object_type, entry.object_id, entry.actor_id) == (
        "account_sessions", row.id, participant.id)
    assert [s.id for s in sessions.list_sessions(participant)] != [row.id]
    assert row.id not in [s.id for s in sessions.list_sessions(participant)]


def test_nobody_revokes_someone_elses_session(participant, organizer):
    row, key = sessions.start_session(participant, "", None)
    with pytest.raises(NotFound):
        sessions.revoke_session(organizer, row.id)
    with pytest.raises(NotFound):
        sessions.revoke_session(organizer, row.id + 1000)
    assert sessions.live_session(key) is not None
    assert _audit("account.session_revoked") == []


def test_a_revoked_session_cannot_be_revoked_again(participant):
    row, _ = sessions.start_session(participant, "", None)
    sessions.revoke_session(participant, row.id)
    with pytest.raises(NotFound):
        sessions.revoke_session(participant, row.id)


def test_signing_out_everywhere_else_keeps_the_current_session(participant):
    current, current_key = sessions.start_session(participant, "", None)
    others = [sessions.start_session(participant, "", None)[1] for _ in range(3)]
    assert sessions.revoke_other_sessions(participant, current.id) == 3
    assert sessions.live_session(current_key) is not None
    assert all(sessions.live_session(key) is None for key in others)
    [entry] = _audit("account.sessions_revoked")
    assert entry.after == {"sessions": 3}


def test_revoking_a_token_is_audited(participant):
    row, token = services.create_token(participant, "kiosk")
    services.revoke_token(participant, row.id)
    assert services.user_for_token(token) is None
    [entry] = _audit("account.token_revoked")
    assert (entry.object_type, entry.object_id) == ("api_tokens", row.id)


def test_deleting_a_user_deletes_their_sessions(participant):
    sessions.start_session(participant, "", None)
    db.session.execute(sa.delete(type(participant)).where(type(participant).id == participant.id))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccountSession)) == 0


def test_ended_sessions_are_purged_with_their_addresses(app, participant):
    from eventhub.cli import eventhub_cli

    start = utcnow() - timedelta(days=60)
    idle = sessions.start_session(participant, "", "203.0.113.9", now=start)[0]
    revoked = sessions.start_session(participant, "", "203.0.113.9")[0]
    sessions.revoke_session(participant, revoked.id)
    live, key = sessions.start_session(participant, "", "203.0.113.9")
    result = app.test_cli_runner().invoke(eventhub_cli, ["purge", "--days", "180"])
    assert result.exit_code == 0 and "deleted 2 ended sign-in sessions" in result.output
    ids = set(db.session.scalars(sa.select(AccountSession.id)))
    assert ids == {live.id} and idle.id not in ids
    assert sessions.live_session(key) is not None


@pytest.mark.parametrize(("user_agent", "words"), [
    (CHROME_WINDOWS, "Windows 10 上的 Chrome"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
     "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI",
     "iOS 17 (iPhone) 上的 WeChat Browser"),
    ("", "未知设备"),
])
def test_a_device_is_named_in_plain_words(app, user_agent, words):
    with app.test_request_context():
        assert sessions.describe_device(user_agent) == words
