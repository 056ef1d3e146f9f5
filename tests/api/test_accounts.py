"""Sign-up, /me, tokens; Bearer and session authentication; rate limits."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from eventhub import create_app
from eventhub.database import db
from eventhub.extensions import limiter
from eventhub.models import ApiToken, User
from tests.api.conftest import assert_error
from tests.factories import PASSWORD

SIGNUP = {"email": "New.Person@Example.com", "password": "abc12345", "name": "新用户"}


def test_sign_up_creates_an_account(client):
    response = client.post("/api/v1/accounts", json={**SIGNUP, "phone": "+86 138-1234-5678"})
    assert response.status_code == 201
    body = response.get_json()
    assert body == {"id": body["id"], "email": "new.person@example.com", "name": "新用户"}
    user = db.session.get(User, body["id"])
    assert user.phone == "13812345678"
    assert user.password_hash and user.password_hash != SIGNUP["password"]


def test_sign_up_twice_is_email_taken(client, participant):
    response = client.post("/api/v1/accounts", json={**SIGNUP, "email": "PARTICIPANT@example.com"})
    error = assert_error(response, 409, "email_taken")
    assert "email" in error["fields"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"password": "short1"}, "password"),
        ({"password": "onlyletters"}, "password"),
        ({"email": "not-an-email"}, "email"),
        ({"name": "   "}, "name"),
        ({"phone": "12345"}, "phone"),
        ({"name": "名" * 201}, "name"),
        ({"locale": "fr"}, "locale"),
    ],
)
def test_sign_up_rejects_bad_fields(client, changes, field):
    response = client.post("/api/v1/accounts", json={**SIGNUP, **changes})
    error = assert_error(response, 422, "validation_failed")
    assert field in error["fields"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_sign_up_refuses_wrong_types_with_400(client):
    response = client.post("/api/v1/accounts", json={**SIGNUP, "name": {"first": "x"}})
    error = assert_error(response, 400, "bad_request")
    assert "name" in error["fields"]


def test_missing_fields_are_named(client):
    error = assert_error(client.post("/api/v1/accounts", json={}), 422, "validation_failed")
    assert set(error["fields"]) == {"email", "password", "name"}


def test_body_without_content_type_is_read_as_json(client):
    import json

    response = client.post("/api/v1/accounts", data=json.dumps(SIGNUP))
    assert response.status_code == 201


def test_me_needs_authentication(client):
    assert_error(client.get("/api/v1/me"), 401, "not_authenticated")


def test_me_with_bearer_token(api, organizer, org):
    body = api(organizer).get("/api/v1/me").get_json()
    assert body["email"] == "organizer@example.com"
    assert body["locale"] == "zh_Hans"
    assert body["is_admin"] is False
    assert body["memberships"] == [
        {"id": body["memberships"][0]["id"], "org_id": org.id, "org_name": org.name,
         "role": "organizer"}
    ]
    assert "password_hash" not in body


def test_me_with_browser_session(login, participant):
    body = login(participant).get("/api/v1/me").get_json()
    assert body["id"] == participant.id
    assert body["phone"] == "13812345678"


def test_error_message_follows_accept_language(client):
    english = client.get("/api/v1/me", headers={"Accept-Language": "en"}).get_json()
    assert english["error"]["message"] == "Please sign in first."


# Tokens -----------------------------------------------------------------------------------


def test_token_for_email_and_password(client, participant):
    response = client.post(
        "/api/v1/tokens",
        json={"email": "Participant@example.com", "password": PASSWORD, "name": "scanner"},
    )
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"id", "token"}
    assert body["token"].startswith("eh_")
    me = client.application.test_client().get(
        "/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"}
    )
    assert me.get_json()["id"] == participant.id


@pytest.mark.parametrize(
    ("email", "password"),
    [("participant@example.com", "wrong-password-1"), ("nobody@example.com", PASSWORD)],
)
def test_wrong_credentials_are_401(client, participant, email, password):
    response = client.post("/api/v1/tokens", json={"email": email, "password": password})
    assert_error(response, 401, "invalid_credentials")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_account_without_password_gets_no_token(client):
    from tests.factories import UserFactory

    UserFactory(email="invited@example.com", password_hash=None)
    response = client.post(
        "/api/v1/tokens", json={"email": "invited@example.com", "password": ""}
    )
    assert_error(response, 401, "invalid_credentials")


def test_list_tokens_shows_no_secrets(api, participant, organizer):
    client = api(participant)
    api(organizer)  # someone else's token is not listed
    client.post("/api/v1/tokens", json={"email": participant.email, "password": PASSWORD})
    body = client.get("/api/v1/tokens").get_json()
    assert body["total"] == 2
    assert body["page"] == 1
    for item in body["items"]:
        assert set(item) == {"id", "name", "prefix", "created_at", "last_used_at"}
        assert item["prefix"].startswith("eh_")
    used = [item for item in body["items"] if item["name"] == "tests"]
    assert used[0]["last_used_at"] is not None


def test_using_a_token_sets_last_used_at(api, participant):
    client = api(participant)
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == participant.id))
    assert row.last_used_at is None
    assert client.get("/api/v1/me").status_code == 200
    db.session.expire_all()
    assert row.last_used_at is not None


def test_revoked_token_stops_working(api, participant):
    client = api(participant)
    token_id = client.get("/api/v1/tokens").get_json()["items"][0]["id"]
    assert client.delete(f"/api/v1/tokens/{token_id}").status_code == 204
    assert_error(client.get("/api/v1/me"), 401, "not_authenticated")
    assert db.session.get(ApiToken, token_id).revoked_at is not None


def test_revoking_someone_elses_token_is_404(api, participant, organizer):
    api(organizer)
    other = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == organizer.id))
    assert_error(api(participant).delete(f"/api/v1/tokens/{other.id}"), 404, "not_found")
    db.session.expire_all()
    assert other.revoked_at is None


@pytest.mark.parametrize("token_id", ["999999", "99999999999999999999", "0", "-1", "abc"])
def test_revoking_unknown_tokens_is_404(api, participant, token_id):
    assert_error(api(participant).delete(f"/api/v1/tokens/{token_id}"), 404, "not_found")


def test_bad_bearer_token_is_401(client):
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer eh_nonsense"})
    assert_error(response, 401, "not_authenticated")


# Bearer vs. session + CSRF ----------------------------------------------------------------


def test_session_write_needs_csrf_header(login, participant):
    client = login(participant)
    token_id = _own_token_id(participant)
    response = client.delete(f"/api/v1/tokens/{token_id}")
    assert_error(response, 400, "bad_request")
    db.session.expire_all()
    assert db.session.get(ApiToken, token_id).revoked_at is None


def test_session_write_with_csrf_header_works(login, participant):
    client = login(participant)
    token_id = _own_token_id(participant)
    response = client.delete(f"/api/v1/tokens/{token_id}", headers={"X-CSRFToken": client.csrf})
    assert response.status_code == 204


def test_session_write_with_forged_csrf_header_is_400(login, participant):
    client = login(participant)
    token_id = _own_token_id(participant)
    response = client.delete(f"/api/v1/tokens/{token_id}", headers={"X-CSRFToken": "forged"})
    assert_error(response, 400, "bad_request")


def test_bearer_write_needs_no_csrf(api, participant):
    client = api(participant)
    token_id = _own_token_id(participant)
    assert client.delete(f"/api/v1/tokens/{token_id}").status_code == 204


def _own_token_id(user) -> int:
    from eventhub.accounts.services import create_token

    row, _ = create_token(user, "spare")
    return row.id


# Rate limits ------------------------------------------------------------------------------


@pytest.fixture
def limited_app():
    """A second app with rate limits on (the Limiter is shared: put it back afterwards)."""
    was_enabled = limiter.enabled
    app = create_app(
        "testing", RATELIMIT_ENABLED=True, SIGNUP_RATE_LIMIT="2 per minute",
        LOGIN_RATE_LIMIT="2 per minute",
    )
    try:
        yield app
    finally:
        limiter.reset()
        limiter.enabled = was_enabled


@pytest.mark.parametrize("path", ["/api/v1/accounts", "/api/v1/tokens"])
def test_rate_limited_with_429(limited_app, path):
    # Bodies that fail validation: counted by the limiter, and they never reach the database.
    client = limited_app.test_client()
    with limited_app.app_context():
        for _ in range(2):
            assert client.post(path, json={}).status_code == 422
        response = client.post(path, json={})
    assert_error(response, 429, "rate_limited")
    assert "Retry-After" in response.headers or "X-RateLimit-Reset" in response.headers


def test_rate_limits_off_in_tests(client):
    for _ in range(12):
        assert client.post("/api/v1/tokens", json={}).status_code == 422


@pytest.mark.parametrize(
    "raw", ["[1]", "null", '"x"', "{bad", "[" * 100_000 + "]" * 100_000, '{"email": {"a": 1}}']
)
def test_rate_limit_key_survives_any_body(limited_app, raw):
    client = limited_app.test_client()
    with limited_app.app_context():
        response = client.post("/api/v1/tokens", data=raw, content_type="application/json")
    assert_error(response, 400)
