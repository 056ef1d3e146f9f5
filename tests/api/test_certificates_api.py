"""Certificates through the API and the pages: the API answers as API.md says, the public
answers mask the name, the PDF goes to its owner and the organizers only, and the organizers'
page issues and revokes."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
import zxingcpp

from eventhub.checkin import services as checkin
from eventhub.database import db
from eventhub.engagement import certificates as certs
from eventhub.engagement.models import Certificate
from eventhub.judging.entries import EntryInfo, create_entry
from eventhub.registrations import services as reg
from tests import factories
from tests.api.conftest import assert_error
from tests.services.test_badges import pdf_pages, pdf_text


@pytest.fixture
def people(event, staff):
    """Two confirmed registrations of the event, the first checked in."""
    regs = []
    for i, name in enumerate(("张三丰", "李四")):
        user = factories.UserFactory(name=name, phone=f"1390000001{i}")
        regs.append(reg.register(user, event, reg.RegistrationInfo(consent=True)))
    checkin.scan(staff, factories.main_list_of(event), regs[0].ticket_code, uuid.uuid4().hex)
    return regs


def issue(api, user, event, **body):
    return api(user).post(f"/api/v1/events/{event.id}/certificates",
                          json={"kind": "attendance", **body})


def test_issue_attendance_answers_the_new_ones(api, organizer, staff, event, people):
    response = issue(api, organizer, event)
    assert response.status_code == 200
    (item,) = response.json["issued"]
    assert set(item) == {"code", "registration_id"} and item["registration_id"] == people[0].id
    assert issue(api, organizer, event).json == {"issued": []}
    checkin.scan(staff, factories.main_list_of(event), people[1].ticket_code, uuid.uuid4().hex)
    again = issue(api, organizer, event).json["issued"]
    assert [i["registration_id"] for i in again] == [people[1].id]


def test_named_registration_not_checked_in_is_409(api, organizer, event, people):
    response = issue(api, organizer, event, registration_ids=[people[1].id])
    body = assert_error(response, 409, "not_checked_in")
    assert body["registration_ids"] == [people[1].id]
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0


def test_only_organizers_issue(api, staff, participant, event, people):
    assert_error(issue(api, staff, event), 403)
    assert_error(issue(api, participant, event), 403)
    assert_error(issue(api, None, event), 401)


def test_issue_award_to_the_leader(api, organizer, contest, track):
    leader = factories.UserFactory(name="陈队长")
    entry = create_entry(organizer, contest, EntryInfo(title="智慧农业", track_id=track.id,
                                                       leader_id=leader.id))
    body = {"kind": "award", "entry_id": entry.id, "award": "一等奖"}
    response = api(organizer).post(f"/api/v1/events/{contest.id}/certificates", json=body)
    assert response.status_code == 200
    (item,) = response.json["issued"]
    assert set(item) == {"code", "entry_id"} and item["entry_id"] == entry.id
    public = api().get(f"/api/v1/certificates/{item['code']}").json
    assert public["kind"] == "award" and public["award"] == "一等奖" and public["name"] == "陈**"
    mine = api(leader).get("/api/v1/me/certificates").json["items"]
    assert [(c["code"], c["name"]) for c in mine] == [(item["code"], "陈队长")]
    lonely = create_entry(organizer, contest, EntryInfo(title="无人", track_id=track.id))
    body["entry_id"] = lonely.id
    assert_error(api(organizer).post(f"/api/v1/events/{contest.id}/certificates", json=body),
                 409, "no_recipient")
    for bad in ({"kind": "award", "award": "一等奖"}, {"kind": "award", "entry_id": entry.id},
                {"kind": "diploma"}, {}):
        response = api(organizer).post(f"/api/v1/events/{contest.id}/certificates", json=bad)
        assert_error(response, 422)


def test_the_public_answer_is_masked_and_unknown_codes_are_404(api, organizer, event, people):
    code = issue(api, organizer, event).json["issued"][0]["code"]
    body = api().get(f"/api/v1/certificates/{code}").json
    assert body["valid"] is True and body["kind"] == "attendance" and body["name"] == "张**"
    assert body["event"] == event.title and "revoked_at" not in body and "award" not in body
    assert "张三丰" not in str(body)
    assert body["issued_at"].endswith("+08:00")
    assert_error(api().get("/api/v1/certificates/ABCDEFGHJKMN"), 404)
    assert_error(api().get("/api/v1/certificates/x"), 404)


def test_revoking_shows_the_reason(api, organizer, participant, event, people):
    code = issue(api, organizer, event).json["issued"][0]["code"]
    path = f"/api/v1/certificates/{code}/revoke"
    assert_error(api(participant).post(path, json={"reason": "x"}), 403)
    assert_error(api(organizer).post(path, json={"reason": " "}), 422)
    assert_error(api(organizer).post(path, json={}), 422)
    response = api(organizer).post(path, json={"reason": "冒名签到"})
    assert response.status_code == 200 and response.json["valid"] is False
    public = api().get(f"/api/v1/certificates/{code}").json
    assert public["valid"] is False and public["revoke_reason"] == "冒名签到"
    assert public["revoked_at"]
    assert_error(api(organizer).post(path, json={"reason": "again"}), 409, "already_revoked")
    assert_error(api(organizer).post("/api/v1/certificates/ABCDEFGHJKMN/revoke",
                                     json={"reason": "x"}), 404)


def test_me_certificates_lists_only_mine(api, organizer, event, people):
    issue(api, organizer, event)
    assert len(api(people[0].user).get("/api/v1/me/certificates").json["items"]) == 1
    assert api(people[1].user).get("/api/v1/me/certificates").json["items"] == []
    assert_error(api().get("/api/v1/me/certificates"), 401)


# Pages --------------------------------------------------------------------------------------


def test_the_pdf_goes_to_the_owner_and_organizers_only(api, login, client, organizer, staff,
                                                      event, people):
    code = issue(api, organizer, event).json["issued"][0]["code"]
    path = f"/certificates/{code}.pdf"
    response = login(people[0].user).get(path)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "张三丰" in pdf_text(response.data)
    decoded = [r.text for r in zxingcpp.read_barcodes(pdf_pages(response.data)[0])]
    assert decoded == [f"http://localhost/verify/{code}"] or decoded[0].endswith(
        f"/verify/{code}") and decoded[0].startswith("http")
    assert login(organizer).get(path).status_code == 200
    assert login(staff).get(path).status_code == 403
    assert login(people[1].user).get(path).status_code == 403
    assert client.get(path).status_code in (302, 401)
    assert login(organizer).get("/certificates/ABCDEFGHJKMN.pdf").status_code == 404


def test_the_verification_page(api, client, organizer, event, people):
    code = issue(api, organizer, event).json["issued"][0]["code"]
    html = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "张**" in html and "张三丰" not in html and event.title in html
    assert "data-cert-valid" in html
    api(organizer).post(f"/api/v1/certificates/{code}/revoke", json={"reason": "冒名签到"})
    html = client.get(f"/verify/{code}", headers={"Accept-Language": "en"}).get_data(
        as_text=True)
    assert "data-cert-revoked" in html and "冒名签到" in html and "revoked" in html
    assert client.get("/verify/ABCDEFGHJKMN").status_code == 404


def test_my_certificates_page(api, login, organizer, event, people):
    code = issue(api, organizer, event).json["issued"][0]["code"]
    user = login(people[0].user)
    html = user.get("/me/certificates").get_data(as_text=True)
    assert f"/certificates/{code}.pdf" in html and event.title in html
    assert "/me/certificates" in user.get("/me/registrations").get_data(as_text=True)
    assert "我的证书" in user.get("/").get_data(as_text=True)


def test_the_organizers_page_issues_and_revokes(login, organizer, participant, event, people):
    client = login(organizer)
    page = f"/events/{event.id}/certificates"
    html = client.get(page).get_data(as_text=True)
    assert 'data-pending="1"' in html
    assert page in client.get(f"/events/{event.id}").get_data(as_text=True)
    assert login(participant).get(page).status_code == 403
    response = client.post(f"{page}/attendance", data={"csrf_token": client.csrf})
    assert response.status_code == 302
    (certificate,) = db.session.scalars(sa.select(Certificate)).all()
    html = client.get(page).get_data(as_text=True)
    assert 'data-pending="0"' in html and "张三丰" in html
    revoke = f"/certificates/{certificate.code}/revoke"
    prefix = f"r{certificate.id}-"
    response = client.post(revoke, data={"csrf_token": client.csrf, prefix + "reason": ""})
    assert response.status_code == 422
    db.session.refresh(certificate)
    assert certificate.revoked_at is None
    response = client.post(revoke, data={"csrf_token": client.csrf,
                                         prefix + "reason": "冒名签到"})
    assert response.status_code == 302
    db.session.refresh(certificate)
    assert certificate.revoke_reason == "冒名签到"


def test_the_organizers_page_issues_awards(login, organizer, contest, track):
    leader = factories.UserFactory(name="陈队长")
    entry = create_entry(organizer, contest, EntryInfo(title="智慧农业", track_id=track.id,
                                                       leader_id=leader.id))
    client = login(organizer)
    page = f"/events/{contest.id}/certificates"
    assert "智慧农业" in client.get(page).get_data(as_text=True)
    response = client.post(f"{page}/award", data={"csrf_token": client.csrf,
                                                  "entry_id": str(entry.id), "award": ""})
    assert response.status_code == 422
    response = client.post(f"{page}/award", data={"csrf_token": client.csrf,
                                                  "entry_id": str(entry.id), "award": "一等奖"})
    assert response.status_code == 302
    assert [c.award for c in certs.certificates_of(leader)] == ["一等奖"]
