"""Every write to the federation's money goes through here: each validates fully, writes in
one transaction and records an audit event."""

from __future__ import annotations

import hashlib
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import audit_record, save_audited, snapshot
from finance import activity_file, engine
from finance.entitlements import spread
from finance.inputs import (
    add_months,
    financial_year_of,
    load_one,
    month_end,
    month_start,
)
from finance.models import (
    Activity,
    Contract,
    ContractDocument,
    ContractKPI,
    ContractService,
    FinanceSettings,
    IncomeEntry,
    IncomeShare,
    PcnFigures,
    Rule,
    Service,
    ServiceParticipation,
    Settlement,
    SettlementLine,
    SettlementRow,
    Subcontract,
)
from kernel.documents import DocumentError, check_document, keep
from kernel.formats import money_text
from registry import selectors as registry
from registry.importers.base import ImportFileError, Problems
from registry.models import PCN, Federation, FederationMembership, Practice
from registry.models.populations import financial_year_label
from registry.services import federation_of_practices
from rota.selectors import rota_days


class FinanceError(Exception):
    def __init__(self, message: str, field: str | None = None):
        self.message = message
        self.field = field
        super().__init__(message)


def finance_settings(federation: Federation) -> FinanceSettings:
    found, _ = FinanceSettings.objects.get_or_create(federation=federation)
    return found


SETTINGS_FIELDS = [
    "overhead_percent",
    "bank_account",
    "accrued_income_account",
    "due_to_practices_account",
    "income_account",
    "distributions_account",
]


@transaction.atomic
def finance_settings_update(*, federation: Federation, by, **values) -> FinanceSettings:
    current = finance_settings(federation)
    if not Decimal(0) <= Decimal(values.get("overhead_percent", 0)) <= 100:
        raise FinanceError("The top-slice must be between 0% and 100%.", "overhead_percent")
    before = snapshot(current, SETTINGS_FIELDS)
    _assign(current, SETTINGS_FIELDS, values)
    return _save_audited(
        current,
        fields=SETTINGS_FIELDS,
        before=before,
        noun="settings",
        by=by,
        federation=federation,
    )


def is_posted(federation: Federation, month: date) -> bool:
    return Settlement.objects.filter(federation=federation, month=month_start(month)).exists()


def _not_yet(month: date, done: str) -> None:
    """A month that has not begun has no activity yet (the importer refuses it), so nothing
    can be worked out or paid for it."""
    if month > month_start(timezone.localdate()):
        raise FinanceError(f"{month:%B %Y} has not begun yet, so it cannot be {done}.", "month")


def month_end_lock(federation: Federation) -> None:
    """Take the lock that every write deciding what a federation's month settles to holds:
    accruing contract income, adding, changing or removing an income line, recording or
    importing activity, and posting. Call it inside the write's transaction, before reading
    whether the month is posted or what it already holds; the lock is held until the
    transaction ends, so the second of two writers reads what the first wrote.

    It is a row lock on the federation's finance settings (SELECT ... FOR UPDATE), so one lock
    covers all the federation's months: an adjusting entry, which names another month's
    settlement, needs no second lock, and two writers can never take two locks in opposite
    orders. Take it before any other row lock (an income line's, say) for the same reason.
    SQLite ignores FOR UPDATE; there every transaction begins IMMEDIATE (settings.py), taking
    the database's write lock, which serialises these writes just the same. The unique
    constraints on settlements and accrued lines catch any path that forgets the lock."""
    FinanceSettings.objects.select_for_update().get_or_create(federation=federation)


def _assign(obj, fields: list[str], values: dict) -> None:
    for name, value in values.items():
        if name not in fields:
            raise FinanceError(f"unknown field {name}")
        setattr(obj, name, value)


def _save_audited(obj, *, fields: list[str], before: dict | None, noun: str, by, federation):
    """Save a new or changed object and record it: ``before`` is None for a new one."""
    save_audited(
        obj, action=f"finance.{noun}", fields=fields, by=by, federation=federation, before=before
    )
    return obj


# --- services ------------------------------------------------------------------------------

