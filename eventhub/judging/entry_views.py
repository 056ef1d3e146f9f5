"""Entries of a contest: the team leader's submission form in the entry window, the attachment,
and the organizers' entry list, editing and CSV/XLSX import."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("judging_entries", __name__)
