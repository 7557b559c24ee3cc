"""Settling a month: the preview, what it warns of before posting, and posting it."""

from __future__ import annotations

import hashlib
import statistics
from collections import defaultdict
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import audit_record
from finance import engine
from finance.inputs import (
    add_months,
    load_one,
    month_end,
    month_start,
)
from finance.models import (
    Activity,
    IncomeEntry,
    Service,
    ServiceParticipation,
    Settlement,
    SettlementLine,
    SettlementRow,
)
from finance.services.accruals import accruals_due, accruals_missing, accruals_out_of_date
from finance.services.base import FinanceError, _not_yet, is_posted, month_end_lock
from kernel.formats import counted, money_text
from registry.models import PCN, Federation, Practice
from rota.selectors import rota_days

OUTLIER = 3  # activity more than 3 times, or less than a third of, its own 6-month median


def _named(codes: list[str], names: dict[str, str], most: int = 8) -> str:
    shown = ", ".join(f"{c} {names.get(c, '')}".strip() for c in sorted(codes)[:most])
    return shown + (f" and {len(codes) - most} more" if len(codes) > most else "")


# Long: the preview's activity checks (missing, outliers) share one pass.
def activity_warnings(federation: Federation, month: date, inputs: engine.MonthInputs) -> list[str]:
    """For each service measured by activity (any recorded in the last six months, or income
    this month shared by it): who takes part but has no activity for the month, and activity
    far from the organisation's own recent months."""
    month = month_start(month)
    history_from = add_months(month, -6)
    recorded: dict[tuple[int, str, int], dict[date, int]] = defaultdict(dict)
    for service, practice, pcn, when, units in Activity.objects.filter(
        federation=federation, month__gte=history_from, month__lte=month
    ).values_list("service_id", "practice_id", "pcn_id", "month", "units"):
        key = (service, "practice", practice) if practice else (service, "pcn", pcn)
        recorded[key][when] = units
    by_activity = {
        e.service_id for e in inputs.entries if e.rule == engine.ACTIVITY and e.service_id
    }
    measured = {key[0] for key in recorded} | by_activity
    measured &= set(inputs.services)
    if not measured:
        return []
    units = engine.practice_units(inputs)
    spells = ServiceParticipation.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=month),
        service_id__in=measured,
        start_date__lte=month_end(month),
    ).values_list("service_id", "practice_id", "pcn_id")
    missing: dict[int, list[tuple[str, int]]] = defaultdict(list)
    taking: dict[int, int] = defaultdict(int)
    for service, practice, pcn in spells:
        if practice:
            if practice not in inputs.codes:
                continue  # not a member this month
            taking[service] += 1
            if (service, practice) not in units:
                missing[service].append(("practice", practice))
        else:
            taking[service] += 1
            covered = (service, pcn) in inputs.pcn_activity or any(
                (service, p) in units for p in inputs.pcn_practices.get(pcn, ())
            )
            if not covered:
                missing[service].append(("pcn", pcn))
    far = []
    for (service, kind, org), months in recorded.items():
        now = months.get(month)
        before = sorted(n for when, n in months.items() if when < month)
        if now is None or len(before) < 3 or service not in measured:
            continue
        middle = statistics.median(before)
        if middle and (now > OUTLIER * middle or now * OUTLIER < middle):
            far.append((service, kind, org, now, middle))
    practice_ids = {o for s in missing.values() for k, o in s if k == "practice"}
    practice_ids |= {o for _s, k, o, _n, _m in far if k == "practice"}
    pcn_ids = {o for s in missing.values() for k, o in s if k == "pcn"}
    pcn_ids |= {o for _s, k, o, _n, _m in far if k == "pcn"}
    code_of = {
        ("practice", pk): (c, n)
        for pk, c, n in Practice.objects.filter(pk__in=practice_ids).values_list(
            "pk", "code", "name"
        )
    } | {
        ("pcn", pk): (c, n)
        for pk, c, n in PCN.objects.filter(pk__in=pcn_ids).values_list("pk", "code", "name")
    }
    services = dict(Service.objects.filter(pk__in=measured).values_list("pk", "name"))
    unit_of = dict(Service.objects.filter(pk__in=measured).values_list("pk", "unit"))
    warnings = []
    for service in sorted(missing, key=lambda s: services[s]):
        orgs = missing[service]
        codes = [code_of[o][0] for o in orgs]
        names = {code_of[o][0]: code_of[o][1] for o in orgs}
        warnings.append(
            f"{services[service]}: no activity for {month:%B %Y} from {len(orgs)} of the "
            f"{taking[service]} taking part ({_named(codes, names)}); "
            + (
                "no income this month is shared by its activity"
                if service not in by_activity
                else "income shared by activity goes to the others alone"
                if len(orgs) < taking[service]
                else "there is no activity to share its income by"
            )
        )
    for service, kind, org, now, middle in sorted(far, key=lambda f: (services[f[0]], f[1], f[2])):
        code, name = code_of[(kind, org)]
        direction = f"over {OUTLIER} times" if now > middle else "under a third of"
        warnings.append(
            f"{services[service]}: {code} {name} recorded {counted(now, unit_of[service])} in "
            f"{month:%B %Y}, {direction} its median of {middle:,g} over the months before"
        )
    return warnings


