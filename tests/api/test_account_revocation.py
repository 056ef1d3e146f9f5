"""The API after a password reset or change: every old token and every other browser session
answers 401; tokens are listed without secrets and revoked only by their owner."""

from __future__ import annotations

import sqlalchemy as sa

from eventhub.accounts import services, sessions
from eventhub.audit import AuditEntry
from eventhub.database import db
from tests.api.conftest import assert_error


def _bearer(app, token):
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return c


def test_after_a_password_reset_old_tokens_answer_401(app, participant):
    tokens = [services.create_token(participant, name)[1] for name in ("kiosk", "script")]
    assert all(_bearer(app, t).get("/api/v1/me").status_code == 200 for t in tokens)
    services.reset_password(services.make_reset_token(participant), "brand-new-77")
    for token in tokens:
        assert_error(_bearer(app, token).get("/api/v1/me"), 401)
        assert_error(_bearer(app, token).get("/api/v1/tokens"), 401)
    response = app.test_client().post("/api/v1/tokens", json={
        "email": participant.email, "password": "brand-new-77"})
    assert response.status_code == 201  # a new token with the new password works
    assert _bearer(app, response.get_json()["token"]).get("/api/v1/me").status_code == 200


def test_after_a_password_change_other_browser_sessions_answer_401(app, login, participant):
    current, other = login(participant), login(participant)
    _, token = services.create_token(participant, "kiosk")
    keep = max(s.id for s in sessions.list_sessions(participant))  # the newest: ``other``
    services.change_own_password(participant, "correct-horse-42", "brand-new-77",
                                 keep_session_id=keep)
    assert_error(current.get("/api/v1/me"), 401)
    assert other.get("/api/v1/me").status_code == 200
    assert_error(_bearer(app, token).get("/api/v1/me"), 401)


def test_a_revoked_browser_session_answers_401(login, participant):
    client = login(participant)
    assert client.get("/api/v1/me").status_code == 200
    [row] = sessions.list_sessions(participant)
    sessions.revoke_session(participant, row.id)
    assert_error(client.get("/api/v1/me"), 401)


def test_deleting_a_token_revokes_it_and_is_audited(api, app, participant):
    row, token = services.create_token(participant, "kiosk")
    assert api(participant).delete(f"/api/v1/tokens/{row.id}").status_code == 204
    assert_error(_bearer(app, token).get("/api/v1/me"), 401)
    assert db.session.scalar(sa.select(AuditEntry.object_id).where(
        AuditEntry.action == "account.token_revoked")) == row.id
    ids = [t["id"] for t in api(participant).get("/api/v1/tokens").get_json()["items"]]
    assert row.id not in ids


def test_nobody_deletes_someone_elses_token(api, app, participant, organizer):
    row, token = services.create_token(participant, "kiosk")
    assert_error(api(organizer).delete(f"/api/v1/tokens/{row.id}"), 404, "not_found")
    assert _bearer(app, token).get("/api/v1/me").status_code == 200
