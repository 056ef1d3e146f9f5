"""The contest hub and mentors (issue 13 point 5): a judge who coached an entry as a mentor is
listed among the automatic conflicts with the reason, and a judge is invited from the
organization's mentor pool with a plain select (no script needed)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from eventhub.database import db
from eventhub.judging.models import Judge
from tests import factories
from tests.views.conftest import count, text


def _hub(contest):
    return f"/events/{contest.id}/contest"


def _invite(client, contest, data):
    """Send the hub's invitation form (its fields carry the prefix ``judge-``)."""
    token = client.csrf_token(_hub(contest))
    return client.post(f"{_hub(contest)}/judges", data={
        "judge-csrf_token": token, **{f"judge-{k}": v for k, v in data.items()}})


@pytest.fixture
def coached(organizer, contest, track, other_org):
    """A judge whose account, as a mentor of another pool, coached the entry 项目0 on
    2026-05-12 at 23:30 UTC (13 May in Beijing, the contest's zone)."""
    [entry] = factories.entries(organizer, contest, track, 1)
    judge = factories.judge(contest)
    mentor = factories.mentor(other_org, judge.user)
    factories.coaching(mentor, entry.id, datetime(2026, 5, 12, 23, 30, tzinfo=UTC))
    return judge, entry


def test_the_hub_lists_the_coaching_conflict_with_its_reason(login, organizer, contest,
                                                              coached):
    judge, entry = coached
    client = login(organizer)
    html = text(client.get(_hub(contest)))
    item = f'data-judge-id="{judge.id}" data-entry-id="{entry.id}"'
    assert item in html and 'data-reason="coaching"' in html
    assert "辅导过该项目（2026-05-13 导师辅导记录）" in html
    organizer.locale = "en"
    db.session.commit()
    html = text(client.get(_hub(contest)))
    assert "Coached this entry (mentor record of 2026-05-13)" in html


def test_a_coaching_of_no_entry_lists_nothing(login, organizer, contest, track, other_org):
    factories.entries(organizer, contest, track, 1)
    judge = factories.judge(contest)
    factories.coaching(factories.mentor(other_org, judge.user), None)
    assert 'data-reason="coaching"' not in text(login(organizer).get(_hub(contest)))


def test_the_invitation_offers_the_pool_of_the_organization(login, organizer, org, other_org,
                                                             contest):
    user = factories.UserFactory(email="zhao@example.com", name="赵导师")
    mentor = factories.mentor(org, user, title="合伙人", affiliation="某某资本",
                              expertise=["医疗", "投资"], public=False)
    stranger = factories.mentor(other_org, factories.UserFactory(name="外库导师"))
    html = text(login(organizer).get(_hub(contest)))
    assert 'name="judge-mentor_id"' in html
    assert f'<option value="{mentor.id}">赵导师 · 合伙人 · 医疗、投资</option>' in html
    assert f'value="{stranger.id}"' not in html and "外库导师" not in html


def test_no_pool_no_select(login, organizer, contest):
    assert 'name="judge-mentor_id"' not in text(login(organizer).get(_hub(contest)))


def test_inviting_a_mentor_of_the_pool(login, organizer, org, contest):
    user = factories.UserFactory(email="zhao@example.com", name="赵导师")
    mentor = factories.mentor(org, user, affiliation="某某资本", expertise=["医疗"])
    client = login(organizer)
    response = _invite(client, contest, {"mentor_id": str(mentor.id), "email": ""})
    assert response.status_code == 302
    judge = db.session.scalar(sa.select(Judge).where(Judge.event_id == contest.id))
    assert (judge.user_id, judge.institution, judge.expertise) == (user.id, "某某资本", ["医疗"])


@pytest.mark.parametrize("value", ["foreign", "424242", "abc"])
def test_a_mentor_of_another_pool_is_refused_beside_the_field(login, organizer, org,
                                                              other_org, contest, value):
    factories.mentor(org)
    if value == "foreign":
        value = str(factories.mentor(other_org).id)
    response = _invite(login(organizer), contest, {"mentor_id": value})
    assert response.status_code == 422
    assert 'id="judge-mentor_id-error"' in text(response)
    assert count(Judge) == 0
