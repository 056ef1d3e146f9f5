"""The check-in dashboard in a real browser: a scan at the door (through the API) shows on an
organizer's open dashboard within 2 seconds, without a reload."""

from __future__ import annotations

import json
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from eventhub.accounts import services as accounts
from eventhub.checkin import services as checkin
from eventhub.database import db
from eventhub.events import services as events
from eventhub.models import Membership
from eventhub.orgs import services as orgs
from eventhub.registrations import services as reg
from eventhub.registrations.services import RegistrationInfo
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

PASSWORD = "abc12345"  # noqa: S105 - a test account


@pytest.fixture(scope="module")
def door(live_server):
    """An organizer, a door staff token, an event with its main list and one ticket."""
    with live_server.app_context():
        admin = accounts.sign_up(accounts.SignUpInfo("dash-admin@example.com", PASSWORD, "管理员"))
        admin.is_admin = True
        db.session.commit()
        org = orgs.create_org(admin, "看板测试众创空间", "maker_space")
        organizer = accounts.sign_up(
            accounts.SignUpInfo("dash-organizer@example.com", PASSWORD, "李组织")
        )
        staff = accounts.sign_up(accounts.SignUpInfo("dash-staff@example.com", PASSWORD, "张门口"))
        db.session.add_all([Membership(organization=org, user=organizer, role="organizer"),
                            Membership(organization=org, user=staff, role="staff")])
        db.session.commit()
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
        event = events.create_event(
            organizer, org,
            events.EventInfo(title="看板测试沙龙", kind="salon", starts_at=starts,
                             ends_at=starts + timedelta(hours=2)),
        )
        events.change_status(organizer, event, "publish")
        guest = accounts.sign_up(
            accounts.SignUpInfo("dash-guest@example.com", PASSWORD, "王来宾", "13912345678")
        )
        ticket = reg.register(guest, event, RegistrationInfo(consent=True)).ticket_code
        _, token = accounts.create_token(staff, "door")
        main_list = checkin.lists_of(event)[0]
        return {"event_id": event.id, "list_id": main_list.id, "ticket": ticket, "token": token}


def scan_through_the_api(base: str, door: dict) -> dict:
    body = json.dumps({"code": door["ticket"], "nonce": str(uuid.uuid4()), "type": "entry",
                       "device": "东门-1"}).encode()
    request = urllib.request.Request(  # noqa: S310 - our own server
        f"{base}/api/v1/checkin-lists/{door['list_id']}/scans", data=body, method="POST",
        headers={"Authorization": f"Bearer {door['token']}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our server
        return json.load(response)


def test_a_scan_shows_on_the_open_dashboard_within_two_seconds(live_server, door, new_page):
    page = new_page()
    sign_in(page, "dash-organizer@example.com", PASSWORD, live_server.url)
    page.goto(f"{live_server.url}/events/{door['event_id']}/checkin/dashboard")
    figure = page.locator('[data-count="checked_in"]').first
    expect(figure).to_have_text("0")
    expect(page.get_by_text("实时更新中")).to_be_visible()

    assert scan_through_the_api(live_server.url, door)["status"] == "ok"

    expect(figure).to_have_text("1", timeout=2000)
    expect(page.locator(".scans__name").first).to_have_text("王来宾")
    expect(page.locator(".chart__svg")).to_be_visible()
