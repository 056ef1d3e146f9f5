"""Registering: pools, waitlist, approval, cancellation and promotion, answers, windows."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from eventhub.database import db
from eventhub.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from eventhub.mail.models import OutboxMessage
from eventhub.registrations import form_builder, imports, queries
from eventhub.registrations import services as reg
from eventhub.registrations.models import Registration
from eventhub.registrations.services import RegistrationInfo
from eventhub.registrations.tickets import looks_like_code
from tests import factories


def people(n):
    return [factories.UserFactory(phone=f"139{i:08d}") for i in range(n)]


def info(**kw):
    return RegistrationInfo(consent=True, **kw)


def statuses(event):
    rows = db.session.scalars(
        sa.select(Registration).where(Registration.event_id == event.id).order_by(Registration.id)
    )
    return [r.status.value for r in rows]


def test_confirmed_until_full_then_waitlisted_in_order(event):
    event.capacity = 2
    regs = [reg.register(u, event, info()) for u in people(4)]
    assert [r.status for r in regs] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert [reg.waitlist_position(r) for r in regs] == [None, None, 1, 2]
    assert all(looks_like_code(r.ticket_code) for r in regs[:2])
    assert regs[2].ticket_code is None


def test_cancel_promotes_first_waitlisted_in_same_transaction(event, now):
    event.capacity = 1
    first, second, third = (reg.register(u, event, info()) for u in people(3))
    reg.cancel(first.user, first)
    assert (first.status, second.status, third.status) == ("cancelled", "confirmed", "waitlisted")
    assert second.ticket_code and reg.waitlist_position(third) == 1
    kinds = db.session.scalars(sa.select(OutboxMessage.subject).order_by(OutboxMessage.id)).all()
    assert any("A place opened up" in s or "空出" in s or "名额" in s for s in kinds)


def test_category_and_session_pools(event, organizer):
    investors = form_builder.save_category(organizer, event, "投资人", 1)
    audience = form_builder.save_category(organizer, event, "观众", None)
    forum = factories.SessionFactory(event=event, capacity=1)
    a, b, c, d = people(4)
    assert reg.register(a, event, info(category_id=investors.id)).status == "confirmed"
    assert reg.register(b, event, info(category_id=investors.id)).status == "waitlisted"
    assert (
        reg.register(c, event, info(category_id=audience.id, session_ids=[forum.id])).status
        == "confirmed"
    )
    assert (
        reg.register(d, event, info(category_id=audience.id, session_ids=[forum.id])).status
        == "waitlisted"
    )


def test_promotion_skips_those_whose_pools_are_still_full(event, organizer):
    event.capacity = 2
    forum = factories.SessionFactory(event=event, capacity=1)
    a, b, c, d = people(4)
    ra = reg.register(a, event, info(session_ids=[forum.id]))
    reg.register(b, event, info())
    rc = reg.register(c, event, info(session_ids=[forum.id]))  # event full → waitlisted
    rd = reg.register(d, event, info())
    assert (rc.status, rd.status) == ("waitlisted", "waitlisted")
    reg.cancel(b, db.session.get(Registration, 2) if False else reg.find_registration(event, b))
    # The freed place is an event place; c also needs the forum, which a still holds.
    assert (rc.status, rd.status) == ("waitlisted", "confirmed")
    reg.cancel(a, ra)
    assert rc.status == "confirmed"


def test_approval_holds_no_place_until_approved(event, organizer):
    event.capacity = 1
    vip = form_builder.save_category(organizer, event, "嘉宾", None, requires_approval=True)
    a, b = people(2)
    audience = form_builder.save_category(organizer, event, "观众", None)
    pending = reg.register(a, event, info(category_id=vip.id))
    assert pending.status == "pending" and pending.ticket_code is None
    assert reg.register(b, event, info(category_id=audience.id)).status == "confirmed"
    with pytest.raises(Conflict) as error:
        reg.approve(organizer, pending)
    assert error.value.code == "capacity_full" and pending.status == "pending"
    event.capacity = 2
    reg.approve(organizer, pending, "欢迎")
    assert pending.status == "confirmed" and pending.ticket_code


def test_only_organizers_decide(event, staff, participant):
    event.requires_approval = True
    registration = reg.register(participant, event, info())
    for user in (staff, participant):
        with pytest.raises(NotAllowed):
            reg.approve(user, registration)
    assert registration.status == "pending"


def test_double_registration_is_refused_with_its_id(event, participant):
    first = reg.register(participant, event, info())
    with pytest.raises(Conflict) as error:
        reg.register(participant, event, info())
    assert error.value.code == "already_registered"
    assert error.value.extra["registration_id"] == first.id


def test_register_again_after_cancelling(event, participant):
    first = reg.register(participant, event, info())
    reg.cancel(participant, first)
    again = reg.register(participant, event, info())
    assert again.id == first.id and again.status == "confirmed"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"status": "draft"}, "event_not_open"),
        ({"registration_paused": True}, "registration_closed"),
        ({"registration_closes_at": "past"}, "registration_closed"),
        ({"registration_opens_at": "future"}, "registration_closed"),
    ],
)
def test_closed_window_or_unpublished_event_refuses(event, participant, now, change, code):
    for key, value in change.items():
        if value == "past":
            value = now - timedelta(minutes=1)
        elif value == "future":
            value = now + timedelta(days=1)
        setattr(event, key, value)
    with pytest.raises(Conflict) as error:
        reg.register(participant, event, info())
    assert error.value.code == code
    assert statuses(event) == []


@pytest.mark.parametrize(
    ("change", "window"),
    [
        ({}, "open"),
        ({"registration_paused": True}, "paused"),
        ({"registration_opens_at": "future"}, "soon"),
        ({"registration_opens_at": "future", "registration_paused": True}, "paused"),
        ({"registration_closes_at": "past"}, "closed"),
        ({"status": "draft"}, "closed"),
        ({"status": "draft", "registration_opens_at": "future"}, "closed"),
    ],
)
def test_registration_window_and_box_agree_with_register(event, participant, now, change,
                                                         window):
    for key, value in change.items():
        value = {"past": now - timedelta(minutes=1), "future": now + timedelta(days=1)}.get(
            value, value)
        setattr(event, key, value)
    assert reg.registration_window(event, now) == window
    assert reg.registration_box(event, participant, now).state == window
    assert reg.registration_box(event, None, now).state == window
    if window == "open":
        assert reg.register(participant, event, info(), now=now).status == "confirmed"
    else:
        with pytest.raises(Conflict):
            reg.register(participant, event, info(), now=now)


def test_registration_box_full_then_registered(event, participant, organizer, now):
    audience = form_builder.save_category(organizer, event, "观众", 1)
    assert reg.registration_box(event, participant, now).state == "open"
    reg.register(factories.UserFactory(phone="13900000009"), event,
                 info(category_id=audience.id))
    assert reg.is_full(event)
    assert reg.registration_box(event, participant, now).state == "full"
    mine = reg.register(participant, event, info(category_id=audience.id))
    box = reg.registration_box(event, participant, now)
    assert (box.state, box.registration, box.position) == ("registered", mine, 1)
    reg.cancel(participant, mine)
    assert reg.registration_box(event, participant, now).state == "full"


def test_answers_are_checked(event, organizer, participant):
    size = form_builder.save_question(
        organizer, event, form_builder.QuestionInfo("团队人数", "number", required=True)
    )
    stage = form_builder.save_question(
        organizer, event, form_builder.QuestionInfo("融资阶段", "choice", options=["天使轮", "A轮"])
    )
    bad = {str(size.id): "many", str(stage.id): "C轮", "999999": "x"}
    with pytest.raises(ValidationFailed) as error:
        reg.register(participant, event, info(answers=bad))
    assert set(error.value.fields) == {
        f"answers.{size.id}",
        f"answers.{stage.id}",
        "answers.999999",
    }
    with pytest.raises(ValidationFailed) as error:
        reg.register(participant, event, info(answers={str(stage.id): "A轮"}))
    assert f"answers.{size.id}" in error.value.fields
    with pytest.raises(ValidationFailed):
        reg.register(participant, event, info(answers={str(size.id): 3, "x": "y" * 10_000}))
    assert statuses(event) == []
    ok = reg.register(participant, event, info(answers={str(size.id): "3", str(stage.id): "A轮"}))
    assert ok.answers == {str(size.id): 3, str(stage.id): "A轮"}


def test_every_problem_is_reported_at_once(event, organizer, participant):
    form_builder.save_category(organizer, event, "观众", 100)
    size = form_builder.save_question(
        organizer, event, form_builder.QuestionInfo("团队人数", "number", required=True)
    )
    bad = RegistrationInfo(name=" ", phone="12", answers={str(size.id): "many"}, consent=False)
    with pytest.raises(ValidationFailed) as error:
        reg.register(participant, event, bad)
    assert set(error.value.fields) == {
        "category_id", f"answers.{size.id}", "name", "phone", "consent",
    }
    registration = reg.register(participant, event, info(
        category_id=queries.categories_of(event)[0].id, answers={str(size.id): 3}))
    with pytest.raises(ValidationFailed) as error:
        reg.update_answers(participant, registration, RegistrationInfo(name=" ", answers={}))
    assert set(error.value.fields) == {"name", f"answers.{size.id}"}


def test_consent_is_required_and_recorded(event, participant):
    with pytest.raises(ValidationFailed) as error:
        reg.register(participant, event, RegistrationInfo(consent=False))
    assert "consent" in error.value.fields
    registration = reg.register(participant, event, info())
    assert registration.consent_version == str(event.privacy_version)
    assert registration.consent_at is not None


def test_participant_cannot_touch_anothers_registration(event, participant):
    other = factories.UserFactory(phone="13900000001")
    registration = reg.register(other, event, info())
    with pytest.raises(NotFound):
        reg.cancel(participant, registration)
    with pytest.raises(NotFound):
        reg.update_answers(participant, registration, info())
    assert registration.status == "confirmed"


def test_cannot_cancel_after_start_but_organizer_can(event, participant, organizer, now):
    registration = reg.register(participant, event, info())
    later = event.starts_at + timedelta(minutes=5)
    with pytest.raises(Conflict):
        reg.cancel(participant, registration, now=later)
    reg.cancel(organizer, registration, now=later)
    assert registration.status == "cancelled"


def test_regenerated_ticket_replaces_the_old_code(event, participant, organizer):
    registration = reg.register(participant, event, info())
    old = registration.ticket_code
    reg.regenerate_ticket(organizer, registration)
    assert registration.ticket_code != old and looks_like_code(registration.ticket_code)


def test_capacity_increase_fills_the_waitlist(event, organizer):
    cat = form_builder.save_category(organizer, event, "观众", 1)
    a, b = people(2)
    reg.register(a, event, info(category_id=cat.id))
    waiting = reg.register(b, event, info(category_id=cat.id))
    assert waiting.status == "waitlisted"
    form_builder.save_category(organizer, event, "观众", 2, category=cat)
    assert waiting.status == "confirmed"


def test_import_applies_every_rule(event, organizer):
    event.capacity = 1
    result = imports.import_people(
        organizer,
        event,
        [
            {"name": "钱一", "email": "qian@example.com", "phone": "13700000001"},
            {"name": "孙二", "email": "sun@example.com"},
            {"name": "钱一", "email": "QIAN@example.com"},
            {"name": "", "email": "not-an-email"},
        ],
    )
    assert result["created"] == 2
    assert [r.status.value for r in result["registrations"]] == ["confirmed", "waitlisted"]
    assert [s["index"] for s in result["skipped"]] == [2, 3]
    assert result["skipped"][0]["code"] == "already_registered"


def test_raising_event_capacity_promotes_the_waitlist(event, organizer):
    from eventhub.events import services as events

    event.capacity = 1
    first, second, third = (reg.register(u, event, info()) for u in people(3))
    assert (second.status, third.status) == ("waitlisted", "waitlisted")
    events.update_event(organizer, event, capacity=2)
    assert (second.status, third.status) == ("confirmed", "waitlisted")
    assert reg.waitlist_position(third) == 1


def test_raising_session_capacity_promotes_the_waitlist(event, organizer):
    from eventhub.events import services as events

    forum = factories.SessionFactory(event=event, capacity=1)
    a, b = people(2)
    reg.register(a, event, info(session_ids=[forum.id]))
    waiting = reg.register(b, event, info(session_ids=[forum.id]))
    assert waiting.status == "waitlisted"
    events.update_session(
        organizer, forum,
        events.SessionInfo(forum.title, forum.starts_at, forum.ends_at, forum.room, 5),
    )
    assert waiting.status == "confirmed"


def test_a_refused_registration_on_behalf_leaves_no_new_account(event, organizer):
    from eventhub.accounts.services import find_user_by_email

    event.status = "cancelled"
    db.session.commit()
    with pytest.raises(Conflict):
        imports.register_person(organizer, event, "new.person@example.com",
                            RegistrationInfo(name="新来宾", phone="13700000009"))
    assert find_user_by_email("new.person@example.com") is None
    event.status = "published"
    db.session.commit()
    done = imports.register_person(organizer, event, "new.person@example.com",
                               RegistrationInfo(name="新来宾", phone="13700000009"))
    assert done.status == "confirmed" and done.source == "organizer"
    assert find_user_by_email("new.person@example.com").password_hash is None
