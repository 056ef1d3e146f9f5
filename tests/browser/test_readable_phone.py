"""What a new user reads on a phone (375 × 740), in Chinese: the contest round's settings offer
their methods and advancement rules in Chinese (not frozen in English at import); my data shows
statuses in words and local times; the event page names its time zone as people name it;
registering says it worked once; two choices read as a Chinese list; scores show 2 decimals."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from playwright.sync_api import Page, expect

from eventhub.accounts import services as accounts
from eventhub.database import db
from eventhub.formatting import format_when
from eventhub.judging.assignments import assign
from eventhub.judging.entries import EntryInfo, create_entry, create_track
from eventhub.judging.forms import RULE_LABELS
from eventhub.judging.labels import AGGREGATION_LABELS
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
from eventhub.models import Event, User
from eventhub.registrations import form_builder
from eventhub.registrations.form_builder import QuestionInfo
from eventhub.registrations.models import Registration
from tests import factories
from tests.browser.conftest import admin_and_org, publish_event, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}
PASSWORD = "chuangye2026"
CONTEST = "盛京大学生创新创业大赛·可读性"
CONTEST_ADMIN = "readable-contest@example.com"
SALON = "浑南创业沙龙·可读性"
SALON_ADMIN = "readable-salon@example.com"
PARTICIPANT = "readable-founder@example.com"
#: The round form's English labels that leaked into the Chinese page before.
FORMER_LEAKS = ("Mean", "Trimmed", "Median", "Z-score", "Nobody advances", "top N",
                "top percent", "Everyone with", "Aggregation", "Who advances")
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
MICROSECONDS = re.compile(r"\d{2}:\d{2}:\d{2}\.\d+")
#: Each judge gives every criterion the same points: totals 90, 80, 80, a mean of 83.3333.
JUDGE_POINTS = (9, 8, 8)


def seed() -> dict:
    """A contest with a draft round and a closed, published one scored by three judges (mean
    83.3333), and a salon asking a multiple-choice question (idempotent)."""
    contest = db.session.scalar(sa.select(Event).where(Event.title == CONTEST))
    if contest is None:
        admin, contest = factories.contest_through_services(
            CONTEST, (CONTEST_ADMIN, PASSWORD, "大赛组委会"), "沈阳创新创业联盟")
        create_round(admin, contest, RoundInfo(name="复赛", aggregation="mean"))
        track = create_track(admin, contest, "创意组")
        entry = create_entry(admin, contest, EntryInfo(
            title="工业互联网设备预测性维护平台", track_id=track.id, team_name="智维团队",
            institution="沈阳工业大学"))
        scored = create_round(admin, contest, RoundInfo(
            name="网评", aggregation="mean", advance_top_n=1))
        add_criterion(admin, scored, "创新性", 10, 60)
        add_criterion(admin, scored, "商业价值", 10, 40)
        open_round(admin, scored)
        for n, points in enumerate(JUDGE_POINTS):
            judge = factories.judge(contest, institution=f"评审机构{n}")
            assign(admin, scored, judge.id, entry.id)
            save_scorecard(judge.user, scored, entry,
                           {str(c.id): points for c in scored.criteria}, submit=True)
        close_round(admin, scored)
        publish_round(admin, scored)

        salon_admin, org = admin_and_org(SALON_ADMIN, PASSWORD, "浑南众创空间", name="沙龙管理员")
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=6)
        salon = publish_event(salon_admin, org, SALON, "salon", starts, timedelta(hours=3))
        form_builder.save_question(salon_admin, salon, QuestionInfo(
            "关注领域", "multichoice", options=["人工智能", "新能源", "生物医药"]))
        accounts.sign_up(accounts.SignUpInfo(PARTICIPANT, PASSWORD, "赵可读",
                                             phone="13812345678"))
    rounds = {r.name: r.id for r in db.session.scalars(
        sa.select(Round).where(Round.event_id == contest.id))}
    salon_id = db.session.scalar(sa.select(Event.id).where(Event.title == SALON))
    return {"event_id": contest.id, "draft_id": rounds["复赛"], "scored_id": rounds["网评"],
            "salon_id": salon_id}


@pytest.fixture(scope="module")
def seeded(live_server) -> dict:
    with live_server.app_context():
        return seed()


def labels(live_server, locale: str) -> tuple[list[str], list[str]]:
    """The catalog's method and rule labels in ``locale``."""
    with live_server.app.test_request_context(), force_locale(locale):
        return ([str(label) for label in AGGREGATION_LABELS.values()],
                [str(label) for label in RULE_LABELS.values()])


def phone(new_page, live_server, email: str) -> Page:
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, email, PASSWORD, live_server.url)
    return page


