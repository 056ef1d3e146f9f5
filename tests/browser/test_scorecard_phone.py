"""A judge scores on a phone (375 × 667) during a live roadshow: the stage banner and the total
bar stay slim, a change says 保存中… until its save answers, and a submit with a criterion left
unscored says so beside the submit button and brings that criterion into view below the
banner."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from eventhub.database import db
from eventhub.judging import roadshow
from eventhub.judging.assignments import assign
from eventhub.judging.entries import EntryInfo, create_entry, create_track
from eventhub.judging.judges import invite_judge
from eventhub.judging.models import Judge, Round
from eventhub.judging.rounds import (
    RoundInfo,
    add_criterion,
    create_round,
    open_round,
    round_entry_ids,
)
from eventhub.models import Event
from tests import factories
from tests.browser.conftest import open_judge_link

pytestmark = pytest.mark.browser

CONTEST = "沈阳市大学生创业大赛·决赛"
PHONE = {"width": 375, "height": 667}
#: A long title, as real entries have: the banner shows it on one line.
TITLE = "面向东北老工业基地中小制造企业的工业互联网设备预测性维护与能耗管理云平台"
RUBRIC = (("创新与技术", 30), ("商业价值", 25), ("团队执行力", 20), ("路演表现", 15),
          ("答辩", 10))


def seed() -> dict:
    """An open final on stage: one entry pitching, one judge assigned (idempotent)."""
    event = db.session.scalar(sa.select(Event).where(Event.title == CONTEST))
    if event is None:
        admin, event = factories.contest_through_services(
            CONTEST, ("phone-admin@example.com", "chuangye2026", "决赛组委会"), "沈阳创业联盟")
        track = create_track(admin, event, "创意组")
        entry = create_entry(admin, event, EntryInfo(
            title=TITLE, track_id=track.id, team_name="智维团队", institution="沈阳工业大学"))
        judge = invite_judge(admin, event, "phone-judge@example.com", "手机评委",
                                     "辽宁省科技厅", notify=False)[0]
        round_ = create_round(admin, event, RoundInfo(name="决赛路演"))
        for name, weight in RUBRIC:
            add_criterion(admin, round_, name, 10, weight,
                                  description=f"{name}：依据路演与答辩表现打分。")
        open_round(admin, round_)
        assign(admin, round_, judge.id, entry.id)
        roadshow.set_order(admin, round_, [entry.id])
        roadshow.show_entry(admin, round_, entry.id)
        roadshow.start_pitch(admin, round_)
    round_ = db.session.scalar(sa.select(Round).where(Round.event_id == event.id))
    judge = db.session.scalar(sa.select(Judge).where(Judge.event_id == event.id))
    [entry_id] = round_entry_ids(round_)
    return {"round_id": round_.id, "entry_id": entry_id, "judge_id": judge.id,
            "criteria": [c.id for c in round_.criteria]}


@pytest.fixture(scope="module")
def final(live_server):
    with live_server.app_context():
        return seed()


def open_scorecard(new_page, live_server, final) -> Page:
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    open_judge_link(page, live_server, final["judge_id"])
    page.goto(f"{live_server.url}/judging/rounds/{final['round_id']}/entries/{final['entry_id']}")
    expect(page.locator("#stage-follow")).to_be_visible()
    return page


def test_the_banner_and_the_total_bar_stay_slim_on_a_phone(live_server, final, new_page):
    page = open_scorecard(new_page, live_server, final)
    banner = page.locator("#stage-follow").bounding_box()
    bar = page.locator(".sc-bar").bounding_box()
    assert banner["height"] + bar["height"] <= 0.15 * PHONE["height"]
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    # The long title is cut short on one line rather than wrapped over several.
    line = page.locator("#stage-follow [data-follow-text]")
    expect(line).to_contain_text("面向东北老工业基地")
    assert line.evaluate("e => e.scrollWidth > e.clientWidth")


def test_a_change_says_saving_until_its_save_answers(live_server, final, new_page):
    page = open_scorecard(new_page, live_server, final)
    words = page.locator("#sc-strings")
    saving, saved = words.get_attribute("data-saving"), words.get_attribute("data-saved")
    assert saving == "保存中…"
    status = page.locator("#sc-save")
    # Read in the same task as the tap: what the judge sees at once.
    right_after = page.evaluate("""() => {
      document.querySelector(".sc-crit .sc-step[data-step='0.5']").click();
      const status = document.getElementById("sc-save");
      return [status.dataset.state, status.textContent];
    }""")
    assert right_after == ["saving", saving]
    expect(status).to_have_attribute("data-state", "saved")
    expect(status).to_contain_text(saved.split("{time}")[0].strip())


def test_an_incomplete_submit_is_told_where_the_judge_looks(live_server, final, new_page):
    page = open_scorecard(new_page, live_server, final)
    rows = page.locator(".sc-crit")
    for n in range(rows.count() - 1):  # all but the last criterion
        rows.nth(n).locator(".sc-step[data-step='0.5']").click()
    page.locator("#sc-comment").scroll_into_view_if_needed()
    page.locator("#sc-submit").click()

    # The page's own words (the catalog's), in Chinese.
    incomplete = page.locator("#sc-strings").get_attribute("data-incomplete")
    assert incomplete.startswith("提交前")
    alert = page.get_by_role("alert").filter(has_text=incomplete)
    expect(alert).to_be_visible()
    box = alert.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]
    assert page.locator("#sc-confirm").is_hidden()

    # The unscored criterion, marked, its heading between the banner and the bar.
    last = rows.last
    expect(last).to_have_attribute("data-missing", "")
    expect(last.locator(".sc-crit__missing")).to_be_visible()
    expect(last.locator(".sc-value")).to_be_focused()
    heading = last.locator(".sc-crit__name").bounding_box()
    banner = page.locator("#stage-follow").bounding_box()
    bar = page.locator(".sc-bar").bounding_box()
    assert heading["y"] >= banner["y"] + banner["height"]
    assert heading["y"] + heading["height"] <= bar["y"]

    # Scored, the notice goes; the submit asks for confirmation.
    last.locator(".sc-step[data-step='0.5']").click()
    expect(alert).to_be_hidden()
    expect(last).not_to_have_attribute("data-missing", "")
    page.locator("#sc-submit").click()
    expect(page.locator("#sc-confirm")).to_be_visible()