SERVICE_FIELDS = [
    "code",
    "name",
    "description",
    "category",
    "level",
    "unit",
    "staff_monthly_pence",
    "premises_monthly_pence",
    "management_monthly_pence",
    "cost_per_unit_pence",
    "alone_fixed_monthly_pence",
    "alone_per_unit_pence",
    "alone_fixed_standing",
    "alone_source",
    "costs_from_rota",
    "active",
]


@transaction.atomic
def service_save(
    *, federation: Federation, by, instance: Service | None = None, **values
) -> Service:
    service = instance or Service(federation=federation)
    before = snapshot(service, SERVICE_FIELDS) if instance else None
    for name, value in values.items():
        if name.endswith("_pence") and value < 0:
            raise FinanceError("Costs cannot be negative.", name)
    _assign(service, SERVICE_FIELDS, values)
    duplicate = Service.objects.filter(federation=federation, code=service.code).exclude(
        pk=service.pk
    )
    if duplicate.exists():
        raise FinanceError(
            f"The federation already has a service with code {service.code}.", "code"
        )
    if service.costs_from_rota and service.active:
        # the rota's sessions are not marked by service: two services costed from it would
        # each recover the whole rota from practices
        other = (
            Service.objects.filter(federation=federation, costs_from_rota=True, active=True)
            .exclude(pk=service.pk)
            .first()
        )
        if other is not None:
            raise FinanceError(
                f"{other.name} already takes its cost of delivery from the rota; only one "
                "service can, or the rota would be charged twice.",
                "costs_from_rota",
            )
    return _save_audited(
        service, fields=SERVICE_FIELDS, before=before, noun="service", by=by, federation=federation
    )


@transaction.atomic
def participation_add(
    *,
    service: Service,
    start_date: date,
    by,
    practice: Practice | None = None,
    pcn: PCN | None = None,
    end_date: date | None = None,
) -> ServiceParticipation:
    if bool(practice) == bool(pcn):
        raise FinanceError("Choose a practice or a PCN.", "organisation")
    month_end_lock(service.federation)
    if end_date and end_date < start_date:
        raise FinanceError("The end date must be on or after the start date.", "end_date")
    members = set(registry.federation_member_ids_on(service.federation, start_date))
    if practice and practice.pk not in members:
        raise FinanceError(
            f"{practice.name} is not a member of {service.federation} on {start_date:%-d %B %Y}.",
            "organisation",
        )
    if pcn and not {p.pk for p in registry.pcn_practices_on(pcn, start_date)} & members:
        raise FinanceError(
            f"No practice of {pcn.name} is a member of {service.federation} on "
            f"{start_date:%-d %B %Y}.",
            "organisation",
        )
    clash = ServiceParticipation.objects.filter(service=service, practice=practice, pcn=pcn).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=start_date)
    )
    if end_date:
        clash = clash.filter(start_date__lte=end_date)
    if clash.exists():
        raise FinanceError(
            f"{practice or pcn} already takes part in {service} over those dates.", "organisation"
        )
    spell = ServiceParticipation.objects.create(
        service=service, practice=practice, pcn=pcn, start_date=start_date, end_date=end_date
    )
    audit_record(
        by=by,
        action="finance.participation.add",
        obj=spell,
        after=snapshot(spell, ["service", "practice", "pcn", "start_date", "end_date"]),
        federation=service.federation,
    )
    accruals_follow(federation=service.federation, by=by, reason="who takes part changed")
    return spell


@transaction.atomic
def participation_end(*, participation: ServiceParticipation, end_date: date, by) -> None:
    if end_date < participation.start_date:
        raise FinanceError("The end date must be on or after the start date.", "end_date")
    month_end_lock(participation.service.federation)
    before = snapshot(participation, ["end_date"])
    participation.end_date = end_date
    participation.save(update_fields=["end_date"])
    audit_record(
        by=by,
        action="finance.participation.end",
        obj=participation,
        before=before,
        after=snapshot(participation, ["end_date"]),
        federation=participation.service.federation,
    )
    accruals_follow(
        federation=participation.service.federation, by=by, reason="who takes part changed"
    )


