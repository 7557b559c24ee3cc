"""The joins-and-leaves chart on a federation's page: leaves beside joins, every year from the
first change to this one on the axis (a quiet year shown as none), whole-number ticks, and the
figures in the table beside it."""

import itertools
from datetime import date

import pytest

from registry.charts import count_axis, joins_and_leaves_chart
from registry.models import Federation, FederationMembership
from tests.conftest import sign_in_verified
from tests.factories import PracticeFactory, UserFactory

YEARS = [
    {"year": 2019, "joined": 3, "left": 0},
    {"year": 2022, "joined": 1, "left": 2},
]


def test_every_year_is_on_the_axis_even_a_year_with_no_change():
    chart = joins_and_leaves_chart("Joins and leaves", YEARS, last_year=2024)
    assert [x["label"] for x in chart.x_labels] == [str(y) for y in range(2019, 2025)]
    assert len(chart.bars) == 2 * 6  # a joined and a left bar for each year


def test_leaves_are_drawn_beside_joins():
    chart = joins_and_leaves_chart("Joins and leaves", YEARS)
    bars = {b.label: b for b in chart.bars}
    assert bars["2022 left"].value == 2 and bars["2022 left"].height > 0
    assert bars["2022 joined"].value == 1
    assert bars["2022 left"].height == 2 * bars["2022 joined"].height
    assert bars["2022 left"].x > bars["2022 joined"].x  # side by side, not stacked
    assert "gpfed-chart__bar--second" in bars["2022 left"].css
    assert [item["label"] for item in chart.legend] == ["Joined", "Left"]


@pytest.mark.parametrize("top", [1, 2, 3, 5, 7, 9, 13, 41, 999])
def test_the_ticks_are_whole_numbers_reaching_the_tallest_bar(top):
    chart = joins_and_leaves_chart("x", [{"year": 2020, "joined": top, "left": 0}])
    labels = [t["label"] for t in chart.y_ticks]
    assert all(label.replace(",", "").isdigit() for label in labels), labels
    assert len(set(labels)) == len(labels) <= 5
    ceiling, ticks = count_axis(top)
    assert ticks[0] == 0 and ticks[-1] == ceiling >= top
    assert len({b - a for a, b in itertools.pairwise(ticks)}) == 1  # evenly spaced


def test_a_long_history_keeps_a_label_for_every_year():
    chart = joins_and_leaves_chart("x", [{"year": 2004, "joined": 1, "left": 0}], last_year=2026)
    assert [x["label"] for x in chart.x_labels][:3] == ["’04", "’05", "’06"]
    assert len(chart.x_labels) == 23


@pytest.mark.django_db
def test_the_federation_page_draws_joins_and_leaves(client):
    federation = Federation.objects.create(name="Chart Federation", slug="chart-fed")
    a, b = PracticeFactory(), PracticeFactory()
    FederationMembership.objects.create(
        federation=federation, practice=a, start_date=date(2021, 4, 1), end_date=date(2023, 3, 31)
    )
    FederationMembership.objects.create(
        federation=federation, practice=b, start_date=date(2021, 4, 1)
    )
    sign_in_verified(client, UserFactory(is_superuser=True, is_staff=True))
    response = client.get(f"/federations/{federation.slug}/")
    assert response.status_code == 200
    chart = response.context["joins_chart"]
    labels = [x["label"] for x in chart.x_labels]
    assert labels[:3] == ["2021", "2022", "2023"] and labels[-1] == str(date.today().year)
    assert {b.label: b.value for b in chart.bars}["2023 left"] == 1
    text = response.content.decode()
    assert "Practices joining and leaving each year" in text
    assert "<title>2023 left: 1</title>" in text
