"""The mentor pool's pages (issue 13): the organizers' pool page (list, invite), editing a
profile and its photo (the mentor or the pool's organizers), the mentor's own profile from the
account menu, the photo URL with its caching, and claiming an invitation from its mail."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from PIL import Image

from eventhub.accounts.models import User
from eventhub.database import db
from eventhub.mail.models import OutboxMessage
from eventhub.mentors import services
from eventhub.mentors.models import Mentor
from tests import factories
from tests.views.conftest import count, fresh, make_client, text


@pytest.fixture(autouse=True)
def _upload_folder(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))


@pytest.fixture
def mentor(org, owner):
    return services.add_mentor(owner, org, "mentor@example.com", "陈导师",
                               services.ProfileInfo(title="合伙人", affiliation="盛京资本",
                                                    expertise=["融资", "人工智能"]))


def _png(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, format="PNG")
    return out.getvalue()


def _invite(**extra) -> dict:
    return {"email": "new@example.com", "name": "周导师", "title": "教授",
            "affiliation": "东北大学", "expertise": "智能制造，知识产权、 融资",
            "bio": "**二十年**产业经验", "public": "y", **extra}


def _claim_path(mentor_id: int) -> str:
    db.session.expire_all()
    mail = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.template == "mentor_invitation").order_by(OutboxMessage.id.desc())).first()
    match = re.search(rf"http://localhost(/mentors/{mentor_id}/claim/\S+)", mail.text_body)
    assert match, mail.text_body
    return match.group(1)


# The pool page -----------------------------------------------------------------------------


def test_the_dashboard_links_the_pool_for_its_organizers(login, org, organizer, staff):
    url = f"/orgs/{org.slug}/mentors"
    assert url in text(login(organizer).get(f"/orgs/{org.slug}"))
    assert url not in text(login(staff).get(f"/orgs/{org.slug}"))


def test_the_pool_lists_every_mentor_with_their_state(login, org, owner, mentor, participant):
    hidden = services.add_mentor(owner, org, participant.email, None,
                                 services.ProfileInfo(public=False))
    html = text(login(owner).get(f"/orgs/{org.slug}/mentors"))
    for shown in ("陈导师", "合伙人 · 盛京资本", "融资", "人工智能", "mentor@example.com",
                  participant.name, "公开", "仅本机构可见", "尚未接受邀请", "账号已启用",
                  "重新发送邀请", f"/mentors/{mentor.id}/profile/edit",
                  f"/mentors/{hidden.id}/profile/edit", f"/mentors/{mentor.id}/photo?v=none"):
        assert shown in html, shown
    assert html.count("重新发送邀请") == 1  # the participant has a password already


def test_organizers_invite_a_mentor_from_the_page(login, org, organizer):
    c = login(organizer)
    response = c.submit(f"/orgs/{org.slug}/mentors", _invite())
    assert response.status_code == 302
    mentor = db.session.scalars(sa.select(Mentor).where(Mentor.org_id == org.id)).one()
    assert (mentor.name, mentor.title, mentor.affiliation) == ("周导师", "教授", "东北大学")
    assert mentor.expertise == ["智能制造", "知识产权", "融资"] and mentor.public
    assert mentor.bio == "**二十年**产业经验"
    assert fresh(mentor.user).password_hash is None
    assert "周导师 已加入导师库" in text(c.get(response.headers["Location"]))
    assert count(OutboxMessage, OutboxMessage.template == "mentor_invitation") == 1


def test_a_pool_only_mentor_is_invited_when_public_is_unticked(login, org, organizer):
    data = _invite()
    del data["public"]
    login(organizer).submit(f"/orgs/{org.slug}/mentors", data)
    assert db.session.scalars(sa.select(Mentor.public)).one() is False


@pytest.mark.parametrize("data, field", [
    ({"email": ""}, "email"),
    ({"email": "not-an-email"}, "email"),
    ({"name": "名" * 300}, "name"),
    ({"title": "x" * 300}, "title"),
    ({"expertise": ", ".join(f"tag{i}" for i in range(30))}, "expertise"),
    ({"bio": "x" * 10_001}, "bio"),
])
def test_bad_invitations_show_why_and_change_nothing(login, org, organizer, data, field):
    response = login(organizer).submit(f"/orgs/{org.slug}/mentors", _invite(**data))
    assert response.status_code == 422
    assert f'id="{field}-error"' in text(response)
    assert count(Mentor) == 0 and count(OutboxMessage) == 0


def test_inviting_someone_twice_says_so(login, org, organizer, mentor):
    response = login(organizer).submit(f"/orgs/{org.slug}/mentors",
                                       _invite(email="Mentor@Example.com"))
    assert response.status_code == 422
    assert 'id="email-error"' in text(response) and "此人已在本导师库中" in text(response)
    assert count(Mentor) == 1


def test_only_the_organizations_owners_and_organizers_see_the_pool(login, client, org, owner,
                                                                  organizer, staff,
                                                                  outsider_organizer, admin,
                                                                  participant):
    url = f"/orgs/{org.slug}/mentors"
    for user in (owner, organizer, admin):
        assert login(user).get(url).status_code == 200
    for user in (staff, outsider_organizer, participant):
        assert login(user).get(url).status_code == 403
        response = login(user).submit(url, _invite(), form_url="/")
        assert response.status_code == 403
    assert client.get(url).status_code == 302
    assert login(owner).get("/orgs/no-such-org/mentors").status_code == 404
    assert count(Mentor) == 0


def test_the_invitation_is_sent_again_from_the_page(login, org, owner, mentor, staff):
    url = f"/mentors/{mentor.id}/invitation"
    pool = f"/orgs/{org.slug}/mentors"
    response = login(owner).submit(url, form_url=pool)
    assert response.status_code == 302
    assert count(OutboxMessage, OutboxMessage.template == "mentor_invitation") == 2
    assert login(staff).submit(url, form_url="/").status_code == 403
    assert login(mentor.user).submit(url, form_url="/").status_code == 403
    assert count(OutboxMessage, OutboxMessage.template == "mentor_invitation") == 2


# Editing a profile -------------------------------------------------------------------------


def _profile(**extra) -> dict:
    return {"title": "执行合伙人", "affiliation": "盛京资本", "expertise": "融资, 路演",
            "bio": "简介", "public": "y", **extra}


def test_the_mentor_edits_their_profile_and_photo(login, mentor):
    user = fresh(mentor.user)
    user.password_hash = factories.UserFactory.password_hash
    db.session.commit()
    c = login(user)
    menu = text(c.get("/"))
    assert "/mentor/profile" in menu and "我的导师资料" in menu
    response = c.get("/mentor/profile")
    assert response.headers["Location"].endswith(f"/mentors/{mentor.id}/profile/edit")
    page = text(c.get(f"/mentors/{mentor.id}/profile/edit"))
    assert 'value="合伙人"' in page and 'value="融资, 人工智能"' in page
    assert 'enctype="multipart/form-data"' in page
    assert 'accept="image/jpeg,image/png,image/webp"' in page
    response = c.submit(f"/mentors/{mentor.id}/profile/edit",
                        {**_profile(), "photo": (io.BytesIO(_png()), "me.png")},
                        content_type="multipart/form-data")
    assert response.status_code == 302, text(response)
    saved = fresh(mentor)
    assert saved.title == "执行合伙人" and saved.expertise == ["融资", "路演"]
    assert saved.photo_key
    assert "导师资料已保存" in text(c.get(response.headers["Location"]))
    photo = c.get(f"/mentors/{mentor.id}/photo")
    assert photo.mimetype == "image/png"


def test_an_oversized_or_false_photo_is_shown_beside_the_field(app, login, owner, mentor,
                                                              monkeypatch):
    c = login(owner)
    url = f"/mentors/{mentor.id}/profile/edit"
    response = c.submit(url, {**_profile(title="新职务"),
                              "photo": (io.BytesIO(b"%PDF-1.4 nope"), "cv.pdf")},
                        content_type="multipart/form-data")
    assert response.status_code == 422
    assert 'id="photo-error"' in text(response) and "JPEG、PNG 或 WebP" in text(response)
    # (A small limit: a big upload would spool to a temporary file the test client keeps.)
    monkeypatch.setitem(app.config, "MENTOR_PHOTO_MAX_BYTES", 2000)
    response = c.submit(url, {**_profile(title="新职务"),
                              "photo": (io.BytesIO(_png() + b"\0" * 2000), "big.png")},
                        content_type="multipart/form-data")
    assert response.status_code == 422
    assert 'id="photo-error"' in text(response) and "MB" in text(response)
    saved = fresh(mentor)
    assert saved.title == "合伙人" and saved.photo_key is None


def test_organizers_edit_and_remove_the_photo(login, org, owner, mentor):
    c = login(owner)
    services.save_photo(owner, mentor, io.BytesIO(_png()))
    url = f"/mentors/{mentor.id}/profile/edit"
    page = text(c.get(url))
    assert "删除照片" in page and f"/orgs/{org.slug}/mentors" in page
    response = c.submit(f"/mentors/{mentor.id}/photo/delete", form_url=url)
    assert response.status_code == 302
    assert fresh(mentor).photo_key is None
    response = c.submit(url, _profile(public=""))
    assert response.status_code == 302 and fresh(mentor).public is False


def test_who_may_edit_a_profile(login, client, mentor, participant, staff, outsider_organizer,
                                owner):
    url = f"/mentors/{mentor.id}/profile/edit"
    for user in (participant, staff, outsider_organizer):
        assert login(user).get(url).status_code == 403  # a public mentor: seen, not edited
        assert login(user).submit(url, _profile(), form_url="/").status_code == 403
        assert login(user).submit(f"/mentors/{mentor.id}/photo/delete",
                                  form_url="/").status_code == 403
    services.update_mentor(owner, mentor, services.ProfileInfo(public=False))
    assert login(participant).get(url).status_code == 404
    assert client.get(url).status_code == 302
    assert login(owner).get("/mentors/999999/profile/edit").status_code == 404
    assert fresh(mentor).title == "合伙人"


def test_a_person_in_no_pool_has_no_mentor_profile(login, participant):
    c = login(participant)
    assert "/mentor/profile" not in text(c.get("/"))
    assert c.get("/mentor/profile").status_code == 404


def test_a_mentor_of_two_pools_chooses_the_profile(login, org, other_org, owner, admin, mentor):
    second = services.add_mentor(admin, other_org, "mentor@example.com")
    page = text(login(mentor.user).get("/mentor/profile"))
    assert org.name in page and other_org.name in page
    assert f"/mentors/{second.id}/profile/edit" in page


# The photo URL -----------------------------------------------------------------------------


def test_the_photo_shows_to_whoever_sees_the_mentor(client, login, mentor, owner, participant,
                                                    outsider_organizer):
    response = client.get(f"/mentors/{mentor.id}/photo")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "陈" in text(response) and "<script" not in text(response)
    assert response.cache_control.public and response.cache_control.no_cache
    services.save_photo(owner, mentor, io.BytesIO(_png()))
    versioned = f"/mentors/{mentor.id}/photo?v={services.photo_version(mentor)}"
    response = client.get(versioned)
    assert response.mimetype == "image/png" and response.get_data().startswith(b"\x89PNG")
    assert response.cache_control.max_age == 365 * 24 * 3600 and response.cache_control.public
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    again = client.get(versioned, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    services.update_mentor(owner, mentor, services.ProfileInfo(public=False))
    for viewer in (client, login(participant), login(outsider_organizer)):
        assert viewer.get(f"/mentors/{mentor.id}/photo").status_code == 404
    for user in (owner, mentor.user):
        response = login(user).get(versioned)
        assert response.status_code == 200 and response.cache_control.private
        assert not response.cache_control.public
    assert client.get("/mentors/999999/photo").status_code == 404


def test_the_default_avatar_escapes_the_name(client, org, owner):
    factories.UserFactory(email="odd@example.com", name="<b>&x")
    mentor = services.add_mentor(owner, org, "odd@example.com")
    svg = text(client.get(f"/mentors/{mentor.id}/photo"))
    assert "&lt;" in svg and "<b>" not in svg


# Claiming the invitation -------------------------------------------------------------------


def test_the_claim_link_sets_the_password_and_lands_on_the_profile(app, client, mentor):
    path = _claim_path(mentor.id)
    page = text(client.get(path))
    assert "加入导师库" in page and "mentor@example.com" in page
    response = client.submit(path, {"password": "mentor-pass-9",
                                    "password_confirm": "mentor-pass-9"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/mentors/{mentor.id}/profile/edit")
    assert "欢迎加入导师库" in text(client.get(response.headers["Location"]))
    other = make_client(app)
    assert other.submit("/login", {"email": "mentor@example.com",
                                   "password": "mentor-pass-9"}).status_code == 302
    used = make_client(app).get(path)
    assert used.status_code == 400 and "已被使用" in text(used)


def test_an_expired_or_forged_claim_link_is_refused(app, client, mentor, monkeypatch):
    path = _claim_path(mentor.id)
    assert client.get(f"/mentors/{mentor.id}/claim/not-a-token").status_code == 400
    monkeypatch.setitem(app.config, "MENTOR_INVITATION_MAX_AGE", -1)
    response = client.get(path)
    assert response.status_code == 400 and "已过期" in text(response)
    token = client.csrf_token("/login")
    response = client.post(path, data={"csrf_token": token, "password": "mentor-pass-9",
                                       "password_confirm": "mentor-pass-9"})
    assert response.status_code == 400
    assert db.session.get(User, mentor.user_id).password_hash is None


def test_a_weak_password_is_shown_beside_the_field(client, mentor):
    path = _claim_path(mentor.id)
    response = client.submit(path, {"password": "short", "password_confirm": "short"})
    assert response.status_code == 422 and 'id="password-error"' in text(response)
    assert fresh(mentor.user).password_hash is None