# --- contracts -----------------------------------------------------------------------------

CONTRACT_FIELDS = [
    "commissioner",
    "other_body",
    "reference",
    "title",
    "start_date",
    "end_date",
    "notice_months",
    "annual_value_pence",
    "basis",
    "block_annual_pence",
    "per_head_rate",
    "notes",
]


@transaction.atomic
def contract_save(
    *, federation: Federation, by, instance: Contract | None = None, **values
) -> Contract:
    month_end_lock(federation)  # accrued lines follow the terms: lock first, as every such write
    contract = instance or Contract(federation=federation)
    before = snapshot(contract, CONTRACT_FIELDS) if instance else None
    _assign(contract, CONTRACT_FIELDS, values)
    if not contract.commissioner_id and not contract.other_body:
        raise FinanceError("Choose the ICB or sub-ICB, or name the other body.", "commissioner")
    if contract.end_date and contract.end_date < contract.start_date:
        raise FinanceError("The end date must be on or after the start date.", "end_date")
    if contract.basis in (Contract.Basis.PER_REGISTERED, Contract.Basis.PER_ADJUSTED) and (
        contract.per_head_rate is None
    ):
        raise FinanceError("A per-head contract needs its rate per head.", "per_head_rate")
    if contract.basis == Contract.Basis.BLOCK and not contract.block_annual_pence:
        raise FinanceError("A block contract needs its annual block payment.", "block_annual_pence")
    clash = Contract.objects.filter(federation=federation, reference=contract.reference)
    if clash.exclude(pk=contract.pk).exists():
        raise FinanceError(f"There is already a contract {contract.reference}.", "reference")
    _save_audited(
        contract,
        fields=CONTRACT_FIELDS,
        before=before,
        noun="contract",
        by=by,
        federation=federation,
    )
    if instance is not None:
        accruals_follow(federation=federation, by=by, reason="the contract's terms changed")
    return contract


@transaction.atomic
def contract_service_set(
    *,
    contract: Contract,
    service: Service,
    by,
    rule: str,
    unit_price_pence: int | None = None,
    block_share_percent: Decimal = Decimal(0),
) -> ContractService:
    if service.federation_id != contract.federation_id:
        raise FinanceError("The service belongs to another federation.", "service")
    month_end_lock(contract.federation)
    if rule in (Rule.FIXED, Rule.PERCENT, Rule.POINTS):
        raise FinanceError(
            "Contract income is shared by a rule that needs no per-practice figures; set fixed "
            "amounts, percentages or points on the month's income line instead.",
            "rule",
        )
    others = (
        ContractService.objects.filter(contract=contract)
        .exclude(service=service)
        .values_list("block_share_percent", flat=True)
    )
    if sum(others, Decimal(0)) + block_share_percent > 100:
        raise FinanceError("The services' shares of the block payment add up to over 100%.")
    link, _ = ContractService.objects.update_or_create(
        contract=contract,
        service=service,
        defaults={
            "rule": rule,
            "unit_price_pence": unit_price_pence,
            "block_share_percent": block_share_percent,
        },
    )
    audit_record(
        by=by,
        action="finance.contract.service",
        obj=link,
        after=snapshot(link, ["service", "rule", "unit_price_pence", "block_share_percent"]),
        federation=contract.federation,
    )
    accruals_follow(federation=contract.federation, by=by, reason="the contract's terms changed")
    return link


@transaction.atomic
def kpi_add(*, contract: Contract, by, name: str, target: str, measure: str = "") -> ContractKPI:
    kpi = ContractKPI.objects.create(contract=contract, name=name, target=target, measure=measure)
    audit_record(
        by=by,
        action="finance.contract.kpi",
        obj=kpi,
        after=snapshot(kpi, ["name", "target", "measure"]),
        federation=contract.federation,
    )
    return kpi


