"""Network Contract DES rates by financial year, as dated data with their sources.

Rates change every 1 April; they are never constants in code. Figures marked ``verify`` come
from third-party calculators rather than NHS England's own text (see DOMAIN.md). A rate that is
``None`` does not exist in that year (CASP and CAIP were removed in 2026/27).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

D = Decimal


@dataclass(frozen=True)
class DesRates:
    year: int  # the calendar year the financial year starts in
    core_per_registered: Decimal | None
    core_per_adjusted: Decimal | None
    enhanced_access_per_adjusted: Decimal | None
    casp_per_adjusted: Decimal | None
    caip_per_adjusted: Decimal | None
    care_home_per_bed: Decimal | None
    iif_per_point: Decimal | None
    arrs_per_weighted: Decimal | None
    clinical_director_per_registered: Decimal | None
    source: str
    verify: bool

    @property
    def label(self) -> str:
        return f"{self.year}-{(self.year + 1) % 100:02d}"


DES_RATES = {
    2023: DesRates(
        year=2023,
        core_per_registered=D("1.50"),
        core_per_adjusted=D("0.68"),
        enhanced_access_per_adjusted=D("7.578"),
        casp_per_adjusted=D("2.795"),
        caip_per_adjusted=None,
        care_home_per_bed=None,
        iif_per_point=None,
        arrs_per_weighted=D("22.671"),
        clinical_director_per_registered=D("0.729"),
        source="Network Contract DES 2023/24 (BMA, Pulse, GPonline); core adjusted part is the "
        "leadership and management payment",
        verify=False,
    ),
    2024: DesRates(
        year=2024,
        core_per_registered=D("2.218"),
        core_per_adjusted=D("0.698"),
        enhanced_access_per_adjusted=D("7.674"),
        casp_per_adjusted=D("3.248"),
        caip_per_adjusted=None,
        care_home_per_bed=D("120"),
        iif_per_point=None,
        arrs_per_weighted=D("22.894"),
        clinical_director_per_registered=None,
        source="Network Contract DES 2024/25 (BMA, Doncaster LMC, Management in Practice)",
        verify=False,
    ),
    2025: DesRates(
        year=2025,
        core_per_registered=D("2.266"),
        core_per_adjusted=D("0.733"),
        enhanced_access_per_adjusted=D("8.427"),
        casp_per_adjusted=D("3.208"),
        caip_per_adjusted=D("1.375"),
        care_home_per_bed=D("130.253"),
        iif_per_point=D("198"),
        arrs_per_weighted=D("26.631"),
        clinical_director_per_registered=None,
        source="Network Contract DES 2025/26 as published by a public PCN calculator (verify "
        "against NHS England's specification)",
        verify=True,
    ),
    2026: DesRates(
        year=2026,
        core_per_registered=None,
        core_per_adjusted=D("0.748"),
        enhanced_access_per_adjusted=D("8.903"),
        casp_per_adjusted=None,
        caip_per_adjusted=None,
        care_home_per_bed=None,
        iif_per_point=None,
        arrs_per_weighted=D("27.668"),
        clinical_director_per_registered=None,
        source="Network Contract DES 2026/27 as reported (verify against NHS England's "
        "specification)",
        verify=True,
    ),
}


def rates_for(year: int) -> DesRates:
    try:
        return DES_RATES[year]
    except KeyError:
        known = ", ".join(r.label for r in DES_RATES.values())
        raise ValueError(
            f"gpfed has no DES rates for {year}-{(year + 1) % 100:02d} (it has {known})"
        ) from None
