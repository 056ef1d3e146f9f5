"""The series page's figures (issue 15, series): attendance per date, total, different people
and returning ones, and the bar chart of the dates that have begun; counts only, shown to
every visitor, in Chinese and English."""

from __future__ import annotations

import re

from tests.services.test_series_figures import dataset  # noqa: F401 (fixture)
from tests.views.conftest import text

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en"}


def figure(body: str, name: str) -> str:
    return re.search(rf"data-{name}>([^<]*)<", body).group(1)


def test_everyone_sees_the_series_figures(client, dataset):  # noqa: F811
    body = text(client.get(f"/series/{dataset.id}", headers=ZH))
    dates = dataset.dates
    assert (figure(body, "figure-total"), figure(body, "participants"),
            figure(body, "returning")) == ("7", "5", "2")
    assert "累计签到：7 人次" not in body  # the figures' tile says it
    assert f'data-attendance="{dates["first"].id}">签到 3 人' in body
    assert f'data-attendance="{dates["second"].id}">签到 4 人' in body
    # The chart: the dates that have begun, oldest first, scaled to the best attended.
    rows = re.findall(r'data-chart-date="(\d+)"', body)
    assert rows == [str(dates["first"].id), str(dates["second"].id)]
    assert 'max="4" value="3"' in body and 'max="4" value="4"' in body
    assert "每期签到人数" in body and "回头客" in body
    # Drafts and cancelled dates are nobody's business, and no name shows.
    assert "第四期" not in body and "第五期" not in body
    assert "甲" not in body and "yi@example.com" not in body


def test_the_figures_in_english(client, dataset):  # noqa: F811
    body = text(client.get(f"/series/{dataset.id}", headers=EN))
    assert "Total attendance" in body and "Different people" in body
    assert "Came back (2 dates or more)" in body and "Checked in per date" in body


def test_a_series_with_no_date_begun_has_no_chart(client, owner, org):
    from eventhub.events import series as series_services

    series = series_services.create_series(owner, org, "新系列")
    body = text(client.get(f"/series/{series.id}", headers=ZH))
    assert "data-series-figures" not in body and "往期回顾" in body
