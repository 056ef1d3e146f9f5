"""The account security page, and what signing out everywhere means for real browsers: after a
password reset or change, an old session cookie, an old remember-me cookie and an old API
token stop working."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from eventhub.accounts import services, sessions
from eventhub.accounts.models import AccountSession
from eventhub.audit import AuditEntry
from eventhub.database import db
from eventhub.formatting import format_when
from tests.conftest import DEFAULT_PASSWORD
from tests.views.conftest import make_client, text

CHROME_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
                  "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36")
PAGE = "/account/security"
NEW_PASSWORD = "brand-new-77"


def browser(app, user, *, remember=True, user_agent=CHROME_WINDOWS, ip="203.0.113.9"):
    """A browser signed in as ``user`` through the login form."""
    c = make_client(app)
    c.environ_base.update(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    data = {"email": user.email, "password": DEFAULT_PASSWORD}
    if remember:
        data["remember"] = "y"
    assert c.submit("/login", data).status_code == 302
    assert c.get_cookie("remember_token") is not None or not remember
    return c


def only_cookie(app, client, name):
    """Another browser holding nothing but ``client``'s cookie ``name`` (the remember-me cookie
    after the browser was closed, or a copied session cookie)."""
    c = make_client(app)
    c.set_cookie(name, client.get_cookie(name).value)
    return c


def signed_in(client) -> bool:
    response = client.get(PAGE)
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
    return response.status_code == 200


def token_works(app, token) -> bool:
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (200, 401)
    return response.status_code == 200


def session_ids(client):
    return [int(i) for i in re.findall(r'data-session="(\d+)"', text(client.get(PAGE)))]


def live_sessions(user):
    db.session.expire_all()
    return db.session.scalars(sa.select(AccountSession).where(
        AccountSession.user_id == user.id, AccountSession.revoked_at.is_(None))).all()


def test_after_a_reset_old_session_and_remember_cookies_and_tokens_fail(app, participant):
    old = browser(app, participant)
    closed_and_reopened = only_cookie(app, old, "remember_token")
    also_reopened = only_cookie(app, old, "remember_token")
    _, token = services.create_token(participant, "kiosk")
    assert signed_in(old) and signed_in(closed_and_reopened) and token_works(app, token)

    reset = make_client(app)
    path = f"/reset/{services.make_reset_token(participant)}"
    response = reset.submit(path, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 302

    assert not signed_in(old)
    assert not signed_in(closed_and_reopened)
    assert not signed_in(also_reopened)
    assert not token_works(app, token)
    assert signed_in(reset)  # the browser that chose the new password is signed in
    assert len(live_sessions(participant)) == 1


def test_a_dead_remember_cookie_is_cleared(app, participant):
    old = browser(app, participant)
    reopened = only_cookie(app, old, "remember_token")
    sessions.revoke_other_sessions(participant, None)
    assert not signed_in(reopened)
    assert reopened.get_cookie("remember_token") is None


def test_after_a_change_the_current_session_survives_and_others_die(app, participant):
    current = browser(app, participant)
    other = browser(app, participant, remember=False)
    other_remembered = only_cookie(app, browser(app, participant), "remember_token")
    _, token = services.create_token(participant, "kiosk")

    response = current.submit(PAGE, {"current_password": DEFAULT_PASSWORD,
                                     "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 302
    page = text(current.get(PAGE))
    assert "新密码已设置" in page
    assert signed_in(only_cookie(app, current, "remember_token"))
    assert not signed_in(other) and not signed_in(other_remembered)
    assert not token_works(app, token)
    assert len(session_ids(current)) == 1
    db.session.expire_all()
    assert services.verify_password(participant, NEW_PASSWORD)


@pytest.mark.parametrize(("current_password", "new", "message"), [
    ("wrong-pass-1", NEW_PASSWORD, "密码不正确"),
    (DEFAULT_PASSWORD, "short", "至少输入 8"),
])
def test_a_refused_password_change_says_why_and_signs_nobody_out(
    app, participant, current_password, new, message
):
    current = browser(app, participant)
    other = browser(app, participant)
    response = current.submit(PAGE, {"current_password": current_password, "password": new,
                                     "password_confirm": new})
    assert response.status_code == 422
    assert message in text(response)
    assert signed_in(other)
    db.session.expire_all()
    assert services.verify_password(participant, DEFAULT_PASSWORD)


def test_revoking_one_session_from_the_page_signs_that_device_out(app, participant):
    me = browser(app, participant)
    phone = browser(app, participant, user_agent="Mozilla/5.0 (Linux; Android 13; Pixel 7)")
    phone_reopened = only_cookie(app, phone, "remember_token")
    [mine] = [s.id for s in live_sessions(participant) if s.user_agent == CHROME_WINDOWS]
    [phones] = [i for i in session_ids(me) if i != mine]

    response = me.submit(f"/account/security/sessions/{phones}/revoke", form_url=PAGE)
    assert response.status_code == 302
    assert "该设备已退出登录" in text(me.get(response.headers["Location"]))
    assert not signed_in(phone) and not signed_in(phone_reopened)
    assert signed_in(me)
    assert session_ids(me) == [mine]
    assert db.session.scalar(sa.select(AuditEntry.object_id).where(
        AuditEntry.action == "account.session_revoked")) == phones


def test_revoking_the_current_session_signs_this_browser_out(app, participant):
    me = browser(app, participant)
    [mine] = session_ids(me)
    response = me.submit(f"/account/security/sessions/{mine}/revoke", form_url=PAGE)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert not signed_in(me)


def test_sign_out_everywhere_else(app, participant):
    me = browser(app, participant)
    others = [browser(app, participant) for _ in range(2)]
    response = me.submit("/account/security/sessions/revoke-others", form_url=PAGE)
    assert response.status_code == 302
    assert "已将 2 台其他设备退出登录" in text(me.get(PAGE))
    assert signed_in(me)
    assert not any(signed_in(o) for o in others)
    assert "没有其他设备登录" in text(me.get(PAGE))


def test_nobody_revokes_someone_elses_session(app, participant, organizer):
    theirs = browser(app, organizer)
    [their_session] = [s.id for s in live_sessions(organizer)]
    me = browser(app, participant)
    response = me.submit(f"/account/security/sessions/{their_session}/revoke", form_url=PAGE)
    assert response.status_code == 404
    response = me.submit(f"/account/security/sessions/{their_session + 999}/revoke",
                         form_url=PAGE)
    assert response.status_code == 404
    assert signed_in(theirs)
    assert their_session not in session_ids(me)


def test_revoking_needs_the_csrf_token(app, participant):
    me = browser(app, participant)
    other = browser(app, participant)
    [_, theirs] = sorted(s.id for s in live_sessions(participant))
    assert me.post(f"/account/security/sessions/{theirs}/revoke").status_code == 400
    assert me.post("/account/security/sessions/revoke-others").status_code == 400
    assert signed_in(other)


def test_signing_out_ends_the_session_for_a_copied_cookie(app, participant):
    me = browser(app, participant)
    copied = only_cookie(app, me, "session")
    assert signed_in(copied)
    me.submit("/logout", form_url=PAGE)
    assert not signed_in(copied)
    assert live_sessions(participant) == []


def test_a_session_cookie_with_a_bare_user_id_is_refused(app, participant):
    c = make_client(app)
    with c.session_transaction() as s:
        s["_user_id"], s["_fresh"] = str(participant.id), True
    assert not signed_in(c)


def test_the_page_shows_devices_in_plain_words_and_tokens_without_secrets(app, participant):
    me = browser(app, participant)
    browser(app, participant, user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS"
            " X) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.47", ip="198.51.100.7")
    row, token = services.create_token(participant, "二号门签到机")
    page = text(me.get(PAGE))
    assert "账号安全" in page
    assert "Windows 10 上的 Chrome" in page and "iOS 17 (iPhone) 上的 WeChat Browser" in page
    assert "203.0.113.9" in page and "198.51.100.7" in page
    assert page.count("本设备</span>") == 1
    assert "二号门签到机" in page and row.prefix in page and token not in page
    with app.test_request_context():
        for s in live_sessions(participant):
            assert format_when(s.last_seen_at, "Asia/Shanghai") in page
    assert f'href="{PAGE}"' in text(me.get("/"))  # the account menu links to it


def test_a_token_is_revoked_from_the_page_and_back_to_it(app, participant):
    me = browser(app, participant)
    row, token = services.create_token(participant, "kiosk")
    response = me.submit(f"/tokens/{row.id}/revoke", {"next": PAGE}, form_url=PAGE)
    assert response.status_code == 302 and response.headers["Location"].endswith(PAGE)
    assert not token_works(app, token)
    assert f'data-token="{row.id}"' not in text(me.get(PAGE))


def test_the_tokens_page_lists_tokens_as_this_page_does(app, participant):
    """One token list (accounts/_token_list.html) on both pages; only where a revoke comes
    back to differs."""
    me = browser(app, participant)
    services.create_token(participant, "一号门")
    services.create_token(participant, "")

    def token_list(html):
        return re.search(r'<ul class="list" id="tokens">.*?</ul>', html, re.S).group(0)

    here = token_list(text(me.get(PAGE)))
    there = token_list(text(me.get("/tokens")))
    assert here.count("data-token=") == 2 and "一号门" in here
    assert f'name="next" value="{PAGE}"' in here and 'name="next"' not in there
    assert here.replace(f' name="next" value="{PAGE}"', "") == there


def test_an_account_without_a_password_is_offered_a_mail_link(app, login):
    from tests import factories

    user = factories.UserFactory(password_hash=None)
    page = text(login(user).get(PAGE))
    assert "还没有设置密码" in page and 'name="current_password"' not in page


def test_the_page_needs_a_signed_in_user(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_guessing_the_current_password_is_limited_like_sign_ins(app, participant):
    from eventhub import create_app
    from eventhub.extensions import limiter

    was_enabled = limiter.enabled
    limited = create_app("testing", RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute")
    limited.instance_path = app.instance_path
    try:
        me = browser(limited, participant)
        statuses = [me.submit(PAGE, {"current_password": f"guess-{i}-xx",
                                     "password": NEW_PASSWORD,
                                     "password_confirm": NEW_PASSWORD}).status_code
                    for i in range(3)]
    finally:
        limiter.reset()
        limiter.enabled = was_enabled
    assert statuses == [422, 422, 429]
    db.session.expire_all()
    assert services.verify_password(participant, DEFAULT_PASSWORD)
