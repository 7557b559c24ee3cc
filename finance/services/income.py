"""Income lines: money the federation receives in a month and how each is shared."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction

from audit.services import audit_record, snapshot
from finance import engine
from finance.inputs import (
    month_start,
)
from finance.models import (
    Contract,
    ContractService,
    IncomeEntry,
    IncomeShare,
    Rule,
    Service,
    Settlement,
)
from finance.services.base import FinanceError, finance_settings, is_posted, month_end_lock
from kernel.formats import money_text
from registry.models import Federation


# Long: every refusal an income line can meet, in the form's order.
@transaction.atomic
def _check_income(
    *,
    federation: Federation,
    month: date,
    amount_pence: int,
    rule: str,
    service: Service | None,
    contract: Contract | None,
    corrects: Settlement | None,
    shares: dict,
    top_slice: bool = True,
) -> None:
    """What an income line must be, whether it is new or changed."""
    if is_posted(federation, month):
        raise FinanceError(
            f"{month:%B %Y} is already settled. Add the line to a later month; if it corrects "
            f"{month:%B %Y}, say so and it is posted as an adjusting entry.",
            "month",
        )
    if corrects is not None:
        if corrects.federation_id != federation.pk:
            raise FinanceError("That settlement is another federation's.", "corrects")
        if corrects.month >= month:
            raise FinanceError(
                "An adjusting entry goes in a month after the settlement it corrects.", "month"
            )
    elif amount_pence < 0:
        raise FinanceError(
            "A negative amount is a refund or clawback: say which settlement it corrects.",
            "amount",
        )
    if amount_pence == 0:
        raise FinanceError("The amount cannot be zero.", "amount")
    if not top_slice and corrects is None:
        raise FinanceError(
            "The federation's top-slice is taken from all income; only an adjusting entry "
            "(one that corrects a posted settlement) may reach the practices whole.",
            "top_slice",
        )
    if rule == Rule.FIXED and shares:
        signs = {value > 0 for value in shares.values() if value}
        if signs != {amount_pence > 0}:
            raise FinanceError(
                "A clawback takes a negative amount from each practice named, and a payment "
                "gives each a positive one: write each fixed amount with the line's sign.",
                "shares",
            )
        total = sum(engine.round_pence(value * 100) for value in shares.values())
        if top_slice and corrects is not None:  # an adjusting entry carries no costs
            percent = finance_settings(federation).overhead_percent
            left = amount_pence - engine.round_pence(Decimal(amount_pence) * percent / 100)
            if abs(total) > abs(left):
                raise FinanceError(
                    f"The fixed amounts add up to {money_text(total)}, more than the "
                    f"{money_text(left)} left after the {percent}% top-slice; choose no "
                    "top-slice to pass the correction on whole.",
                    "shares",
                )
        if not top_slice and total != amount_pence:
            raise FinanceError(
                f"The fixed amounts add up to {money_text(total)} but the line is "
                f"{money_text(amount_pence)}: with no top-slice each practice gets exactly "
                "its amount, so they must add up to the line.",
                "shares",
            )
    for owner in (service, contract):
        if owner is not None and owner.federation_id != federation.pk:
            raise FinanceError(f"{owner} belongs to another federation.")
    if rule in (Rule.FIXED, Rule.PERCENT, Rule.POINTS) and not shares:
        raise FinanceError("This rule needs a figure for each practice that shares.", "shares")
    for practice, value in shares.items():
        if not Decimal(value).is_finite() or abs(value) >= SHARE_LIMIT:
            raise FinanceError(f"{practice.code}: {value} is not a figure gpfed can share by.")
        if value < 0 and rule != Rule.FIXED:
            raise FinanceError(
                f"{practice.code}: a percentage or points cannot be negative (only a fixed "
                "amount, in a clawback).",
                "shares",
            )
    if rule == Rule.ACTIVITY and service is None:
        raise FinanceError("Sharing by activity needs the service the income pays for.", "service")


SHARE_LIMIT = Decimal(10) ** 10  # IncomeShare.value has 14 digits, 4 after the point

INCOME_FIELDS = [
    "month",
    "description",
    "amount_pence",
    "status",
    "rule",
    "service",
    "corrects",
    "top_slice",
    "follows_contract",
]

ALREADY_ACCRUED = (
    "{link.contract.reference} {link.service.name} is already accrued for {month:%B %Y}: "
    "someone accrued it at the same moment. Nothing more was accrued."
)


@transaction.atomic
def income_entry_create(
    *,
    federation: Federation,
    month: date,
    description: str,
    amount_pence: int,
    rule: str,
    by,
    status: str = IncomeEntry.Status.RECEIVED,
    service: Service | None = None,
    contract: Contract | None = None,
    corrects: Settlement | None = None,
    shares: dict | None = None,
    accrued_from: ContractService | None = None,
    top_slice: bool = True,
) -> IncomeEntry:
    """Add an income line to a month not yet settled. ``accrued_from`` is for Accrue contract
    income only: the contract's funded service the line is accrued from, once a month."""
    month = month_start(month)
    shares = shares or {}
    month_end_lock(federation)
    if accrued_from is not None and (accrued_from.contract_id, accrued_from.service_id) != (
        getattr(contract, "pk", None),
        getattr(service, "pk", None),
    ):
        raise FinanceError("An accrued line is for the contract and service it is accrued from.")
    _check_income(
        federation=federation,
        month=month,
        amount_pence=amount_pence,
        rule=rule,
        service=service,
        contract=contract,
        corrects=corrects,
        shares=shares,
        top_slice=top_slice,
    )
    try:
        with transaction.atomic():
            entry = IncomeEntry.objects.create(
                federation=federation,
                month=month,
                description=description,
                amount_pence=amount_pence,
                status=status,
                rule=rule,
                service=service,
                contract=contract,
                corrects=corrects,
                top_slice=top_slice,
                accrued_from=accrued_from,
                follows_contract=accrued_from is not None,
                created_by=by if getattr(by, "pk", None) else None,
            )
    except IntegrityError:
        # the constraint income_accrued_once_a_month, met only by a path that skipped the
        # month-end lock: said as plainly as the lock's own "already accrued"
        twice = IncomeEntry.objects.filter(accrued_from=accrued_from, month=month)
        if accrued_from is None or not twice.exists():
            raise
        raise FinanceError(ALREADY_ACCRUED.format(link=accrued_from, month=month)) from None
    IncomeShare.objects.bulk_create(
        [IncomeShare(entry=entry, practice=p, value=v) for p, v in shares.items()]
    )
    audit_record(
        by=by,
        action="finance.income.create",
        obj=entry,
        after=snapshot(entry, INCOME_FIELDS),
        federation=federation,
    )
    return entry


