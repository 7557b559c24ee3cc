"""Accrued contract income: derived, never stale.

A line Accrue makes is worked out from the contract's terms, who takes part, the activity and
the lists. Until it is posted or changed by hand (``follows_contract``), it follows them:
every write to what it rests on (activity, participation, contract terms) works it out again
in the same transaction, and the preview and posting check it against what it would be now
(lists and populations are imported nationally), naming any line that no longer matches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from audit.services import audit_record, snapshot
from finance import engine
from finance.entitlements import spread
from finance.inputs import (
    financial_year_of,
    load_one,
    month_end,
    month_start,
)
from finance.models import (
    Contract,
    ContractService,
    IncomeEntry,
)
from finance.services.base import FinanceError, _not_yet, is_posted, month_end_lock
from finance.services.income import INCOME_FIELDS, income_entry_create
from kernel.formats import counted, money_text
from registry.models import Federation


@dataclass(frozen=True)
class Due:
    """What one contract's funded service pays in a month, worked out now."""

    link: ContractService
    amount_pence: int
    description: str


# Long: each contract basis's rule side by side, so they can be compared.
def accruals_due(
    federation: Federation, month: date, inputs: engine.MonthInputs | None = None
) -> tuple[dict[int, Due], list[str]]:
    """What each live contract pays for each of its services in the month, by its payment
    basis (keyed by the funded service's id), and a note for each that pays nothing."""
    month = month_start(month)
    inputs = inputs or load_one(federation, month)
    units_by_service: dict[int, int] = {}
    for (service_id, _p), n in engine.practice_units(inputs).items():
        units_by_service[service_id] = units_by_service.get(service_id, 0) + n
    contracts = (
        Contract.objects.filter(federation=federation, start_date__lte=month_end(month))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=month))
        .prefetch_related("funded__service")
    )
    year = financial_year_of(month)
    month_index = (month.month - 4) % 12
    due: dict[int, Due] = {}
    notes: list[str] = []
    # Activity is recorded per service, not per contract: when two live contracts pay per
    # unit for the same service, which units each pays for is not known, and accruing both
    # would count every unit twice. Their per-unit income is then left to be entered by hand.
    unit_payers: dict[int, list[str]] = {}
    for contract in contracts:
        if contract.basis in (Contract.Basis.PER_UNIT, Contract.Basis.MIXED):
            for link in contract.funded.all():
                if link.unit_price_pence:
                    unit_payers.setdefault(link.service_id, []).append(contract.reference)
    for contract in contracts:
        for link in contract.funded.all():
            service_input = inputs.services.get(link.service_id)
            participants = service_input.participants if service_input else frozenset()
            parts = []
            amount = 0
            basis = contract.basis
            if basis in (Contract.Basis.BLOCK, Contract.Basis.MIXED) and link.block_share_percent:
                annual = engine.round_pence(
                    Decimal(contract.block_annual_pence) * link.block_share_percent / 100
                )
                amount += spread(annual)[month_index]
                parts.append("block")
            if basis in (Contract.Basis.PER_REGISTERED, Contract.Basis.PER_ADJUSTED):
                if basis == Contract.Basis.PER_REGISTERED:
                    heads = sum(inputs.registered.get(p, 0) for p in participants)
                    missing = [p for p in participants if p not in inputs.registered]
                else:
                    heads = sum(inputs.adjusted.get(p, 0) for p in participants)
                    missing = [p for p in participants if p not in inputs.adjusted]
                if missing:
                    notes.append(
                        f"{contract.reference} {link.service.name}: no population figure for "
                        f"{counted(len(missing), 'practice')} in "
                        f"{year}/{(year + 1) % 100:02d}; not accrued"
                    )
                    continue
                amount += engine.round_pence(Decimal(heads) * contract.per_head_rate * 100 / 12)
                parts.append("per head")
            payers = unit_payers.get(link.service_id, [])
            held = False  # per-unit income left to be entered by hand
            if basis in (Contract.Basis.PER_UNIT, Contract.Basis.MIXED) and link.unit_price_pence:
                if len(payers) > 1:
                    held = True
                    notes.append(
                        f"{contract.reference} {link.service.name}: {' and '.join(payers)} both "
                        "pay per unit for this service and activity does not say which units "
                        "are whose; per-unit income not accrued: enter it by hand"
                    )
                else:
                    amount += link.unit_price_pence * units_by_service.get(link.service_id, 0)
                    parts.append("per unit")
            if amount <= 0:
                if not held:
                    notes.append(
                        f"{contract.reference} {link.service.name}: nothing due this month"
                    )
                continue
            due[link.pk] = Due(
                link=link,
                amount_pence=amount,
                description=f"{link.service.name} ({contract.reference}, {', '.join(parts)})",
            )
    return due, notes


def _following(federation: Federation, month: date):
    return IncomeEntry.objects.filter(
        federation=federation, month=month, follows_contract=True, settlement__isnull=True
    ).select_related("accrued_from__contract", "accrued_from__service")