@transaction.atomic
def subcontract_add(
    *,
    contract: Contract,
    by,
    share_percent: Decimal,
    practice: Practice | None = None,
    pcn: PCN | None = None,
    description: str = "",
) -> Subcontract:
    if bool(practice) == bool(pcn):
        raise FinanceError("Choose a practice or a PCN.", "organisation")
    if not Decimal(0) < share_percent <= 100:
        raise FinanceError("A share is more than 0% and at most 100%.", "share_percent")
    taken = sum(contract.subcontracts.values_list("share_percent", flat=True), Decimal(0))
    if taken + share_percent > 100:
        raise FinanceError(
            f"Subcontracts would add up to {taken + share_percent}% of the contract.",
            "share_percent",
        )
    sub = Subcontract.objects.create(
        contract=contract,
        practice=practice,
        pcn=pcn,
        share_percent=share_percent,
        description=description,
    )
    audit_record(
        by=by,
        action="finance.contract.subcontract",
        obj=sub,
        after=snapshot(sub, ["practice", "pcn", "share_percent", "description"]),
        federation=contract.federation,
    )
    return sub


@transaction.atomic
def document_add(
    *, contract: Contract, by, title: str, file_name: str, data: bytes
) -> ContractDocument:
    try:
        safe_name, content_type = check_document(file_name, data, door="contract")
    except DocumentError as error:
        raise FinanceError(str(error), "file") from None
    document = ContractDocument(
        contract=contract,
        title=title,
        content_type=content_type,
        uploaded_by=by if getattr(by, "pk", None) else None,
    )
    keep(document, file_name=safe_name, data=data).save()
    audit_record(
        by=by,
        action="finance.contract.document",
        obj=document,
        after=snapshot(document, ["title", "file_name", "size", "sha256"]),
        federation=contract.federation,
    )
    return document


# --- activity ------------------------------------------------------------------------------


@dataclass
class ActivityOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    months: list[str] = field(default_factory=list)
    followed: list[str] = field(default_factory=list)  # accrued lines worked out again

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "months": self.months,
            "followed": self.followed,
        }


def _participating(service_ids, first: date, last: date) -> dict:
    """(service id, 'practice'|'pcn', id) -> list of (start, end)."""
    spells: dict = {}
    for service, practice, pcn, start, end in (
        ServiceParticipation.objects.filter(service_id__in=service_ids, start_date__lte=last)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
        .values_list("service_id", "practice_id", "pcn_id", "start_date", "end_date")
    ):
        key = (service, "practice", practice) if practice else (service, "pcn", pcn)
        spells.setdefault(key, []).append((start, end))
    return spells


def _covers(spells, first: date, last: date) -> bool:
    return any(start <= last and (end is None or end >= first) for start, end in spells)


def _posted_months(federation: Federation, months) -> set[date]:
    return set(
        Settlement.objects.filter(federation=federation, month__in=months).values_list(
            "month", flat=True
        )
    )


def _settled(problems: Problems, record) -> None:
    problems.add(
        record.row,
        "Month",
        f"{record.month:%B %Y} is already settled; correct it with an adjusting entry in a "
        "later month",
    )


