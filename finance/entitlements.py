"""What a PCN is entitled to under the Network Contract DES in a financial year.

Pure arithmetic on the dated rates in ``registry.rates``: money in integer pence, each line
rounded half-up to the penny once, monthly amounts spread by the largest-remainder rule so
the twelve months add up exactly to the year.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from registry.rates import DesRates, rates_for


@dataclass(frozen=True)
class Populations:
    registered: int = 0
    adjusted: Decimal = Decimal(0)
    weighted: Decimal = Decimal(0)
    care_home_beds: int = 0
    iif_points: Decimal = Decimal(0)


@dataclass
class Line:
    item: str
    basis: str
    rate: str
    quantity: str
    annual_pence: int
    monthly_pence: list[int] = field(default_factory=list)


@dataclass
class Entitlements:
    year: str
    source: str
    verify: bool
    lines: list[Line]
    total_annual_pence: int
    arrs: Line | None

    def as_dict(self) -> dict:
        return asdict(self)


def to_pence(pounds: Decimal) -> int:
    return int((pounds * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def spread(total_pence: int, parts: int = 12) -> list[int]:
    """Split a sum into equal parts to the penny; the pennies left over go to the first
    months (largest remainder with equal remainders), so the parts add up exactly."""
    base, left = divmod(total_pence, parts)
    return [base + (1 if i < left else 0) for i in range(parts)]


def _line(item: str, basis: str, rate: Decimal, quantity: Decimal | int) -> Line:
    annual = to_pence(rate * Decimal(quantity))
    return Line(item, basis, f"{rate}", f"{quantity}", annual, spread(annual))


def entitlements(year: int, populations: Populations) -> Entitlements:
    rates: DesRates = rates_for(year)
    p = populations
    lines: list[Line] = []
    if rates.core_per_registered is not None:
        lines.append(
            _line(
                "Core PCN funding (registered part)",
                "per registered patient",
                rates.core_per_registered,
                p.registered,
            )
        )
    if rates.core_per_adjusted is not None:
        lines.append(
            _line(
                "Core PCN funding (adjusted part)",
                "per adjusted patient",
                rates.core_per_adjusted,
                p.adjusted,
            )
        )
    if rates.clinical_director_per_registered is not None:
        lines.append(
            _line(
                "Clinical director",
                "per registered patient",
                rates.clinical_director_per_registered,
                p.registered,
            )
        )
    for item, rate in (
        ("Enhanced Access", rates.enhanced_access_per_adjusted),
        ("Capacity and Access Support (CASP)", rates.casp_per_adjusted),
        ("Capacity and Access Improvement (CAIP)", rates.caip_per_adjusted),
    ):
        if rate is not None:
            lines.append(_line(item, "per adjusted patient", rate, p.adjusted))
    if rates.care_home_per_bed is not None:
        lines.append(
            _line("Care home premium", "per bed", rates.care_home_per_bed, p.care_home_beds)
        )
    if rates.iif_per_point is not None:
        lines.append(
            _line("Investment and Impact Fund", "per point", rates.iif_per_point, p.iif_points)
        )
    arrs = (
        _line("ARRS maximum pot", "per weighted patient", rates.arrs_per_weighted, p.weighted)
        if rates.arrs_per_weighted is not None
        else None
    )
    return Entitlements(
        year=rates.label,
        source=rates.source,
        verify=rates.verify,
        lines=lines,
        total_annual_pence=sum(line.annual_pence for line in lines),
        arrs=arrs,
    )
