# Over 500 lines: every read the finance pages, statements and exports make.
from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, QuerySet, Sum

from audit.services import audit_record
from finance.entitlements import Entitlements, Populations, entitlements
from finance.inputs import add_months, last_month, month_end, month_start
from finance.models import (
    Contract,
    PcnFigures,
    Service,
    Settlement,
    SettlementRow,
)
from kernel import dates
from kernel.formats import money_text
from registry import selectors as registry
from registry.models import PCN, AnnualPopulation, Federation, FederationMembership, Practice
from registry.rates import DES_RATES


def pcn_entitlements(pcn: PCN, year: int, federation: Federation | None = None) -> dict | None:
    """A PCN's DES entitlements for a year from the registry's figures and the care-home beds
    and IIF points held for it (``federation``'s own where it keeps them, else the national
    ones), with every figure that stands in for a missing one named, so the page can label
    it. A federation's own beds and points replace the national ones whole; another
    federation's are never read."""

    if year not in DES_RATES:
        return None
    listed = registry.pcn_registered_list(pcn, date(year, 1, 1))
    adjusted = registry.population(pcn, year, AnnualPopulation.Measure.ADJUSTED, federation)
    weighted = registry.population(pcn, year, AnnualPopulation.Measure.WEIGHTED, federation)
    estimates = [f for f in (adjusted, weighted) if f.is_estimate]
    kept = PcnFigures.objects.filter(pcn=pcn, financial_year=year)
    held = kept.filter(federation=federation).first() if federation is not None else None
    figures_are_own = held is not None
    if held is None:
        held = kept.filter(federation__isnull=True).first()
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
        "is_override": adjusted.is_override or weighted.is_override,
        "federation": federation,
        "figures": held,
        "figures_are_own": figures_are_own,
        "not_held": [
            name
            for name, value in (("care-home beds", beds), ("IIF points", points))
            if value is None
        ],
    }


# --- periods -------------------------------------------------------------------------------

# A period's one parser (held to the years gpfed works with) is kernel.dates'; callers find it here.
Period = dates.Period
parse_period = dates.parse_period


# --- value statements ----------------------------------------------------------------------

SUMS = {
    "activity_units": Sum("activity_units"),
    "income_pence": Sum("income_pence"),
    "costs_pence": Sum("costs_pence"),
    "overhead_pence": Sum("overhead_pence"),
    "net_pence": Sum("net_pence"),
    "alone_cost_pence": Sum("alone_cost_pence"),
}

# A list under this many registered patients makes per-patient figures mislead (a practice
# of 46 patients "£403.72 better off per patient"): they are shown, and flagged.
SMALL_LIST = 1_000

STANDING = "The fixed cost of doing it alone is a standing charge: counted every month."
USED_MONTHS = "The fixed cost of doing it alone counts only in months the practice used it."


def is_small_list(patients: int | None) -> bool:
    return patients is not None and 0 < patients < SMALL_LIST


def _per_patient(pence: int, patients: int | None) -> Decimal | None:
    if not patients:
        return None
    return (Decimal(pence) / 100 / patients).quantize(Decimal("0.01"))


def _period_dict(period: Period) -> dict:
    return {
        "key": period.key,
        "kind": period.kind,
        "label": period.label,
        "first_month": f"{period.first:%Y-%m}",
        "last_month": f"{period.last:%Y-%m}",
    }


def _with_comparison(figures: dict) -> dict:
    """Doing it alone, the practice would have had the same income and borne its own cost."""
    figures = {k: int(v or 0) for k, v in figures.items()}
    figures["alone_net_pence"] = figures["income_pence"] - figures["alone_cost_pence"]
    figures["difference_pence"] = figures["net_pence"] - figures["alone_net_pence"]
    return figures


def _membership_months(practice: Practice, federation: Federation) -> Q | None:
    """The months in which the practice was the federation's member (on any day of the
    month): the only months a statement read through that federation covers."""
    months = None
    for start, end in FederationMembership.objects.filter(
        practice=practice, federation=federation
    ).values_list("start_date", "end_date"):
        spell = Q(month__gte=month_start(start))
        if end is not None:
            spell &= Q(month__lte=end)
        months = spell if months is None else months | spell
    return months


