"""The Registrations part of API.md, call by call: paths, fields, status values, error codes."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
import zxingcpp
from openpyxl import load_workbook
from PIL import Image, ImageDraw

from eventhub.accounts.models import User
from eventhub.database import db
from eventhub.mail.models import OutboxMessage
from eventhub.registrations import form_builder, queries
from eventhub.registrations import services as reg
from eventhub.registrations.form_builder import QuestionInfo
from eventhub.registrations.models import Registration
from eventhub.registrations.tickets import looks_like_code
from tests import factories
from tests.api.conftest import assert_error

# Helpers ----------------------------------------------------------------------------------


def person(n: int, **kw) -> User:
    return factories.UserFactory(phone=f"139{n:08d}", **kw)


def register(client, event, **body):
    body.setdefault("consent", True)
    return client.post(f"/api/v1/events/{event.id}/registrations", json=body)


def count(event, status=None) -> int:
    query = sa.select(sa.func.count()).select_from(Registration).where(
        Registration.event_id == event.id
    )
    if status:
        query = query.where(Registration.status == status)
    return db.session.scalar(query)


def info(**kw):
    return reg.RegistrationInfo(consent=True, **kw)


_RECT = re.compile(r"M([\d.]+),([\d.]+)H([\d.]+)V([\d.]+)H([\d.]+)z")


def svg_to_image(svg: str, scale: int = 10, quiet: int = 4) -> Image.Image:
    """Draw qrcode's SvgPathImage (a path of M/H/V/z unit rectangles) at ``scale`` px per
    module, with a white quiet zone of ``quiet`` modules around the viewBox."""
    width, height = map(float, re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg).groups())
    path = re.search(r' d="([^"]+)"', svg).group(1)
    rects = _RECT.findall(path)
    # Every command of the path is one of these rectangles: nothing is silently skipped.
    assert rects and len("".join(m.group(0) for m in _RECT.finditer(path))) == len(path)
    size = (int((width + 2 * quiet) * scale), int((height + 2 * quiet) * scale))
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    for x0, y0, x1, y1, _ in rects:
        left, top = (float(x0) + quiet) * scale, (float(y0) + quiet) * scale
        right, bottom = (float(x1) + quiet) * scale, (float(y1) + quiet) * scale
        draw.rectangle([left, top, right - 1, bottom - 1], fill=0)
    return image


def decode_qr(svg: str) -> str:
    results = zxingcpp.read_barcodes(svg_to_image(svg))
    assert len(results) == 1, results
    return results[0].text


@pytest.fixture
def form(event, organizer):
    """The event's form: two categories (one needs approval) and a question of each kind."""
    audience = form_builder.save_category(organizer, event, "观众", None)
    investor = form_builder.save_category(organizer, event, "投资人", None, requires_approval=True)
    questions = {
        kind: form_builder.save_question(organizer, event, QuestionInfo(label, kind, **extra))
        for kind, label, extra in [
            ("text", "所在城市", {"required": True}),
            ("textarea", "项目简介", {}),
            ("number", "团队人数", {}),
            ("choice", "融资阶段", {"options": ["天使轮", "A轮"]}),
            ("multichoice", "关注领域", {"options": ["智能制造", "生物医药", "新材料"]}),
            ("checkbox", "是否需要住宿", {}),
            ("date", "到达日期", {}),
        ]
    }
    return {"audience": audience, "investor": investor, **questions}


def answers(form, **values):
    base = {str(form["text"].id): "沈阳"}
    base.update({str(form[k].id): v for k, v in values.items()})
    return base


# POST /events/{id}/registrations ----------------------------------------------------------


def test_register_confirmed_with_a_ticket(api, event, participant):
    response = register(api(participant), event)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert isinstance(body["id"], int)
    assert body["status"] == "confirmed"
    assert body.get("waitlist_position") is None
    assert looks_like_code(body["ticket"]["code"])
    assert body["ticket"]["qr_svg_url"]
    row = db.session.get(Registration, body["id"])
    assert (row.user_id, row.event_id, row.ticket_code) == (
        participant.id, event.id, body["ticket"]["code"]
    )