def accruals_out_of_date(
    federation: Federation,
    month: date,
    inputs: engine.MonthInputs | None = None,
    due: dict[int, Due] | None = None,
) -> list[dict]:
    """Each line following its contract whose figure is no longer what it would be now, with
    both figures (a line with nothing due now has ``now_pence`` 0)."""
    month = month_start(month)
    lines = list(_following(federation, month))
    if not lines:
        return []
    if due is None:
        due, _notes = accruals_due(federation, month, inputs)
    stale = []
    for entry in lines:
        now = due.get(entry.accrued_from_id)
        now_pence = now.amount_pence if now else 0
        if now_pence != entry.amount_pence or (now and now.link.rule != entry.rule):
            stale.append(
                {
                    "entry": entry,
                    "accrued_pence": entry.amount_pence,
                    "now_pence": now_pence,
                    "difference_pence": now_pence - entry.amount_pence,
                }
            )
    return stale


def accruals_missing(federation: Federation, month: date, due: dict[int, Due]) -> list[Due]:
    """What a contract pays in the month that has no line: due since Accrue was last run (a
    service whose activity came later), or a line someone removed."""
    in_month = IncomeEntry.objects.filter(federation=federation, month=month_start(month))
    have = set(
        in_month.filter(contract__isnull=False, service__isnull=False).values_list(
            "contract_id", "service_id"
        )
    ) | set(
        in_month.filter(accrued_from__isnull=False).values_list(
            "accrued_from__contract_id", "accrued_from__service_id"
        )
    )
    return [d for d in due.values() if (d.link.contract_id, d.link.service_id) not in have]


def _follow(federation: Federation, month: date, due: dict[int, Due], by, reason: str):
    """Bring the month's following lines to what is due now (under the month-end lock):
    change the figure, or remove a line with nothing due now. Each change is audited."""
    notes = []
    for entry in _following(federation, month):
        now = due.get(entry.accrued_from_id)
        before = snapshot(entry, INCOME_FIELDS)
        if now is None:
            entry.delete()
            audit_record(
                by=by,
                action="finance.income.follow",
                obj=entry,
                before=before,
                after={"removed": True, "reason": reason},
                federation=federation,
            )
            notes.append(
                f"{entry.description}: nothing is due now ({reason}); the accrued "
                f"{money_text(before['amount_pence'])} was removed"
            )
            continue
        if (entry.amount_pence, entry.description, entry.rule) == (
            now.amount_pence,
            now.description,
            now.link.rule,
        ):
            continue
        old = entry.amount_pence
        entry.amount_pence, entry.description, entry.rule = (
            now.amount_pence,
            now.description,
            now.link.rule,
        )
        entry.save(update_fields=["amount_pence", "description", "rule"])
        audit_record(
            by=by,
            action="finance.income.follow",
            obj=entry,
            before=before,
            after=snapshot(entry, INCOME_FIELDS) | {"reason": reason},
            federation=federation,
        )
        if old != now.amount_pence:
            notes.append(
                f"{entry.description}: {money_text(old)} became {money_text(now.amount_pence)} "
                f"({reason})"
            )
    return notes


def accruals_follow(
    *, federation: Federation, by, reason: str, months: list[date] | None = None
) -> list[str]:
    """Work the federation's accrued lines out again in every month not yet posted (or in
    ``months``): called by each write to what they rest on, inside its transaction."""
    month_end_lock(federation)
    found = IncomeEntry.objects.filter(
        federation=federation, follows_contract=True, settlement__isnull=True
    )
    if months is not None:
        found = found.filter(month__in=[month_start(m) for m in months])
    notes = []
    for month in sorted(set(found.values_list("month", flat=True))):
        if is_posted(federation, month):
            continue
        due, _ = accruals_due(federation, month)
        notes += _follow(federation, month, due, by, reason)
    return notes


@transaction.atomic
def contract_income_accrue(*, federation: Federation, month: date, by) -> tuple[list, list[str]]:
    """Accrue what each live contract pays for its services in the month, by its payment
    basis, and bring lines accrued before to what is due now. A line changed by hand is left
    as it is. Run twice at once, the second waits for the month-end lock and then finds the
    first's lines. All of the month's lines are accrued, or (on any refusal) none."""
    month = month_start(month)
    month_end_lock(federation)
    if is_posted(federation, month):
        raise FinanceError(f"{month:%B %Y} is already settled.")
    _not_yet(month, "accrued")
    due, notes = accruals_due(federation, month)
    notes = _follow(federation, month, due, by, "worked out again") + notes
    in_month = IncomeEntry.objects.filter(federation=federation, month=month)
    # a line for the contract and service, however it was made, or one accrued from them
    # (whose service may since have been changed by hand)
    already = {
        (contract, service): follows
        for contract, service, follows in in_month.filter(
            contract__isnull=False, service__isnull=False
        ).values_list("contract_id", "service_id", "follows_contract")
    } | {
        (contract, service): follows
        for contract, service, follows in in_month.filter(accrued_from__isnull=False).values_list(
            "accrued_from__contract_id", "accrued_from__service_id", "follows_contract"
        )
    }
    created = []
    for now in due.values():
        link = now.link
        key = (link.contract_id, link.service_id)
        if key in already:
            name = f"{link.contract.reference} {link.service.name}"
            if already[key]:
                notes.append(f"{name}: already accrued")
            else:
                notes.append(
                    f"{name}: already accrued, but entered or changed by hand since, so it "
                    f"does not follow the contract (due now: {money_text(now.amount_pence)})"
                )
            continue
        created.append(
            income_entry_create(
                federation=federation,
                month=month,
                description=now.description,
                amount_pence=now.amount_pence,
                rule=link.rule,
                status=IncomeEntry.Status.ACCRUED,
                service=link.service,
                contract=link.contract,
                accrued_from=link,
                by=by,
            )
        )
    return created, notes
