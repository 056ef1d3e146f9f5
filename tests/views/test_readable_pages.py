"""What a new user reads on the pages: statuses in words, times in the event's zone and named
as people name them, lists joined as the language joins them, one message after registering,
scores to 2 decimals (the files keep 4)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest

from eventhub.database import db
from eventhub.formatting import format_when
from eventhub.registrations import form_builder
from eventhub.registrations import services as reg
from eventhub.registrations.form_builder import QuestionInfo
from eventhub.registrations.services import RegistrationInfo
from tests.services.test_judging_reports import build_contest
from tests.views.conftest import text
from tests.views.test_page_language import VisibleText

ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
EN = {"Accept-Language": "en"}


def visible(response) -> str:
    parser = VisibleText()
    parser.feed(text(response))
    return " ".join(parser.parts)


@pytest.fixture
def fields(event, organizer):
    return form_builder.save_question(organizer, event, QuestionInfo(
        "关注领域", "multichoice", options=["人工智能", "新能源", "生物医药"]))


@pytest.fixture
def mine(event, participant, fields):
    return reg.register(participant, event, RegistrationInfo(
        consent=True, answers={str(fields.id): ["人工智能", "新能源"]}))


def test_my_data_page_shows_statuses_in_words_and_times_in_the_event_zone(app, login, event,
                                                                         participant, mine):
    page = visible(login(participant).get("/me/data"))
    assert "已确认" in page and "confirmed" not in page
    assert not ISO_TIME.search(page)
    with app.test_request_context():
        assert format_when(mine.consent_at, event.timezone) in page


def test_my_data_download_keeps_its_machine_readable_values(login, participant, mine):
    data = login(participant).get("/me/data.json").get_json()
    [item] = data["registrations"]
    assert item["status"] == "confirmed"
    assert datetime.fromisoformat(item["consent"]["at"]) == mine.consent_at
    assert item["answers"][0]["value"] == ["人工智能", "新能源"]


def test_event_page_names_its_time_zone(client, event):
    page = visible(client.get(f"/events/{event.id}"))
    assert "北京时间（UTC+8）" in page and "Asia/Shanghai" not in page
    assert "Beijing time (UTC+8)" in visible(client.get(f"/events/{event.id}", headers=EN))


def test_a_zone_with_summer_time_is_named_with_the_offset_of_the_event(client, event):
    event.timezone = "Europe/London"
    event.starts_at = datetime(2031, 7, 1, 9, tzinfo=UTC)
    event.ends_at = datetime(2031, 7, 1, 17, tzinfo=UTC)
    db.session.commit()
    page = visible(client.get(f"/events/{event.id}", headers=EN))
    assert "British Summer Time (UTC+1)" in page and "Europe/London" not in page


def test_multiple_choices_read_as_a_list_on_pages_and_stay_apart_in_exports(
    login, event, organizer, participant, mine
):
    c = login(participant)
    assert "人工智能、新能源" in visible(c.get(f"/registrations/{mine.id}"))
    assert "人工智能、新能源" in visible(c.get("/me/data"))
    participant.locale = "en"
    db.session.commit()
    assert "人工智能, 新能源" in visible(c.get(f"/registrations/{mine.id}"))
    organizer_page = login(organizer).get(f"/events/{event.id}/registrations/{mine.id}")
    assert "人工智能、新能源" in visible(organizer_page)
    # The spreadsheet keeps its own separator: organizers' formulas split on it.
    csv = login(organizer).get(f"/events/{event.id}/registrations.csv").get_data().decode(
        "utf-8-sig")
    assert "人工智能; 新能源" in csv


def test_registering_says_it_worked_once(login, event, participant):
    c = login(participant)
    response = c.submit(f"/events/{event.id}/register",
                        {"name": "赵参与", "phone": "13812345678", "consent": "y"})
    assert response.status_code == 302
    page = visible(c.get(response.location))
    assert page.count("报名成功") == 1


def test_registration_history_is_in_words(login, event, organizer, participant, mine):
    reg.cancel(organizer, mine)
    response = login(organizer).get(f"/events/{event.id}/registrations/{mine.id}")
    assert 'data-action="registration.cancelled"' in text(response)
    assert "registration." not in visible(response)


# Scores -----------------------------------------------------------------------------------

SCORE_CELL = re.compile(
    r'<td class="num"[^>]*><span title="(-?\d+\.\d{4})">(-?\d+\.\d{2})</span></td>')


def test_results_show_scores_to_2_decimals_and_the_exact_4_on_hover(login, organizer, org):
    setup = build_contest(organizer, org)
    page = text(login(organizer).get(f"/judging/rounds/{setup['round'].id}/results"))
    cells = SCORE_CELL.findall(page)
    assert cells
    for exact, shown in cells:
        assert Decimal(exact).quantize(Decimal("0.01"), ROUND_HALF_UP) == Decimal(shown)
    # 66.4375 (项目D) shows as 66.44; one of them has more than 2 decimals of its own.
    assert any(Decimal(exact) != Decimal(shown) for exact, shown in cells)
    csv = login(organizer).get(f"/judging/rounds/{setup['round'].id}/results.csv")
    exports = csv.get_data().decode("utf-8-sig")
    assert all(exact.rstrip("0").rstrip(".") in exports for exact, _shown in cells)
