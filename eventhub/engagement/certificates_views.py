"""Certificates (参会证明, 获奖证书): issuing, the PDF, the public verification page.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("engagement_certificates", __name__)
