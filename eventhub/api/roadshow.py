"""JSON API of the live roadshow: the stage of a round (entry on stage, pitch and Q&A clocks)
and the state the big screen and the judges' tablets poll."""

from __future__ import annotations

from eventhub.api.common import make_blueprint

blp = make_blueprint("api_roadshow", "Live roadshow: the stage, its clocks and live scores.")
