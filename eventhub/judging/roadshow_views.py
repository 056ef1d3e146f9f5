"""The live roadshow (路演): the organizer's control panel, the big screen and the stage feed
judges' tablets follow."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("roadshow", __name__)
