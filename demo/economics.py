"""Two saved scenarios of the service economics modeller, from the demo's real member practices
and list sizes (issue 19):

* **Phlebotomy at federation level**: a service run by the federation with a top-slice of about
  10%, each practice's volume its own blood tests in the last twelve months (demo/money.py's
  activity), give or take, and a cost for each surgery it serves whatever its volume (the
  phlebotomist's travel and a courier collection, £1,500 to £2,500 a year). At federation level
  the three *smallest* practices are worse off than running their own clinics: what their small
  volume saves is less than the cost of reaching them. Two of them (62 and 92 patients) are
  worse off even with no top-slice, so there is no break-even top-slice; docs/economics.md
  ("The demo") has the arithmetic. It is shared with the member practices, so C82109's practice
  manager (one of the three) sees the practice's own line.
* **Care-home ward rounds**, paid as the demo's contract pays them, a block of £180,000 a year
  (each practice's share by list): a weekly round delivered by each PCN is recommended; at
  federation level the travel between homes costs more per bed and the largest practices lose.

The figures are illustrative, at the scale of real ones (demo/money.py's catalogue: £6.50 a
test; about £120 a care-home bed a year). tests/economics/test_demo.py checks that the results
say what this docstring says.
"""

from __future__ import annotations

from django.utils import timezone

from economics.models import Scenario
from economics.services import scenario_create, version_share
from finance.models import Service
from registry.models import Federation


def _range(low, mode, high) -> dict:
    return {"low": low, "mode": mode, "high": high}


def phlebotomy_inputs(federation: Federation, day) -> dict:
    return {
        "federation": federation.slug,
        "as_of": day.isoformat(),
        "unit": "blood test",
        "volume": {"last_year": "phlebotomy", "scale": _range(0.9, 1, 1.15)},
        "income_per_unit": 6.5,
        "levels": {
            # Alone: equipment, training and sharps a year, and a health care assistant's time.
            "practice": {"fixed_per_year": 1050, "cost_per_unit": 3.8},
            "pcn": {
                "fixed_per_year": _range(6000, 8000, 11000),
                "cost_per_unit": 2.4,
                "fixed_per_practice": 300,  # travel between the PCN's surgeries
            },
            "federation": {
                "fixed_per_year": _range(100800, 112000, 134400),
                "cost_per_unit": 0.8,
                # The phlebotomist's travel to each surgery and a courier collection from it.
                "fixed_per_practice": _range(1500, 2000, 2500),
                "overhead_percent": _range(8, 10, 12),
            },
        },
        "draws": 10000,
        "seed": 1,
    }


def care_home_inputs(federation: Federation, day) -> dict:
    return {
        "federation": federation.slug,
        "as_of": day.isoformat(),
        "unit": "care-home bed",
        "volume_per_1000": _range(4.5, 5.6, 6.5),
        "income": {"block": 180_000},
        "levels": {
            "practice": {"fixed_per_year": 14400, "cost_per_unit": 15},
            "pcn": {"fixed_per_year": 10000, "cost_per_unit": 20},
            "federation": {"fixed_per_year": 122400, "cost_per_unit": 40, "overhead_percent": 4},
        },
        "draws": 10000,
        "seed": 1,
    }


def demo_economics(federation: Federation, *, by) -> dict:
    """The two scenarios, once (a second load leaves them as they are)."""
    if Scenario.objects.filter(federation=federation).exists():
        return {"created": False, "lines": []}
    day = timezone.localdate()
    services = {s.code: s for s in Service.objects.filter(federation=federation)}
    phlebotomy = scenario_create(
        federation=federation,
        name="Phlebotomy hub at federation level",
        service=services.get("phlebotomy"),
        inputs=phlebotomy_inputs(federation, day),
        note="A hub with a top-slice of 8% to 12%, most likely 10%",
        by=by,
    )
    phlebotomy = version_share(version=phlebotomy, shared=True, by=by)
    care = scenario_create(
        federation=federation,
        name="Care-home ward rounds",
        service=services.get("care-home-rounds"),
        inputs=care_home_inputs(federation, day),
        note="A weekly round by each PCN, or one team for the federation",
        by=by,
    )
    return {
        "created": True,
        "phlebotomy": phlebotomy,
        "care_homes": care,
        "lines": [
            f"Service economics: 2 scenarios (phlebotomy, recommended "
            f"{phlebotomy.results['recommended_level']}; care-home rounds, recommended "
            f"{care.results['recommended_level']})."
        ],
    }
