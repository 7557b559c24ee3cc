from __future__ import annotations

from datetime import date
from decimal import Decimal

from finance.entitlements import Entitlements, Populations, entitlements
from finance.rates import DES_RATES
from registry import selectors as registry
from registry.models import PCN, AnnualPopulation


def pcn_entitlements(pcn: PCN, year: int) -> dict | None:
    """A PCN's DES entitlements for a year from the registry's figures, with every figure that
    stands in for a missing one named, so the page can label it."""
    if year not in DES_RATES:
        return None
    listed = registry.pcn_registered_list(pcn, date(year, 1, 1))
    adjusted = registry.population(pcn, year, AnnualPopulation.Measure.ADJUSTED)
    weighted = registry.population(pcn, year, AnnualPopulation.Measure.WEIGHTED)
    estimates = [f for f in (adjusted, weighted) if f.is_estimate]
    result: Entitlements = entitlements(
        year,
        Populations(
            registered=listed.patients,
            adjusted=adjusted.value or Decimal(0),
            weighted=weighted.value or Decimal(0),
        ),
    )
    return {
        "entitlements": result,
        "registered": listed,
        "adjusted": adjusted,
        "weighted": weighted,
        "is_estimate": bool(estimates),
        "not_held": ["care-home beds", "IIF points"],
    }
