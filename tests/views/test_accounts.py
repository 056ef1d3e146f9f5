import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from eventhub.accounts.models import EMAIL_MAX, ApiToken, User
from eventhub.database import db
from eventhub.mail.models import OutboxMessage
from eventhub.mail.services import deliver_pending
from eventhub.text import REQUIRED_MESSAGE, too_long_message
from tests import factories
from tests.views.conftest import count, fresh, make_client, text

GOOD = {
    "name": "陈创业",
    "email": "Chen@Example.com",
    "phone": "138 1234 5678",
    "password": "abc12345",
    "password_confirm": "abc12345",
}


def user_by_email(email):
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


# Sign-up ----------------------------------------------------------------------------------


def test_signup_creates_account_and_signs_in(client):
    response = client.submit("/signup", GOOD)
    assert response.status_code == 302
    user = user_by_email("chen@example.com")
    assert user is not None
    assert user.name == "陈创业"
    assert user.phone == "13812345678"
    assert client.get("/profile").status_code == 200


def test_signup_form_has_the_named_fields(client):
    html = text(client.get("/signup"))
    for name in ("name", "email", "phone", "password", "password_confirm"):
        assert f'name="{name}"' in html
    assert '<label class="field__label" for="email">' in html


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "  "}, "name", REQUIRED_MESSAGE),
        ({"email": "not-an-email"}, "email", "请输入有效的邮箱地址。"),
        ({"email": ""}, "email", REQUIRED_MESSAGE),
        ({"phone": "12345"}, "phone", "11 位"),
        ({"password": "short1", "password_confirm": "short1"}, "password", "至少输入 8"),
        ({"password": "abcdefghij", "password_confirm": "abcdefghij"}, "password", "字母和数字"),
        ({"password_confirm": "abc12346"}, "password_confirm", "两次输入的密码不一致。"),
        ({"name": "名" * 10_000}, "name", "最多 200"),
        ({"email": "a" * 10_000 + "@example.com"}, "email", too_long_message(EMAIL_MAX)),
    ],
)
def test_signup_shows_each_bad_field_beside_it(client, changes, field, message):
    """Each reason beside its field, in the page's language (the catalog's words)."""
    message = str(message)
    response = client.submit("/signup", {**GOOD, **changes})
    assert response.status_code == 422
    html = text(response)
    error = re.search(rf'<p class="field__error" id="{field}-error">(.*?)</p>', html, re.S)
    assert error and message in error.group(1)
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', html) or re.search(
        rf'aria-invalid="true"[^>]*id="{field}"', html
    )
    assert count(User) == 0


def test_signup_with_a_taken_email_says_so(client, participant):
    response = client.submit("/signup", {**GOOD, "email": "PARTICIPANT@example.com"})
    assert response.status_code == 422
    assert "该邮箱已注册" in text(response)
    assert count(User) == 1


def test_signup_without_csrf_token_is_refused(client):
    response = client.post("/signup", data=GOOD)
    assert response.status_code == 400
    assert count(User) == 0


def test_signup_with_a_wrong_csrf_token_is_refused(client):
    client.get("/signup")
    response = client.post("/signup", data={**GOOD, "csrf_token": "forged"})
    assert response.status_code == 400
    assert user_by_email("chen@example.com") is None


# Login and logout -------------------------------------------------------------------------


def test_login_signs_in_and_goes_home(client, participant):
    response = client.submit("/login", {"email": "participant@example.com",
                                        "password": factories.PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "remember_token" not in response.headers.get("Set-Cookie", "")
    assert "赵参与" in text(client.get("/"))
    assert fresh(participant).last_login_at is not None


def test_login_with_remember_sets_the_remember_cookie(client, participant):
    response = client.submit("/login", {"email": "participant@example.com",
                                        "password": factories.PASSWORD, "remember": "y"})
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("remember_token=") for c in cookies)


def test_login_with_a_wrong_password_says_so(client, participant):
    response = client.submit("/login", {"email": "participant@example.com",
                                        "password": "wrong-pass-1"})
    assert response.status_code == 422
    assert "邮箱或密码错误。" in text(response)
    assert client.get("/profile").status_code == 302


def test_login_form_has_the_named_fields(client):
    html = text(client.get("/login"))
    for name in ("email", "password", "remember"):
        assert f'name="{name}"' in html


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/path",
        "/\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "evil.example",
    ],
)
def test_login_refuses_an_off_site_next(client, participant, target):
    response = client.submit(
        f"/login?next={target}",
        {"email": "participant@example.com", "password": factories.PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_follows_a_same_site_next(client, participant, event):
    target = f"/events/{event.id}?x=1"
    response = client.submit(
        "/login?next=" + target.replace("?", "%3F").replace("=", "%3D"),
        {"email": "participant@example.com", "password": factories.PASSWORD},
    )
    assert response.headers["Location"] == target


def test_pages_that_need_an_account_send_to_login_with_next(client):
    response = client.get("/profile")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_logout_needs_a_post_with_csrf(login, participant):
    c = login(participant)
    assert c.get("/logout").status_code == 405
    assert c.post("/logout").status_code == 400
    assert c.get("/profile").status_code == 200
    response = c.submit("/logout", form_url="/")
    assert response.status_code == 302
    assert c.get("/profile").status_code == 302


# Password reset ---------------------------------------------------------------------------


def reset_link(app) -> str:
    db.session.expire_all()
    mail = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.template == "password_reset")
    ).one()
    match = re.search(r"http://localhost(/reset/\S+)", mail.text_body)
    assert match, mail.text_body
    return match.group(1)


