"""``GET /api/v1/orgs/{id}/report?from=&to=`` (issue 15 point 3): the answer of the hand-built
data set of tests/services/test_org_report.py as API.md shapes it, who may read it, bad
periods, and that it names no one."""

from __future__ import annotations

import json

import pytest

from eventhub.database import db
from eventhub.registrations.models import Registration
from tests import factories
from tests.api.conftest import assert_error, db_counts, schema_errors
from tests.api.test_openapi import document  # noqa: F401 (fixture)
from tests.services import test_org_report as hand
from tests.services.test_org_report import ALLIANCE, S1, S2

#: The hand-built data set (a fixture) whose figures ALLIANCE, S1 and S2 are.
dataset = hand.dataset

PERIOD = "from=2026-04-01&to=2026-07-01"


def member(org, role):
    user = factories.UserFactory()
    factories.MembershipFactory(organization=org, user=user, role=role)
    return user


def url(org, query=PERIOD):
    return f"/api/v1/orgs/{org.id}/report?{query}"


def test_the_alliance_report_as_api_md_says(api, dataset, document):  # noqa: F811 (document)
    d = dataset
    viewer = member(d.alliance, "viewer")
    response = api(viewer).get(url(d.alliance))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body == {
        "org_id": d.alliance.id, "from": "2026-04-01T00:00:00+08:00",
        "to": "2026-07-01T00:00:00+08:00", **ALLIANCE,
        "members": [{"org_id": d.s1.id, "name": "报表空间一", **S1},
                    {"org_id": d.s2.id, "name": "报表空间二", **S2}],
    }
    schema = document["paths"]["/api/v1/orgs/{org_id}/report"]["get"]["responses"]["200"]
    assert not schema_errors(document, schema["content"]["application/json"]["schema"], body)


def test_a_member_report_has_no_members(api, dataset, document):  # noqa: F811 (document)
    d = dataset
    body = api(member(d.s2, "organizer")).get(url(d.s2)).get_json()
    assert body == {"org_id": d.s2.id, "from": "2026-04-01T00:00:00+08:00",
                    "to": "2026-07-01T00:00:00+08:00", **S2}
    schema = document["paths"]["/api/v1/orgs/{org_id}/report"]["get"]["responses"]["200"]
    assert not schema_errors(document, schema["content"]["application/json"]["schema"], body)


def test_date_times_with_an_offset_are_the_same_period(api, dataset):
    d = dataset
    body = api(member(d.s1, "owner")).get(url(
        d.s1, "from=2026-03-31T16:00:00Z&to=2026-07-01T00:00:00%2B08:00")).get_json()
    assert body["events"] == S1["events"] and body["months"] == S1["months"]
    assert body["from"] == "2026-04-01T00:00:00+08:00"


def test_without_a_period_this_year(api, org, organizer):
    body = api(organizer).get(f"/api/v1/orgs/{org.id}/report").get_json()
    year = int(body["from"][:4])
    assert body["from"] == f"{year}-01-01T00:00:00+08:00"
    assert body["to"] == f"{year + 1}-01-01T00:00:00+08:00"
    assert [m["month"] for m in body["months"]] == [f"{year}-{n:02d}" for n in range(1, 13)]


def test_who_reads_the_report(api, dataset, admin):
    """The organization's owners, organizers and viewers and platform admins; not its door
    staff, a participant, another organization's organizer or viewer, nor a member's organizer
    the alliance's report."""
    d = dataset
    for user in (member(d.alliance, "owner"), member(d.alliance, "organizer"),
                 member(d.alliance, "viewer"), admin):
        response = api(user).get(url(d.alliance))
        assert response.status_code == 200, user
        assert response.get_json()["events"]["count"] == 6
    participant = factories.UserFactory()
    for user in (member(d.alliance, "staff"), participant, member(d.x, "organizer"),
                 member(d.x, "viewer"), member(d.s1, "organizer")):
        assert_error(api(user).get(url(d.alliance)), 403, "forbidden")
    assert_error(api().get(url(d.alliance)), 401)
    assert_error(api(admin).get("/api/v1/orgs/999999/report"), 404)
    assert_error(api().get("/api/v1/orgs/999999/report"), 401)


@pytest.mark.parametrize(("query", "field"), [
    ("from=2026-07-01&to=2026-04-01", "to"),
    ("from=2026-04-01&to=2026-04-01", "to"),
    ("from=2026-04-01T00:00:00%2B08:00&to=2026-03-31T16:00:00Z", "to"),
    ("from=yesterday&to=2026-07-01", "from"),
    ("from=2026-04-01&to=2026-13-01", "to"),
    ("from=2026-04-01&to=2026-07-01T09:00", "to"),
    ("from=1969-12-31&to=2026-07-01", "from"),
    ("from=2000-01-01&to=2030-01-01", "to"),
    ("to=2000-01-01", "to"),
    ("from=2026-04-01T00:00:00%2B25:00&to=2027-01-01", "from"),
    ("from=2026-04-01%00&to=2027-01-01", "from"),
])
def test_a_bad_period_is_422_and_changes_nothing(api, dataset, query, field):
    client = api(member(dataset.alliance, "viewer"))
    before = db_counts()
    error = assert_error(client.get(url(dataset.alliance, query)), 422)
    assert field in error["fields"], error
    assert db_counts() == before


def test_a_viewer_sees_no_personal_data(api, dataset):
    """Search the whole answer for every participant's name, email, phone, organization and
    answers, the mentors' and mentees' names and emails, and the events' leads."""
    d = dataset
    text = json.dumps(api(member(d.alliance, "viewer")).get(url(d.alliance)).get_json(),
                      ensure_ascii=False)
    registrations = db.session.scalars(db.select(Registration)).all()
    assert len(registrations) == 20
    for registration in registrations:
        values = [registration.name, registration.email.strip(), registration.phone,
                  registration.organization, *registration.answers.values()]
        for value in values:
            if value:
                assert value not in text, value
    for user in d.users:
        assert user.name not in text and user.email not in text
    assert "报表导师" not in text and "王负责" not in text
    assert "@" not in text and "139" not in text and "秘密" not in text
