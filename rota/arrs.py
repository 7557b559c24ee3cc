"""ARRS claims: what each ARRS-funded post may claim for a month, against the PCN's pot.

The Additional Roles Reimbursement Scheme reimburses actual salary plus employer on-costs, up to
a maximum per whole-time equivalent per year for the role (DOMAIN.md). A month's claim for a
post is its actual cost for the days it was in post that month, capped at

    maximum for the role and year x WTE / 12 x the share of the month in post.

The PCN's pot for the year is the ARRS rate x its weighted population; unused pot does not carry
forward. Money is integer pence, rounded half up once per figure.
"""

from __future__ import annotations

import calendar
import hashlib
import json
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from audit.services import audit_record
from kernel.dates import financial_year_of, month_end
from kernel.formats import money_csv, money_text
from kernel.needs import date_text
from registry import selectors as registry
from registry.models import AnnualPopulation
from registry.rates import DES_RATES
from rota.models import ArrsClaim, Staff, StaffRole

D = Decimal


@dataclass(frozen=True)
class RoleMaxima:
    year: int
    pounds: dict  # role -> maximum per WTE per year, pounds (None: actual cost, no maximum)
    source: str
    verify: bool


_2025 = {
    StaffRole.CLINICAL_PHARMACIST: D("66972"),
    StaffRole.FIRST_CONTACT_PHYSIO: D("66972"),
    StaffRole.ADVANCED_PRACTITIONER: D("73334"),
    StaffRole.PHYSICIAN_ASSOCIATE: D("64907"),
    StaffRole.PARAMEDIC: D("64907"),
    StaffRole.DIETITIAN: D("64907"),
    StaffRole.PODIATRIST: D("64907"),
    StaffRole.OCCUPATIONAL_THERAPIST: D("64907"),
    StaffRole.ENHANCED_PRACTICE_NURSE: D("64907"),
    StaffRole.PHARMACY_TECHNICIAN: D("43352"),
    StaffRole.SOCIAL_PRESCRIBER: D("43352"),
    StaffRole.HEALTH_WELLBEING_COACH: D("43352"),
    StaffRole.CARE_COORDINATOR: D("36150"),
    StaffRole.NURSING_ASSOCIATE: D("36150"),
    StaffRole.GP_ASSISTANT: D("36150"),
    StaffRole.TRAINEE_NURSING_ASSOCIATE: D("32159"),
    StaffRole.GP: None,  # claimable from 2025/26 at actual cost; minimum salary below
}

ROLE_MAXIMA = {
    2023: RoleMaxima(
        2023,
        {
            StaffRole.CLINICAL_PHARMACIST: D("62340"),
            StaffRole.FIRST_CONTACT_PHYSIO: D("62340"),
            StaffRole.PHARMACY_TECHNICIAN: D("40159"),
            StaffRole.SOCIAL_PRESCRIBER: D("40159"),
            StaffRole.HEALTH_WELLBEING_COACH: D("40159"),
            StaffRole.CARE_COORDINATOR: D("33396"),
        },
        "Network Contract DES 2023/24 ARRS maximum reimbursable amounts (national rate)",
        False,
    ),
    2024: RoleMaxima(
        2024,
        {
            StaffRole.CLINICAL_PHARMACIST: D("65838"),
            StaffRole.PHARMACY_TECHNICIAN: D("42437"),
            StaffRole.ADVANCED_PRACTITIONER: D("72141"),
        },
        "Network Contract DES 2024/25 ARRS maximum reimbursable amounts (national rate)",
        False,
    ),
    2025: RoleMaxima(
        2025,
        _2025,
        "Network Contract DES 2025/26 ARRS maximum reimbursable amounts (national rate); "
        "figures from third-party summaries",
        True,
    ),
}
GP_MINIMUM_SALARY = {2025: D("82418")}
LATEST = max(ROLE_MAXIMA)


def maxima_for(year: int) -> tuple[RoleMaxima, bool]:
    """The table for the year, or the latest earlier one (and True) when the year's maxima are
    not held: the claim then says so."""
    if year in ROLE_MAXIMA:
        return ROLE_MAXIMA[year], False
    earlier = [y for y in ROLE_MAXIMA if y < year]
    if not earlier:
        first = min(ROLE_MAXIMA)
        raise NoMaxima(
            f"gpfed holds ARRS maximums from {first}/{(first + 1) % 100:02d}: there is no "
            f"claim to work out for {year}/{(year + 1) % 100:02d}"
        )
    return ROLE_MAXIMA[max(earlier)], True


def pence(pounds: Decimal) -> int:
    return int((pounds * 100).quantize(D("1"), rounding=ROUND_HALF_UP))