def test_qr_svg_answers_the_owner_directly_by_token_and_by_session(
    api, login, event, participant, organizer
):
    client = api(participant)
    ticket = register(client, event).get_json()["ticket"]
    url = ticket["qr_svg_url"]
    for c in (client, login(participant), api(organizer)):
        response = c.get(url)
        assert response.status_code == 200  # directly, no redirect
        assert response.mimetype == "image/svg+xml"
        assert response.get_data(as_text=True).lstrip().startswith("<svg")
        assert decode_qr(response.get_data(as_text=True)) == ticket["code"]
    assert_error(api(person(1)).get(url), 404)
    assert_error(api(factories.UserFactory()).get(url), 404)
    assert_error(api().get(url), 401)


def test_ticket_qr_decodes_to_the_ticket_code(api, event, participant):
    """The SVG, drawn at 10 px per module with a quiet zone, scans back to the code."""
    ticket = register(api(participant), event).get_json()["ticket"]
    svg = api(participant).get(ticket["qr_svg_url"]).get_data(as_text=True)
    assert decode_qr(svg) == ticket["code"]
    # 26 characters at version 2 (25 modules) plus the 4-module border of the SVG itself.
    assert 'viewBox="0 0 33 33"' in svg


def test_register_waitlisted_with_position_and_no_ticket(api, event):
    event.capacity = 1
    db.session.commit()
    bodies = [register(api(person(i)), event).get_json() for i in range(3)]
    assert [b["status"] for b in bodies] == ["confirmed", "waitlisted", "waitlisted"]
    assert [b.get("waitlist_position") for b in bodies] == [None, 1, 2]
    assert [bool(b.get("ticket")) for b in bodies] == [True, False, False]
    # No QR while waitlisted.
    assert_error(api(person(1)).get(f"/api/v1/registrations/{bodies[1]['id']}/qr.svg"), 404)


def test_register_pending_when_the_category_needs_approval(api, event, form, participant):
    body = register(
        api(participant), event, category_id=form["investor"].id, answers=answers(form)
    ).get_json()
    assert body["status"] == "pending"
    assert not body.get("ticket") and body.get("waitlist_position") is None


def test_register_twice_is_409_already_registered_with_the_id(api, event, participant):
    client = api(participant)
    first = register(client, event).get_json()
    error = assert_error(register(client, event), 409, "already_registered")
    assert error["registration_id"] == first["id"]
    assert count(event) == 1


def test_register_again_after_cancelling(api, event, participant):
    client = api(participant)
    first = register(client, event).get_json()
    client.post(f"/api/v1/registrations/{first['id']}/cancel")
    again = register(client, event)
    assert again.status_code == 201
    assert again.get_json()["id"] == first["id"]
    assert again.get_json()["status"] == "confirmed"


@pytest.mark.parametrize(
    "change",
    [
        {"registration_paused": True},
        {"registration_closes_at": timedelta(minutes=-1)},
        {"registration_opens_at": timedelta(days=1)},
    ],
    ids=["paused", "window_closed", "not_yet_open"],
)
def test_register_outside_the_window_is_409_registration_closed(
    api, event, participant, now, change
):
    for key, value in change.items():
        setattr(event, key, now + value if isinstance(value, timedelta) else value)
    db.session.commit()
    assert_error(register(api(participant), event), 409, "registration_closed")
    assert count(event) == 0


@pytest.mark.parametrize("status", ["closed", "cancelled"])
def test_register_for_a_visible_event_that_is_not_open_is_409_event_not_open(
    api, event, participant, status
):
    event.status = status
    db.session.commit()
    assert_error(register(api(participant), event), 409, "event_not_open")
    assert count(event) == 0


def test_register_for_a_draft(api, org, participant, organizer):
    """A draft is invisible to the public (404); its own organizers see it, and it is not
    open (409 event_not_open)."""
    draft = factories.EventFactory(organization=org, status="draft", published_at=None)
    assert_error(register(api(participant), draft), 404)
    assert_error(register(api(organizer), draft, phone="13800000000"), 409, "event_not_open")
    assert count(draft) == 0


