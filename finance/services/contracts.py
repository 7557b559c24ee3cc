"""Contracts that fund services: their terms, the services each funds, KPIs, subcontracts and
signed documents."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from audit.services import audit_record, snapshot
from finance.models import (
    Contract,
    ContractDocument,
    ContractKPI,
    ContractService,
    Rule,
    Service,
    Subcontract,
)
from finance.services.accruals import accruals_follow
from finance.services.base import FinanceError, _assign, _save_audited, month_end_lock
from kernel.documents import DocumentError, check_document, keep
from registry.models import PCN, Federation, Practice

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
