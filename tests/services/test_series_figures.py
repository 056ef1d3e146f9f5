"""A series' figures (issue 15, series): attendance per date, total attendance, distinct and
returning participants, against a hand-built data set whose every number is worked out below,
each counted in the database by a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eventhub.checkin.models import Scan, ScanStatus, ScanType
from eventhub.database import db, utcnow
from eventhub.events import series as series_services
from eventhub.registrations.models import Registration
from eventhub.reports import series_figures
from tests import factories


def registration(event, status="confirmed", user=None, email=""):
    return factories.commit(Registration(
        event_id=event.id, status=status, user_id=user.id if user else None,
        name="参会者", email=email))


def scan(event, registration_, type_=ScanType.entry, status=ScanStatus.ok, reverted=False,
         main=True):
    """One scan of the registration at the event's main list (or a session's list)."""
    from eventhub.checkin.models import CheckinList

    scan.count = getattr(scan, "count", 0) + 1
    checkin_list = factories.main_list_of(event) if main else factories.commit(
        CheckinList(event_id=event.id, name=f"分会场{scan.count}"))
    return factories.commit(Scan(
        list_id=checkin_list.id, nonce=f"series-{scan.count}", code="x", type=type_,
        status=status, registration_id=registration_.id,
        reverted_at=utcnow() if reverted else None))


@pytest.fixture
def dataset(owner, org, now):
    """A series of five events and the people at them.

    1st date (closed, 60 days ago): 甲 (an account) scanned twice, counted once; 乙 (no account,
    ``yi@example.com``) scanned; an anonymized registration (no account, no email) scanned;
    丙's scan was reverted, a cancelled registration was scanned, a waitlisted one refused,
    丁 only scanned at a session's door: none of those four counts → 3.
    2nd date (closed, 30 days ago): 甲 again (a new registration of the same account); 乙 again
    as `` Yi@Example.COM `` (the same email, trimmed and lower-cased: the same person); 戊 (an
    account); another anonymized registration (a person of its own) → 4.
    3rd date (upcoming, published): 己 registered, not yet checked in → 0.
    A draft date and a cancelled date of the series: people checked in there count nowhere; an
    event outside the series where 甲 was checked in counts nowhere either.

    Total attendance 3 + 4 + 0 = 7; participants 甲, 乙, 戊 and the two anonymized ones = 5;
    returning (at two dates or more): 甲 and 乙 = 2.
    """
    series = series_services.create_series(owner, org, "星海创业沙龙")
    db.session.commit()

    def date(title, days, status="closed"):
        event = factories.EventFactory(
            organization=org, title=title, status=status,
            published_at=None if status == "draft" else now,
            starts_at=now + timedelta(days=days),
            ends_at=now + timedelta(days=days, hours=2))
        event.series_id = series.id
        db.session.commit()
        return event

    first, second = date("第一期", -60), date("第二期", -30)
    upcoming = date("第三期", 10, "published")
    draft, cancelled = date("第四期 草稿", -10, "draft"), date("第五期 取消", -20, "cancelled")
    outside = factories.EventFactory(organization=org, title="系列外的活动",
                                     starts_at=now - timedelta(days=5),
                                     ends_at=now - timedelta(days=5, hours=-2))
    jia, bing, ding, wu, ji = (factories.UserFactory(name=n) for n in "甲丙丁戊己")

    r = registration(first, user=jia, email=jia.email)
    scan(first, r)
    scan(first, r)
    scan(first, registration(first, email="yi@example.com"))
    scan(first, registration(first))
    scan(first, registration(first, user=bing), reverted=True)
    scan(first, registration(first, status="cancelled", email="gone@example.com"))
    scan(first, registration(first, status="waitlisted", email="wait@example.com"),
         status=ScanStatus.not_confirmed)
    scan(first, registration(first, user=ding), main=False)

    jia_again = scan(second, registration(second, user=jia, email=jia.email))
    scan(second, registration(second, email=" Yi@Example.COM "))
    scan(second, registration(second, user=wu))
    scan(second, registration(second))

    registration(upcoming, user=ji)
    scan(draft, registration(draft, user=wu))
    scan(cancelled, registration(cancelled, user=ji))
    scan(outside, registration(outside, user=jia))
    series.dates = {"first": first, "second": second, "upcoming": upcoming, "draft": draft,
                    "cancelled": cancelled}
    series.jia_again = jia_again
    return series


def test_attendance_per_date(dataset):
    dates = dataset.dates
    assert series_figures.attendance(dataset) == {
        dates["first"].id: 3, dates["second"].id: 4, dates["upcoming"].id: 0}


def test_participants_and_returning(dataset):
    assert series_figures.participants(dataset) == (5, 2)


def test_the_figures_together(dataset):
    figures = series_figures.series_figures(dataset)
    assert [(d["title"], d["checked_in"]) for d in figures["dates"]] == [
        ("第一期", 3), ("第二期", 4), ("第三期", 0)]
    assert (figures["total"], figures["participants"], figures["returning"], figures["peak"]) \
        == (7, 5, 2, 4)


def test_the_figures_take_two_queries_whatever_the_series_holds(dataset, count_statements):
    series_figures.series_figures(dataset)
    assert len(count_statements) == 2


def test_a_series_without_dates_counts_nothing(owner, org):
    series = series_services.create_series(owner, org, "新系列")
    assert series_figures.series_figures(series) == {
        "dates": [], "total": 0, "participants": 0, "returning": 0, "peak": 0}
    assert series_figures.attendance(series) == {}


def test_a_date_leaving_the_series_leaves_its_figures(dataset):
    dataset.dates["second"].series_id = None
    db.session.commit()
    figures = series_figures.series_figures(dataset)
    assert (figures["total"], figures["participants"], figures["returning"]) == (3, 3, 0)


def test_a_checkin_reverted_later_stops_counting(dataset):
    dataset.jia_again.reverted_at = utcnow()
    db.session.commit()
    assert series_figures.attendance(dataset)[dataset.dates["second"].id] == 3
    assert series_figures.participants(dataset) == (5, 1)  # 甲 came once now; 乙 came back