def test_forgot_password_mails_a_link_that_sets_a_new_password(app, client, participant):
    response = client.submit("/password/forgot", {"email": "Participant@example.com"})
    assert response.status_code == 302
    assert "如果该邮箱已注册" in text(client.get("/login"))
    mail = db.session.scalars(sa.select(OutboxMessage)).one()
    assert mail.to_addr == "participant@example.com"
    assert mail.subject and "<" not in mail.text_body
    assert "<a href=" in mail.html_body
    assert deliver_pending()["sent"] == 1  # the worker's part: the request sent nothing
    eml = list((Path(app.instance_path) / "mail").glob("*.eml"))
    assert any("participant@example.com" in p.read_text(errors="ignore") for p in eml)

    path = reset_link(app)
    assert "设置新密码" in text(client.get(path))
    response = client.submit(path, {"password": "new-pass-77", "password_confirm": "new-pass-77"})
    assert response.status_code == 302
    assert client.get("/profile").status_code == 200

    other = make_client(app)
    assert other.submit("/login", {"email": "participant@example.com",
                                   "password": "new-pass-77"}).status_code == 302

    used = make_client(app).get(path)
    assert used.status_code == 400
    assert "已被使用" in text(used)


def test_forgot_password_for_an_unknown_address_looks_the_same(client):
    response = client.submit("/password/forgot", {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert "如果该邮箱已注册" in text(client.get("/login"))
    assert count(OutboxMessage) == 0


def test_an_expired_reset_link_is_refused(app, client, participant, monkeypatch):
    client.submit("/password/forgot", {"email": "participant@example.com"})
    path = reset_link(app)
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_AGE", -1)
    response = client.get(path)
    assert response.status_code == 400
    assert "已过期" in text(response)
    before = fresh(participant).password_hash
    token = client.csrf_token("/login")
    response = client.post(path, data={"csrf_token": token, "password": "new-pass-77",
                                       "password_confirm": "new-pass-77"})
    assert response.status_code == 400
    assert fresh(participant).password_hash == before


def test_a_forged_reset_link_is_refused(client):
    response = client.get("/reset/not-a-token")
    assert response.status_code == 400
    assert "无效" in text(response)


def test_a_weak_new_password_is_shown_beside_the_field(app, client, participant):
    client.submit("/password/forgot", {"email": "participant@example.com"})
    path = reset_link(app)
    before = fresh(participant).password_hash
    response = client.submit(path, {"password": "short", "password_confirm": "short"})
    assert response.status_code == 422
    assert 'id="password-error"' in text(response)
    assert fresh(participant).password_hash == before


# Profile and language ---------------------------------------------------------------------


def test_profile_saves_the_changes(login, participant):
    c = login(participant)
    response = c.submit("/profile", {"name": "赵新名", "phone": "+86 139 0000 1111",
                                     "organization": "东北大学", "job_title": "学生",
                                     "locale": "zh_Hans"})
    assert response.status_code == 302
    user = fresh(participant)
    assert (user.name, user.phone, user.organization) == ("赵新名", "13900001111", "东北大学")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"phone": "110"}, "phone"),
        ({"name": ""}, "name"),
        ({"organization": "x" * 10_000}, "organization"),
        ({"locale": "fr"}, "locale"),
    ],
)
def test_profile_with_a_bad_field_changes_nothing(login, participant, changes, field):
    c = login(participant)
    data = {"name": "赵参与", "phone": "13812345678", "organization": "", "job_title": "",
            "locale": "zh_Hans", **changes}
    response = c.submit("/profile", data)
    assert response.status_code == 422
    assert f'id="{field}-error"' in text(response)
    user = fresh(participant)
    assert (user.name, user.phone, user.locale) == ("赵参与", "13812345678", "zh_Hans")


