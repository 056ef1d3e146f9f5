"""The mentor pool's invitations and photos (issue 13): adding a mentor mails them (a claim link
for an account without a password, a plain notice otherwise); a claim link sets the password
once and only for its mentor; photos are real JPEG/PNG/WebP images, at most 2 MB, stored
re-encoded without their metadata, and replacing or removing one deletes the old file."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from PIL import Image

from eventhub import uploads
from eventhub.accounts import services as accounts
from eventhub.accounts.models import User
from eventhub.audit import AuditEntry
from eventhub.database import db
from eventhub.errors import Conflict, NotAllowed, ValidationFailed
from eventhub.mail.models import OutboxMessage
from eventhub.mail.services import deliver_pending
from eventhub.mentors import services
from tests import factories
from tests.factories import PASSWORD


def outbox(template: str = "mentor_invitation") -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.template == template).order_by(OutboxMessage.id)))


def claim_token(mail: OutboxMessage, mentor_id: int) -> str:
    match = re.search(rf"/mentors/{mentor_id}/claim/(\S+)", mail.text_body)
    assert match, mail.text_body
    return match.group(1)


def image(fmt: str = "PNG", size: tuple[int, int] = (40, 30), **save: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt, **save)
    return out.getvalue()


def stored_files() -> list[str]:
    return sorted(p.name for p in uploads.folder(services.PHOTO_KIND).iterdir())


@pytest.fixture(autouse=True)
def _upload_folder(app, tmp_path, monkeypatch):
    """Each test its own upload folder, so that it sees only its own files."""
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))


@pytest.fixture
def mentor(org, owner):
    return services.add_mentor(owner, org, "new.mentor@example.com", "陈导师",
                               services.ProfileInfo(title="合伙人", expertise=["融资"]))


# Invitations -------------------------------------------------------------------------------


def test_a_new_person_gets_a_claim_link_that_sets_their_password_once(app, org, mentor):
    mail, = outbox()
    assert mail.to_addr == "new.mentor@example.com" and org.name in mail.subject
    assert "<a href=" in mail.html_body and "<" not in mail.text_body
    assert deliver_pending()["sent"] == 1
    token = claim_token(mail, mentor.id)
    user = services.claim_invitation(mentor, token, "mentor-pass-9")
    assert user.id == mentor.user_id and user.password_hash
    assert accounts.authenticate("new.mentor@example.com", "mentor-pass-9").id == user.id
    with pytest.raises(ValidationFailed) as used:
        services.claim_invitation(mentor, token, "another-pass-9")
    assert used.value.code == "link_invalid"
    assert accounts.authenticate("new.mentor@example.com", "mentor-pass-9")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "mentor.invitation_claimed")) == 1


def test_an_expired_claim_link_is_refused_and_changes_nothing(app, mentor, monkeypatch):
    token = claim_token(outbox()[0], mentor.id)
    monkeypatch.setitem(app.config, "MENTOR_INVITATION_MAX_AGE", -1)
    with pytest.raises(ValidationFailed) as expired:
        services.claim_invitation(mentor, token, "mentor-pass-9")
    assert expired.value.code == "link_expired"
    assert db.session.get(User, mentor.user_id).password_hash is None


def test_a_claim_link_lasts_longer_than_a_password_reset(app, mentor, monkeypatch):
    """An invitation may wait in a mailbox for days; a reset link lasts 2 hours."""
    assert services.invitation_max_age() == 7 * 24 * 3600
    assert services.invitation_max_age() > app.config["PASSWORD_RESET_MAX_AGE"]


def test_a_claim_link_claims_only_its_own_mentor(org, other_org, owner, mentor, admin):
    other = services.add_mentor(admin, other_org, "someone@example.com", "别人")
    token = claim_token(outbox()[0], mentor.id)
    with pytest.raises(ValidationFailed):
        services.claim_invitation(other, token, "mentor-pass-9")
    assert db.session.get(User, other.user_id).password_hash is None


def test_a_password_reset_link_cannot_claim_an_account_with_a_password(org, owner, participant):
    """A claim needs an account without a password: a reset link of one that has a password
    (valid for hours) is no invitation (valid for days)."""
    mentor = services.add_mentor(owner, org, participant.email)
    with pytest.raises(ValidationFailed):
        services.claiming_user(mentor, accounts.make_reset_token(participant))


def test_someone_with_an_account_gets_a_notice_and_keeps_their_password(org, owner, participant):
    before = participant.password_hash
    mentor = services.add_mentor(owner, org, "Participant@Example.com")
    mail, = outbox()
    assert mail.to_addr == participant.email
    assert "/claim/" not in mail.text_body
    assert f"/mentors/{mentor.id}/profile/edit" in mail.text_body
    assert db.session.get(User, participant.id).password_hash == before
    assert not services.needs_claim(mentor)
    assert accounts.authenticate(participant.email, PASSWORD)


def test_refused_additions_mail_nobody(org, owner, mentor, staff):
    sent = len(outbox())
    with pytest.raises(Conflict):
        services.add_mentor(owner, org, "new.mentor@example.com")
    with pytest.raises(NotAllowed):
        services.add_mentor(staff, org, "x@example.com")
    with pytest.raises(ValidationFailed):
        services.add_mentor(owner, org, "not-an-email")
    assert len(outbox()) == sent


def test_the_invitation_is_sent_again_while_unclaimed_only(org, owner, mentor, staff):
    services.resend_invitation(owner, mentor)
    first, second = outbox()
    assert claim_token(second, mentor.id)
    with pytest.raises(NotAllowed):
        services.resend_invitation(staff, mentor)
    services.claim_invitation(mentor, claim_token(second, mentor.id), "mentor-pass-9")
    with pytest.raises(Conflict) as claimed:
        services.resend_invitation(owner, mentor)
    assert claimed.value.code == "invitation_claimed"
    assert len(outbox()) == 2


def test_the_mail_speaks_the_invitees_language(org, owner):
    factories.UserFactory(email="en@example.com", name="Ann", locale="en", password_hash=None)
    services.add_mentor(owner, org, "en@example.com")
    mail, = outbox()
    assert "mentor pool" in mail.subject and "/claim/" in mail.text_body


# Photos ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt, mimetype", [("JPEG", "image/jpeg"), ("PNG", "image/png"),
                                           ("WEBP", "image/webp")])
def test_a_photo_of_each_kind_is_stored(mentor, owner, fmt, mimetype):
    services.save_photo(owner, mentor, io.BytesIO(image(fmt)))
    path, found = services.photo_file(owner, mentor)
    assert found == mimetype
    with Image.open(path) as stored:
        assert stored.format == fmt and stored.size == (40, 30)


def test_a_photo_loses_its_metadata_and_is_made_small(mentor, owner):
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"  # Make
    exif[0x8825] = {2: (41.0, 48.0, 0.0)}  # GPS latitude
    big = image("JPEG", size=(2000, 1000), exif=exif.tobytes())
    with Image.open(io.BytesIO(big)) as original:
        assert original.getexif()
    services.save_photo(mentor.user, mentor, io.BytesIO(big))
    path, _ = services.photo_file(owner, mentor)
    with Image.open(path) as stored:
        assert not stored.getexif() and "exif" not in stored.info
        assert stored.size == (services.PHOTO_SIDE, services.PHOTO_SIDE // 2)


@pytest.mark.parametrize("data", [
    b"",
    b"GIF89a" + b"\0" * 100,
    b"%PDF-1.7 not a photo",
    b"\x89PNG\r\n\x1a\n" + b"broken" * 50,  # the right magic bytes, but no image
    b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
])
def test_what_is_not_a_photo_is_refused_and_leaves_nothing(mentor, owner, data):
    with pytest.raises(ValidationFailed) as refused:
        services.save_photo(owner, mentor, io.BytesIO(data))
    assert "photo" in refused.value.fields
    assert mentor.photo_key is None and stored_files() == []


def test_a_photo_over_the_limit_is_refused(app, mentor, owner, monkeypatch):
    monkeypatch.setitem(app.config, "MENTOR_PHOTO_MAX_BYTES", 1000)
    with pytest.raises(ValidationFailed) as refused:
        services.save_photo(owner, mentor, io.BytesIO(image("PNG") + b"\0" * 2000))
    assert refused.value.code == "photo_too_large" and "photo" in refused.value.fields
    assert stored_files() == []
    assert services.max_photo_bytes() == 1000
    monkeypatch.delitem(app.config, "MENTOR_PHOTO_MAX_BYTES")
    assert services.max_photo_bytes() == 2 * 1024 * 1024


def test_a_new_photo_replaces_the_old_file_and_removing_deletes_it(mentor, owner):
    services.save_photo(owner, mentor, io.BytesIO(image("PNG")))
    first = mentor.photo_key
    services.save_photo(mentor.user, mentor, io.BytesIO(image("JPEG")))
    assert mentor.photo_key != first and stored_files() == [mentor.photo_key]
    services.remove_photo(owner, mentor)
    assert mentor.photo_key is None and stored_files() == []
    assert services.photo_file(owner, mentor) is None


def test_only_the_mentor_and_the_pools_organizers_set_a_photo(mentor, participant,
                                                              outsider_organizer, staff):
    for user in (participant, outsider_organizer, staff):
        with pytest.raises(NotAllowed):
            services.save_photo(user, mentor, io.BytesIO(image()))
        with pytest.raises(NotAllowed):
            services.remove_photo(user, mentor)
    assert stored_files() == []


def test_a_refused_profile_keeps_the_old_photo_and_stores_nothing(mentor, owner):
    services.save_photo(owner, mentor, io.BytesIO(image()))
    key = mentor.photo_key
    with pytest.raises(ValidationFailed) as refused:
        services.save_profile(owner, mentor, services.ProfileInfo(title="x" * 1000),
                              io.BytesIO(image("JPEG")))
    assert "title" in refused.value.fields
    assert db.session.get(type(mentor), mentor.id).photo_key == key
    assert stored_files() == [key]