def settlement_preview(federation: Federation, month: date) -> engine.Result:
    """The month's settlement as it would be posted now, with what stops it being posted
    (problems, including accrued lines no longer what their contract pays) and what to check
    first (warnings, including activity missing or far from usual)."""
    month = month_start(month)
    inputs = load_one(federation, month)
    result = engine.settle(inputs)
    due, _notes = accruals_due(federation, month, inputs)
    result.stale = accruals_out_of_date(federation, month, inputs, due)
    for stale in result.stale:
        result.problems.append(
            f"{stale['entry'].description}: accrued {money_text(stale['accrued_pence'])}, but "
            f"{money_text(stale['now_pence'])} is due now (what it rests on has changed); "
            "refresh the accrued lines"
        )
    for missing in accruals_missing(federation, month, due):
        result.warnings.append(
            f"{missing.description}: {money_text(missing.amount_pence)} is due this month and "
            "has no income line; Accrue contract income adds it"
        )
    result.warnings.extend(activity_warnings(federation, month, inputs))
    result.warnings.extend(_rota_warnings(federation, month))
    return result


ROTA_GAP_DAYS = 6  # a rota whose sessions start or stop a week short of the month's ends


def _rota_warnings(federation: Federation, month: date) -> list[str]:
    """A service costed from the rota is only as right as the rota: say when it has no
    sessions in the month, covers only part of it, or is still a plan."""
    rota_services = list(
        Service.objects.filter(federation=federation, active=True, costs_from_rota=True)
    )
    if not rota_services:
        return []
    days = rota_days(federation.pk, month, month_end(month))
    warnings = []
    for service in rota_services:
        if days is None:
            warnings.append(
                f"{service.name}: its cost of delivery comes from the rota, and the rota has no "
                f"sessions in {month:%B %Y}, so it costs £0.00 this month"
            )
            continue
        first, last = days
        if (first - month).days > ROTA_GAP_DAYS or (month_end(month) - last).days > ROTA_GAP_DAYS:
            warnings.append(
                f"{service.name}: the rota has sessions only from {first:%-d %B} to "
                f"{last:%-d %B %Y}; the rest of the month costs nothing"
            )
        if month_end(month) >= timezone.localdate():
            warnings.append(
                f"{service.name}: {month:%B %Y} has not ended, so its cost is of sessions "
                "planned, not all yet worked"
            )
    return warnings


def warnings_digest(warnings: list[str]) -> str:
    """What a confirmation page carries for the warnings it showed: their digest, not their
    text (a browser sends line breaks back changed, and a month can have many)."""
    return hashlib.sha256("\x1e".join(warnings).encode()).hexdigest()


def settlement_reference(federation: Federation, month: date) -> str:
    """Short enough for a bank remittance line: STL-ELARGF1-2026-10 (initials and number)."""
    initials = "".join(word[0] for word in federation.slug.split("-") if word).upper()[:8]
    return f"STL-{initials}{federation.pk}-{month:%Y-%m}"


ALREADY_POSTED = (
    "{month:%B %Y} has already been posted for {federation}; it cannot be posted twice."
)