def days_in_post(staff, month: date) -> int:
    last = month_end(month)
    first_day = max(month, staff.start_date)
    last_day = min(last, staff.end_date) if staff.end_date else last
    return max(0, (last_day - first_day).days + 1)


def post_line(staff, month: date, maxima: RoleMaxima) -> dict:
    """One post's claim for a month, with the working."""
    days = days_in_post(staff, month)
    month_days = calendar.monthrange(month.year, month.month)[1]
    share = D(days) / D(month_days)
    actual = pence(D(staff.annual_salary_pence + staff.annual_oncosts_pence) / 100 / 12 * share)
    warnings = []
    maximum_pounds = maxima.pounds.get(staff.role, "missing")
    if maximum_pounds == "missing":
        cap = 0
        warnings.append(
            f"{staff.get_role_display()} has no ARRS maximum in {maxima.year}/"
            f"{(maxima.year + 1) % 100:02d}: not claimable"
        )
    elif maximum_pounds is None:
        cap = actual
        minimum = GP_MINIMUM_SALARY.get(maxima.year)
        if minimum and D(staff.annual_salary_pence) / 100 < minimum * staff.wte:
            warnings.append(
                f"salary is below the GP minimum of {money_text(pence(minimum))} a year (pro rata)"
            )
    else:
        cap = pence(maximum_pounds * staff.wte / 12 * share)
    claimable = min(actual, cap)
    if actual > cap and maximum_pounds not in ("missing", None):
        warnings.append(
            f"actual cost {money_text(actual)} is over the maximum {money_text(cap)}: claim capped"
        )
    if not staff.additional_to_baseline:
        claimable = 0
        warnings.append("post is not additional to the 31 March 2019 baseline: not claimable")
    return {
        "staff_id": staff.pk,
        "name": staff.name,
        "role": staff.get_role_display(),
        "afc_band": staff.afc_band,
        "employer": staff.get_employer_display(),
        "wte": str(staff.wte),
        "start_date": staff.start_date.isoformat(),
        "end_date": staff.end_date.isoformat() if staff.end_date else None,
        "days_in_post": days,
        "days_in_month": month_days,
        "annual_salary_pence": staff.annual_salary_pence,
        "annual_oncosts_pence": staff.annual_oncosts_pence,
        "actual_pence": actual,
        "maximum_pence": cap,
        "claimable_pence": claimable,
        "warnings": warnings,
    }


def posts(federation, pcn, month: date):
    return list(
        Staff.objects.filter(
            federation=federation, pcn=pcn, arrs_funded=True, start_date__lte=month_end(month)
        )
        .exclude(end_date__lt=month)
        .order_by("role", "name")
    )


def claim(federation, pcn, month: date) -> dict:
    """The month's claim as it stands (or as submitted, if it was)."""
    submitted = ArrsClaim.objects.filter(federation=federation, pcn=pcn, month=month).first()
    if submitted:
        return {**submitted.lines, "submitted": _submitted(submitted)}
    return compute(federation, pcn, month)


def compute(federation, pcn, month: date) -> dict:
    year = financial_year_of(month)
    maxima, borrowed = maxima_for(year)
    lines = [post_line(s, month, maxima) for s in posts(federation, pcn, month)]
    total = sum(line["claimable_pence"] for line in lines)
    warnings = []
    if borrowed:
        warnings.append(
            f"the {year}/{(year + 1) % 100:02d} maximums are not held: the "
            f"{maxima.year}/{(maxima.year + 1) % 100:02d} figures are used; verify them"
        )
    if maxima.verify:
        warnings.append("the maximums come from third-party summaries: verify against NHS England")
    # The federation's own weighted population where it keeps one, else the national figure:
    # another federation's figure never moves this federation's pot.
    figure = registry.population(pcn, year, AnnualPopulation.Measure.WEIGHTED, federation)
    rate = DES_RATES.get(year)
    pot = None
    if figure.value is None or figure.is_estimate:
        warnings.append(
            f"no weighted population is held for {pcn.code} in {year}/{(year + 1) % 100:02d}"
            + (": the pot is estimated from the registered list" if figure.value else "")
        )
    if figure.value is not None and rate and rate.arrs_per_weighted is not None:
        pot = pence(rate.arrs_per_weighted * figure.value)
    earlier = (
        ArrsClaim.objects.filter(
            federation=federation, pcn=pcn, month__gte=date(year, 4, 1), month__lt=month
        ).aggregate(total=Sum("claimed_pence"))["total"]
        or 0
    )
    to_date = earlier + total
    left = pot - to_date if pot is not None else None
    if left is not None and left < 0:
        warnings.append(
            f"claims to date ({money_text(to_date)}) are over the pot ({money_text(pot)}) by "
            f"{money_text(-left)}"
        )
    for line in lines:
        warnings += [f"{line['name']}: {w}" for w in line["warnings"]]
    return {
        "pcn": pcn.code,
        "pcn_name": pcn.name,
        "federation": federation.slug,
        "month": month.strftime("%Y-%m"),
        "financial_year": f"{year}/{(year + 1) % 100:02d}",
        "maxima_year": f"{maxima.year}/{(maxima.year + 1) % 100:02d}",
        "maxima_source": maxima.source,
        "weighted_population": str(figure.value) if figure.value is not None else None,
        "weighted_population_is_estimate": figure.is_estimate,
        "weighted_population_is_override": figure.is_override,
        "arrs_rate_per_weighted": str(rate.arrs_per_weighted)
        if rate and rate.arrs_per_weighted
        else None,
        "pot_pence": pot,
        "claimed_before_pence": earlier,
        "claimed_pence": total,
        "claimed_to_date_pence": to_date,
        "left_pence": left,
        "lines": lines,
        "warnings": warnings,
        "submitted": None,
    }


