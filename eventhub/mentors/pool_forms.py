"""The forms of the mentor pool's organizer pages and of a mentor's own profile. They only read
what was typed: the rules (lengths, tags, who may) are `eventhub.mentors.services`', whose
refusals the pages show beside the fields."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, StringField, TextAreaField

from eventhub.accounts.models import EMAIL_MAX, NAME_MAX
from eventhub.mentors import services
from eventhub.text import split_tags
from eventhub.webforms import Form


class ProfileForm(Form):
    """A mentor's profile: what the directory shows of them."""

    title = StringField(_l("Job title"), render_kw={"maxlength": NAME_MAX},
                        description=_l("For example: 合伙人, 教授, 高级工程师."))
    affiliation = StringField(_l("Affiliation"), render_kw={"maxlength": NAME_MAX},
                              description=_l("Their company, fund, school or unit."))
    expertise = StringField(
        _l("Expertise"), render_kw={"maxlength": 2000},
        description=_l("Tags separated by commas, for example: 融资, 人工智能, 知识产权."))
    bio = TextAreaField(_l("Bio"), render_kw={"rows": 6, "maxlength": services.TEXT_MAX},
                        description=_l("Markdown: **bold**, lists, links."))
    public = BooleanField(_l("Public: shown in the mentor directory to everyone"),
                          default=True,
                          description=_l("Otherwise only this pool's organizers see the mentor."))

    def info(self) -> services.ProfileInfo:
        """The typed profile for `services.add_mentor` / `services.update_mentor`."""
        return services.ProfileInfo(
            title=self.title.data or "",
            affiliation=self.affiliation.data or "",
            expertise=split_tags(self.expertise.data),
            bio=self.bio.data or "",
            public=bool(self.public.data),
        )

    def show(self, mentor: Any) -> None:
        """Fill the form with the mentor's profile (tags as one comma-separated line)."""
        self.title.data = mentor.title
        self.affiliation.data = mentor.affiliation
        self.expertise.data = ", ".join(mentor.expertise or [])
        self.bio.data = mentor.bio
        self.public.data = mentor.public


class InviteForm(ProfileForm):
    """Putting a person in the pool by their email (invited by mail)."""

    email = EmailField(_l("Email"), render_kw={"maxlength": EMAIL_MAX, "autocomplete": "off"})
    name = StringField(_l("Name"), render_kw={"maxlength": NAME_MAX},
                       description=_l("Used when they have no account yet."))


class PhotoForm(Form):
    """A photo for the mentor's profile."""

    photo = FileField(_l("Photo"), render_kw={"accept": "image/jpeg,image/png,image/webp"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.photo.description = _l(
            "A JPEG, PNG or WebP image of at most %(n)d MB; a square portrait looks best.",
            n=max(1, services.max_photo_bytes() // (1024 * 1024)))


class ProfilePageForm(ProfileForm, PhotoForm):
    """The profile and the photo, sent together from the edit page."""
