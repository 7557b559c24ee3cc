from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Sum

from finance.entitlements import Entitlements, Populations, entitlements
from finance.inputs import add_months, last_month, month_end, parse_month
from finance.models import Contract, Service, Settlement, SettlementRow
from finance.rates import DES_RATES
from gpfed.formats import money_text
from registry import selectors as registry
from registry.models import PCN, AnnualPopulation, Federation, Practice


def pcn_entitlements(pcn: PCN, year: int) -> dict | None:
    """A PCN's DES entitlements for a year from the registry's figures and the care-home beds
    and IIF points held for it, with every figure that stands in for a missing one named, so
    the page can label it."""
    from finance.models import PcnFigures

    if year not in DES_RATES:
        return None
    listed = registry.pcn_registered_list(pcn, date(year, 1, 1))
    adjusted = registry.population(pcn, year, AnnualPopulation.Measure.ADJUSTED)
    weighted = registry.population(pcn, year, AnnualPopulation.Measure.WEIGHTED)
    estimates = [f for f in (adjusted, weighted) if f.is_estimate]
    held = PcnFigures.objects.filter(pcn=pcn, financial_year=year).first()
    beds = held.care_home_beds if held and held.care_home_beds is not None else None
    points = held.iif_points if held and held.iif_points is not None else None
    result: Entitlements = entitlements(
        year,
        Populations(
            registered=listed.patients,
            adjusted=adjusted.value or Decimal(0),
            weighted=weighted.value or Decimal(0),
            care_home_beds=beds or 0,
            iif_points=points or Decimal(0),
        ),
    )
    return {
        "entitlements": result,
        "registered": listed,
        "adjusted": adjusted,
        "weighted": weighted,
        "is_estimate": bool(estimates),
        "figures": held,
        "not_held": [
            name
            for name, value in (("care-home beds", beds), ("IIF points", points))
            if value is None
        ],
    }


# --- periods -------------------------------------------------------------------------------

FY = re.compile(r"^(\d{4})-(\d{2})$")
QUARTER = re.compile(r"^(\d{4})-(\d{2})-Q([1-4])$", re.IGNORECASE)


@dataclass(frozen=True)
class Period:
    """A month (2026-10), a quarter of a financial year (2026-27-Q3: October to December
    2026) or a financial year (2026-27: April 2026 to March 2027)."""

    key: str
    kind: str
    first: date
    last: date  # the first day of the last month

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.first:%B %Y}"
        if self.kind == "quarter":
            return f"{self.first:%B} to {self.last:%B %Y} (Q{self.key[-1]} {self.key[:7]})"
        return f"financial year {self.key[:4]}/{self.key[5:7]}"

    @property
    def months(self) -> list[date]:
        out, day = [], self.first
        while day <= self.last:
            out.append(day)
            day = add_months(day, 1)
        return out


def parse_period(text: str) -> Period:
    """A period from its key; an empty key is last month."""
    text = (text or "").strip() or f"{last_month():%Y-%m}"
    quarter = QUARTER.match(text)
    if quarter:
        year = int(quarter[1])
        if (year + 1) % 100 != int(quarter[2]):
            raise ValueError(f"{text!r}: {quarter[2]} does not follow {year}")
        first = add_months(date(year, 4, 1), 3 * (int(quarter[3]) - 1))
        return Period(f"{year}-{quarter[2]}-Q{quarter[3]}", "quarter", first, add_months(first, 2))
    fy = FY.match(text)
    # 2026-27 is a financial year; 2026-10 a month (the two never clash after 2012)
    if fy and int(fy[2]) > 12 and int(fy[2]) == (int(fy[1]) + 1) % 100:
        year = int(fy[1])
        return Period(text, "year", date(year, 4, 1), date(year + 1, 3, 1))
    try:
        month = parse_month(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a period: use a month (2026-10), a quarter of a financial year "
            "(2026-27-Q3) or a financial year (2026-27)"
        ) from None
    return Period(text, "month", month, month)


# --- value statements ----------------------------------------------------------------------

SUMS = {
    "activity_units": Sum("activity_units"),
    "income_pence": Sum("income_pence"),
    "costs_pence": Sum("costs_pence"),
    "overhead_pence": Sum("overhead_pence"),
    "net_pence": Sum("net_pence"),
    "alone_cost_pence": Sum("alone_cost_pence"),
}


def _with_comparison(figures: dict) -> dict:
    """Doing it alone, the practice would have had the same income and borne its own cost."""
    figures = {k: int(v or 0) for k, v in figures.items()}
    figures["alone_net_pence"] = figures["income_pence"] - figures["alone_cost_pence"]
    figures["difference_pence"] = figures["net_pence"] - figures["alone_net_pence"]
    return figures


