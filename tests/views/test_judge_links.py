"""A judge's sign-in link: judge-scoped (the judging pages of its contest, nothing else of the
account), single-use to establish a device, expiring, revoked by a new link; and what the
organizers see of the invited person before and after they accept."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from eventhub.database import db, utcnow
from eventhub.judging.assignments import assign
from eventhub.judging.entries import create_track
from eventhub.judging.judges import invite_judge, issue_judge_link
from eventhub.mail.models import OutboxMessage
from tests import factories


@pytest.fixture
def panel(organizer, contest):
    """An open round of the contest with one entry, assigned to one judge (not accepted)."""
    track = create_track(organizer, contest, "医疗健康")
    entry = factories.entries(organizer, contest, track, 1, title="智慧医疗项目")[0]
    judge = factories.judge(contest, institution="机构甲", accepted=False)
    round_ = factories.rubric_round(organizer, contest)
    assign(organizer, round_, judge.id, entry.id)
    return {"judge": judge, "round": round_, "entry": entry}


def _link(judge, **kwargs):
    return f"/judging/sign-in/{issue_judge_link(judge, **kwargs)}"


def _open(client, link):
    """Open a judge's link on this client (the page, then its button)."""
    return client.submit(link)


def test_the_invitation_shows_no_profile_of_an_existing_account_until_accepted(
    client, login, organizer, contest
):
    factories.UserFactory(email="known@example.com", name="孙真名", organization="某某大学")
    hub = f"/events/{contest.id}/contest"
    organizer_client = login(organizer)
    response = organizer_client.submit(f"{hub}/judges", {"judge-email": "known@example.com"},
                                       form_url=hub, follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "known@example.com" in html
    assert "孙真名" not in html and "某某大学" not in html
    assert 'data-judge-status="invited"' in html
    # The judge opens the link: now the organizers see who accepted.
    mail = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.to_addr == "known@example.com")).one()
    link = mail.text_body.split("/judging/sign-in/")[1].split()[0]
    assert _open(client, f"/judging/sign-in/{link}").status_code == 302
    html = organizer_client.get(hub).get_data(as_text=True)
    assert "孙真名" in html and "某某大学" in html
    assert 'data-judge-status="accepted"' in html


def test_a_link_opens_the_judging_of_its_contest_and_nothing_else(
    client, org, organizer, outsider_organizer, other_org, panel
):
    """The judge's account is also an organizer elsewhere and a judge of another contest:
    the device the link opened sees none of that."""
    judge = panel["judge"]
    membership_org = other_org
    factories.MembershipFactory(organization=membership_org, user=judge.user, role="owner")
    other_contest = factories.contest(org)
    factories.judge(other_contest, user=judge.user)
    response = _open(client, _link(judge))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/judging/events/{panel['round'].event_id}")
    queue = client.get(f"/judging/rounds/{panel['round'].id}")
    assert queue.status_code == 200 and "智慧医疗项目" in queue.get_data(as_text=True)
    card = f"/judging/rounds/{panel['round'].id}/entries/{panel['entry'].id}"
    assert client.get(card).status_code == 200
    # Not a login of the account: its organization, its profile, another contest's judging.
    for page in (f"/orgs/{membership_org.slug}", "/dashboard", "/me/data",
                 f"/judging/events/{other_contest.id}"):
        refused = client.get(page)
        assert refused.status_code == 302 and "/login" in refused.headers["Location"], page
    assert client.get("/api/v1/me").status_code == 401
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_an_admins_judge_link_gives_no_admin_access(client, admin, org, other_org, contest):
    judge = factories.judge(contest, user=admin)
    draft = factories.contest(other_org, status="draft", published_at=None)
    assert _open(client, _link(judge)).status_code == 302
    assert client.get(f"/judging/events/{contest.id}").status_code == 200
    for page in ("/orgs/new", f"/orgs/{other_org.slug}", f"/orgs/{org.slug}/members",
                 f"/events/{draft.id}/contest"):
        refused = client.get(page)
        assert refused.status_code == 302 and "/login" in refused.headers["Location"], page
    assert client.get(f"/api/v1/events/{draft.id}").status_code == 404
    assert client.get(f"/api/v1/orgs/{other_org.id}/members").status_code == 401


