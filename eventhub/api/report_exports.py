"""An organization's or alliance's report as a workbook and a printable PDF, and the checks
shown before export.

The files are `eventhub.reports.exports`'; their readers are the JSON report's
(`permissions.can_read_org_figures`), and so are the errors: 401, 403, 404 and 422 on
``from``/``to``. A browser session works for these GETs, so pages link them directly."""

from __future__ import annotations

import marshmallow as ma
from werkzeug.wrappers import Response

from eventhub import periods, permissions
from eventhub.api.common import doc_errors, load_or_404, make_blueprint, require_user, signed_in
from eventhub.api.reports import ReportPeriodArgsSchema
from eventhub.downloads import private_file
from eventhub.orgs.models import Organization
from eventhub.reports import exports
from eventhub.sheets import MIMETYPES

blp = make_blueprint(
    "api_report_exports",
    "Reports as files: the organization's or alliance's workbook and PDF summary.",
)


class WorkbookArgsSchema(ReportPeriodArgsSchema):
    format = ma.fields.String(
        load_default="standard",
        validate=ma.validate.OneOf(exports.LAYOUTS),
        metadata={"description": "`torch` lays the sheet 汇总 out as the 火炬统计 众创空间 "
                                 "survey's activity block (指标名称、计量单位、代码、数值; an "
                                 "alliance's members side by side). Default `standard`.",
                  "enum": list(exports.LAYOUTS)})


class CheckEventSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    date = ma.fields.String(required=True, metadata={
        "description": "The event's start day in the platform's time zone (2026-05-18)."})


class CheckSchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={
        "description": "`months_do_not_add_up` (the months' events, confirmed or checked in "
                       "differ from the period's), `checked_in_over_confirmed` (overall or at "
                       "the events listed) or `lead_missing` (events without a 负责人)."})
    message = ma.fields.String(required=True, metadata={
        "description": "What is wrong, in the reader's language."})
    events = ma.fields.List(ma.fields.Nested(CheckEventSchema), required=True, metadata={
        "description": "The events concerned (none for a check of the totals)."})


class CheckListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CheckSchema), required=True, metadata={
        "description": "Empty when everything adds up."})


def _reader_org(org_id: int) -> Organization:
    """The organization, to the readers of its report: 404 unknown, 403 not a reader."""
    return load_or_404(Organization, org_id, allowed=lambda org: (
        permissions.can_read_org_figures(require_user(), org)))


#: A file's body in the OpenAPI document.
BINARY = {"type": "string", "format": "binary"}


def _period(args: dict) -> tuple:
    return periods.parse_period(args.get("start"), args.get("end"), periods.platform_tz())


@blp.route("/orgs/<id:org_id>/report.xlsx", methods=["GET"])
@blp.response(200, BINARY, content_type=MIMETYPES["xlsx"], description=(
    "A workbook: `汇总` (the organization, the period, the figures with their units, the "
    "events by kind and by month, an alliance's members one row each, the checks' warnings), "
    "`活动明细` (时间、主题、地点、类型、角色、报名、签到、签到率、负责人: one row per event, by "
    "start) and `导师` (the mentor figures; for the pool's owners and organizers also the "
    "导师名单). Sheet names and headers are in the reader's language."))
@doc_errors(blp, 401, 403, 404, 422)
@signed_in(blp)
@blp.arguments(WorkbookArgsSchema, location="query")
def report_workbook(args: dict, org_id: int) -> Response:
    """The organization's report for `[from, to)` as a workbook (owners, organizers, viewers;
    audited): no participant's personal data, counts only."""
    org = _reader_org(org_id)
    start, end = _period(args)
    data, mimetype, name = exports.export_workbook(require_user(), org, start, end,
                                                   args["format"])
    return private_file(data, mimetype, name)


@blp.route("/orgs/<id:org_id>/report.pdf", methods=["GET"])
@blp.response(200, BINARY, content_type="application/pdf", description=(
    "A printable A4 summary: title, organization, period, the figures, the months, an "
    "alliance's members, the checks' warnings and the block to sign and seal (填报人、审核人、"
    "单位（盖章）、日期); page numbers at the foot."))
@doc_errors(blp, 401, 403, 404, 422)
@signed_in(blp)
@blp.arguments(ReportPeriodArgsSchema, location="query")
def report_pdf(args: dict, org_id: int) -> Response:
    """The organization's report for `[from, to)` as a PDF to sign and seal (owners,
    organizers, viewers; audited)."""
    org = _reader_org(org_id)
    start, end = _period(args)
    data, mimetype, name = exports.export_pdf(require_user(), org, start, end)
    return private_file(data, mimetype, name)


@blp.route("/orgs/<id:org_id>/report/checks", methods=["GET"])
@blp.response(200, CheckListSchema)
@doc_errors(blp, 401, 403, 404, 422)
@signed_in(blp)
@blp.arguments(ReportPeriodArgsSchema, location="query")
def report_checks(args: dict, org_id: int) -> dict:
    """What does not add up in the report for `[from, to)` before it is exported (the months
    against the period, check-ins against confirmed registrations, events without a
    负责人): the report's readers. The files carry the same warnings."""
    org = _reader_org(org_id)
    start, end = _period(args)
    return {"items": exports.checks(require_user(), org, start, end)}