def test_register_unknown_event_and_anonymous(api, event):
    assert_error(api(person(1)).post("/api/v1/events/424242/registrations",
                                     json={"consent": True}), 404)
    assert_error(register(api(), event), 401)


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("missing_required", "text"),
        ("wrong_type_number", "number"),
        ("wrong_type_text", "text"),
        ("choice_not_offered", "choice"),
        ("multichoice_not_offered", "multichoice"),
        ("unknown_question", None),
        ("text_10000", "text"),
        ("textarea_10001", "textarea"),
        ("bad_date", "date"),
        ("checkbox_text", "checkbox"),
        ("answers_not_an_object", None),
    ],
)
def test_bad_answers_are_422_per_question(api, event, form, participant, case, field):
    good = answers(form)
    bad = {
        "missing_required": {},
        "wrong_type_number": {**good, str(form["number"].id): "许多"},
        "wrong_type_text": {**good, str(form["text"].id): 42},
        "choice_not_offered": {**good, str(form["choice"].id): "C轮"},
        "multichoice_not_offered": {**good, str(form["multichoice"].id): ["智能制造", "航天"]},
        "unknown_question": {**good, "424242": "x"},
        "text_10000": {**good, str(form["text"].id): "长" * 10_000},
        "textarea_10001": {**good, str(form["textarea"].id): "长" * 10_001},
        "bad_date": {**good, str(form["date"].id): "明天"},
        "checkbox_text": {**good, str(form["checkbox"].id): "maybe"},
        "answers_not_an_object": ["沈阳"],
    }[case]
    response = register(api(participant), event, category_id=form["audience"].id, answers=bad)
    assert 400 <= response.status_code < 500
    if case == "answers_not_an_object":
        assert_error(response, 400)
        return
    error = assert_error(response, 422)
    key = f"answers.{form[field].id}" if field else "answers.424242"
    assert key in error["fields"], error
    assert count(event) == 0


def test_good_answers_are_stored_cleaned(api, event, form, participant):
    body = register(
        api(participant),
        event,
        category_id=form["audience"].id,
        answers=answers(
            form,
            textarea="长" * 10_000,
            number="12",
            choice="A轮",
            multichoice=["新材料", "智能制造"],
            checkbox=True,
            date="2026-05-18",
        ),
    ).get_json()
    assert body["status"] == "confirmed"
    assert body["answers"][str(form["number"].id)] == 12
    assert body["answers"][str(form["multichoice"].id)] == ["智能制造", "新材料"]
    assert body["answers"][str(form["checkbox"].id)] is True
    assert body["category_id"] == form["audience"].id


@pytest.mark.parametrize(("consent", "status"), [(False, 422), ("yes", 400), (None, 422)])
def test_consent_must_be_true(api, event, participant, consent, status):
    body = {} if consent is None else {"consent": consent}
    response = api(participant).post(f"/api/v1/events/{event.id}/registrations", json=body)
    error = assert_error(response, status)
    assert "consent" in error.get("fields", {})
    assert count(event) == 0


def test_category_and_sessions_must_belong_to_the_event(api, event, form, participant):
    other = factories.EventFactory()
    foreign_session = factories.SessionFactory(event=other)
    client = api(participant)
    error = assert_error(register(client, event, answers=answers(form)), 422)
    assert "category_id" in error["fields"]
    error = assert_error(register(client, event, category_id=form["audience"].id,
                                  session_ids=[foreign_session.id], answers=answers(form)), 422)
    assert "session_ids" in error["fields"]
    assert count(event) == 0


def test_session_pool_waitlists(api, event):
    forum = factories.SessionFactory(event=event, capacity=1)
    first = register(api(person(1)), event, session_ids=[forum.id]).get_json()
    second = register(api(person(2)), event, session_ids=[forum.id]).get_json()
    third = register(api(person(3)), event).get_json()
    assert (first["status"], second["status"], third["status"]) == (
        "confirmed", "waitlisted", "confirmed"
    )
    assert first["session_ids"] == [forum.id]


# GET /registrations/{id}, GET /me/registrations -------------------------------------------


def test_get_registration_owner_or_organizer(api, event, participant, organizer, owner, staff,
                                             admin, outsider_organizer):
    rid = register(api(participant), event).get_json()["id"]
    url = f"/api/v1/registrations/{rid}"
    for user in (participant, organizer, owner, admin):
        response = api(user).get(url)
        assert response.status_code == 200, user
        assert response.get_json()["id"] == rid
        assert response.get_json()["status"] == "confirmed"
    for user in (staff, outsider_organizer, person(5)):
        assert_error(api(user).get(url), 404)
    assert_error(api().get(url), 401)
    assert_error(api(participant).get("/api/v1/registrations/424242"), 404)