def practice_statement(practice: Practice, period: Period) -> dict:
    """A practice's value statement: service by service, what it received through the
    federation beside the estimate of doing the same activity alone."""
    rows = SettlementRow.objects.filter(
        practice=practice, month__gte=period.first, month__lte=period.last
    )
    by_service = list(rows.values("service_id").annotate(**SUMS).order_by("service_id"))
    names = {
        s.pk: s
        for s in Service.objects.filter(
            pk__in=[r["service_id"] for r in by_service if r["service_id"]]
        )
    }
    services = []
    for r in by_service:
        service = names.get(r.pop("service_id"))
        figures = _with_comparison(r)
        services.append(
            {
                "service": service.name if service else "Other income",
                "code": service.code if service else "",
                "unit": service.unit if service else "",
                "alone_source": service.alone_source if service else "",
                **figures,
            }
        )
    services.sort(key=lambda s: (s["code"] == "", s["service"]))
    totals = _with_comparison(
        {k: sum(s[k] for s in services) for k in SUMS} if services else dict.fromkeys(SUMS, 0)
    )
    listed = registry.list_sizes_on([practice.pk], month_end(period.last)).get(practice.pk)
    patients = listed.patients if listed else None
    per_patient = (
        (Decimal(totals["difference_pence"]) / 100 / patients).quantize(Decimal("0.01"))
        if patients
        else None
    )
    for s in services:
        s["difference_per_patient"] = (
            (Decimal(s["difference_pence"]) / 100 / patients).quantize(Decimal("0.01"))
            if patients
            else None
        )
    start = min(period.first, add_months(period.last, -11))
    trend = [
        {"month": r["month"], **_with_comparison({k: r[k] for k in SUMS})}
        for r in SettlementRow.objects.filter(
            practice=practice, month__gte=start, month__lte=period.last
        )
        .values("month")
        .annotate(**SUMS)
        .order_by("month")
    ]
    settlements = list(
        Settlement.objects.filter(pk__in=rows.values("settlement_id").distinct()).order_by("month")
    )
    return {
        "practice": {"code": practice.code, "name": practice.name},
        "period": {
            "key": period.key,
            "kind": period.kind,
            "label": period.label,
            "first_month": f"{period.first:%Y-%m}",
            "last_month": f"{period.last:%Y-%m}",
        },
        "registered_patients": patients,
        "registered_extract_date": listed.extract_date.isoformat() if listed else None,
        "services": services,
        "totals": totals,
        "difference_per_patient": per_patient,
        "trend": [
            {
                "month": f"{t['month']:%Y-%m}",
                "net_pence": t["net_pence"],
                "alone_net_pence": t["alone_net_pence"],
                "difference_pence": t["difference_pence"],
            }
            for t in trend
        ],
        "settlements": [s.reference for s in settlements],
        "summary": statement_summary(practice, period, totals, len(services), per_patient),
    }


def statement_summary(practice, period, totals, service_count, per_patient) -> str:
    if not service_count:
        return (
            f"No settlement has been posted for {practice.name} for {period.label}, so there "
            "is nothing to compare yet."
        )
    difference = totals["difference_pence"]
    net = totals["net_pence"]
    alone = totals["alone_net_pence"]
    each = (
        f" ({money_text(int(abs(per_patient) * 100))} per registered patient)"
        if per_patient
        else ""
    )
    verdict = (
        f"{money_text(abs(difference))}{each} better off"
        if difference > 0
        else f"{money_text(abs(difference))}{each} worse off"
        if difference < 0
        else "no better or worse off"
    )
    return (
        f"In {period.label} the federation paid {practice.name} {money_text(net)} net across "
        f"{service_count} service{'s' * (service_count != 1)}. Doing the same activity alone "
        f"would have left it {money_text(alone)}, so working through the federation it was "
        f"{verdict}."
    )


def federation_returns(federation: Federation, period: Period) -> list[dict]:
    """Every practice's net return and the difference against doing it alone, least first."""
    rows = (
        SettlementRow.objects.filter(
            federation=federation, month__gte=period.first, month__lte=period.last
        )
        .values("practice_id")
        .annotate(**SUMS)
    )
    figures = {r.pop("practice_id"): _with_comparison(r) for r in rows}
    practices = {
        p.pk: p for p in Practice.objects.filter(pk__in=figures).only("pk", "code", "name")
    }
    sizes = registry.list_sizes_on(list(figures), month_end(period.last))
    out = []
    for practice_id, f in figures.items():
        listed = sizes.get(practice_id)
        out.append(
            {
                "code": practices[practice_id].code,
                "name": practices[practice_id].name,
                "registered_patients": listed.patients if listed else None,
                "difference_per_patient": (
                    (Decimal(f["difference_pence"]) / 100 / listed.patients).quantize(
                        Decimal("0.01")
                    )
                    if listed and listed.patients
                    else None
                ),
                **f,
            }
        )
    out.sort(key=lambda r: (r["difference_pence"], r["code"]))
    return out


# --- contracts register --------------------------------------------------------------------


def contracts_register(federation: Federation, day: date | None = None) -> list[dict]:
    """Every contract with when it ends and the last day to give notice, and which of the
    next 3, 6 and 12 months that falls in."""
    day = day or registry.today()
    out = []
    for contract in Contract.objects.filter(federation=federation).select_related("commissioner"):
        notice, end = contract.notice_date, contract.end_date
        soonest = min(d for d in (notice, end) if d is not None) if end else None
        window = None
        if soonest is not None and soonest >= day:
            for months in (3, 6, 12):
                if soonest <= add_months(day, months) - timedelta(days=1):
                    window = months
                    break
        out.append(
            {
                "contract": contract,
                "notice_date": notice,
                "ended": bool(end and end < day),
                "notice_passed": bool(notice and notice < day <= end),
                "window": window,
            }
        )
    out.sort(key=lambda r: (r["ended"], r["contract"].end_date or date.max))
    return out
