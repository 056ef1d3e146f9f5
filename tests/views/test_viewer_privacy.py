"""A sponsor viewer (membership role ``viewer``) sees no more of an organization's events than
a stranger does: every page and every API read (from the app's URL map, so a new one joins at
once) answers a viewer of the event's organization as it answers someone signed in with no
membership (403/404 for registration lists and exports, check-in, contest admin, judging, the
mentor pool and reports...), except the figures' own endpoints, and no answer to a viewer
carries a participant's name, email, phone or answer. Owners invite viewers like any member."""

from __future__ import annotations

import re

import pytest
from werkzeug.routing import Rule

from eventhub.database import db
from eventhub.models import Membership
from eventhub.registrations import services as reg
from tests import factories
from tests.api.conftest import assert_error
from tests.views.test_form_fuzz import _path, _routes, world  # noqa: F401 - the fixture

#: What a viewer may read and a stranger may not: figures, reports and dashboards (never
#: personal data; checked below all the same), by endpoint.
FIGURES = re.compile(r"^(api_reports\.|api_report_exports\.|reports\.|dashboards\.|orgs\.dashboard$"
                     r"|alliances\.members$)")  # an alliance's member organizations

#: The participant's and a second registrant's name, email, phone (whole and masked), answer, and
#: a team member's name.
PERSONAL = ("赵参与", "participant@example.com", "13812345678", "138****5678", "张三", "钱隐私",
            "qian@example.com", "13911112222", "139****2222", "铁西区兴华街")


def _api_routes(app, objects) -> list[tuple[Rule, dict[str, str]]]:
    """Every GET route of the API, its arguments filled with the ids of the world's objects."""
    ids = {**objects["ids"], "event_id": objects["event"].id, "org_id": objects["event"].org_id}
    found = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or not rule.rule.startswith("/api/"):
            continue
        values = {}
        for name in rule.arguments:
            if name == "event_id" and any(w in rule.rule for w in ("entries", "rounds",
                                                                     "judges", "tracks")):
                values[name] = str(objects["contest"].id)
            else:
                values[name] = str(ids.get(name, 192))
        found.append((rule, values))
    return found


def _text(response) -> str:
    """The body as text (images and other binaries as latin-1: still searchable)."""
    data = response.get_data()
    try:
        return data.decode()
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _personal(text: str) -> list[str]:
    return [p for p in PERSONAL if p in text]


def test_a_viewer_sees_no_more_than_a_stranger(app, login, api, world, org):  # noqa: F811
    reg.register(
        factories.UserFactory(email="qian@example.com", name="钱隐私", phone="13911112222"),
        world["event"], reg.RegistrationInfo(
            consent=True, category_id=world["ids"]["category_id"],
            answers={str(world["ids"]["question_id"]): "铁西区兴华街"}))
    viewer = factories.UserFactory(email="sponsor@example.com", name="科技局")
    factories.MembershipFactory(organization=org, user=viewer, role="viewer")
    stranger = factories.UserFactory(email="stranger@example.com", name="路人")
    pages = [(rule, values) for rule, values, _ in _routes(app, world, "GET")]
    assert len(pages) > 60
    wrong = []
    checked = 0
    for kind, routes, clients in [
        ("page", pages, (login(viewer), login(stranger))),
        ("api", _api_routes(app, world), (api(viewer), api(stranger))),
    ]:
        for rule, values in routes:
            url = _path(rule, values)
            as_viewer, as_stranger = (c.get(url) for c in clients)
            body = _text(as_viewer) if as_viewer.status_code == 200 else ""
            checked += 1
            if FIGURES.search(rule.endpoint):
                if _personal(body):
                    wrong.append(f"{kind} {url}: figures carry {_personal(body)}")
                continue
            if as_viewer.status_code != as_stranger.status_code:
                wrong.append(f"{kind} {url}: viewer {as_viewer.status_code}, stranger "
                             f"{as_stranger.status_code}")
            elif as_viewer.status_code == 200 and _personal(body):
                stranger_body = _text(as_stranger)
                extra = [p for p in _personal(body) if p not in stranger_body]
                if extra:
                    wrong.append(f"{kind} {url}: the viewer sees {extra}")
    assert checked > 150
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("path", [
    "/api/v1/events/{event}/registrations",
    "/api/v1/events/{event}/registrations.csv",
    "/api/v1/events/{event}/checkin-lists",
    "/api/v1/orgs/{org}/members",
    "/api/v1/events/{event}/registrations.xlsx",
    "/api/v1/orgs/{org}/mentor-report?from=2026-01-01&to=2027-01-01",
    "/api/v1/orgs/{org}/mentor-report.xlsx?from=2026-01-01&to=2027-01-01",
])
def test_a_viewer_is_refused_the_organizers_lists(api, org, owner, event, path):
    """The lists the brief names, spelled out (the crawl above compares with a stranger); the
    owner reads each, so the paths are real."""
    viewer = factories.UserFactory()
    factories.MembershipFactory(organization=org, user=viewer, role="viewer")
    url = path.format(event=event.id, org=org.id)
    assert api(owner).get(url).status_code == 200
    assert api(viewer).get(url).status_code in (403, 404)


def test_owners_invite_a_viewer_through_the_api_and_the_page(api, login, owner, org):
    response = api(owner).post(f"/api/v1/orgs/{org.id}/members",
                               json={"email": "kjj@example.com", "role": "viewer"})
    assert response.status_code == 201
    assert response.get_json()["role"] == "viewer"
    page = login(owner).get(f"/orgs/{org.slug}/members")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="viewer"' in html
    assert "只读（资助方）" in html
    membership = db.session.query(Membership).filter_by(org_id=org.id, role="viewer").one()
    assert membership.user.email == "kjj@example.com"


def test_a_viewer_does_not_list_the_members(api, org, owner):
    viewer = factories.UserFactory()
    factories.MembershipFactory(organization=org, user=viewer, role="viewer")
    assert_error(api(viewer).get(f"/api/v1/orgs/{org.id}/members"), 403, "forbidden")
    assert api(owner).get(f"/api/v1/orgs/{org.id}/members").status_code == 200
