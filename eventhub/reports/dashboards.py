"""Dashboards: an organization's or an alliance's figures for a period, with charts, for its
organizers and viewers, and read-only through a signed, expiring link."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("dashboards", __name__)