def test_my_registrations_lists_only_mine(api, event, org, participant):
    other_event = factories.EventFactory(organization=org)
    client = api(participant)
    ids = {register(client, e).get_json()["id"] for e in (event, other_event)}
    register(api(person(1)), event)
    page = client.get("/api/v1/me/registrations").get_json()
    assert {r["id"] for r in page["items"]} == ids
    assert (page["total"], page["page"], page["per_page"]) == (2, 1, 50)
    assert all(r["ticket"]["code"] for r in page["items"])
    assert client.get("/api/v1/me/registrations?per_page=1").get_json()["total"] == 2
    assert_error(api().get("/api/v1/me/registrations"), 401)


# Cancel and the waitlist ------------------------------------------------------------------


def test_cancel_by_owner_promotes_the_first_waitlisted(api, event):
    event.capacity = 1
    db.session.commit()
    a, b, c = person(1), person(2), person(3)
    ra, rb, rc = (register(api(u), event).get_json() for u in (a, b, c))
    response = api(a).post(f"/api/v1/registrations/{ra['id']}/cancel")
    assert response.status_code == 200
    assert response.get_json()["status"] == "cancelled"
    assert not response.get_json().get("ticket")
    promoted = api(b).get(f"/api/v1/registrations/{rb['id']}").get_json()
    assert promoted["status"] == "confirmed" and looks_like_code(promoted["ticket"]["code"])
    waiting = api(c).get(f"/api/v1/registrations/{rc['id']}").get_json()
    assert (waiting["status"], waiting["waitlist_position"]) == ("waitlisted", 1)
    assert count(event, "confirmed") == 1
    # The promoted person gets mail.
    subjects = db.session.scalars(sa.select(OutboxMessage.subject)).all()
    assert any("A place opened up" in s or "名额" in s for s in subjects), subjects


def test_cancel_promotes_the_first_whose_pools_have_room(api, event):
    event.capacity = 2
    db.session.commit()
    forum = factories.SessionFactory(event=event, capacity=1)
    a, b, c, d = (person(i) for i in range(4))
    register(api(a), event, session_ids=[forum.id])
    rb = register(api(b), event).get_json()
    rc = register(api(c), event, session_ids=[forum.id]).get_json()
    rd = register(api(d), event).get_json()
    assert (rc["status"], rd["status"]) == ("waitlisted", "waitlisted")
    api(b).post(f"/api/v1/registrations/{rb['id']}/cancel")
    assert api(c).get(f"/api/v1/registrations/{rc['id']}").get_json()["status"] == "waitlisted"
    assert api(d).get(f"/api/v1/registrations/{rd['id']}").get_json()["status"] == "confirmed"


def test_cancel_by_organizer_others_404_twice_409(api, event, participant, organizer, staff):
    rid = register(api(participant), event).get_json()["id"]
    url = f"/api/v1/registrations/{rid}/cancel"
    for user in (person(1), staff):
        assert_error(api(user).post(url), 404)
    response = api(organizer).post(url, json={"message": "场地调整"})
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    assert response.get_json()["decision_message"] == "场地调整"
    assert_error(api(participant).post(url), 409, "invalid_status")


def test_cancel_with_a_session_needs_the_csrf_header(login, event, participant):
    registration = reg.register(participant, event, info())
    client = login(participant)
    url = f"/api/v1/registrations/{registration.id}/cancel"
    response = client.post(url)
    assert 400 <= response.status_code < 500
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).status == "confirmed"
    response = client.post(url, headers={"X-CSRFToken": client.csrf})
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"


def test_owner_cannot_cancel_once_the_event_started(api, event, participant, organizer, now):
    registration = reg.register(participant, event, info())
    event.starts_at = now - timedelta(hours=1)
    db.session.commit()
    url = f"/api/v1/registrations/{registration.id}/cancel"
    assert_error(api(participant).post(url), 409, "event_started")
    assert api(organizer).post(url).status_code == 200


# Approve, reject, bulk decisions ----------------------------------------------------------