def statement_rows(practice: Practice, federation: Federation, first: date, last: date):
    """The practice's posted rows in the federation's settlements from month ``first`` to
    month ``last``, while it was the federation's member: nothing from another federation,
    nothing from before it joined or after it left."""
    months = _membership_months(practice, federation)
    if months is None:
        return SettlementRow.objects.none()
    return SettlementRow.objects.filter(
        months, federation=federation, practice=practice, month__gte=first, month__lte=last
    )


def statement_period(practice: Practice, federations, text: str) -> Period:
    """The period asked for; when none is, last month, or the practice's last month in these
    federations if it has left them all."""
    if (text or "").strip():
        return parse_period(text)
    month = last_month()
    ended = FederationMembership.objects.filter(practice=practice, federation__in=federations)
    if ended.exists() and not ended.filter(Q(end_date__isnull=True) | Q(end_date__gte=month)):
        latest = ended.order_by("-end_date").first().end_date
        month = month_start(latest)
    return parse_period(f"{month:%Y-%m}")


def statement_through(
    practice: Practice, readable: Callable[..., QuerySet], *, period: str, federation: str = ""
) -> tuple[Period, Federation | None, list[Federation]]:
    """The period and the federation a practice's statement is read through. ``readable`` is
    ``accounts.permissions.statement_federations`` for the reader and the practice; a
    federation may be named by its slug, and is implied when the reader may read the
    statement for the period through exactly one. Returns the period, the federation (None
    when there is none or several) and the federations to choose from (empty when the reader
    may read it through none: answer 404). Raises ValueError for a period that is not one."""
    named = readable()
    if federation:
        named = named.filter(slug=federation)
    chosen = statement_period(practice, named, period)
    choices = list(
        readable(first=chosen.first, last=month_end(chosen.last)).order_by("name", "slug")
    )
    if federation:
        choices = [f for f in choices if f.slug == federation]
    return chosen, choices[0] if len(choices) == 1 else None, choices


# Long: one statement's figures, in the order the statement prints them.
def practice_statement(practice: Practice, period: Period, *, federation: Federation) -> dict:
    """A practice's value statement through one federation: service by service, what it
    received through that federation while it was a member, beside the estimate of doing the
    same activity alone. A correction to an earlier settlement is a line of its own naming
    that settlement; "Other income" (paid for no service) is a line but not a service."""
    rows = statement_rows(practice, federation, period.first, period.last)
    grouped = list(
        rows.values("service_id", "corrects_id")
        .annotate(**SUMS)
        .order_by("service_id", "corrects_id")
    )
    names = {
        s.pk: s
        for s in Service.objects.filter(
            pk__in={r["service_id"] for r in grouped if r["service_id"]}
        )
    }
    corrected = dict(
        Settlement.objects.filter(
            pk__in={r["corrects_id"] for r in grouped if r["corrects_id"]}
        ).values_list("pk", "reference")
    )
    listed = registry.list_sizes_on([practice.pk], month_end(period.last)).get(practice.pk)
    patients = listed.patients if listed else None
    services = []
    for r in grouped:
        service = names.get(r.pop("service_id"))
        corrects = corrected.get(r.pop("corrects_id"))
        figures = _with_comparison(r)
        name = service.name if service else "Other income"
        services.append(
            {
                "service": name,
                "code": service.code if service else "",
                "unit": service.unit if service else "",
                "corrects": corrects,
                "line": f"{name}: correction to {corrects}" if corrects else name,
                "alone_source": service.alone_source if service and not corrects else "",
                "alone_basis": "" if corrects else _alone_basis(service),
                "alone_fixed_standing": bool(service and service.alone_fixed_standing),
                **figures,
                "difference_per_patient": _per_patient(figures["difference_pence"], patients),
            }
        )
    services.sort(
        key=lambda s: (
            s["code"] == "",
            s["service"],
            s["corrects"] is not None,
            s["corrects"] or "",
        )
    )
    totals = _with_comparison(
        {k: sum(s[k] for s in services) for k in SUMS} if services else dict.fromkeys(SUMS, 0)
    )
    per_patient = _per_patient(totals["difference_pence"], patients)
    start = min(period.first, add_months(period.last, -11))
    trend = [
        {"month": r["month"], **_with_comparison({k: r[k] for k in SUMS})}
        for r in statement_rows(practice, federation, start, period.last)
        .values("month")
        .annotate(**SUMS)
        .order_by("month")
    ]
    settlements = list(
        Settlement.objects.filter(pk__in=rows.values("settlement_id").distinct()).order_by("month")
    )
    return {
        "practice": {"code": practice.code, "name": practice.name},
        "federation": {"slug": federation.slug, "name": federation.name},
        "period": _period_dict(period),
        "registered_patients": patients,
        "registered_extract_date": listed.extract_date.isoformat() if listed else None,
        "small_list": is_small_list(patients),
        "services": services,
        "service_count": _service_count(services),
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
        "corrections": sorted({s["corrects"] for s in services if s["corrects"]}),
        "assumptions": statement_assumptions(practice, services, patients),
        "summary": statement_summary(
            practice,
            period,
            totals,
            services,
            per_patient,
            federation=federation,
            patients=patients,
        ),
    }


