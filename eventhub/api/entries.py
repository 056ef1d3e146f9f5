"""JSON API of contest entries beyond creation: editing, deleting, attachments and bulk
import."""

from __future__ import annotations

from eventhub.api.common import make_blueprint

blp = make_blueprint("api_entries", "Contest entries: edit, delete, attachments, import.")
