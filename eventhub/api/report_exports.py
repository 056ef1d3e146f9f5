"""An organization's or alliance's report as a workbook and a printable PDF."""

from __future__ import annotations

from eventhub.api.common import make_blueprint

blp = make_blueprint(
    "api_report_exports",
    "Reports as files: the organization's or alliance's workbook and PDF summary.",
)