def test_approve_confirms_with_a_ticket(api, event, participant, organizer):
    event.requires_approval = True
    db.session.commit()
    rid = register(api(participant), event).get_json()["id"]
    response = api(organizer).post(f"/api/v1/registrations/{rid}/approve",
                                   json={"message": "欢迎参加"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "confirmed" and looks_like_code(body["ticket"]["code"])
    assert body["decision_message"] == "欢迎参加"
    assert_error(api(organizer).post(f"/api/v1/registrations/{rid}/approve"), 409,
                 "invalid_status")


def test_approve_past_capacity_is_409_capacity_full(api, event, form, organizer):
    form["investor"].capacity = 1
    db.session.commit()
    body = {"category_id": form["investor"].id, "answers": answers(form)}
    first, second = (register(api(person(i)), event, **body).get_json() for i in (1, 2))
    assert api(organizer).post(f"/api/v1/registrations/{first['id']}/approve").status_code == 200
    assert_error(api(organizer).post(f"/api/v1/registrations/{second['id']}/approve"), 409,
                 "capacity_full")
    assert db.session.get(Registration, second["id"]).status == "pending"


def test_only_organizers_decide(api, event, participant, staff, outsider_organizer):
    event.requires_approval = True
    db.session.commit()
    rid = register(api(participant), event).get_json()["id"]
    for action in ("approve", "reject"):
        url = f"/api/v1/registrations/{rid}/{action}"
        assert_error(api(staff).post(url), 403)
        assert_error(api(participant).post(url), 403)
        assert_error(api(outsider_organizer).post(url), 404)
        assert_error(api(person(7)).post(url), 404)
    db.session.expire_all()
    assert db.session.get(Registration, rid).status == "pending"


def test_reject_with_a_message(api, event, participant, organizer):
    event.requires_approval = True
    db.session.commit()
    rid = register(api(participant), event).get_json()["id"]
    response = api(organizer).post(f"/api/v1/registrations/{rid}/reject",
                                   json={"message": "名额已满"})
    assert response.get_json()["status"] == "rejected"
    mine = api(participant).get(f"/api/v1/registrations/{rid}").get_json()
    assert (mine["status"], mine["decision_message"]) == ("rejected", "名额已满")
    assert_error(register(api(participant), event), 409, "registration_rejected")


def test_bulk_decide(api, event, organizer, staff):
    event.requires_approval = True
    event.capacity = 1
    db.session.commit()
    ids = [register(api(person(i)), event).get_json()["id"] for i in range(3)]
    url = f"/api/v1/events/{event.id}/registrations/decide"
    body = {"registration_ids": [*ids, 424242], "action": "approve"}
    assert_error(api(staff).post(url, json=body), 403)
    result = api(organizer).post(url, json=body).get_json()
    assert result["done"] == ids[:1]
    assert [(f["id"], f["code"]) for f in result["failed"]] == [
        (ids[1], "capacity_full"), (ids[2], "capacity_full"), (424242, "not_found")
    ]
    result = api(organizer).post(url, json={"registration_ids": ids[1:], "action": "reject",
                                            "message": "抱歉"}).get_json()
    assert result == {"done": ids[1:], "failed": []}
    assert_error(api(organizer).post(url, json={"registration_ids": ids, "action": "maybe"}),
                 422)


# PATCH /registrations/{id} ----------------------------------------------------------------


def test_owner_changes_answers_organizer_sets_notes(api, event, form, participant, organizer):
    body = register(api(participant), event, category_id=form["audience"].id,
                    answers=answers(form)).get_json()
    url = f"/api/v1/registrations/{body['id']}"
    response = api(participant).patch(url, json={"answers": answers(form, number=5),
                                                 "organization": "东北大学"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["answers"][str(form["number"].id)] == 5
    assert response.get_json()["organization"] == "东北大学"
    assert_error(api(participant).patch(url, json={"notes": "VIP"}), 403)
    error = assert_error(
        api(participant).patch(url, json={"answers": {str(form["choice"].id): "C轮"}}), 422
    )
    assert f"answers.{form['choice'].id}" in error["fields"]
    response = api(organizer).patch(url, json={"notes": "VIP，需要翻译"})
    assert response.get_json()["notes"] == "VIP，需要翻译"
    assert "notes" not in api(participant).get(url).get_json()
    assert_error(api(person(3)).patch(url, json={"organization": "x"}), 404)


def test_owner_cannot_edit_after_registration_closes(api, event, participant, organizer, now):
    registration = reg.register(participant, event, info())
    event.registration_closes_at = now - timedelta(minutes=1)
    db.session.commit()
    url = f"/api/v1/registrations/{registration.id}"
    assert_error(api(participant).patch(url, json={"organization": "x"}), 409,
                 "registration_closed")
    assert api(organizer).patch(url, json={"organization": "x"}).status_code == 200


# Tickets ----------------------------------------------------------------------------------


def test_regenerate_ticket_replaces_the_code_and_its_qr(api, event, participant, organizer,
                                                         staff):
    body = register(api(participant), event).get_json()
    old = body["ticket"]["code"]
    url = f"/api/v1/registrations/{body['id']}/ticket/regenerate"
    assert_error(api(participant).post(url), 403)
    assert_error(api(staff).post(url), 403)
    assert_error(api(person(2)).post(url), 404)
    response = api(organizer).post(url)
    assert response.status_code == 200
    new = response.get_json()["ticket"]["code"]
    assert looks_like_code(new) and new != old
    svg = api(participant).get(body["ticket"]["qr_svg_url"]).get_data(as_text=True)
    assert decode_qr(svg) == new
    assert db.session.scalar(sa.select(Registration).where(Registration.ticket_code == old)) is None
    subjects = db.session.scalars(sa.select(OutboxMessage.subject)).all()
    assert any("新" in s or "new code" in s for s in subjects), subjects


def test_regenerate_needs_a_confirmed_registration(api, event, participant, organizer):
    event.requires_approval = True
    db.session.commit()
    rid = register(api(participant), event).get_json()["id"]
    assert_error(api(organizer).post(f"/api/v1/registrations/{rid}/ticket/regenerate"), 409,
                 "invalid_status")


# Import -----------------------------------------------------------------------------------


def test_import_applies_capacity_duplicates_and_the_waitlist(api, event, organizer, participant):
    event.capacity = 2
    db.session.commit()
    reg.register(participant, event, info())
    people = [
        {"name": "钱一", "email": "qian@example.com", "phone": "13700000001"},
        {"name": "孙二", "email": "Sun@Example.com"},
        {"name": "钱一", "email": "QIAN@example.com"},
        {"name": "赵参与", "email": participant.email},
        {"name": "李四", "email": "not-an-email"},
        {"name": "周五", "email": "zhou@example.com", "phone": "12345"},
    ]
    response = api(organizer).post(f"/api/v1/events/{event.id}/registrations/import",
                                   json={"people": people})
    assert response.status_code == 200, response.get_json()
    result = response.get_json()
    assert result["created"] == 2
    assert [s["index"] for s in result["skipped"]] == [2, 3, 4, 5]
    assert all(isinstance(s["reason"], str) and s["reason"] for s in result["skipped"])
    regs = result["registrations"]
    assert [(r["email"], r["status"]) for r in regs] == [
        ("qian@example.com", "confirmed"), ("sun@example.com", "waitlisted")
    ]
    assert set(regs[0]) >= {"id", "email", "status", "ticket"}
    assert looks_like_code(regs[0]["ticket"]["code"]) and not regs[1].get("ticket")
    # People without an account get one without a password.
    qian = db.session.scalar(sa.select(User).where(User.email == "qian@example.com"))
    assert qian.password_hash is None and qian.phone == "13700000001"
    # notify defaults to false: no mail to the imported people.
    assert not db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.to_addr.in_(["qian@example.com",
                                                                  "sun@example.com"]))
    ).all()
    assert count(event) == 3


def test_import_with_notify_mails_each_person(api, event, organizer):
    response = api(organizer).post(
        f"/api/v1/events/{event.id}/registrations/import",
        json={"people": [{"name": "钱一", "email": "qian@example.com"}], "notify": True},
    )
    assert response.get_json()["created"] == 1
    assert db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.to_addr == "qian@example.com")
    ).all()


