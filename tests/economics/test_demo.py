"""The demo's two scenarios say what demo/economics.py says they do, computed on the demo's real
member practices and lists."""

import pytest

from demo.economics import demo_economics
from demo.money import demo_money
from economics.models import Scenario
from registry.models import Federation

pytestmark = pytest.mark.django_db


def test_the_demo_scenarios(demo):
    federation = Federation.objects.get(slug="east-leicestershire-and-rutland-gp-federation")
    demo_money(federation, by=None)
    made = demo_economics(federation, by=None)
    assert made["created"]
    phlebotomy = made["phlebotomy"].results
    lists = {p["code"]: p["list_size"] for p in phlebotomy["practices"]}
    losers = phlebotomy["levels"]["federation"]["practices_worse_off"]
    # Three practices worse off at federation level at the proposed top-slice (8% to 12%) ...
    assert len(losers) == 3
    # ... unless the top-slice falls: below the lowest the scenario proposes, but above none.
    assert 0 < phlebotomy["breakeven_overhead_percent"] < 8
    assert "unless the top-slice is" in phlebotomy["summary"]
    # With shared costs in proportion to volume, a practice's gain at federation level is the
    # fixed cost alone it saves plus a margin per unit: the losers are the largest lists.
    assert set(losers) == set(sorted(lists, key=lists.get)[-3:])
    assert "3 large practices" in phlebotomy["summary"]
    # Each practice's volume is its own last year's blood tests (demo/money.py's activity).
    assert phlebotomy["volume_basis"] == "last_year"
    assert {p["volume_from"] for p in phlebotomy["practices"]} == {"activity"}
    assert phlebotomy["recommended_level"] == "none"
    assert made["phlebotomy"].shared_with_members
    assert made["phlebotomy"].scenario.service.code == "phlebotomy"

    care = made["care_homes"].results
    assert care["income_basis"] == "block"
    assert care["recommended_level"] == "pcn"
    assert care["levels"]["pcn"]["practices_worse_off"] == []
    assert "Recommended: deliver it at PCN level" in care["summary"]
    # Loading again leaves them as they are.
    assert not demo_economics(federation, by=None)["created"]
    assert Scenario.objects.filter(federation=federation).count() == 2