def activity_import(
    *, federation: Federation, data: bytes, file_name: str, by, dry_run: bool = False
) -> ActivityOutcome:
    """Check a whole activity file against the federation, then write it in one transaction.
    Any problem in any row writes nothing and raises ImportFileError listing them all. The
    transaction takes the federation's month-end lock first and checks again that no month
    of the file has been posted meanwhile, so activity never lands in a settled month."""
    records, problems = activity_file.parse(data, file_name)
    services = {s.code: s for s in Service.objects.filter(federation=federation)}
    months = sorted({r.month for r in records})
    if records:
        first, last = months[0], month_end(months[-1])
        practices = dict(
            Practice.objects.filter(code__in={r.code for r in records}).values_list("code", "pk")
        )
        pcns = dict(
            PCN.objects.filter(code__in={r.code for r in records}).values_list("code", "pk")
        )
        posted = _posted_months(federation, months)
        spells = _participating([s.pk for s in services.values()], first, last)
        members: dict[int, list] = {}
        for practice, start, end in FederationMembership.objects.filter(
            federation=federation, start_date__lte=last
        ).values_list("practice_id", "start_date", "end_date"):
            members.setdefault(practice, []).append((start, end))
        this_month = month_start(timezone.localdate())
    for r in records:
        service = services.get(r.service)
        practice_id, pcn_id = practices.get(r.code), pcns.get(r.code)
        first, last = r.month, month_end(r.month)
        if practice_id is None and pcn_id is None:
            problems.add(r.row, "ODS code", f"{r.code} is not a practice or PCN gpfed knows")
        elif practice_id and not _covers(members.get(practice_id, ()), first, last):
            problems.add(
                r.row,
                "ODS code",
                f"{r.code} is not a member of {federation} in {r.month:%B %Y}",
            )
        if service is None:
            known = ", ".join(sorted(services)) or "none yet"
            problems.add(
                r.row, "Service", f"{r.service!r} is not one of the federation's services ({known})"
            )
        elif practice_id or pcn_id:
            key = (
                (service.pk, "practice", practice_id)
                if practice_id
                else (
                    service.pk,
                    "pcn",
                    pcn_id,
                )
            )
            if not _covers(spells.get(key, ()), first, last):
                problems.add(
                    r.row,
                    "Service",
                    f"{r.code} does not take part in {service.name} in {r.month:%B %Y}",
                )
        if r.month in posted:
            _settled(problems, r)
        elif r.month > this_month:
            problems.add(r.row, "Month", f"{r.month:%B %Y} has not happened yet")
    problems.raise_if_any()
    outcome = ActivityOutcome(months=[f"{m:%Y-%m}" for m in months])
    with transaction.atomic():
        # Activity decides what a month settles to: wait for any accrual, income change or
        # posting of the federation's months, then look again at which are posted (one may
        # have been while the file was checked); a settled month refuses the whole file.
        month_end_lock(federation)
        posted = _posted_months(federation, months)
        if posted:
            settled = Problems()
            for r in records:
                if r.month in posted:
                    _settled(settled, r)
            settled.raise_if_any()
        existing = {
            (a.service_id, a.practice_id, a.pcn_id, a.month): a
            for a in Activity.objects.select_for_update().filter(
                federation=federation, month__in=months
            )
        }
        create, update = [], []
        source = f"{file_name} ({hashlib.sha256(data).hexdigest()[:12]})"
        for r in records:
            service = services[r.service]
            practice_id, pcn_id = practices.get(r.code), pcns.get(r.code)
            if practice_id:
                pcn_id = None
            found = existing.get((service.pk, practice_id, pcn_id, r.month))
            if found is None:
                create.append(
                    Activity(
                        federation=federation,
                        service=service,
                        practice_id=practice_id,
                        pcn_id=pcn_id,
                        month=r.month,
                        units=r.units,
                        source=source[:200],
                        entered_by=by if getattr(by, "pk", None) else None,
                    )
                )
            elif found.units != r.units:
                found.units = r.units
                found.source = source[:200]
                update.append(found)
            else:
                outcome.unchanged += 1
        outcome.created, outcome.updated = len(create), len(update)
        if not dry_run:
            Activity.objects.bulk_create(create, batch_size=2000)
            Activity.objects.bulk_update(update, ["units", "source"], batch_size=2000)
            outcome.followed = accruals_follow(
                federation=federation, by=by, reason="activity changed", months=months
            )
            audit_record(
                by=by,
                action="finance.activity.import",
                obj=federation,
                after={"file": file_name, "sha256": hashlib.sha256(data).hexdigest()}
                | outcome.as_dict(),
                federation=federation,
            )
        else:
            transaction.set_rollback(True)
    return outcome


def activity_record(
    *,
    federation: Federation,
    service: Service,
    month: date,
    units: int,
    by,
    practice: Practice | None = None,
    pcn: PCN | None = None,
) -> Activity:
    """One figure entered by hand: checked exactly as an imported row is."""
    code = (practice or pcn).code
    body = f"ODS code,Service,Month,Units\n{code},{service.code},{month:%Y-%m},{units}\n"
    try:
        activity_import(
            federation=federation, data=body.encode(), file_name="entered by hand", by=by
        )
    except ImportFileError as error:
        raise FinanceError(error.problems[0].message) from None
    return Activity.objects.get(
        service=service, month=month_start(month), practice=practice, pcn=pcn
    )


