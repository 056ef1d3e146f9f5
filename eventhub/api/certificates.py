"""Certificates (参会证明, 获奖证书): issuing, the PDF, the public verification page.
"""

from __future__ import annotations

from eventhub.api.common import make_blueprint

blp = make_blueprint(
    "api_certificates",
    "Certificates (参会证明, 获奖证书): issuing, the PDF, the public verification page.",
)