def body_text(page: Page) -> str:
    return page.evaluate("document.body.innerText")


# Point 14 --------------------------------------------------------------------------------


def test_the_round_settings_offer_their_choices_in_chinese(live_server, seeded, new_page):
    methods_zh, rules_zh = labels(live_server, "zh_Hans")
    methods_en, rules_en = labels(live_server, "en")
    # The catalog translates every one (or comparing with it would prove nothing).
    assert not set(methods_zh) & set(methods_en) and not set(rules_zh) & set(rules_en)

    page = phone(new_page, live_server, CONTEST_ADMIN)
    page.goto(f"{live_server.url}/events/{seeded['event_id']}/contest")
    page.locator(f"main a[href$='/contest/rounds/{seeded['draft_id']}']").first.click()
    page.wait_for_url(re.compile(rf"/contest/rounds/{seeded['draft_id']}(#.*)?$"))

    settings = page.locator("#settings")
    expect(settings.locator("select[name=aggregation]")).to_be_visible()
    methods = [t.strip() for t in
               settings.locator("select[name=aggregation] option").all_inner_texts()]
    assert methods == methods_zh
    rules = [page.locator(f"label[for='{box.get_attribute('id')}']").inner_text().strip()
             for box in settings.locator("input[name=rule]").all()]
    assert rules == rules_zh

    text = body_text(page)
    assert [word for word in FORMER_LEAKS if word in text] == []
    assert "计分方法" in text and "晋级规则" in text
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]


# Point 15 --------------------------------------------------------------------------------


def registration_of(live_server, event_id: int) -> tuple[int, str]:
    """The participant's registration of ``event_id``: its id and when they consented, as a
    page in Chinese shows it in the event's zone."""
    with live_server.app_context():
        registration = db.session.scalar(
            sa.select(Registration).join(User, User.id == Registration.user_id)
            .where(User.email == PARTICIPANT, Registration.event_id == event_id))
        with live_server.app.test_request_context(), force_locale("zh_Hans"):
            shown = format_when(registration.consent_at, registration.event.timezone)
        return registration.id, shown


def test_a_participant_reads_words_local_times_and_one_message(live_server, seeded, new_page):
    event_id = seeded["salon_id"]
    page = phone(new_page, live_server, PARTICIPANT)

    # The event page names its time zone as people here do.
    page.goto(f"{live_server.url}/events/{event_id}")
    text = body_text(page)
    assert "北京时间（UTC+8）" in text
    assert "Asia/Shanghai" not in text

    # Registering through the form with two choices: the page says it worked once.
    page.goto(f"{live_server.url}/events/{event_id}/register")
    form = page.locator("main form.register-form")
    for option in ("人工智能", "新能源"):
        form.locator("label.choice", has_text=option).tap()
    form.locator("input[name=consent]").check()
    form.locator("button[type=submit]").tap()
    page.wait_for_url(re.compile(r"/registrations/\d+$"))
    expect(page.locator(".reg-state--confirmed")).to_be_visible()
    text = body_text(page)
    assert text.count("报名成功") == 1, text
    assert "人工智能、新能源" in text
    assert "人工智能; 新能源" not in text and "人工智能;新能源" not in text

    # My data: the status in words, the consent in the event's local time, the list in Chinese.
    registration_id, consented = registration_of(live_server, event_id)
    assert page.url.endswith(f"/registrations/{registration_id}")
    page.goto(f"{live_server.url}/me/data")
    item = page.locator("main .list__item", has_text=SALON)
    expect(item).to_be_visible()
    text = item.inner_text()
    assert "已确认" in text
    assert "confirmed" not in text.lower()
    assert consented in text
    assert not ISO_TIME.search(text) and not MICROSECONDS.search(text)
    assert "+00:00" not in text
    assert "人工智能、新能源" in text
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]


def test_the_results_show_scores_to_2_decimals(live_server, seeded, new_page):
    page = phone(new_page, live_server, CONTEST_ADMIN)
    page.goto(f"{live_server.url}/judging/rounds/{seeded['scored_id']}/results")
    cells = page.locator("table.rs-results tbody td[data-label='得分'] span[title]")
    expect(cells.first).to_be_visible()
    shown = [(cell.inner_text().strip(), cell.get_attribute("title")) for cell in cells.all()]
    for text, exact in shown:
        assert re.fullmatch(r"\d+\.\d{2}", text), text
        assert re.fullmatch(r"\d+\.\d{4}", exact), exact
        assert Decimal(exact).quantize(Decimal("0.01"), ROUND_HALF_UP) == Decimal(text)
    # The mean of 90, 80 and 80: 83.3333 exactly, 83.33 to read.
    assert ("83.33", "83.3333") in shown