# --- income and settlements ----------------------------------------------------------------


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


# --- accrued contract income: derived, never stale ------------------------------------------
#
# A line Accrue makes is worked out from the contract's terms, who takes part, the activity and
# the lists. Until it is posted or changed by hand (``follows_contract``), it follows them:
# every write to what it rests on (activity, participation, contract terms) works it out again
# in the same transaction, and the preview and posting check it against what it would be now
# (lists and populations are imported nationally), naming any line that no longer matches.


@dataclass(frozen=True)
class Due:
    """What one contract's funded service pays in a month, worked out now."""

    link: ContractService
    amount_pence: int
    description: str


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
                        f"{len(missing)} practice(s) in {year}/{(year + 1) % 100:02d}; not accrued"
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
            notes.append(f"{name}: already accrued")
            if not already[key]:
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


# --- before posting: what the preview checks ------------------------------------------------

OUTLIER = 3  # activity more than 3 times, or less than a third of, its own 6-month median


def _named(codes: list[str], names: dict[str, str], most: int = 8) -> str:
    shown = ", ".join(f"{c} {names.get(c, '')}".strip() for c in sorted(codes)[:most])
    return shown + (f" and {len(codes) - most} more" if len(codes) > most else "")


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
            f"{services[service]}: {code} {name} recorded {now:,} {unit_of[service]}(s) in "
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
                    f"The preview warns of {len(unconfirmed)} thing(s) not confirmed: "
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


# --- figures the DES pays on ---------------------------------------------------------------


PCN_FIGURES_FIELDS = ["care_home_beds", "iif_points", "source", "financial_year", "federation"]


@transaction.atomic
def pcn_figures_set(
    *,
    pcn: PCN,
    financial_year: int,
    federation: Federation | None,
    by,
    care_home_beds: int | None,
    iif_points: Decimal | None,
    source: str,
) -> PcnFigures:
    """Enter a PCN's care-home beds and IIF points for a financial year: ``federation``'s own
    figures, used in its entitlements alone, for a PCN it held a practice of that year; or,
    with no federation, the national figures every federation without its own uses (the
    installation's operators alone, which the caller checks). Audited against the federation
    with the figures before and after."""
    if care_home_beds is not None and care_home_beds < 0:
        raise FinanceError("Beds cannot be negative.", "care_home_beds")
    if iif_points is not None and iif_points < 0:
        raise FinanceError("Points cannot be negative.", "iif_points")
    # Lock the PCN: two people entering its figures at once take turns.
    PCN.objects.select_for_update().filter(pk=pcn.pk).first()
    if federation is not None:
        _, pcns = registry.federation_held_in_year(federation, financial_year)
        if pcn.pk not in pcns:
            raise FinanceError(
                f"{federation.name} did not hold a practice of {pcn.name} ({pcn.code}) in "
                f"{financial_year_label(financial_year)}: a federation keeps its own "
                "figures only for the PCNs it holds practices of.",
                "financial_year",
            )
    figures = (
        PcnFigures.objects.select_for_update()
        .filter(pcn=pcn, financial_year=financial_year, federation=federation)
        .first()
    )
    before = snapshot(figures, PCN_FIGURES_FIELDS) if figures else {}
    if figures is None:
        figures = PcnFigures(pcn=pcn, financial_year=financial_year, federation=federation)
    figures.care_home_beds = care_home_beds
    figures.iif_points = iif_points
    figures.source = source
    figures.entered_by = by if getattr(by, "pk", None) else None
    figures.save()
    told = federation
    if told is None:  # national: reported as a national population is (registry.services)
        told = federation_of_practices(
            pcn.practice_spells.filter(end_date__isnull=True).values_list("practice_id", flat=True)
        )
    audit_record(
        by=by,
        action="finance.pcn_figures",
        obj=figures,
        before=before,
        after=snapshot(figures, PCN_FIGURES_FIELDS),
        federation=told,
    )
    return figures