def settlement_post(
    *,
    federation: Federation,
    month: date,
    by,
    fingerprint: str | None = None,
    confirmed_warnings: list[str] | tuple[str, ...] = (),
) -> Settlement:
    """Post the month's settlement exactly as previewed. If the preview warns of anything,
    the person posting must have confirmed those very warnings (``confirmed_warnings``); they
    are kept on the settlement with who posted it. Two posts at once (two tabs, two servers)
    cannot both succeed: the second waits for the first's lock or meets the unique
    constraint, and is told the month is already posted."""
    month = month_start(month)
    try:
        with transaction.atomic():
            month_end_lock(federation)
            if is_posted(federation, month):
                raise FinanceError(ALREADY_POSTED.format(month=month, federation=federation))
            _not_yet(month, "posted")
            result = settlement_preview(federation, month)
            if result.problems:
                raise FinanceError(
                    "The settlement cannot be posted: " + "; ".join(result.problems[:5])
                )
            if not result.lines:
                raise FinanceError(f"There is no income to settle for {month:%B %Y}.")
            if fingerprint and fingerprint != result.fingerprint():
                raise FinanceError(
                    "The figures have changed since you previewed them (someone added income "
                    "or activity). Nothing was posted: preview again and check the new figures."
                )
            unconfirmed = [w for w in result.warnings if w not in set(confirmed_warnings)]
            if unconfirmed:
                raise FinanceError(
                    f"The preview warns of {counted(len(unconfirmed), 'thing')} not confirmed: "
                    + "; ".join(unconfirmed[:3])
                    + (" …" if len(unconfirmed) > 3 else "")
                    + ". Nothing was posted: check them, then confirm them to post."
                )
            settlement = Settlement.objects.create(
                federation=federation,
                month=month,
                reference=settlement_reference(federation, month),
                overhead_percent=result.overhead_percent,
                income_pence=result.income_pence,
                overhead_pence=result.overhead_pence,
                costs_pence=result.costs_pence,
                paid_pence=result.paid_pence,
                kept_pence=result.kept_pence,
                fingerprint=result.fingerprint(),
                posted_by=by if getattr(by, "pk", None) else None,
                posted_at=timezone.now(),
                carried_pence={str(k): v for k, v in sorted(result.carried.items())},
                warnings=result.warnings,
            )
            _write_posted(settlement, result)
            audit_record(
                by=by,
                action="finance.settlement.post",
                obj=settlement,
                after={
                    "month": f"{month:%Y-%m}",
                    "income_pence": result.income_pence,
                    "paid_pence": result.paid_pence,
                    "kept_pence": result.kept_pence,
                    "lines": len(result.lines),
                    "warnings_confirmed": result.warnings,
                },
                federation=federation,
            )
            return settlement
    except IntegrityError:
        raise FinanceError(ALREADY_POSTED.format(month=month, federation=federation)) from None


def _write_posted(settlement: Settlement, result: engine.Result) -> None:
    entries = {
        e.pk: e for e in IncomeEntry.objects.filter(pk__in=[line.key for line in result.lines])
    }
    SettlementLine.objects.bulk_create(
        [
            SettlementLine(
                settlement=settlement,
                entry_id=line.key,
                description=line.description,
                service_id=line.service_id,
                contract_id=entries[line.key].contract_id,
                status=entries[line.key].status,
                rule=line.rule,
                corrects_id=entries[line.key].corrects_id,
                gross_pence=line.gross_pence,
                overhead_pence=line.overhead_pence,
                costs_pence=line.costs_pence,
                paid_pence=line.paid_pence,
                kept_pence=line.kept_pence,
                note=line.note[:300],
            )
            for line in result.lines
        ]
    )
    SettlementRow.objects.bulk_create(
        [
            SettlementRow(
                settlement=settlement,
                federation_id=settlement.federation_id,
                month=settlement.month,
                practice_id=r.practice_id,
                service_id=r.service_id,
                corrects_id=r.corrects_id,
                activity_units=r.activity_units,
                income_pence=r.income_pence,
                costs_pence=r.costs_pence,
                overhead_pence=r.overhead_pence,
                net_pence=r.net_pence,
                alone_cost_pence=r.alone_cost_pence,
            )
            for r in result.rows
        ],
        batch_size=2000,
    )
    IncomeEntry.objects.filter(pk__in=entries).update(settlement=settlement)
