"""The registration form is read once per form version: a burst of registrations reads it
from memory, and any change of a category or question is seen by the very next one."""

from eventhub.database import db
from eventhub.registrations import form_builder, queries
from eventhub.registrations import services as reg
from eventhub.registrations.services import RegistrationInfo
from tests import factories


def _register(api, event, person, **body):
    return api(person).post(
        f"/api/v1/events/{event.id}/registrations", json={"consent": True, **body}
    )


def _people(n):
    return [factories.UserFactory(phone=f"1370000{i:04d}") for i in range(n)]


def test_a_second_registration_does_not_read_the_form_again(api, event, count_statements):
    first, second = _people(2)
    assert _register(api, event, first).status_code == 201
    count_statements.clear()
    assert _register(api, event, second).status_code == 201
    read = [s for s in count_statements if "FROM categories" in s or "FROM questions" in s]
    assert read == []


def test_a_question_added_through_the_api_applies_to_the_next_registration(
    api, event, organizer
):
    first, second = _people(2)
    assert _register(api, event, first).status_code == 201  # the form is cached now
    response = api(organizer).post(
        f"/api/v1/events/{event.id}/questions",
        json={"label": "所在城市", "kind": "text", "required": True},
    )
    assert response.status_code == 201
    question_id = response.get_json()["id"]
    refused = _register(api, event, second)
    assert refused.status_code == 422
    assert f"answers.{question_id}" in refused.get_json()["error"]["fields"]
    answered = _register(api, event, second, answers={str(question_id): "沈阳"})
    assert answered.status_code == 201
    assert answered.get_json()["answers"] == {str(question_id): "沈阳"}


def test_every_change_of_a_category_raises_the_form_version(app, event, organizer):
    before = _version(event)
    category = form_builder.save_category(organizer, event, "投资人", 2, False, "")
    after_insert = _version(event)
    form_builder.save_category(organizer, event, "投资人", 1, False, "", category=category)
    after_update = _version(event)
    assert before < after_insert < after_update
    # Registering in the same unit of work sees the new capacity, not a cached one.
    people = _people(2)
    statuses = [
        reg.register(p, event, RegistrationInfo(consent=True, category_id=category.id)).status
        for p in people
    ]
    assert statuses == ["confirmed", "waitlisted"]
    assert [c.capacity for c in queries.form_of(event).categories] == [1]


def _version(event):
    return db.session.scalar(
        db.select(type(event).form_version).where(type(event).id == event.id)
    )
