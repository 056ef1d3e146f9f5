"""Report forms: the evidence pack's photo upload."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField

from eventhub.reports import evidence
from eventhub.webforms import Form


class EvidencePhotoForm(Form):
    """A photo of the event for its evidence pack (补贴材料)."""

    photo = FileField(_l("Photo"), render_kw={"accept": "image/jpeg,image/png"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.photo.description = _l(
            "A JPEG or PNG image of at most %(n)d MB; its location data is removed.",
            n=max(1, evidence.max_photo_bytes() // (1024 * 1024)))
