"""Tables on a phone (375 px) and on a big monitor (1920 px): the contest pages, the results,
the judge statistics and a Markdown table in an event's description. On a phone no table
makes the page scroll sideways, no column ends off-screen (the results' 晋级) and no cell is
squeezed to a character or two a line; on a big monitor the results use the screen's width."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from eventhub.database import db
from eventhub.events import services as events
from eventhub.judging.assignments import assign
from eventhub.judging.entries import EntryInfo, create_entry, create_track
from eventhub.judging.models import Round
from eventhub.judging.rounds import (
    RoundInfo,
    add_criterion,
    close_round,
    create_round,
    open_round,
    publish_round,
)
from eventhub.judging.scorecards import save_scorecard
from eventhub.models import Event
from tests import factories
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

CONTEST = "辽宁省“互联网+”大学生创新创业大赛·省赛"
EMAIL, PASSWORD = "tables-admin@example.com", "chuangye2026"
PHONE = {"width": 375, "height": 667}
DESCRIPTION = """\
### 赛程安排

| 阶段 | 形式 | 时间 | 地点 | 说明 |
|---|---|---|---|---|
| 报名 | 线上 | 3 月 1 日至 4 月 30 日 | 大赛官网 | 提交商业计划书和项目简介 |
| 网评 | 线上评审 | 5 月上旬 | 线上 | 专家按评分细则打分，每组前 30 名晋级 |
| 决赛 | 现场路演 | 6 月中旬 | 沈阳国际展览中心 | 8 分钟路演 + 7 分钟答辩 |
"""
#: Long titles and institutions, as real entries have.
ENTRIES = [
    ("基于机器视觉的钢板表面缺陷在线检测系统", "沈阳新松机器人自动化股份有限公司"),
    ("面向中小企业的工业互联网设备管理平台", "大连海创信息技术有限公司"),
    ("氢燃料电池双极板精密冲压工艺", "大连理工大学"),
    ("可降解镁合金骨科植入物", "东北大学"),
]
#: Six criteria: six more columns of averages on the organizers' results.
RUBRIC = [("创新性", 25), ("技术可行性", 20), ("商业模式", 20), ("市场前景", 15),
          ("团队能力", 10), ("社会效益", 10)]


def seed() -> dict:
    """A contest whose description has a Markdown table, one track of four entries, three
    judges who scored every entry, the round closed and published (idempotent)."""
    event = db.session.scalar(sa.select(Event).where(Event.title == CONTEST))
    if event is None:
        admin, event = factories.contest_through_services(
            CONTEST, (EMAIL, PASSWORD, "省赛组委会"), "辽宁省创新创业教育联盟", "alliance")
        events.update_event(admin, event, description=DESCRIPTION)
        track = create_track(admin, event, "高教主赛道·创意组")
        entries = [create_entry(admin, event, EntryInfo(
            title=title, track_id=track.id, team_name=f"团队{i}", institution=institution))
            for i, (title, institution) in enumerate(ENTRIES)]
        round_ = create_round(admin, event, RoundInfo(
            name="网评", aggregation="mean", advance_top_n=2))
        for name, weight in RUBRIC:
            add_criterion(admin, round_, name, 10, weight)
        open_round(admin, round_)
        panel = [factories.judge(event, institution=f"评审机构{n}") for n in range(3)]
        for n, judge in enumerate(panel):
            for i, entry in enumerate(entries):
                assign(admin, round_, judge.id, entry.id)
                points = 9.5 - i - 0.5 * n
                save_scorecard(judge.user, round_, entry,
                                       {str(c.id): points for c in round_.criteria}, submit=True)
        close_round(admin, round_)
        publish_round(admin, round_)
    round_ = db.session.scalar(sa.select(Round).where(Round.event_id == event.id))
    return {"event_id": event.id, "round_id": round_.id}


@pytest.fixture(scope="module")
def contest(live_server):
    with live_server.app_context():
        return seed()


def pages(base: str, contest: dict) -> dict[str, str]:
    event, round_ = contest["event_id"], contest["round_id"]
    return {
        "event": f"{base}/events/{event}",
        "contest admin": f"{base}/events/{event}/contest",
        "round": f"{base}/events/{event}/contest/rounds/{round_}",
        "entries": f"{base}/events/{event}/entries",
        "results": f"{base}/judging/rounds/{round_}/results",
        "statistics": f"{base}/judging/rounds/{round_}/statistics",
    }


#: The table cells on show narrower than three characters of their own font, as [text, cell
#: width]; cells for screen readers only (in a box of 1 px, as a card table's header) do not
#: count.
NARROW_CELLS = """() => [...document.querySelectorAll("main td, main th")].flatMap((cell) => {
  const text = cell.textContent.trim();
  const size = parseFloat(getComputedStyle(cell).fontSize);
  const width = cell.getBoundingClientRect().width;
  for (let box = cell; box; box = box.parentElement) {
    if (box.getBoundingClientRect().width <= 1) return [];
  }
  for (const hidden of cell.querySelectorAll(".visually-hidden")) {
    if (hidden.textContent.trim() === text) return [];
  }
  return text && width < 3 * size ? [[text, Math.round(width)]] : [];
})"""


def organizer_page(new_page, live_server, viewport: dict) -> Page:
    page = new_page(viewport=viewport)
    sign_in(page, EMAIL, PASSWORD, live_server.url)
    return page


def test_tables_fit_a_phone(live_server, contest, new_page):
    page = organizer_page(new_page, live_server, PHONE)
    for name, url in pages(live_server.url, contest).items():
        page.goto(url)
        expect(page.locator("main table").first).to_be_visible()
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= PHONE["width"], f"{name}: the page is {width} px wide"
        assert page.evaluate(NARROW_CELLS) == [], f"{name}: squeezed cells"

    # Every row of the results is a card: its 晋级 is on the screen, beside its label.
    page.goto(pages(live_server.url, contest)["results"])
    advances = page.locator("table.rs-results tbody tr").first.locator("[data-advances]")
    advances.scroll_into_view_if_needed()
    expect(advances).to_contain_text("晋级")
    box = advances.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    label = advances.evaluate("cell => getComputedStyle(cell, '::before').content")
    assert label == '"晋级"'

    # The description's Markdown table scrolls in its own box; its page does not.
    page.goto(pages(live_server.url, contest)["event"])
    table = page.locator(".prose table")
    assert table.evaluate("t => t.scrollWidth > t.clientWidth")
    assert table.bounding_box()["width"] <= PHONE["width"]


def test_the_results_use_a_big_screen(live_server, contest, new_page):
    page = organizer_page(new_page, live_server, {"width": 1920, "height": 1080})
    page.goto(pages(live_server.url, contest)["results"])
    table = page.locator("table.rs-results").first
    frame = table.locator("xpath=..")
    # Wider than the 1100 px it was squeezed into, and every column on show at once.
    assert table.bounding_box()["width"] > 1100
    assert frame.bounding_box()["width"] > 1100
    assert frame.evaluate("f => f.scrollWidth <= f.clientWidth")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 1920
    # A table, not cards: one row per entry with its header row.
    expect(table.locator("thead")).to_be_visible()
    assert page.evaluate(NARROW_CELLS) == []
