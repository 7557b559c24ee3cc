"""The service catalogue: the services the federation delivers and the practices and PCNs that
take part in each."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Q

from audit.services import audit_record, snapshot
from finance.models import (
    Service,
    ServiceParticipation,
)
from finance.services.accruals import accruals_follow
from finance.services.base import FinanceError, _assign, _save_audited, month_end_lock
from registry import selectors as registry
from registry.models import PCN, Federation, Practice

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