@transaction.atomic
def income_entry_update(
    *,
    entry: IncomeEntry,
    description: str,
    amount_pence: int,
    rule: str,
    by,
    status: str,
    service: Service | None = None,
    corrects: Settlement | None = None,
    shares: dict | None = None,
    top_slice: bool = True,
) -> IncomeEntry:
    """Change an income line of a month not yet settled (a posted one never changes: correct
    it with an adjusting entry in a later month). A line Accrue made, once changed by hand,
    no longer follows its contract."""
    month_end_lock(entry.federation)
    entry = _current(entry).select_for_update().get()
    if entry.settlement_id:
        raise FinanceError("A posted income line cannot change; post an adjusting entry.")
    shares = shares or {}
    _check_income(
        federation=entry.federation,
        month=entry.month,
        amount_pence=amount_pence,
        rule=rule,
        service=service,
        contract=entry.contract,
        corrects=corrects,
        shares=shares,
        top_slice=top_slice,
    )
    before = snapshot(entry, INCOME_FIELDS)
    before["shares"] = {s.practice.code: str(s.value) for s in entry.shares.all()}
    entry.description, entry.amount_pence, entry.status = description, amount_pence, status
    entry.rule, entry.service, entry.corrects = rule, service, corrects
    entry.top_slice, entry.follows_contract = top_slice, False
    entry.save()
    entry.shares.all().delete()
    IncomeShare.objects.bulk_create(
        [IncomeShare(entry=entry, practice=p, value=v) for p, v in shares.items()]
    )
    after = snapshot(entry, INCOME_FIELDS)
    after["shares"] = {p.code: str(v) for p, v in shares.items()}
    audit_record(
        by=by,
        action="finance.income.update",
        obj=entry,
        before=before,
        after=after,
        federation=entry.federation,
    )
    return entry


def _current(entry: IncomeEntry):
    """The line as it is now, read under the month-end lock (the caller's copy may be from
    before someone posted the month or removed the line)."""
    current = IncomeEntry.objects.filter(pk=entry.pk)
    if not current.exists():
        raise FinanceError(f"The income line “{entry.description}” has already been removed.")
    return current


@transaction.atomic
def income_entry_delete(*, entry: IncomeEntry, by) -> None:
    month_end_lock(entry.federation)
    entry = _current(entry).get()
    if entry.settlement_id:
        raise FinanceError("A posted income line cannot be removed; post an adjusting entry.")
    audit_record(
        by=by,
        action="finance.income.delete",
        obj=entry,
        before=snapshot(entry, ["month", "description", "amount_pence", "rule"]),
        federation=entry.federation,
    )
    entry.delete()
