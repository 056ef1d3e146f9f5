"""A judge on a tablet: the invitation's sign-in link, the queue, a scorecard scored with the
steppers, saved by itself as a draft, then submitted through the confirmation and locked."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from eventhub.database import db
from eventhub.judging.assignments import assign
from eventhub.judging.entries import EntryInfo, create_entry, create_track
from eventhub.judging.judges import invite_judge
from eventhub.judging.models import Entry, Judge, Round, Scorecard
from eventhub.judging.rounds import (
    RoundInfo,
    add_criterion,
    create_round,
    open_round,
    round_entry_ids,
    set_round_entries,
)
from eventhub.judging.scorecards import save_scorecard
from eventhub.models import Event
from tests import factories
from tests.browser.conftest import open_judge_link

pytestmark = pytest.mark.browser

CONTEST = "辽宁省大学生创新创业大赛·复赛"
TABLET = {"width": 768, "height": 1024}
#: (name, max points, weight)
RUBRIC = (("创新性", 10, 40), ("商业模式", 20, 35), ("团队", 5, 25))


def seed() -> dict:
    """A published contest with an open round of three criteria and two entries assigned to
    one invited judge, made through the services (idempotent on the live database)."""
    event = db.session.scalar(sa.select(Event).where(Event.title == CONTEST))
    if event is None:
        admin, event = factories.contest_through_services(
            CONTEST, ("judging-admin@example.com", "chuangye2026", "大赛组委会"),
            "辽宁省创业孵化联盟")
        track = create_track(admin, event, "智能制造")
        entries = [
            create_entry(admin, event, EntryInfo(
                title=title, track_id=track.id, team_name=team, institution=school,
                summary="面向中小制造企业的低成本解决方案。"))
            for title, team, school in (("焊缝视觉检测机器人", "焊将团队", "东北大学"),
                                        ("智慧农机调度平台", "丰收科技", "沈阳农业大学"))
        ]
        judge, _ = invite_judge(admin, event, "judge-tablet@example.com", "王评委",
                                        "大连理工大学")
        round_ = create_round(admin, event, RoundInfo(name="复赛路演"))
        for name, max_points, weight in RUBRIC:
            add_criterion(admin, round_, name, max_points, weight,
                                  description=f"{name}：依据路演材料与答辩表现打分。")
        set_round_entries(admin, round_, None)
        open_round(admin, round_)
        for entry in entries:
            assign(admin, round_, judge.id, entry.id)
    judge = db.session.scalar(sa.select(Judge).where(Judge.event_id == event.id))
    round_ = db.session.scalar(sa.select(Round).where(Round.event_id == event.id))
    entries = sorted(round_entry_ids(round_))
    return {"event_id": event.id, "round_id": round_.id, "judge_id": judge.id,
            "entries": entries,
            "criteria": [c.id for c in round_.criteria]}


@pytest.fixture(scope="module")
def contest(live_server):
    with live_server.app_context():
        return seed()


def test_a_judge_scores_an_entry_on_a_tablet(live_server, contest, new_page):
    page = new_page(viewport=TABLET, is_mobile=True, has_touch=True)
    open_judge_link(page, live_server, contest["judge_id"])
    expect(page).to_have_url(f"{live_server.url}/judging/rounds/{contest['round_id']}")
    expect(page.locator(".jq-progress__label")).to_contain_text("0")
    todo = page.locator("#jq-todo + .jq-list .jq-row")
    expect(todo).to_have_count(2)
    todo.first.tap()
    expect(page.locator("h1")).to_have_text("焊缝视觉检测机器人")

    # Nothing scrolls sideways on the tablet.
    assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
    # Steppers are large enough to tap.
    page.wait_for_load_state()
    box = page.locator(".sc-step").first.bounding_box()
    assert box["width"] >= 48 and box["height"] >= 48

    rows = page.locator(".sc-crit")
    plus = [rows.nth(i).locator('.sc-step[data-step="0.5"]') for i in range(3)]
    for _ in range(4):
        plus[0].tap()   # 2 of 10 → 2/10 × 40 = 8
    for _ in range(2):
        plus[1].tap()   # 1 of 20 → 1/20 × 35 = 1.75
    expect(page.locator("#sc-total")).to_have_attribute("data-complete", "false")
    expect(page.locator("#sc-total-label")).to_have_text("暂计总分")
    plus[2].tap()       # 0.5 of 5 → 0.5/5 × 25 = 2.5
    expect(page.locator("#sc-total")).to_have_text("12.25")
    expect(page.locator("#sc-total")).to_have_attribute("data-complete", "true")
    expect(page.locator("#sc-save")).to_have_text(re.compile(r"已保存 \d\d:\d\d:\d\d"))

    with live_server.app_context():
        card = db.session.scalar(sa.select(Scorecard).where(
            Scorecard.judge_id == contest["judge_id"]))
        assert card.status.value == "draft"
        assert card.scores == dict(zip(map(str, contest["criteria"]), (2, 1, 0.5), strict=True))

    page.locator("#sc-submit").tap()
    dialog = page.locator("#sc-confirm")
    expect(dialog).to_be_visible()
    expect(page.locator("#sc-confirm-total")).to_have_text("12.25")
    page.locator("#sc-confirm-ok").tap()
    expect(page.locator("#sc-save")).to_have_text("已提交")
    expect(page.locator("#sc-message")).to_contain_text("已提交")
    expect(page.locator("#sc-submit")).to_be_hidden()
    expect(plus[0]).to_be_disabled()
    expect(rows.first.locator(".sc-value")).to_have_attribute("readonly", "")

    with live_server.app_context():
        card = db.session.scalar(sa.select(Scorecard).where(
            Scorecard.judge_id == contest["judge_id"]))
        assert card.status.value == "submitted"

    # Back in the queue: one of two submitted; the page of the entry stays read-only.
    page.locator(".js-nav__back").click()
    expect(page.locator("#jq-submitted + .jq-list .jq-row")).to_have_count(1)
    expect(page.locator(".jq-progress__bar")).to_have_attribute("value", "1")


def test_a_card_changed_on_another_device_is_reloaded(live_server, contest, new_page):
    page = new_page(viewport={"width": 1280, "height": 800}, has_touch=True)
    open_judge_link(page, live_server, contest["judge_id"])
    entry_id = contest["entries"][1]
    page.goto(f"{live_server.url}/judging/rounds/{contest['round_id']}/entries/{entry_id}")
    expect(page.locator("h1")).to_have_text("智慧农机调度平台")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    # Meanwhile the judge's phone saves a draft of the same card.
    first = str(contest["criteria"][0])
    with live_server.app_context():
        judge = db.session.get(Judge, contest["judge_id"])
        round_ = db.session.get(Round, contest["round_id"])
        entry = db.session.get(Entry, entry_id)
        save_scorecard(judge.user, round_, entry, {first: 9}, comment="手机上写的")
    page.locator('.sc-crit').nth(1).locator('.sc-step[data-step="0.5"]').tap()
    expect(page.locator("#sc-message")).to_have_text(
        "这张评分表已在另一台设备上修改，已载入最新内容")
    expect(page.locator(".sc-crit").first.locator(".sc-value")).to_have_value("9")
    expect(page.locator(".sc-crit").nth(1).locator(".sc-value")).to_have_value("")
    expect(page.locator("#sc-comment")).to_have_value("手机上写的")
    expect(page.locator("#sc-total")).to_have_text("36.00")
    # The next change saves on top of the newer version.
    page.locator('.sc-crit').nth(2).locator('.sc-step[data-step="0.5"]').tap()
    expect(page.locator("#sc-save")).to_have_text(re.compile(r"已保存 \d\d:\d\d:\d\d"))
    with live_server.app_context():
        card = db.session.scalar(sa.select(Scorecard).where(
            Scorecard.judge_id == contest["judge_id"], Scorecard.entry_id == entry_id))
        assert (card.version, card.scores) == (2, {first: 9, str(contest["criteria"][2]): 0.5})
