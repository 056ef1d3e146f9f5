"""Control characters (issue 11, point 1): the API refuses them in every text field, nested
ones too (a registration's answers), and changes nothing; exports of rows stored before the
rule still open, without the characters."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from eventhub.database import db
from eventhub.registrations import form_builder
from eventhub.registrations import services as reg
from eventhub.registrations.form_builder import QuestionInfo
from tests.api.conftest import assert_error, row_snapshot
from tests.services.test_judging_reports import build_contest


@pytest.fixture
def city(event, organizer):
    return form_builder.save_question(organizer, event, QuestionInfo("所在城市", "text"))


@pytest.fixture
def registration(event, participant, city):
    return reg.register(participant, event, reg.RegistrationInfo(
        consent=True, phone="13812345678", answers={str(city.id): "沈阳"}))


@pytest.mark.parametrize(("body", "field"), [
    ({"answers": {"@city": "北京\b"}}, "answers.@city"),
    ({"name": "赵\x1b参与"}, "name"),
    ({"organization": "东北大学\x7f"}, "organization"),
    ({"job_title": "学生\x85"}, "job_title"),
    ({"answers": {"@city": "北京\ufffe"}}, "answers.@city"),
])
def test_patch_registration_with_a_control_character_is_422_and_changes_nothing(
        api, participant, registration, city, body, field):
    def ids(value):
        if isinstance(value, dict):
            return {ids(k): ids(v) for k, v in value.items()}
        return value.replace("@city", str(city.id)) if isinstance(value, str) else value

    before = row_snapshot(registration)
    response = api(participant).patch(f"/api/v1/registrations/{registration.id}", json=ids(body))
    error = assert_error(response, 422, "validation_failed")
    assert list(error["fields"]) == [ids(field)]
    assert row_snapshot(registration) == before


def test_line_breaks_and_tabs_stay_allowed(api, participant, registration, city):
    response = api(participant).patch(f"/api/v1/registrations/{registration.id}",
                                      json={"answers": {str(city.id): "北京\t海淀\r\n中关村"}})
    assert response.status_code == 200, response.get_json()


def test_registrations_export_of_stored_control_characters(
        api, login, event, organizer, registration, city):
    """Rows stored before the rule (or by a path that missed it) export with 200, the
    characters gone: the API's and the page's Excel file and CSV."""
    registration.name = "赵\b参与"
    registration.answers = {str(city.id): "北京\x0b"}
    registration.notes = "=cmd\x1b"
    city.label = "所在\x01城市"  # PostgreSQL cannot store NUL at all
    db.session.commit()
    for url in (f"/api/v1/events/{event.id}/registrations.xlsx",
                f"/events/{event.id}/registrations.xlsx"):
        client = api(organizer) if url.startswith("/api") else login(organizer)
        response = client.get(url)
        assert response.status_code == 200
        rows = [list(r) for r in load_workbook(io.BytesIO(response.data)).active.iter_rows(
            values_only=True)]
        header, row = rows[0], rows[1]
        assert header[-1] == "所在城市"
        assert "赵参与" in row and row[-1] == "北京" and "'=cmd" in row
    response = api(organizer).get(f"/api/v1/events/{event.id}/registrations.csv")
    assert response.status_code == 200
    data = response.get_data(as_text=True)
    assert "赵参与" in data and "\b" not in data and "\x01" not in data


def test_results_export_of_stored_control_characters(login, organizer, org):
    setup = build_contest(organizer, org)
    round_, entry = setup["round"], setup["entries"][0]
    entry.title = "项目\bA"
    entry.team_name = "＝HYPERLINK(\"x\")\x1b"
    setup["tracks"][0].name = "医疗\x7f健康"
    round_.criteria[0].name = "标准\x0c1"
    round_.name = "网\x08评"
    db.session.commit()
    page = login(organizer)
    response = page.get(f"/judging/rounds/{round_.id}/results.xlsx")
    assert response.status_code == 200
    cells = [c for row in load_workbook(io.BytesIO(response.data)).active.iter_rows(
        values_only=True) for c in row if isinstance(c, str)]
    assert "项目A" in cells and "医疗健康" in cells and "'＝HYPERLINK(\"x\")" in cells
    assert any("网评" in c for c in cells) and any("标准1" in c for c in cells)
    assert not any(ch in c for c in cells for ch in "\b\x1b\x7f\x0c")
    response = page.get(f"/judging/rounds/{round_.id}/results.csv")
    assert response.status_code == 200 and "项目A" in response.get_data(as_text=True)
