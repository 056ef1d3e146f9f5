"""GET /api/v1/orgs/{id}/report.xlsx (and ?format=torch), report.pdf and report/checks (issue
15): the JSON report's readers and errors, the files' content types and names, a browser
session, no participant's personal data."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest
from openpyxl import load_workbook

from eventhub.audit import AuditEntry
from eventhub.database import db
from tests import factories
from tests.api.conftest import assert_error
from tests.services.test_report_exports import (
    all_cells,
    build_dataset,
    no_private_data,
    sheets_of,
    table_after,
    trimmed,
)

PERIOD = "from=2026-04-01&to=2026-07-01"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def dataset(org, owner, organizer):
    """`build_dataset`'s organization, events and people (its docstring has the numbers)."""
    return build_dataset(org, owner, organizer)


def url(org, what="report.xlsx", query=PERIOD):
    return f"/api/v1/orgs/{org.id}/{what}?{query}"


def member(org, role):
    user = factories.UserFactory(name=f"报表文件{role}")
    factories.MembershipFactory(organization=org, user=user, role=role)
    return user


def file_of(response, mimetype: str) -> bytes:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == mimetype
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return response.get_data()


def pdf_text(data: bytes) -> str:
    pdf = pdfium.PdfDocument(data)
    try:
        return "".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def test_the_workbook_for_the_period(api, dataset):
    response = api(dataset.owner).get(url(dataset.org))
    sheets = sheets_of(file_of(response, XLSX))
    assert f'report-{dataset.org.id}-20260401-20260630.xlsx' in \
        response.headers["Content-Disposition"]
    assert list(sheets) == ["汇总", "活动明细", "导师"]
    assert [row[1] for row in sheets["活动明细"][3:]] == [
        "创业沙龙·四月", "创新创业大赛·复赛", "创业训练营", "青年论坛"]
    figures = {row[0]: row[2] for row in table_after(sheets["汇总"], "指标")}
    assert figures["举办创新创业活动"] == 4 and figures["签到人次"] == 4
    no_private_data(all_cells(sheets), dataset.private)


def test_the_torch_layout(api, dataset):
    response = api(dataset.organizer).get(url(dataset.org, query=PERIOD + "&format=torch"))
    sheets = sheets_of(file_of(response, XLSX))
    assert "-torch.xlsx" in response.headers["Content-Disposition"]
    header = trimmed(next(row for row in sheets["汇总"] if row[0] == "指标名称"))
    assert header == ["指标名称", "计量单位", "代码", "数值"]
    assert table_after(sheets["汇总"], "指标名称")[1] == ["举办创新创业活动", "场次", "01", 4]


def test_the_pdf_for_the_period(api, dataset):
    response = api(dataset.organizer).get(url(dataset.org, "report.pdf"))
    text = pdf_text(file_of(response, "application/pdf"))
    assert "创新创业活动统计报表" in text and "单位（盖章）" in text and "57.14%" in text
    no_private_data([text], dataset.private)


def test_the_checks_before_export(api, dataset):
    response = api(dataset.owner).get(url(dataset.org, "report/checks"))
    assert response.status_code == 200
    assert response.get_json() == {"items": [{
        "code": "lead_missing", "message": "1 场活动未填写负责人：请在活动表单中填写。",
        "events": [{"id": dataset.e3.id, "title": "创业训练营", "date": "2026-06-05"}]}]}


@pytest.mark.parametrize("what", ["report.xlsx", "report.pdf", "report/checks"])
def test_the_readers_are_the_reports(api, dataset, admin, staff, participant,
                                     outsider_organizer, what):
    viewer = member(dataset.org, "viewer")
    for user in (dataset.owner, dataset.organizer, viewer, admin):
        assert api(user).get(url(dataset.org, what)).status_code == 200, user
    for user in (staff, participant, outsider_organizer, member(dataset.x, "viewer")):
        assert_error(api(user).get(url(dataset.org, what)), 403, "forbidden")
    assert_error(api().get(url(dataset.org, what)), 401)
    assert_error(api(admin).get(f"/api/v1/orgs/424242/{what}?{PERIOD}"), 404)


def test_a_viewer_gets_figures_and_no_names_of_mentors(api, dataset):
    viewer = member(dataset.org, "viewer")
    sheets = sheets_of(file_of(api(viewer).get(url(dataset.org)), XLSX))
    assert "导出导师甲" not in all_cells(sheets)
    no_private_data(all_cells(sheets), dataset.private)
    assert "导出导师甲" in all_cells(sheets_of(api(dataset.owner).get(url(dataset.org))
                                               .get_data()))


@pytest.mark.parametrize("what", ["report.xlsx", "report.pdf", "report/checks"])
@pytest.mark.parametrize(("query", "field"), [
    ("from=2026-13-01&to=2026-07-01", "from"),
    ("from=2026-04-01&to=yesterday", "to"),
    ("from=2026-07-01&to=2026-04-01", "to"),
    ("from=2026-04-01&to=2026-04-01", "to"),
    ("from=2026-04-01T09:00&to=2026-07-01", "from"),
])
def test_a_bad_period_is_422(api, dataset, what, query, field):
    error = assert_error(api(dataset.owner).get(url(dataset.org, what, query)), 422)
    assert field in error["fields"]
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(
        AuditEntry.action == "org_report.exported")) == 0


def test_an_unknown_layout_is_422(api, dataset):
    error = assert_error(api(dataset.owner).get(url(dataset.org, query=PERIOD + "&format=csv")),
                         422)
    assert "format" in error["fields"]


def test_a_browser_session_downloads_the_files(login, dataset):
    c = login(dataset.organizer)
    assert file_of(c.get(url(dataset.org)), XLSX)
    assert file_of(c.get(url(dataset.org, "report.pdf")), "application/pdf")


def test_an_english_reader_gets_english_files(api, dataset):
    dataset.owner.locale = "en"
    db.session.commit()
    book = load_workbook(io.BytesIO(api(dataset.owner).get(url(dataset.org)).get_data()))
    assert book.sheetnames == ["Report summary", "Event details", "Mentors"]
    text = pdf_text(api(dataset.owner).get(url(dataset.org, "report.pdf")).get_data())
    assert "Prepared by" in text and "Organization (seal)" in text


def test_the_files_are_documented(client):
    document = client.get("/api/v1/openapi.json").get_json()
    xlsx = document["paths"]["/api/v1/orgs/{org_id}/report.xlsx"]["get"]
    assert XLSX in xlsx["responses"]["200"]["content"]
    assert {p["name"] for p in xlsx["parameters"] if p["in"] == "query"} >= {
        "from", "to", "format"}
    pdf = document["paths"]["/api/v1/orgs/{org_id}/report.pdf"]["get"]
    assert "application/pdf" in pdf["responses"]["200"]["content"]
    for operation in (xlsx, pdf):
        assert {"401", "403", "404", "422"} <= set(operation["responses"])
