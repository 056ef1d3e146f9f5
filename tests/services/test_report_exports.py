"""The organization's and the alliance's report as files (issue 15: the workbook, its 火炬统计
layout, the PDF summary) and the consistency checks, against a hand-built data set whose
numbers are worked out in `dataset`'s docstring; no participant's personal data in any file."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pypdfium2 as pdfium
import pytest
from flask_babel import force_locale
from openpyxl import load_workbook

from eventhub.audit import AuditEntry
from eventhub.checkin.models import Scan, ScanStatus, ScanType
from eventhub.database import db, utcnow
from eventhub.errors import NotAllowed
from eventhub.events.models import EventPartner
from eventhub.judging.models import Entry, Track
from eventhub.mentors.models import coaching_mentees
from eventhub.orgs.models import AllianceMember, Role
from eventhub.registrations.models import Registration
from eventhub.reports import exports, organizations
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)


#: 2026 Q2 in Asia/Shanghai.
FROM, TO = at(2026, 4, 1), at(2026, 7, 1)


class People:
    """Registrations with personal data of their own (导出参会者N, 1391234xxxx, mails), so a
    test can look for them in the files."""

    def __init__(self) -> None:
        self.n = 0
        self.names: list[str] = []
        self.phones: list[str] = []
        self.emails: list[str] = []

    def register(self, event, status="confirmed", user=None, checked_in=False,
                 reverted=False):
        self.n += 1
        n = self.n
        name, phone, email = f"导出参会者{n}", f"1391234{n:04d}", f"export{n}@example.com"
        self.names.append(name)
        self.phones.append(phone)
        self.emails.append(email)
        registration = factories.commit(Registration(
            event_id=event.id, status=status, user_id=user.id if user else None, name=name,
            email=email, phone=phone, organization=f"导出机构{n}",
            answers={"why": f"导出秘密{n}"}))
        if checked_in or reverted:
            factories.commit(Scan(
                list_id=factories.main_list_of(event).id, nonce=f"exports-{n}", code="x",
                type=ScanType.entry, status=ScanStatus.ok, registration_id=registration.id,
                reverted_at=utcnow() if reverted else None))
        return registration


def event_of(org, starts_at, kind, title, lead="", status="published", venue="创新大厦 A 座"):
    return factories.EventFactory(organization=org, starts_at=starts_at,
                                  ends_at=starts_at + timedelta(hours=3), kind=kind,
                                  status=status, title=title, lead_name=lead, venue=venue)


def partner(event, org, role):
    factories.commit(EventPartner(event_id=event.id, org_id=org.id, role=role))


@pytest.fixture
def dataset(org, owner, organizer):
    return build_dataset(org, owner, organizer)


def build_dataset(org, owner, organizer):
    """``org`` (沈阳市众创空间, S) with its owner and organizer; 导出合作单位 (X) hosts events S
    partners; the alliance 导出联盟 (A) has S and 导出空间二 (S2). Period 2026 Q2, Shanghai.

    Events of S (confirmed / checked in):
    - E1 salon 创业沙龙·四月, S hosts, 04-10 09:30, lead 王负责: 4 confirmed (3 checked in, the
      4th's scan reverted), 1 pending → 4 / 3.
    - E2 contest 创新创业大赛·复赛, X hosts, S co-hosts, 05-20 14:00, lead 李负责: U1 (checked in
      at E1 too) checked in, one not → 2 / 1; 2 entries.
    - E3 camp 创业训练营, X hosts, S undertaker, 06-05 09:00, NO lead: 1 confirmed → 1 / 0.
    - E4 forum 青年论坛, X hosts, S supporter, 06-20 10:00, lead 赵负责: none → 0 / 0.
    Left out: a draft of S (05-01, one checked in), an event of S on 07-01 00:00 (one checked in).

    S: count 4, by role 1 / 1 / 1 / 1, credited 1 + 0.5 + 0.5 + 0 = 2.0; by kind salon, contest,
    camp, forum 1 each; 7 confirmed, 4 checked in, rate 0.5714; participants U1 (twice), two
    others → 3; entries 2. Months: 04 1 / 4 / 3, 05 1 / 2 / 1, 06 2 / 1 / 0.
    Mentors: M1 (S's pool, 导出导师甲) coached 04-15 60 min (mentee 导出学员一) and 05-15 30 min
    (导出学员一, 导出学员二): 1 mentor, 2 coachings, 90 minutes, 2 mentees.
    S2: E5 salon 空间二沙龙, S2 hosts, 06-10 15:00, lead 钱负责: 2 confirmed, both in → 2 / 2.
    A: E1–E5 once each: count 5, credited 3.0, 9 confirmed, 6 checked in (0.6667)."""
    people = People()
    x = factories.OrganizationFactory(name="导出合作单位")
    u1 = factories.UserFactory(name="导出用户一", phone="13700000001")
    e1 = event_of(org, at(2026, 4, 10, 9, 30), "salon", "创业沙龙·四月", "王负责")
    people.register(e1, user=u1, checked_in=True)
    people.register(e1, checked_in=True)
    people.register(e1, checked_in=True)
    people.register(e1, reverted=True)
    people.register(e1, "pending")
    e2 = event_of(x, at(2026, 5, 20, 14), "contest", "创新创业大赛·复赛", "李负责")
    partner(e2, org, "co_host")
    people.register(e2, user=u1, checked_in=True)
    people.register(e2)
    track = factories.commit(Track(event_id=e2.id, name="导出组"))
    for title in ("导出项目一", "导出项目二"):
        factories.commit(Entry(event_id=e2.id, track_id=track.id, title=title))
    e3 = event_of(x, at(2026, 6, 5, 9), "camp", "创业训练营")
    partner(e3, org, "undertaker")
    people.register(e3)
    e4 = event_of(x, at(2026, 6, 20, 10), "forum", "青年论坛", "赵负责")
    partner(e4, org, "supporter")
    draft = event_of(org, at(2026, 5, 1, 9), "salon", "草稿活动", status="draft")
    people.register(draft, checked_in=True)
    later = event_of(org, TO, "salon", "七月活动", "孙负责")
    people.register(later, checked_in=True)

    mentor = factories.mentor(org, user=factories.UserFactory(name="导出导师甲"),
                              title="合伙人", affiliation="导出资本")
    mentees = [factories.UserFactory(name=f"导出学员{n}", phone=f"1360000000{i}")
               for i, n in enumerate(("一", "二"))]
    for started, minutes, who in ((at(2026, 4, 15, 10), 60, mentees[:1]),
                                  (at(2026, 5, 15, 10), 30, mentees)):
        record = factories.coaching(mentor, started_at=started, minutes=minutes)
        for user in who:
            db.session.execute(coaching_mentees.insert().values(coaching_id=record.id,
                                                                user_id=user.id))
    db.session.commit()
    return SimpleNamespace(org=org, x=x, e1=e1, e2=e2, e3=e3, e4=e4, people=people,
                           private=[*people.names, *people.phones, *people.emails, "导出秘密",
                                    "导出机构", "导出用户一", "13700000001", "导出学员"],
                           owner=owner, organizer=organizer)


@pytest.fixture
def alliance(dataset):
    s2 = factories.OrganizationFactory(name="导出空间二")
    alliance = factories.OrganizationFactory(name="导出联盟", kind="alliance")
    for member in (dataset.org, s2):
        factories.commit(AllianceMember(alliance_id=alliance.id, member_id=member.id))
    e5 = event_of(s2, at(2026, 6, 10, 15), "salon", "空间二沙龙", "钱负责")
    dataset.people.register(e5, checked_in=True)
    dataset.people.register(e5, checked_in=True)
    dataset.private += dataset.people.names[-2:] + dataset.people.phones[-2:]
    return SimpleNamespace(alliance=alliance, s2=s2, e5=e5)


def sheets_of(data: bytes) -> dict[str, list[list]]:
    book = load_workbook(io.BytesIO(data))
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
            for sheet in book.worksheets}


def table_after(rows: list[list], header_first: str) -> list[list]:
    """The rows under the header whose first cell is ``header_first``, up to a blank row."""
    start = next(i for i, row in enumerate(rows) if row[0] == header_first)
    width = len(trimmed(rows[start]))
    body = []
    for row in rows[start + 1:]:
        if all(v is None for v in row):
            break
        body.append(row[:width])
    return body


def trimmed(row: list) -> list:
    while row and row[-1] is None:
        row = row[:-1]
    return row


def no_private_data(texts: list[str], private: list[str]) -> None:
    joined = "\n".join(texts)
    found = [value for value in private if value in joined]
    assert not found, found


def all_cells(sheets: dict[str, list[list]]) -> list[str]:
    return [str(v) for rows in sheets.values() for row in rows for v in row if v is not None]


def pdf_text(data: bytes) -> list[str]:
    pdf = pdfium.PdfDocument(data)
    try:
        bitmap = pdf[0].render(scale=0.5).to_pil()
        assert bitmap.getextrema() != ((255, 255),) * 3
        return [page.get_textpage().get_text_range() for page in pdf]
    finally:
        pdf.close()


# The workbook ---------------------------------------------------------------------------------


def test_the_event_details_match_the_hand_count(app, dataset):
    with force_locale("zh_Hans"):
        sheets = sheets_of(exports.workbook(dataset.organizer, dataset.org, FROM, TO))
    assert list(sheets) == ["汇总", "活动明细", "导师"]
    details = sheets["活动明细"]
    assert details[0][0] == "沈阳市众创空间 创新创业活动统计报表"
    assert trimmed(details[2]) == ["时间", "主题", "地点", "类型", "角色", "报名", "签到", "签到率",
                          "负责人"]
    assert details[3:] == [
        ["2026-04-10 09:30", "创业沙龙·四月", "创新大厦 A 座", "沙龙", "主办", 4, 3, 0.75,
         "王负责"],
        ["2026-05-20 14:00", "创新创业大赛·复赛", "创新大厦 A 座", "大赛", "联合主办", 2, 1,
         0.5, "李负责"],
        ["2026-06-05 09:00", "创业训练营", "创新大厦 A 座", "训练营", "承办", 1, 0, 0, None],
        ["2026-06-20 10:00", "青年论坛", "创新大厦 A 座", "论坛", "协办", 0, 0, 0, "赵负责"],
    ]
    sheet = load_workbook(io.BytesIO(exports.workbook(dataset.organizer, dataset.org, FROM, TO))
                          ).worksheets[1]
    assert sheet["H4"].number_format == "0.00%"


def figures_of(rows: list[list]) -> dict[str, object]:
    return {row[0]: row[2] for row in table_after(rows, "指标")}


def test_the_summary_figures_match_the_hand_count(app, dataset):
    with force_locale("zh_Hans"):
        summary = sheets_of(exports.workbook(dataset.owner, dataset.org, FROM, TO))["汇总"]
    assert summary[1][0] == "统计期间：2026-04-01 至 2026-06-30，按北京时间（UTC+8）计。"
    assert figures_of(summary) == {
        "举办创新创业活动": 4, "其中：主办": 1, "其中：联合主办": 1, "其中：承办": 1,
        "其中：协办": 1, "折算活动场次（主办计1，联合主办、承办计0.5）": 2.0,
        "其中：创新创业大赛": 1, "其中：创业培训及训练营": 1, "其中：路演及投融资对接": 0,
        "参加活动人次（报名确认）": 7, "签到人次": 4, "签到率": 0.5714,
        "参加活动人数（去重）": 3, "参赛项目数": 2, "创业导师人数": 1, "导师辅导次数": 2,
        "导师辅导时长": 90, "接受辅导人数": 2,
    }
    units = {row[0]: row[1] for row in table_after(summary, "指标")}
    assert units["举办创新创业活动"] == "场次" and units["参加活动人次（报名确认）"] == "人次"
    assert table_after(summary, "月份") == [["2026-04", 1, 4, 3], ["2026-05", 1, 2, 1],
                                          ["2026-06", 2, 1, 0]]
    kinds = dict(table_after(summary, "类型"))
    assert kinds["沙龙"] == 1 and kinds["大赛"] == 1 and kinds["路演"] == 0
    # The one event without a 负责人 is named under the checks.
    checks = table_after(summary, "检查项")
    assert checks == [["1 场活动未填写负责人：请在活动表单中填写。", "2026-06-05 创业训练营"]]


def test_the_mentor_sheet_lists_the_pool_for_its_managers_only(app, dataset, org):
    viewer = factories.UserFactory(name="导出科技局")
    factories.MembershipFactory(organization=org, user=viewer, role=Role.viewer)
    with force_locale("zh_Hans"):
        managed = sheets_of(exports.workbook(dataset.organizer, org, FROM, TO))["导师"]
        viewed = sheets_of(exports.workbook(viewer, org, FROM, TO))["导师"]
    figures = {"创业导师人数": 1, "导师辅导次数": 2, "导师辅导时长": 90, "接受辅导人数": 2}
    for sheet in (managed, viewed):
        assert {row[0]: row[2] for row in table_after(sheet, "指标")} == figures
    pool = table_after(managed, "姓名")
    assert [row[0] for row in pool] == ["导出导师甲"]
    assert pool[0][1] == "导出资本 / 合伙人" and pool[0][3:6] == [2, 90, 2]
    assert "导出导师甲" not in all_cells({"导师": viewed})


def test_the_torch_layout_has_the_survey_rows(app, dataset):
    with force_locale("zh_Hans"):
        summary = sheets_of(exports.workbook(dataset.owner, dataset.org, FROM, TO, "torch"))[
            "汇总"]
    assert "众创空间统计：创新创业活动情况" in summary[1][0]
    rows = table_after(summary, "指标名称")
    header = trimmed(next(row for row in summary if row[0] == "指标名称"))
    assert header == ["指标名称", "计量单位", "代码", "数值"]
    assert rows[0] == ["甲", "乙", "丙", "1"]
    assert rows[1:7] == [
        ["举办创新创业活动", "场次", "01", 4],
        ["其中：主办", "场次", "02", 1],
        ["其中：联合主办", "场次", "03", 1],
        ["其中：承办", "场次", "04", 1],
        ["其中：协办", "场次", "05", 1],
        ["折算活动场次（主办计1，联合主办、承办计0.5）", "场次", "06", 2.0],
    ]
    by_name = {row[0]: row[1:] for row in rows[1:]}
    assert by_name["签到率"] == ["%", "12", 57.14]
    assert by_name["参加活动人次（报名确认）"] == ["人次", "10", 7]
    assert by_name["参赛项目数"] == ["个", "14", 2]
    assert by_name["导师辅导次数"] == ["次", "16", 2]
    assert [row[2] for row in rows[1:]] == [f"{n:02d}" for n in range(1, 19)]


def test_the_alliance_summary_has_its_members_side_by_side(app, dataset, alliance):
    with force_locale("zh_Hans"):
        standard = sheets_of(exports.workbook(dataset.owner, alliance.alliance, FROM, TO))
        torch = sheets_of(exports.workbook(dataset.owner, alliance.alliance, FROM, TO,
                                           "torch"))
    summary = standard["汇总"]
    assert summary[0][0] == "导出联盟 联盟创新创业活动统计报表"
    figures = figures_of(summary)
    assert figures["举办创新创业活动"] == 5
    assert figures["折算活动场次（主办计1，联合主办、承办计0.5）"] == 3.0
    assert figures["参加活动人次（报名确认）"] == 9 and figures["签到人次"] == 6
    members = table_after(summary, "成员单位")
    assert [row[:5] for row in members] == [["导出空间二", 1, 1.0, 2, 2],
                                            ["沈阳市众创空间", 4, 2.0, 7, 4]]
    assert [row[5] for row in members] == [1, 0.5714]
    header = trimmed(next(row for row in torch["汇总"] if row[0] == "指标名称"))
    assert header == ["指标名称", "计量单位", "代码", "数值", "导出空间二", "沈阳市众创空间"]
    first = table_after(torch["汇总"], "指标名称")[1]
    assert first == ["举办创新创业活动", "场次", "01", 5, 1, 4]
    assert [row[1] for row in standard["活动明细"][3:]] == [
        "创业沙龙·四月", "创新创业大赛·复赛", "创业训练营", "空间二沙龙", "青年论坛"]
    no_private_data(all_cells(standard) + all_cells(torch), dataset.private)


def test_the_workbook_speaks_english_to_an_english_reader(app, dataset):
    with force_locale("en"):
        sheets = sheets_of(exports.workbook(dataset.owner, dataset.org, FROM, TO))
    assert list(sheets) == ["Report summary", "Event details", "Mentors"]
    assert trimmed(sheets["Event details"][2]) == [
        "Time", "Event topic", "Place", "Kind", "Role", "Registered", "Attended (checked in)",
        "Check-in rate", "Lead (person in charge)"]
    assert sheets["Event details"][3][3:5] == ["Salon", "Host"]


def test_no_participant_data_in_the_workbooks(app, dataset):
    for layout in exports.LAYOUTS:
        with force_locale("zh_Hans"):
            cells = all_cells(sheets_of(exports.workbook(dataset.owner, dataset.org, FROM, TO,
                                                         layout)))
        no_private_data(cells, dataset.private)
        assert "王负责" in cells  # the 负责人 is the organization's, not a participant


# The PDF ----------------------------------------------------------------------------------------


def test_the_pdf_has_the_figures_the_warnings_and_the_signature_block(app, dataset):
    report = organizations.org_report(dataset.org, FROM, TO)
    warnings = exports.consistency_checks(report, organizations.event_rows(dataset.org, FROM,
                                                                           TO))
    with force_locale("zh_Hans"):
        pages = pdf_text(exports.summary_pdf(dataset.org, report, warnings))
    text = "".join(pages).replace("\r", "")
    assert "沈阳市众创空间 创新创业活动统计报表" in text
    assert "2026-04-01" in text and "2026-06-30" in text
    for label, value in (("举办创新创业活动", "4"), ("折算活动场次", "2"), ("签到率", "57.14%"),
                         ("参加活动人数（去重）", "3"), ("导师辅导时长", "90")):
        assert label in text and value in text
    assert "2026-05" in text and "按月统计" in text
    assert "未填写负责人" in text and "2026-06-05 创业训练营" in text
    for label in ("填报人", "审核人", "单位（盖章）", "日期"):
        assert label in text
    assert text.index("单位（盖章）") > text.index("导出前检查")  # the block comes last
    assert f"第 1 页，共 {len(pages)} 页" in pages[0]
    no_private_data(pages, dataset.private)


def test_the_alliance_pdf_lists_its_members(app, dataset, alliance):
    report = organizations.org_report(alliance.alliance, FROM, TO)
    with force_locale("zh_Hans"):
        text = "".join(pdf_text(exports.summary_pdf(alliance.alliance, report, [])))
    assert "成员单位" in text and "导出空间二" in text and "沈阳市众创空间" in text
    assert "导出前检查" not in text  # no warnings, no section
    no_private_data([text], dataset.private)


# The checks ---------------------------------------------------------------------------------


def crafted(**changes):
    report = {"events": {"count": 2}, "registrations": 5, "checked_in": 3,
              "months": [{"month": "2026-04", "events": 1, "confirmed": 3, "checked_in": 2},
                         {"month": "2026-05", "events": 1, "confirmed": 2, "checked_in": 1}]}
    report.update(changes)
    rows = [{"id": 1, "title": "一号活动", "starts_at": at(2026, 4, 2, 9), "confirmed": 3,
             "checked_in": 2, "lead_name": "王负责"},
            {"id": 2, "title": "二号活动", "starts_at": at(2026, 5, 2, 23, 30), "confirmed": 2,
             "checked_in": 1, "lead_name": "李负责"}]
    return report, rows


def test_a_consistent_report_has_no_warnings(app):
    with app.test_request_context():
        assert exports.consistency_checks(*crafted()) == []


def test_months_that_do_not_add_up_are_named(app):
    report, rows = crafted(registrations=6, checked_in=4)
    with app.test_request_context(), force_locale("zh_Hans"):
        warnings = exports.consistency_checks(report, rows)
    assert [w["code"] for w in warnings] == ["months_do_not_add_up"] * 2
    assert warnings[0]["message"] == "各月合计已确认报名为 5，与统计期间的 6 不符。"
    assert all(w["events"] == [] for w in warnings)


def test_more_checked_in_than_confirmed_is_a_warning(app):
    report, rows = crafted()
    rows[1]["checked_in"] = 3
    report["checked_in"] = 5
    report["months"][1]["checked_in"] = 3
    with app.test_request_context(), force_locale("zh_Hans"):
        warnings = exports.consistency_checks(report, rows)
    assert [w["code"] for w in warnings] == ["checked_in_over_confirmed"]
    assert warnings[0]["events"] == [{"id": 2, "title": "二号活动", "date": "2026-05-02"}]
    report, rows = crafted(checked_in=6)  # overall only (months off too)
    report["months"][0]["checked_in"] = 5
    with app.test_request_context(), force_locale("en"):
        warnings = exports.consistency_checks(report, rows)
    assert [w["code"] for w in warnings] == ["checked_in_over_confirmed"]
    assert warnings[0]["events"] == [] and "(6)" in warnings[0]["message"]


def test_events_without_a_lead_are_listed(app):
    report, rows = crafted()
    rows[0]["lead_name"] = "  "
    rows[1]["lead_name"] = ""
    with app.test_request_context(), force_locale("en"):
        warnings = exports.consistency_checks(report, rows)
    assert [w["code"] for w in warnings] == ["lead_missing"]
    assert warnings[0]["message"].startswith("2 events have no person in charge")
    assert [e["title"] for e in warnings[0]["events"]] == ["一号活动", "二号活动"]


def test_checks_of_the_data_set_name_the_leaderless_event(app, dataset):
    with app.test_request_context(), force_locale("zh_Hans"):
        warnings = exports.checks(dataset.owner, dataset.org, FROM, TO)
    assert warnings == [{"code": "lead_missing",
                         "message": "1 场活动未填写负责人：请在活动表单中填写。",
                         "events": [{"id": dataset.e3.id, "title": "创业训练营",
                                     "date": "2026-06-05"}]}]


# Readers and the audit ----------------------------------------------------------------------


def test_only_the_report_readers_export_and_each_export_is_audited(app, dataset, staff,
                                                                    participant):
    for who in (staff, participant):
        with pytest.raises(NotAllowed):
            exports.export_workbook(who, dataset.org, FROM, TO)
        with pytest.raises(NotAllowed):
            exports.export_pdf(who, dataset.org, FROM, TO)
    data, mimetype, name = exports.export_workbook(dataset.owner, dataset.org, FROM, TO, "torch")
    assert name == f"report-{dataset.org.id}-20260401-20260630-torch.xlsx"
    assert mimetype.endswith("spreadsheetml.sheet")
    _, mimetype, name = exports.export_pdf(dataset.organizer, dataset.org, FROM, TO)
    assert (mimetype, name) == ("application/pdf",
                                f"report-{dataset.org.id}-20260401-20260630.pdf")
    entries = db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.action == "org_report.exported").order_by(AuditEntry.id)).all()
    assert [(e.actor_id, e.after["format"]) for e in entries] == [
        (dataset.owner.id, "xlsx"), (dataset.organizer.id, "pdf")]