def test_import_checks_categories_and_answers(api, event, form, organizer):
    people = [
        {"name": "钱一", "email": "qian@example.com", "category_id": form["audience"].id,
         "answers": answers(form)},
        {"name": "孙二", "email": "sun@example.com", "category_id": form["investor"].id,
         "answers": answers(form)},
        {"name": "李四", "email": "li@example.com", "category_id": form["audience"].id,
         "answers": {}},
        {"name": "周五", "email": "zhou@example.com", "category_id": 424242,
         "answers": answers(form)},
    ]
    result = api(organizer).post(f"/api/v1/events/{event.id}/registrations/import",
                                 json={"people": people}).get_json()
    assert [r["status"] for r in result["registrations"]] == ["confirmed", "pending"]
    assert [s["index"] for s in result["skipped"]] == [2, 3]


def test_import_is_for_organizers(api, event, staff, participant):
    url = f"/api/v1/events/{event.id}/registrations/import"
    body = {"people": [{"name": "钱一", "email": "qian@example.com"}]}
    for user in (staff, participant):
        assert_error(api(user).post(url, json=body), 403)
    assert_error(api(participant).post(url, json={"people": []}), 422)
    assert count(event) == 0


# Organizers' list and exports -------------------------------------------------------------


@pytest.fixture
def crowd(event, form, organizer):
    """Five registrations of the event in every status."""
    event.capacity = 2
    db.session.commit()
    users = [person(i, name=n) for i, n in enumerate(["张伟", "王芳", "李娜", "刘洋", "陈静"])]
    regs = [
        reg.register(u, event, info(category_id=form["audience"].id, answers=answers(form)))
        for u in users[:3]
    ]
    regs.append(reg.register(users[3], event, info(category_id=form["investor"].id,
                                                   answers=answers(form, choice="天使轮"))))
    regs.append(reg.register(users[4], event, info(category_id=form["investor"].id,
                                                   answers=answers(form))))
    reg.reject(organizer, regs[4])
    reg.cancel(users[1], regs[1])  # 李娜 moves up
    return regs


