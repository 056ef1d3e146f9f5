"""Organizers' registration pages: the list, search, decisions, exports, the form builder."""

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from eventhub.audit import AuditEntry
from eventhub.database import db
from eventhub.registrations import form_builder, queries
from eventhub.registrations import services as reg
from eventhub.registrations.form_builder import QuestionInfo
from eventhub.registrations.models import Category, Question, Registration
from eventhub.registrations.services import RegistrationInfo
from tests import factories
from tests.views.conftest import count, fresh, text


def person(n, **kw):
    return factories.UserFactory(name=kw.pop("name", f"参会者{n}"), phone=f"1390000{n:04d}", **kw)


def sign_up(event, user, **kw):
    return reg.register(user, event, RegistrationInfo(consent=True, **kw))


def list_url(event, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/events/{event.id}/registrations" + (f"?{query}" if query else "")


def detail_url(registration):
    return f"/events/{registration.event_id}/registrations/{registration.id}"


@pytest.fixture
def crowd(event, organizer):
    """A confirmed founder, a pending investor and a waitlisted guest."""
    founders = form_builder.save_category(organizer, event, "创业者", None)
    investors = form_builder.save_category(organizer, event, "投资人", None, requires_approval=True)
    question = form_builder.save_question(organizer, event, QuestionInfo("项目名称", "text"))
    event.capacity = 1
    db.session.commit()
    a = sign_up(event, person(1, name="王创业"), category_id=founders.id,
                answers={str(question.id): "智能农机"})
    b = sign_up(event, person(2, name="李投资"), category_id=investors.id)
    c = sign_up(event, person(3, name="陈观众"), category_id=founders.id)
    assert (a.status, b.status, c.status) == ("confirmed", "pending", "waitlisted")
    return {"confirmed": a, "pending": b, "waitlisted": c, "founders": founders,
            "investors": investors, "question": question}


# Who may see them ----------------------------------------------------------------------------


def test_staff_outsiders_and_participants_get_403(login, event, staff, outsider_organizer,
                                                  participant, crowd):
    registration = crowd["confirmed"]
    urls = [
        list_url(event),
        detail_url(registration),
        f"/events/{event.id}/registrations.csv",
        f"/events/{event.id}/registrations.xlsx",
        f"/events/{event.id}/registrations/new",
        f"/events/{event.id}/form",
        f"/events/{event.id}/form/questions/{crowd['question'].id}",
    ]
    for user in (staff, outsider_organizer, participant):
        c = login(user)
        for url in urls:
            assert c.get(url).status_code == 403, (user.email, url)
    # Posts are refused too, and change nothing.
    c = login(staff)
    token = c.csrf_token(f"/events/{event.id}")
    response = c.post(f"/events/{event.id}/registrations/decide",
                      data={"csrf_token": token, "ids": [crowd["pending"].id],
                            "action": "approve"})
    assert response.status_code == 403
    assert fresh(crowd["pending"]).status == "pending"
    response = c.post(f"/events/{event.id}/form/questions",
                      data={"csrf_token": token, "question-label": "x", "question-kind": "text"})
    assert response.status_code == 403
    assert count(Question) == 1


def test_anonymous_visitors_are_sent_to_login(client, event):
    response = client.get(list_url(event))
    assert response.status_code == 302 and "/login" in response.location


def test_unknown_ids_are_404(login, event, organizer, crowd, org):
    c = login(organizer)
    assert c.get("/events/999999/registrations").status_code == 404
    other_event = factories.EventFactory(organization=org)
    stranger = sign_up(other_event, person(9))
    assert c.get(f"/events/{event.id}/registrations/{stranger.id}").status_code == 404
    assert c.get(f"/events/{event.id}/registrations/999999").status_code == 404
    assert c.get(f"/events/{event.id}/form/questions/999999").status_code == 404


# The list -----------------------------------------------------------------------------------


def test_list_counts_filters_and_searches(login, event, organizer, crowd):
    c = login(organizer)
    html = text(c.get(list_url(event)))
    for name in ("王创业", "李投资", "陈观众"):
        assert name in html
    assert 'class="stat__n">3<' in html  # all
    assert html.count('class="stat__n">1<') == 3  # confirmed, pending, waitlisted

    html = text(c.get(list_url(event, status="pending")))
    assert "李投资" in html and "王创业" not in html
    html = text(c.get(list_url(event, category=crowd["investors"].id)))
    assert "李投资" in html and "陈观众" not in html
    html = text(c.get(list_url(event, q="陈观")))
    assert "陈观众" in html and "王创业" not in html
    html = text(c.get(list_url(event, q="0001")))  # the phone's last digits
    assert "王创业" in html and "李投资" not in html
    html = text(c.get(list_url(event, q=crowd["confirmed"].ticket_code.lower())))
    assert "王创业" in html and "陈观众" not in html
    for odd in ("status=bogus", "category=abc", "page=-1", "page=9999", "q=" + "x" * 5000):
        assert c.get(list_url(event) + "?" + odd).status_code == 200


def test_the_list_pages_by_fifty(login, event, organizer):
    users = [person(i) for i in range(60)]
    db.session.add_all(
        Registration(event_id=event.id, user_id=u.id, name=u.name, phone=u.phone,
                     status="confirmed")
        for u in users
    )
    db.session.commit()
    c = login(organizer)
    first = text(c.get(list_url(event)))
    assert first.count('name="ids"') == 50
    assert f'href="/events/{event.id}/registrations?page=2"' in first
    second = text(c.get(list_url(event, page=2)))
    assert second.count('name="ids"') == 10


def test_bulk_approve_and_reject_with_a_message(login, event, organizer):
    event.requires_approval = True
    db.session.commit()
    a, b, c_, d = (sign_up(event, person(i)) for i in range(4))
    c = login(organizer)
    response = c.submit(f"/events/{event.id}/registrations/decide",
                        {"ids": [a.id, b.id], "action": "approve", "status": "pending"},
                        form_url=list_url(event))
    assert response.status_code == 302
    assert response.location.endswith(list_url(event, status="pending"))
    assert (fresh(a).status, fresh(b).status) == ("confirmed", "confirmed")
    assert fresh(a).ticket_code

    response = c.submit(f"/events/{event.id}/registrations/decide",
                        {"ids": [c_.id, a.id], "action": "reject", "message": "名额已满，抱歉"},
                        form_url=list_url(event))
    assert fresh(c_).status == "rejected" and fresh(c_).decision_message == "名额已满，抱歉"
    assert fresh(a).status == "confirmed"  # not pending: refused on its own, the rest done
    assert fresh(d).status == "pending"
    html = text(c.get(list_url(event)))
    assert "flash--success" in html and "flash--error" in html

    # Nothing ticked: nothing happens.
    c.submit(f"/events/{event.id}/registrations/decide", {"action": "approve"},
             form_url=list_url(event))
    assert fresh(d).status == "pending"


# Exports ------------------------------------------------------------------------------------


def test_csv_export_has_a_bom_and_chinese(login, event, organizer, crowd):
    response = login(organizer).get(f"/events/{event.id}/registrations.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert "项目名称" in rows[0]
    names = {row[rows[0].index("姓名") if "姓名" in rows[0] else 3] for row in rows[1:]}
    assert {"王创业", "李投资", "陈观众"} <= names
    assert any("智能农机" in row for row in rows[1:])
    assert count(AuditEntry, AuditEntry.action == "registrations.exported") == 1


def test_xlsx_export_has_one_column_per_question(login, event, organizer, crowd):
    second = form_builder.save_question(organizer, event, QuestionInfo(
        "融资阶段", "choice", options=["未融资", "天使轮"]))
    response = login(organizer).get(f"/events/{event.id}/registrations.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    header = [cell.value for cell in sheet[1]]
    assert header[-2:] == ["项目名称", "融资阶段"]
    assert second.label in header
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    wang = next(row for row in rows if "王创业" in row)
    assert wang[header.index("项目名称")] == "智能农机"
    assert len(rows) == 3


# One registration ---------------------------------------------------------------------------


def test_detail_shows_answers_and_history(login, event, organizer, crowd):
    pending = crowd["pending"]
    c = login(organizer)
    html = text(c.get(detail_url(crowd["confirmed"])))
    assert "智能农机" in html and "王创业" in html and "13900000001" in html

    response = c.submit(f"{detail_url(pending)}/approve", {"message": "欢迎投资人"},
                        form_url=detail_url(pending))
    assert response.status_code == 302
    # The event is full (capacity 1): approving needs a place.
    assert fresh(pending).status == "pending"
    assert "flash--error" in text(c.get(detail_url(pending)))

    event.capacity = 5
    db.session.commit()
    c.submit(f"{detail_url(pending)}/approve", {"message": "欢迎投资人"},
             form_url=detail_url(pending))
    assert fresh(pending).status == "confirmed"
    html = text(c.get(detail_url(pending)))
    assert "registration.approved" in html and "欢迎投资人" in html and organizer.name in html


def test_notes_regenerate_and_cancel(login, event, organizer, crowd):
    confirmed, waitlisted = crowd["confirmed"], crowd["waitlisted"]
    c = login(organizer)
    url = detail_url(confirmed)
    c.submit(f"{url}/notes", {"notes": "VIP，需要翻译"}, form_url=url)
    assert fresh(confirmed).notes == "VIP，需要翻译"
    response = c.submit(f"{url}/notes", {"notes": "长" * 1001}, form_url=url)
    assert response.status_code == 302 and fresh(confirmed).notes == "VIP，需要翻译"

    old = confirmed.ticket_code
    c.submit(f"{url}/regenerate", form_url=url)
    assert fresh(confirmed).ticket_code not in (None, old)
    assert c.get(f"/tickets/{old}").status_code == 404

    c.submit(f"{url}/cancel", form_url=url)
    assert fresh(confirmed).status == "cancelled"
    assert fresh(waitlisted).status == "confirmed"  # the freed place went to the waitlist


def test_register_someone_on_their_behalf(login, event, organizer, crowd):
    event.capacity = 10
    db.session.commit()
    c = login(organizer)
    url = f"/events/{event.id}/registrations/new"
    response = c.submit(url, {"name": "周嘉宾", "email": "guest@example.com",
                              "phone": "13700001111", "category_id": crowd["founders"].id})
    assert response.status_code == 302
    registration = db.session.scalar(
        sa.select(Registration).where(Registration.email == "guest@example.com"))
    assert registration.source == "organizer" and registration.status == "confirmed"
    assert registration.name == "周嘉宾" and registration.phone == "13700001111"
    assert response.location.endswith(detail_url(registration))

    response = c.submit(url, {"name": "周嘉宾", "email": "guest@example.com",
                              "category_id": crowd["founders"].id})
    assert response.status_code == 422  # already registered
    response = c.submit(url, {"name": "", "email": "not-an-email"})
    assert response.status_code == 422
    assert count(Registration, Registration.event_id == event.id) == 4


# The form builder ---------------------------------------------------------------------------


def questions_of(event):
    db.session.expire_all()
    return queries.questions_of(event)


def test_form_builder_adds_moves_edits_and_removes_questions(login, event, organizer):
    c = login(organizer)
    url = f"/events/{event.id}/form"
    assert c.get(url).status_code == 200
    added = [("项目名称", "text", ""), ("融资阶段", "choice", "未融资\n天使轮\n\nA轮"),
             ("团队人数", "number", "")]
    for label, kind, options in added:
        response = c.submit(f"{url}/questions", {"question-label": label, "question-kind": kind,
                                                 "question-options": options,
                                                 "question-required": "y"}, form_url=url)
        assert response.status_code == 302
    labels = [q.label for q in questions_of(event)]
    assert labels == ["项目名称", "融资阶段", "团队人数"]
    stage = questions_of(event)[1]
    assert stage.options == ["未融资", "天使轮", "A轮"] and stage.required

    c.submit(f"{url}/questions/{stage.id}/move/up", form_url=url)
    assert [q.label for q in questions_of(event)] == ["融资阶段", "项目名称", "团队人数"]
    c.submit(f"{url}/questions/{stage.id}/move/down", form_url=url)
    c.submit(f"{url}/questions/{stage.id}/move/down", form_url=url)
    assert [q.label for q in questions_of(event)] == ["项目名称", "团队人数", "融资阶段"]

    edit = f"{url}/questions/{stage.id}"
    assert "天使轮" in text(c.get(edit))
    response = c.submit(edit, {"label": "融资轮次", "kind": "multichoice",
                               "options": "天使轮\nA轮", "help_text": "可多选"})
    assert response.status_code == 302
    stage = fresh(stage)
    assert (stage.label, stage.kind, stage.required, stage.help_text) == (
        "融资轮次", "multichoice", False, "可多选")

    c.submit(f"{url}/questions/{stage.id}/delete", form_url=url)
    assert [q.label for q in questions_of(event)] == ["项目名称", "团队人数"]


def test_form_builder_shows_bad_questions_beside_the_field(login, event, organizer):
    c = login(organizer)
    url = f"/events/{event.id}/form"
    response = c.submit(f"{url}/questions", {"question-label": "阶段", "question-kind": "choice",
                                             "question-options": "只有一个"}, form_url=url)
    assert response.status_code == 422
    assert 'id="question-options-error"' in text(response)
    response = c.submit(f"{url}/questions", {"question-label": "", "question-kind": "nope"},
                        form_url=url)
    assert response.status_code == 422
    html = text(response)
    assert 'id="question-label-error"' in html and 'id="question-kind-error"' in html
    assert count(Question) == 0


def test_form_builder_categories(login, event, organizer):
    c = login(organizer)
    url = f"/events/{event.id}/form"
    response = c.submit(f"{url}/categories", {"category-name": "投资人", "category-capacity": "20",
                                              "category-requires_approval": "y"}, form_url=url)
    assert response.status_code == 302
    category = db.session.scalar(sa.select(Category).where(Category.event_id == event.id))
    assert (category.name, category.capacity, category.requires_approval) == ("投资人", 20, True)

    response = c.submit(f"{url}/categories", {"category-name": "投资人"}, form_url=url)
    assert response.status_code == 422
    assert 'id="category-name-error"' in text(response)

    response = c.submit(f"{url}/categories/{category.id}", {"name": "天使投资人", "capacity": ""})
    assert response.status_code == 302
    category = fresh(category)
    assert (category.name, category.capacity, category.requires_approval) == (
        "天使投资人", None, False)

    sign_up(event, person(1), category_id=category.id)
    c.submit(f"{url}/categories/{category.id}/delete", form_url=url)
    assert count(Category) == 1  # in use: refused
    assert "flash--error" in text(c.get(url))


def test_privacy_notice_changes_bump_the_version(login, event, organizer, participant):
    c = login(organizer)
    url = f"/events/{event.id}/form"
    version = event.privacy_version
    c.submit(f"{url}/privacy", {"privacy-privacy_notice": "我们保存一年。"}, form_url=url)
    assert fresh(event).privacy_notice == "我们保存一年。"
    assert fresh(event).privacy_version == version + 1
    c.submit(f"{url}/privacy", {"privacy-privacy_notice": "我们保存一年。 "}, form_url=url)
    assert fresh(event).privacy_version == version + 1  # same text: same version
    registration = sign_up(event, participant)
    assert registration.consent_version == str(version + 1)
    response = c.submit(f"{url}/privacy", {"privacy-privacy_notice": "长" * 10_001},
                        form_url=url)
    assert response.status_code == 422 and 'id="privacy-privacy_notice-error"' in text(response)


def test_event_page_links_the_organizer_pages(login, event, organizer, staff):
    html = text(login(organizer).get(f"/events/{event.id}"))
    assert f'href="/events/{event.id}/registrations"' in html
    assert f'href="/events/{event.id}/form"' in html
    assert f'href="/events/{event.id}/registrations"' not in text(
        login(staff).get(f"/events/{event.id}"))


def test_closed_window_does_not_stop_organizers(login, event, organizer, now):
    event.registration_closes_at = now - timedelta(hours=1)
    db.session.commit()
    response = login(organizer).submit(f"/events/{event.id}/registrations/new",
                                       {"name": "晚到的嘉宾", "email": "late@example.com"})
    assert response.status_code == 302
    assert count(Registration) == 1
