"""The mentor pool's API beyond API.md's fields (issue 13): adding a mentor mails the
invitation (a claim link only for an account without a password), and the mentor answers carry
``photo_url`` (API.md permits extra fields), which whoever sees the mentor can fetch."""

from __future__ import annotations

import io

import sqlalchemy as sa
from PIL import Image

from eventhub.database import db
from eventhub.mail.models import OutboxMessage
from eventhub.mentors import services
from eventhub.models import Mentor
from tests.api.conftest import assert_error


def _mails() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.template == "mentor_invitation").order_by(OutboxMessage.id)))


def test_adding_a_mentor_mails_the_invitation(api, org, organizer, participant):
    client = api(organizer)
    body = client.post(f"/api/v1/orgs/{org.id}/mentors",
                       json={"email": "new@example.com", "name": "新导师"}).get_json()
    mail, = _mails()
    assert mail.to_addr == "new@example.com"
    assert f"/mentors/{body['id']}/claim/" in mail.text_body
    before = participant.password_hash
    body = client.post(f"/api/v1/orgs/{org.id}/mentors",
                       json={"email": participant.email}).get_json()
    notice = _mails()[1]
    assert notice.to_addr == participant.email and "/claim/" not in notice.text_body
    assert f"/mentors/{body['id']}/profile/edit" in notice.text_body
    db.session.expire_all()
    assert db.session.get(type(participant), participant.id).password_hash == before


def test_refused_additions_mail_nobody(api, org, organizer, staff):
    api(organizer).post(f"/api/v1/orgs/{org.id}/mentors", json={"email": "a@example.com"})
    api(organizer).post(f"/api/v1/orgs/{org.id}/mentors", json={"email": "a@example.com"})
    api(staff).post(f"/api/v1/orgs/{org.id}/mentors", json={"email": "b@example.com"})
    api(organizer).post(f"/api/v1/orgs/{org.id}/mentors", json={"email": "nope"})
    assert len(_mails()) == 1


def test_mentor_answers_carry_the_photo_url(app, api, org, organizer, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    client = api(organizer)
    added = client.post(f"/api/v1/orgs/{org.id}/mentors",
                        json={"email": "m@example.com", "name": "陈导师"}).get_json()
    assert added["photo_url"] == f"/mentors/{added['id']}/photo?v=none"
    assert app.test_client().get(added["photo_url"]).mimetype == "image/svg+xml"
    mentor = db.session.get(Mentor, added["id"])
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(out, format="PNG")
    services.save_photo(organizer, mentor, io.BytesIO(out.getvalue()))
    item, = api().get("/api/v1/mentors").get_json()["items"]
    assert item["photo_url"] == f"/mentors/{mentor.id}/photo?v={mentor.photo_key[:12]}"
    assert app.test_client().get(item["photo_url"]).mimetype == "image/png"
    patched = client.patch(f"/api/v1/mentors/{mentor.id}", json={"public": False}).get_json()
    assert patched["photo_url"] == item["photo_url"]
    assert app.test_client().get(item["photo_url"]).status_code == 404


def _png(size=(20, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "green").save(out, format="PNG")
    return out.getvalue()


def test_the_photo_through_the_api(app, api, org, owner, participant, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    mentor = services.add_mentor(owner, org, "m@example.com", "陈导师")
    url = f"/api/v1/mentors/{mentor.id}/photo"
    response = api(mentor.user).put(url, data={"photo": (io.BytesIO(_png()), "me.png")},
                                    content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    db.session.expire_all()
    key = db.session.get(Mentor, mentor.id).photo_key
    assert key and response.get_json()["photo_url"].endswith(f"v={key[:12]}")
    assert_error(api(participant).put(url, data={"photo": (io.BytesIO(_png()), "x.png")},
                                      content_type="multipart/form-data"), 403)
    assert_error(api(participant).delete(url), 403)
    monkeypatch.setitem(app.config, "MENTOR_PHOTO_MAX_BYTES", 100)
    assert_error(api(owner).put(url, data={"photo": (io.BytesIO(_png((60, 60))), "x.png")},
                                content_type="multipart/form-data"), 422, "photo_too_large")
    monkeypatch.delitem(app.config, "MENTOR_PHOTO_MAX_BYTES")
    refused = api(owner).put(url, data={"photo": (io.BytesIO(b"GIF89a....."), "x.gif")},
                             content_type="multipart/form-data")
    assert_error(refused, 422)
    assert "photo" in refused.get_json()["error"]["fields"]
    assert_error(api(owner).put(url, data={}, content_type="multipart/form-data"), 422)
    db.session.expire_all()
    assert db.session.get(Mentor, mentor.id).photo_key == key
    assert api(owner).delete(url).status_code == 204
    db.session.expire_all()
    assert db.session.get(Mentor, mentor.id).photo_key is None
