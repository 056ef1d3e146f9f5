"""The "my data" pages and their API twins: see, download, delete."""

from __future__ import annotations

import json

import sqlalchemy as sa

from eventhub.accounts.models import ApiToken, User
from eventhub.database import db
from eventhub.registrations import form_builder, privacy
from eventhub.registrations import services as reg
from eventhub.registrations.form_builder import QuestionInfo
from eventhub.registrations.models import Registration
from tests import factories
from tests.api.conftest import assert_error
from tests.conftest import DEFAULT_PASSWORD
from tests.views.conftest import count, text


def register(user, event, **kw):
    return reg.register(user, event, reg.RegistrationInfo(consent=True, **kw))


def test_pages_need_a_login(client):
    for url in ("/me/data", "/me/data.json", "/me/delete"):
        response = client.get(url)
        assert response.status_code in (302, 401), url
        if response.status_code == 302:
            assert "/login" in response.headers["Location"]


def test_my_data_page_shows_registrations_answers_and_a_download_link(
    login, event, organizer, participant
):
    city = form_builder.save_question(organizer, event, QuestionInfo("所在城市", "text"))
    register(participant, event, answers={str(city.id): "铁岭"})
    page = text(login(participant).get("/me/data"))
    assert event.title in page and "所在城市" in page and "铁岭" in page
    assert participant.email in page
    assert 'href="/me/data.json"' in page and 'href="/me/delete"' in page


def test_download_is_an_attachment_with_the_answers(login, event, organizer, participant):
    city = form_builder.save_question(organizer, event, QuestionInfo("所在城市", "text"))
    register(participant, event, answers={str(city.id): "铁岭"})
    response = login(participant).get("/me/data.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"]["email"] == participant.email
    [item] = data["registrations"]
    assert item["answers"][0]["question"] == "所在城市" and item["answers"][0]["value"] == "铁岭"
    assert "铁岭" in response.get_data(as_text=True)  # readable Chinese, not \\u escapes


def test_delete_page_refuses_a_wrong_password(login, participant):
    client = login(participant)
    assert 'name="password"' in text(client.get("/me/delete"))
    response = client.submit("/me/delete", {"password": "wrong-password", "confirm": "y"})
    assert response.status_code == 422
    assert db.session.get(User, participant.id) is not None
    response = client.submit("/me/delete", {"password": DEFAULT_PASSWORD})
    assert response.status_code == 422  # not confirmed
    db.session.expire_all()
    assert db.session.get(User, participant.id) is not None


def test_delete_page_needs_the_csrf_token(login, participant):
    response = login(participant).post(
        "/me/delete", data={"password": DEFAULT_PASSWORD, "confirm": "y"}
    )
    assert response.status_code in (400, 422)
    db.session.expire_all()
    assert db.session.get(User, participant.id) is not None


def test_delete_page_deletes_promotes_and_logs_out(login, event, participant):
    event.capacity = 1
    db.session.commit()
    mine = register(participant, event)
    waiting = register(factories.UserFactory(phone="13900000009"), event)
    client, user_id = login(participant), participant.id
    response = client.submit("/me/delete", {"password": DEFAULT_PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert count(User, User.id == user_id) == 0
    assert db.session.get(Registration, waiting.id).status == "confirmed"
    gone = db.session.get(Registration, mine.id)
    assert (gone.status, gone.name, gone.user_id) == ("cancelled", privacy.PLACEHOLDER_NAME, None)
    # Signed out: the pages ask for a login again.
    assert client.get("/me/data").status_code in (302, 401)


# The API ----------------------------------------------------------------------------------


def test_api_my_data(api, event, participant):
    register(participant, event)
    response = api(participant).get("/api/v1/me/data")
    assert response.status_code == 200
    body = response.get_json()
    assert body["profile"]["id"] == participant.id
    assert body["registrations"][0]["event"]["id"] == event.id
    assert_error(api().get("/api/v1/me/data"), 401)


def test_api_delete_with_a_token(api, event, participant):
    register(participant, event)
    client, user_id = api(participant), participant.id
    error = assert_error(client.post("/api/v1/me/delete", json={"password": "nope-nope-1"}),
                         422, "wrong_password")
    assert "password" in error["fields"]
    assert_error(client.post("/api/v1/me/delete", json={}), 422)
    assert_error(client.post("/api/v1/me/delete", json={"password": 5}), 400)
    response = client.post("/api/v1/me/delete", json={"password": DEFAULT_PASSWORD})
    assert response.status_code == 204
    db.session.expire_all()
    assert db.session.get(User, user_id) is None
    assert not db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user_id)).all()
    # The token went with the account.
    assert_error(client.get("/api/v1/me/data"), 401)


def test_api_delete_with_a_session_needs_csrf_and_signs_out(app, event, participant):
    from flask import session as flask_session
    from flask_wtf.csrf import generate_csrf

    client = app.test_client()
    with app.app_context(), app.test_request_context():
        csrf = generate_csrf()
        raw = flask_session["csrf_token"]
    with client.session_transaction() as s:
        s["_user_id"], s["_fresh"], s["csrf_token"] = factories.session_key(participant), True, raw
    body = {"password": DEFAULT_PASSWORD}
    assert 400 <= client.post("/api/v1/me/delete", json=body).status_code < 500
    db.session.expire_all()
    assert db.session.get(User, participant.id) is not None
    response = client.post("/api/v1/me/delete", json=body, headers={"X-CSRFToken": csrf})
    assert response.status_code == 204
    with client.session_transaction() as s:
        assert "_user_id" not in s


def test_organizer_counts_stay_right_after_a_deletion(api, event, organizer, participant):
    others = [register(factories.UserFactory(phone=f"1390000001{i}"), event) for i in range(2)]
    register(participant, event)
    organizer_client, client = api(organizer), api(participant)
    assert client.post("/api/v1/me/delete", json={"password": DEFAULT_PASSWORD}).status_code \
        == 204
    page = organizer_client.get(f"/api/v1/events/{event.id}/registrations").get_json()
    assert page["total"] == 3
    statuses = sorted(r["status"] for r in page["items"])
    assert statuses == ["cancelled", "confirmed", "confirmed"]
    names = {r["name"] for r in page["items"]}
    assert privacy.PLACEHOLDER_NAME in names and {o.name for o in others} <= names