def _submitted(found: ArrsClaim) -> dict:
    return {
        "reference": found.reference,
        "at": found.submitted_at.isoformat(),
        "by": getattr(found.submitted_by, "email", ""),
        "on": date_text(timezone.localtime(found.submitted_at).date()),
        "by_name": str(found.submitted_by) if found.submitted_by else "",
    }


def fingerprint(figures: dict) -> str:
    body = {k: v for k, v in figures.items() if k != "submitted"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


class ClaimError(Exception):
    pass


class NoMaxima(ClaimError):
    """A claim for a year before the first whose ARRS maximums gpfed holds."""


def submit(federation, pcn, month: date, *, by, expected: str | None = None) -> ArrsClaim:
    """Lock the month's claim as it stands. ``expected`` is the fingerprint the person saw; if
    the figures changed since, nothing is submitted."""
    with transaction.atomic():
        figures = compute(federation, pcn, month)
        print_ = fingerprint(figures)
        if expected and expected != print_:
            raise ClaimError("the figures changed since you looked: review the claim again")
        if not figures["lines"]:
            raise ClaimError(f"{pcn.code} has no ARRS-funded posts in {month:%B %Y}")
        try:
            with transaction.atomic():
                found = ArrsClaim.objects.create(
                    federation=federation,
                    pcn=pcn,
                    month=month,
                    reference=f"ARRS-{pcn.code}-{month:%Y-%m}-{federation.pk}",
                    claimed_pence=figures["claimed_pence"],
                    pot_pence=figures["pot_pence"] or 0,
                    claimed_to_date_pence=figures["claimed_to_date_pence"],
                    lines=figures,
                    warnings=figures["warnings"],
                    fingerprint=print_,
                    submitted_by=by,
                )
        except IntegrityError:
            raise ClaimError(f"{pcn.code}'s claim for {month:%B %Y} is already submitted") from None
        audit_record(
            by=by,
            action="rota.arrs.submit",
            obj=found,
            after={"claimed_pence": found.claimed_pence, "fingerprint": print_},
            federation=federation,
        )
    return found


CSV_HEADER = [
    "PCN",
    "Month",
    "Name",
    "Role",
    "AfC band",
    "Employer",
    "WTE",
    "Start",
    "End",
    "Days in post",
    "Annual salary",
    "Annual on-costs",
    "Actual cost",
    "Maximum",
    "Claimable",
    "Warnings",
]


def claim_export(federation, pcn, month: date, *, by) -> list[list]:
    """The month's claim as CSV rows (the header first), recorded in the federation's audit
    trail whichever door it leaves by (the page or the command line)."""
    rows = csv_rows(claim(federation, pcn, month))
    audit_record(
        by=by,
        action="rota.arrs.export",
        obj=pcn,
        after={"month": f"{month:%Y-%m}", "rows": len(rows) - 2},
        federation=federation,
    )
    return rows


def csv_rows(figures: dict) -> list[list]:

    rows = [CSV_HEADER]
    for line in figures["lines"]:
        rows.append(
            [
                figures["pcn"],
                figures["month"],
                line["name"],
                line["role"],
                line["afc_band"],
                line["employer"],
                line["wte"],
                line["start_date"],
                line["end_date"] or "",
                f"{line['days_in_post']}/{line['days_in_month']}",
                money_csv(line["annual_salary_pence"]),
                money_csv(line["annual_oncosts_pence"]),
                money_csv(line["actual_pence"]),
                money_csv(line["maximum_pence"]),
                money_csv(line["claimable_pence"]),
                "; ".join(line["warnings"]),
            ]
        )
    rows.append(
        [figures["pcn"], figures["month"], "Total"]
        + [""] * 11
        + [money_csv(figures["claimed_pence"]), ""]
    )
    return rows