def test_list_registrations_for_organizers(api, event, crowd, organizer, staff, participant):
    url = f"/api/v1/events/{event.id}/registrations"
    page = api(organizer).get(url).get_json()
    assert page["total"] == 5
    by_name = {r["name"]: r["status"] for r in page["items"]}
    assert by_name == {"张伟": "confirmed", "王芳": "cancelled", "李娜": "confirmed",
                       "刘洋": "pending", "陈静": "rejected"}
    for status, names in [("cancelled", {"王芳"}), ("confirmed", {"张伟", "李娜"}),
                          ("waitlisted", set())]:
        items = api(organizer).get(f"{url}?status={status}").get_json()["items"]
        assert {r["name"] for r in items} == names
    assert_error(api(organizer).get(f"{url}?status=maybe"), 422)
    for user in (staff, participant):
        assert_error(api(user).get(url), 403)
    assert_error(api().get(url), 401)


def test_list_search_by_name_phone_email_and_code(api, event, crowd, organizer):
    url = f"/api/v1/events/{event.id}/registrations"

    def names(q):
        return {r["name"] for r in api(organizer).get(url, query_string={"q": q}).get_json()
                ["items"]}

    assert names("李") == {"李娜"}
    assert names(crowd[3].phone[-4:]) == {"刘洋"}
    assert names(crowd[0].email.upper()) == {"张伟"}
    assert names(crowd[0].ticket_code.lower()) == {"张伟"}
    assert names("%") == set()
    assert names("nobody") == set()


def test_csv_export(api, event, form, crowd, organizer, staff):
    url = f"/api/v1/events/{event.id}/registrations.csv"
    response = api(organizer).get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    header = rows[0]
    for key in ("text", "textarea", "number", "choice", "multichoice", "checkbox", "date"):
        assert header.count(form[key].label) == 1
    assert len(rows) == 6 and all(len(r) == len(header) for r in rows)
    stage = header.index("融资阶段")
    assert [r[stage] for r in rows[1:]].count("天使轮") == 1
    assert_error(api(staff).get(url), 403)
    assert_error(api().get(url), 401)


def test_xlsx_export_has_one_column_per_question(api, event, form, crowd, organizer, staff):
    url = f"/api/v1/events/{event.id}/registrations.xlsx"
    response = api(organizer).get(url)
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = rows[0]
    labels = [q.label for q in queries.questions_of(event)]
    assert header[-len(labels):] == labels
    assert len(rows) == 6
    city = header.index("所在城市")
    assert {r[city] for r in rows[1:]} == {"沈阳"}
    assert_error(api(staff).get(url), 403)