def _alone_basis(service: Service | None) -> str:
    """When the service's fixed cost of doing it alone counts, in plain words."""
    if service is None or not service.alone_fixed_monthly_pence:
        return ""
    return STANDING if service.alone_fixed_standing else USED_MONTHS


def _service_count(services: list[dict]) -> int:
    """The services a statement covers: "Other income" is not one, and a correction to a
    service is the same service."""
    return len({s["code"] for s in services if s["code"]})


def statement_assumptions(
    practice: Practice, services: list[dict], patients: int | None
) -> list[str]:
    """What the comparison rests on, in plain words, for the page, the PDF and the JSON."""
    if not services:
        return []
    said = [
        "Doing it alone, the practice would have had the same income and borne its own cost "
        "of the same activity: each service's cost per unit of activity, plus a fixed "
        "monthly cost."
    ]
    if _service_count(services):
        said.append(
            "Unless a service's fixed cost is a standing charge, the fixed cost of doing it "
            "alone counts only in months the practice used a service measured by activity."
        )
    standing = sorted(
        {s["service"] for s in services if s["alone_basis"] == STANDING and not s["corrects"]}
    )
    if standing:
        said.append(
            f"{', '.join(standing)}: the fixed cost of doing it alone is a standing charge "
            "(a retainer paid whether used or not), so it is counted every month."
        )
    if any(not s["code"] for s in services):
        said.append(
            "Other income (paid for no particular service) is a line of its own and is not "
            "counted as a service."
        )
    corrections = sorted({s["corrects"] for s in services if s["corrects"]})
    if corrections:
        said.append(
            "Corrections to earlier settlements are lines of their own, each naming the "
            f"settlement it corrects ({', '.join(corrections)})."
        )
    if is_small_list(patients):
        said.append(
            f"{practice.name}'s registered list is very small ({patients:,} patients, under "
            f"{SMALL_LIST:,}), so per-patient figures mislead: read the pounds."
        )
    return said


def statement_summary(
    practice,
    period,
    totals,
    services: list[dict],
    per_patient,
    *,
    federation: Federation,
    patients: int | None = None,
) -> str:
    if not services:
        return (
            f"No settlement by {federation.name} has been posted for {practice.name} for "
            f"{period.label}, so there is nothing to compare yet."
        )
    counted = _service_count(services)
    sources = [f"{counted} service{'s' * (counted != 1)}"] if counted else []
    if any(not s["code"] for s in services):
        sources.append("other income")
    difference = totals["difference_pence"]
    net = totals["net_pence"]
    alone = totals["alone_net_pence"]
    each = ""
    if per_patient:
        each = f"{money_text(int(abs(per_patient) * 100))} per registered patient"
        if is_small_list(patients):
            each += (
                f", though its list of {patients:,} patients is very small, so per-patient "
                "figures mislead"
            )
        each = f" ({each})"
    verdict = (
        f"{money_text(abs(difference))}{each} better off"
        if difference > 0
        else f"{money_text(abs(difference))}{each} worse off"
        if difference < 0
        else "no better or worse off"
    )
    return (
        f"In {period.label} {federation.name} paid {practice.name} {money_text(net)} net from "
        f"{' and '.join(sources)}. Doing the same activity alone would have left it "
        f"{money_text(alone)}, so working through the federation it was {verdict}."
    )


@transaction.atomic
def statement_export(
    *, practice: Practice, federation: Federation, period: Period, by, form: str
) -> dict:
    """The statement as it leaves gpfed (JSON, PDF, the API or the command line), recorded in
    the audit trail against the federation it was read through. Render it inside the
    caller's transaction, so that a download that fails to render records nothing."""
    data = practice_statement(practice, period, federation=federation)
    audit_record(
        by=by,
        action="finance.export.statement",
        obj=practice,
        after={"through": federation.slug, "period": period.key, "format": form},
        federation=federation,
    )
    return data