def test_a_link_opens_one_device_only(app, client, panel):
    link = _link(panel["judge"])
    # Fetching the link (a mail scanner, a chat app's preview) uses nothing up.
    assert client.get(link).status_code == 200
    assert client.get(link).status_code == 200
    assert _open(client, link).status_code == 302
    from tests.views.conftest import make_client

    second = make_client(app)
    again = second.get(link)
    assert again.status_code == 400
    text = again.get_data(as_text=True)
    assert "已被使用" in text and "重新发送登录链接" in text
    # Posting it anyway (a stale form) signs nothing in either.
    with client.session_transaction() as session:
        token = session.get("csrf_token")
    assert token  # the first device's own session is untouched
    refused = second.post(link, data={"csrf_token": second.csrf_token("/")})
    assert refused.status_code == 400
    assert "/login" in second.get(f"/judging/rounds/{panel['round'].id}").headers["Location"]


def test_an_expired_link_is_refused(client, panel):
    link = _link(panel["judge"], now=utcnow() - timedelta(days=15))
    response = client.get(link)
    assert response.status_code == 400
    assert "已过期" in response.get_data(as_text=True)
    assert not panel["judge"].accepted


def test_a_new_link_signs_the_earlier_device_out(client, login, organizer, contest, panel):
    judge = panel["judge"]
    assert _open(client, _link(judge)).status_code == 302
    queue = f"/judging/rounds/{panel['round'].id}"
    assert client.get(queue).status_code == 200
    invite_judge(organizer, contest, judge.user.email)  # sends a new link
    ended = client.get(queue)
    assert ended.status_code == 401
    assert "已结束" in ended.get_data(as_text=True)


def test_a_password_reset_signs_the_accounts_judge_devices_out(app, client, org, panel):
    """A reset of the judge's account password ends the devices its judge links opened, in
    every contest it judges, as it ends its sessions; another judge's device stays."""
    from eventhub.accounts.services import make_reset_token
    from tests.views.conftest import make_client

    judge = panel["judge"]
    other_contest = factories.contest(org)
    elsewhere = make_client(app)
    assert _open(elsewhere, _link(factories.judge(other_contest, user=judge.user))) \
        .status_code == 302
    colleague = factories.judge(panel["round"].event)
    colleague_device = make_client(app)
    assert _open(colleague_device, _link(colleague)).status_code == 302
    assert _open(client, _link(judge)).status_code == 302
    queue = f"/judging/rounds/{panel['round'].id}"
    assert client.get(queue).status_code == 200

    reset = make_client(app)
    response = reset.submit(f"/reset/{make_reset_token(judge.user)}",
                            {"password": "brand-new-77", "password_confirm": "brand-new-77"})
    assert response.status_code == 302

    ended = client.get(queue)
    assert ended.status_code == 401 and "已结束" in ended.get_data(as_text=True)
    assert elsewhere.get(f"/judging/events/{other_contest.id}").status_code == 401
    assert colleague_device.get(f"/judging/events/{panel['round'].event_id}").status_code == 200


def test_a_password_change_signs_the_judge_devices_out_once_it_is_made(client, panel):
    """Changing the password while signed in ends the judge devices too; a refused change
    (a weak password) ends nothing."""
    from eventhub.accounts.services import change_own_password, hash_password
    from eventhub.errors import ValidationFailed

    judge = panel["judge"]
    judge.user.password_hash = hash_password("old-password-1")
    db.session.commit()
    assert _open(client, _link(judge)).status_code == 302
    queue = f"/judging/rounds/{panel['round'].id}"
    with pytest.raises(ValidationFailed):
        change_own_password(judge.user, "old-password-1", "short", keep_session_id=None)
    assert client.get(queue).status_code == 200
    change_own_password(judge.user, "old-password-1", "brand-new-77", keep_session_id=None)
    assert client.get(queue).status_code == 401


def test_a_device_signs_itself_out(client, panel):
    assert _open(client, _link(panel["judge"])).status_code == 302
    queue = f"/judging/rounds/{panel['round'].id}"
    assert client.submit("/judging/device/sign-out", form_url=queue).status_code == 302
    assert "/login" in client.get(queue).headers["Location"]


def test_a_judge_signed_in_with_their_account_keeps_it_and_accepts(login, org, panel):
    judge = panel["judge"]
    factories.MembershipFactory(organization=org, user=judge.user, role="organizer")
    client = login(judge.user)
    assert client.get(f"/judging/rounds/{panel['round'].id}").status_code == 200
    assert client.get(f"/orgs/{org.slug}").status_code == 200
    assert not judge.accepted
    client.get(f"/judging/events/{panel['round'].event_id}")
    db.session.refresh(judge)
    assert judge.accepted