# Categories and questions -----------------------------------------------------------------


def test_categories_endpoints(api, event, organizer, staff, participant):
    url = f"/api/v1/events/{event.id}/categories"
    response = api(organizer).post(url, json={"name": "投资人", "capacity": 1,
                                              "requires_approval": False})
    assert response.status_code == 201
    category = response.get_json()
    assert category["name"] == "投资人" and category["capacity"] == 1
    assert_error(api(organizer).post(url, json={"name": "投资人"}), 409, "name_taken")
    assert_error(api(organizer).post(url, json={"name": " "}), 422)
    assert_error(api(staff).post(url, json={"name": "媒体"}), 403)
    assert [c["name"] for c in api(participant).get(url).get_json()["items"]] == ["投资人"]

    first = register(api(person(1)), event, category_id=category["id"]).get_json()
    second = register(api(person(2)), event, category_id=category["id"]).get_json()
    assert (first["status"], second["status"]) == ("confirmed", "waitlisted")
    cat_url = f"/api/v1/categories/{category['id']}"
    response = api(organizer).patch(cat_url, json={"capacity": 2})
    assert response.get_json()["capacity"] == 2
    assert db.session.get(Registration, second["id"]).status == "confirmed"
    assert_error(api(organizer).delete(cat_url), 409, "in_use")
    spare = api(organizer).post(url, json={"name": "媒体"}).get_json()
    assert api(organizer).delete(f"/api/v1/categories/{spare['id']}").status_code == 204
    assert_error(api(organizer).delete(f"/api/v1/categories/{spare['id']}"), 404)


def test_questions_endpoints(api, event, organizer, staff, participant):
    url = f"/api/v1/events/{event.id}/questions"
    made = []
    for body in [
        {"label": "所在城市", "kind": "text", "required": True},
        {"label": "关注领域", "kind": "multichoice", "options": ["智能制造", "生物医药"]},
        {"label": "团队人数", "kind": "number"},
    ]:
        response = api(organizer).post(url, json=body)
        assert response.status_code == 201, response.get_json()
        made.append(response.get_json())
    assert made[1]["options"] == ["智能制造", "生物医药"]
    error = assert_error(api(organizer).post(url, json={"label": "阶段", "kind": "choice",
                                                        "options": ["天使轮"]}), 422)
    assert "options" in error["fields"]
    assert_error(api(organizer).post(url, json={"label": "x", "kind": "slider"}), 422)
    assert_error(api(staff).post(url, json={"label": "x", "kind": "text"}), 403)

    response = api(organizer).patch(f"/api/v1/questions/{made[2]['id']}",
                                    json={"position": 0, "required": True})
    assert response.status_code == 200
    items = api(participant).get(url).get_json()["items"]
    assert [q["label"] for q in items] == ["团队人数", "所在城市", "关注领域"]
    assert items[0]["required"] is True
    assert api(organizer).delete(f"/api/v1/questions/{made[1]['id']}").status_code == 204
    assert len(api(participant).get(url).get_json()["items"]) == 2
    error = assert_error(register(api(participant), event), 422)
    assert set(error["fields"]) == {f"answers.{made[0]['id']}", f"answers.{made[2]['id']}"}


def test_openapi_documents_the_registration_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path, method in [
        ("/api/v1/events/{event_id}/registrations", "post"),
        ("/api/v1/events/{event_id}/registrations", "get"),
        ("/api/v1/events/{event_id}/registrations/import", "post"),
        ("/api/v1/events/{event_id}/registrations.csv", "get"),
        ("/api/v1/events/{event_id}/registrations.xlsx", "get"),
        ("/api/v1/registrations/{registration_id}", "get"),
        ("/api/v1/registrations/{registration_id}/cancel", "post"),
        ("/api/v1/registrations/{registration_id}/approve", "post"),
        ("/api/v1/registrations/{registration_id}/reject", "post"),
        ("/api/v1/me/registrations", "get"),
    ]:
        assert method in paths[path], (path, method)
    responses = paths["/api/v1/events/{event_id}/registrations"]["post"]["responses"]
    assert {"201", "401", "404", "409", "422"} <= set(responses)