def test_profile_language_changes_the_page_language(login, participant):
    c = login(participant)
    assert '<html lang="zh-Hans">' in text(c.get("/"))
    c.submit("/profile", {"name": "赵参与", "locale": "en"})
    assert fresh(participant).locale == "en"
    assert '<html lang="en">' in text(c.get("/"))


def test_language_switch_works_without_an_account(client):
    assert '<html lang="zh-Hans">' in text(client.get("/"))
    response = client.submit("/language", {"locale": "en", "next": "/login"}, form_url="/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert '<html lang="en">' in text(client.get("/"))
    client.submit("/language", {"locale": "zh_Hans", "next": "/"}, form_url="/")
    assert '<html lang="zh-Hans">' in text(client.get("/"))


def test_language_switch_remembers_the_choice_for_a_signed_in_user(login, participant):
    c = login(participant)
    c.submit("/language", {"locale": "en", "next": "/"}, form_url="/")
    assert fresh(participant).locale == "en"
    assert '<html lang="en">' in text(c.get("/profile"))


def test_language_switch_refuses_an_off_site_next_and_an_unknown_language(client):
    response = client.submit("/language", {"locale": "en", "next": "https://evil.example/"},
                             form_url="/")
    assert response.headers["Location"] == "/"
    response = client.submit("/language", {"locale": "xx", "next": "/"}, form_url="/")
    assert response.status_code == 302
    assert '<html lang="en">' in text(client.get("/"))


def test_lang_query_argument_sets_the_language(client):
    assert '<html lang="en">' in text(client.get("/?lang=en"))
    assert '<html lang="en">' in text(client.get("/"))
    assert '<html lang="en">' in text(client.get("/?lang=bogus"))
    assert '<html lang="zh-Hans">' in text(client.get("/?lang=zh_Hans"))


# API tokens -------------------------------------------------------------------------------


def test_tokens_are_created_shown_once_and_revoked(app, login, participant):
    c = login(participant)
    response = c.submit("/tokens", {"name": "签到机 2 号门"})
    assert response.status_code == 200
    token = re.search(r'id="new-token"[^>]*>(eh_[^<]+)<', text(response)).group(1)
    assert "签到机 2 号门" in text(response)
    assert token not in text(c.get("/tokens"))

    api = make_client(app)
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200

    row = db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == participant.id)).one()
    response = c.submit(f"/tokens/{row.id}/revoke", form_url="/tokens")
    assert response.status_code == 302
    assert fresh(row).revoked_at is not None
    me = make_client(app).get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401


def test_nobody_revokes_someone_elses_token(login, participant, organizer):
    from eventhub.accounts.services import create_token

    row, _ = create_token(organizer, "theirs")
    c = login(participant)
    response = c.submit(f"/tokens/{row.id}/revoke", form_url="/tokens")
    assert response.status_code == 404
    assert fresh(row).revoked_at is None


def test_a_token_name_of_10000_characters_is_refused(login, participant):
    c = login(participant)
    response = c.submit("/tokens", {"name": "x" * 10_000})
    assert response.status_code == 422
    assert 'id="name-error"' in text(response)
    assert count(ApiToken) == 0


# Rate limits ------------------------------------------------------------------------------


def test_too_many_logins_show_the_form_saying_how_long_to_wait(app, participant):
    from eventhub import create_app
    from eventhub.extensions import limiter

    limited = create_app("testing", RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    limited.instance_path = app.instance_path
    client = make_client(limited)
    try:
        statuses = [
            client.submit("/login", {"email": "participant@example.com",
                                     "password": "wrong-pass-1"}).status_code
            for _ in range(4)
        ]
        assert statuses == [422, 422, 422, 429]
        page = client.submit("/login", {"email": "participant@example.com", "password": "x"})
        assert page.status_code == 429
        assert re.search(r"请等待\d+(秒钟|分钟)后再试", text(page))
        assert 'name="email"' in text(page)
        assert int(page.headers["Retry-After"]) > 0
    finally:
        limiter.reset()
        limiter.enabled = False  # the shared extension goes back to the suite's setting
