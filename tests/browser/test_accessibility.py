"""Accessibility (issue 16): axe-core (from npm, node_modules/axe-core) runs in Chromium on the
pages people use most — the home page, an event page, the registration form, a ticket, the
door scanner, a judge's scorecard and the organization dashboard — in Chinese on a phone
(375 px) and on a wide screen (1920 px), and finds no serious or critical violation.

axe is evaluated through Playwright (page.evaluate runs outside the page's CSP), so the app's
Content-Security-Policy stays as strict as it is: no inline script is allowed for the test."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from eventhub.accounts import services as accounts
from eventhub.checkin import services as checkin
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
from eventhub.orgs.models import Organization
from eventhub.registrations import form_builder
from eventhub.registrations.form_builder import QuestionInfo
from eventhub.registrations.models import Registration
from tests import factories
from tests.browser.conftest import (
    PHONE,
    add_member,
    admin_and_org,
    open_judge_link,
    publish_event,
    register_people,
    sign_in,
)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WIDE = {"width": 1920, "height": 1080}
PASSWORD = "chuangye2026"
ORG = "无障碍测试众创空间"
EVENT = "无障碍测试·创业沙龙"
CONTEST = "无障碍测试·创新创业大赛"
ORGANIZER = "a11y-organizer@example.com"
STAFF = "a11y-staff@example.com"
NEWCOMER = "a11y-newcomer@example.com"
PEOPLE = {
    "came": ("a11y-came@example.com", "林无障", "13600000001"),
    "coming": ("a11y-coming@example.com", "陈可达", "13600000002"),
}
JUDGE = "a11y-judge@example.com"
#: The impacts that fail the test (axe's "minor" and "moderate" are reported, not failed).
FAILING = {"serious", "critical"}
SHOTS = Path("/tmp/shots_a11y")


def seed() -> dict:
    """An organization with a published salon (a registration form with questions, two
    confirmed people, one checked in), its organizer and door staff, a newcomer not yet
    registered; a contest with an open round on stage and one judge (idempotent)."""
    event = db.session.scalar(sa.select(Event).where(Event.title == EVENT))
    if event is None:
        admin, org = admin_and_org("a11y-admin@example.com", PASSWORD, ORG)
        add_member(admin, org, "organizer", ORGANIZER, PASSWORD, "王组织")
        staff = add_member(admin, org, "staff", STAFF, PASSWORD, "张签到")
        accounts.sign_up(accounts.SignUpInfo(NEWCOMER, PASSWORD, "赵新人", phone="13600000009"))
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
        event = publish_event(admin, org, EVENT, "salon", starts, timedelta(hours=3),
                              description="### 议程\n\n创业者分享与交流。\n\n- 主题演讲\n- 圆桌",
                              venue="沈阳市浑南区创新路 1 号", capacity=50)
        registrations = register_people(event, PEOPLE, PASSWORD)
        form_builder.save_question(admin, event, QuestionInfo("项目名称", "text", required=True))
        form_builder.save_question(admin, event, QuestionInfo(
            "所属领域", "choice", required=True, options=["人工智能", "新能源", "生物医药"]))
        form_builder.save_question(admin, event, QuestionInfo(
            "希望对接", "multichoice", options=["投资人", "导师", "场地"]))
        form_builder.save_question(admin, event, QuestionInfo(
            "同意加入创业者社群", "checkbox", help_text="活动后推送交流群二维码"))
        checkin.scan(staff, checkin.lists_of(event)[0], registrations["came"].ticket_code,
                     str(uuid.uuid4()), device="东门-1")
        contest_admin, contest = factories.contest_through_services(
            CONTEST, ("a11y-contest-admin@example.com", PASSWORD, "大赛组委会"),
            "无障碍测试创业联盟")
        track = create_track(contest_admin, contest, "创意组")
        entry = create_entry(contest_admin, contest, EntryInfo(
            title="无障碍出行导航平台", track_id=track.id, team_name="可达团队",
            institution="东北大学"))
        judge = invite_judge(contest_admin, contest, JUDGE, "李评委", "辽宁省科技厅",
                             notify=False)[0]
        round_ = create_round(contest_admin, contest, RoundInfo(name="决赛路演"))
        for name, weight in (("创新与技术", 40), ("商业价值", 30), ("路演表现", 30)):
            add_criterion(contest_admin, round_, name, 10, weight,
                          description=f"{name}：依据路演与答辩表现打分。")
        open_round(contest_admin, round_)
        assign(contest_admin, round_, judge.id, entry.id)
        roadshow.set_order(contest_admin, round_, [entry.id])
        roadshow.show_entry(contest_admin, round_, entry.id)
        roadshow.start_pitch(contest_admin, round_)
    contest = db.session.scalar(sa.select(Event).where(Event.title == CONTEST))
    round_ = db.session.scalar(sa.select(Round).where(Round.event_id == contest.id))
    judge = db.session.scalar(sa.select(Judge).where(Judge.event_id == contest.id))
    ticket, came = (db.session.scalar(sa.select(Registration.ticket_code).where(
        Registration.event_id == event.id, Registration.name == PEOPLE[key][1]))
        for key in ("coming", "came"))
    return {
        "event_id": event.id,
        "slug": db.session.scalar(sa.select(Organization.slug).where(Organization.name == ORG)),
        "ticket": ticket,
        "came": came,
        "round_id": round_.id,
        "entry_id": min(round_entry_ids(round_)),
        "judge_id": judge.id,
    }


@pytest.fixture(scope="module")
def world(live_server) -> dict:
    with live_server.app_context():
        return seed()


@cache
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run npm ci (axe-core is a devDependency)")
    return AXE.read_text(encoding="utf-8")


def run_axe(page: Page) -> list[dict]:
    """axe-core's violations on ``page`` (evaluated by Playwright: the page's CSP stays)."""
    page.evaluate(axe_source())
    assert page.evaluate("typeof window.axe") == "object", "axe-core did not load"
    return page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " targets: v.nodes.slice(0, 5).map(n => n.target.join(' ')),"
        " summary: (v.nodes[0] || {}).failureSummary || ''}))")


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    on {', '.join(v['targets'])}"
        f"\n    {v['summary'][:300]}" for v in violations)


def _page(new_page, viewport) -> Page:
    phone = viewport is PHONE
    page = new_page(viewport=viewport, locale="zh-CN", is_mobile=phone, has_touch=phone)
    if phone:  # the door scanner starts with its camera off: no camera in the test browser
        page.context.add_init_script("localStorage.setItem('door:camera', 'off')")
    return page


def open_home(page: Page, live_server, world) -> None:
    page.goto(live_server.url + "/")
    expect(page.locator("main")).to_contain_text(EVENT)


def open_event(page: Page, live_server, world) -> None:
    sign_in(page, NEWCOMER, PASSWORD, live_server.url)
    page.goto(f"{live_server.url}/events/{world['event_id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text(EVENT)


def open_registration(page: Page, live_server, world) -> None:
    sign_in(page, NEWCOMER, PASSWORD, live_server.url)
    page.goto(f"{live_server.url}/events/{world['event_id']}/register")
    expect(page.locator("main form")).to_contain_text("所属领域")


def open_ticket(page: Page, live_server, world) -> None:
    sign_in(page, PEOPLE["coming"][0], PASSWORD, live_server.url)
    page.goto(f"{live_server.url}/tickets/{world['ticket']}")
    expect(page.locator("main")).to_contain_text(EVENT)


def open_scanner(page: Page, live_server, world) -> None:
    page.context.add_init_script("localStorage.setItem('door:camera', 'off')")
    sign_in(page, STAFF, PASSWORD, live_server.url)
    page.goto(f"{live_server.url}/door/{world['event_id']}")
    expect(page.locator("#door")).to_have_attribute("data-ready", "true")


def open_scanner_answer(page: Page, live_server, world) -> None:
    """The scanner's answer over the page: a ticket checked in already (amber) and, when
    ``unknown``, a code that is no ticket (red)."""
    open_scanner(page, live_server, world)
    page.locator("#door-wedge").fill(world["came"])  # as a keyboard-app scanner types it
    expect(page.locator("#door-result")).to_have_attribute("data-status",
                                                           "already_checked_in")
    keep_the_answer(page)


def open_scanner_unknown(page: Page, live_server, world) -> None:
    open_scanner(page, live_server, world)
    page.locator("#door-wedge").fill("A11Y" + "0" * 22)  # a ticket's shape, no ticket
    expect(page.locator("#door-result")).to_have_class(re.compile("door-result--error"))
    keep_the_answer(page)


def keep_the_answer(page: Page) -> None:
    """The answer hides itself after two seconds (more than a loaded machine may take to
    get here): stop its timer and show it again, as it was, while axe reads it."""
    page.evaluate("() => { for (let id = 0; id < 100000; id++) clearTimeout(id);"
                  " document.getElementById('door-result').hidden = false; }")


def open_scorecard(page: Page, live_server, world) -> None:
    open_judge_link(page, live_server, world["judge_id"])
    page.goto(f"{live_server.url}/judging/rounds/{world['round_id']}"
              f"/entries/{world['entry_id']}")
    expect(page.locator("#stage-follow")).to_be_visible()


def open_dashboard(page: Page, live_server, world) -> None:
    sign_in(page, ORGANIZER, PASSWORD, live_server.url)
    page.goto(f"{live_server.url}/orgs/{world['slug']}/dashboard")
    expect(page.locator("h1")).to_have_text(ORG)
    expect(page.locator("#od-charts")).to_have_attribute("data-ready", "")


PAGES = {
    "home": open_home,
    "event": open_event,
    "registration": open_registration,
    "ticket": open_ticket,
    "scanner": open_scanner,
    "scanner-checked-in": open_scanner_answer,
    "scanner-unknown": open_scanner_unknown,
    "scorecard": open_scorecard,
    "dashboard": open_dashboard,
}


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["375", "1920"])
@pytest.mark.parametrize("name", list(PAGES))
def test_axe_finds_no_serious_violation(live_server, world, new_page, name, viewport):
    page = _page(new_page, viewport)
    PAGES[name](page, live_server, world)
    violations = run_axe(page)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{viewport['width']}.png"), full_page=True)
    failing = [v for v in violations if v["impact"] in FAILING]
    others = [v for v in violations if v["impact"] not in FAILING]
    if others:
        print(f"{name} at {viewport['width']} px, minor/moderate:\n{describe(others)}")
    assert not failing, (
        f"axe-core: serious or critical violations on the {name} page at "
        f"{viewport['width']} px:\n{describe(failing)}")