# --- returns to practices ------------------------------------------------------------------


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
        patients = listed.patients if listed else None
        out.append(
            {
                "code": practices[practice_id].code,
                "name": practices[practice_id].name,
                "registered_patients": patients,
                "difference_per_patient": _per_patient(f["difference_pence"], patients),
                "small_list": is_small_list(patients),
                **f,
            }
        )
    out.sort(key=lambda r: (r["difference_pence"], r["code"]))
    return out


def carried_costs(federation: Federation, period: Period) -> dict:
    """Service by service, the costs of delivery that no income recovered in the period's
    posted settlements (no income line for the service, or costs beyond its income after
    the top-slice): carried by the federation, not passed to practices."""
    carried: dict[int, int] = {}
    posted = Settlement.objects.filter(
        federation=federation, month__gte=period.first, month__lte=period.last
    ).values_list("carried_pence", flat=True)
    for by_service in posted:
        for key, pence in (by_service or {}).items():
            carried[int(key)] = carried.get(int(key), 0) + int(pence)
    services = {s.pk: s for s in Service.objects.filter(federation=federation, pk__in=carried)}
    lines = [
        {
            "code": services[pk].code if pk in services else "",
            "service": services[pk].name if pk in services else f"Service {pk}",
            "carried_pence": pence,
        }
        for pk, pence in carried.items()
        if pence
    ]
    lines.sort(key=lambda line: (line["service"], line["code"]))
    return {
        "period": period.label,
        "months_posted": len(posted),
        "services": lines,
        "total_pence": sum(line["carried_pence"] for line in lines),
    }


def returns_report(federation: Federation, period: Period) -> dict:
    """Returns to practices for a period as a board pack reads them: each practice's figures
    (least gain first), their totals, and the costs the federation carried."""
    practices = federation_returns(federation, period)
    totals = _with_comparison(
        {k: sum(r[k] for r in practices) for k in SUMS} if practices else dict.fromkeys(SUMS, 0)
    )
    return {
        "federation": {"slug": federation.slug, "name": federation.name},
        "period": _period_dict(period),
        "practices": practices,
        "totals": totals,
        "carried": carried_costs(federation, period),
        "small_list_below": SMALL_LIST,
        "small_lists": sum(r["small_list"] for r in practices),
        "settlements": list(
            Settlement.objects.filter(
                federation=federation, month__gte=period.first, month__lte=period.last
            )
            .order_by("month")
            .values_list("reference", flat=True)
        ),
    }


@transaction.atomic
def returns_export(*, federation: Federation, period: Period, by, form: str) -> dict:
    """Returns to practices as they leave gpfed (CSV, PDF, JSON, the API or the command
    line), recorded in the federation's audit trail. Render inside the caller's transaction,
    so that a download that fails to render records nothing."""
    report = returns_report(federation, period)
    audit_record(
        by=by,
        action="finance.export.returns",
        obj=federation,
        after={"period": period.key, "format": form},
        federation=federation,
    )
    return report


# --- settlements ---------------------------------------------------------------------------


def settlement_for(federation: Federation, month: date) -> Settlement | None:
    """The month's posted settlement, if it has been posted."""
    return Settlement.objects.filter(federation=federation, month=month).first()


# --- contracts register --------------------------------------------------------------------


def contracts_register(federation: Federation, day: date | None = None) -> list[dict]:
    """Every contract with when it ends and the last day to give notice, and which of the
    next 3, 6 and 12 months the date to act on falls in: the notice date while it is ahead,
    else the end date. A contract whose notice date has passed but which has not ended needs
    attention whatever its window, and comes first."""
    day = day or registry.today()
    out = []
    for contract in Contract.objects.filter(federation=federation).select_related("commissioner"):
        notice, end = contract.notice_date, contract.end_date
        ended = bool(end and end < day)
        notice_passed = bool(notice and end and notice < day <= end)
        act_by = notice if notice and notice >= day else end
        window = None
        if act_by is not None and not ended:
            for months in (3, 6, 12):
                if act_by <= add_months(day, months) - timedelta(days=1):
                    window = months
                    break
        out.append(
            {
                "contract": contract,
                "notice_date": notice,
                "ended": ended,
                "notice_passed": notice_passed,
                "window": window,
                "attention": notice_passed or window is not None,
            }
        )
    out.sort(key=lambda r: (r["ended"], not r["notice_passed"], r["contract"].end_date or date.max))
    return out
