"""Writes to the registry other than imports: federations, memberships, corrections by hand and
populations entered in a form. Each takes the acting user as ``by=``, runs in one transaction,
records an audit event and raises ``RegistryError`` with a message a person can act on."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.text import slugify

from audit.services import audit_record, snapshot
from registry.models import (
    PCN,
    AnnualPopulation,
    Federation,
    FederationMembership,
    Practice,
)


class RegistryError(Exception):
    """A change the registry refuses, with the reason in words a person can act on."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


FEDERATION_FIELDS = ["name", "slug", "legal_form", "company_number"]


def federation_of_practices(practice_ids) -> Federation | None:
    """The federation a change to these practices is reported to in the audit trail: the
    current federation of the first of them that has one."""
    membership = (
        FederationMembership.objects.filter(
            practice_id__in=list(practice_ids), end_date__isnull=True
        )
        .select_related("federation")
        .order_by("start_date")
        .first()
    )
    return membership.federation if membership else None


MEMBERSHIP_FIELDS = ["practice", "start_date", "end_date", "join_reason", "leave_reason"]


@transaction.atomic
def federation_create(
    *, name: str, legal_form: str = "ltd", company_number: str = "", by
) -> Federation:
    name = name.strip()
    if not name:
        raise RegistryError("Enter the federation's name.", field="name")
    if Federation.objects.filter(name__iexact=name).exists():
        raise RegistryError(f"A federation called {name!r} already exists.", field="name")
    base = slugify(name)[:50] or "federation"
    slug, n = base, 2
    while Federation.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    federation = Federation.objects.create(
        name=name, slug=slug, legal_form=legal_form, company_number=company_number.strip()
    )
    audit_record(
        by=by,
        action="federation.create",
        obj=federation,
        after=snapshot(federation, FEDERATION_FIELDS),
        federation=federation,
    )
    return federation


def _check_dates(practice: Practice, start: date, end: date | None) -> None:
    if end is not None and end < start:
        raise RegistryError(
            "The leaving date must be on or after the joining date.", field="end_date"
        )
    if practice.open_date and start < practice.open_date:
        raise RegistryError(
            f"{practice.name} opened on {practice.open_date:%-d %B %Y}: a membership cannot "
            "start before the practice opened.",
            field="start_date",
        )
    if practice.close_date and start > practice.close_date:
        raise RegistryError(
            f"{practice.name} closed on {practice.close_date:%-d %B %Y}: a membership cannot "
            "start after the practice closed.",
            field="start_date",
        )


def _check_overlap(
    federation: Federation,
    practice: Practice,
    start: date,
    end: date | None,
    *,
    exclude: int | None = None,
) -> None:
    others = FederationMembership.objects.filter(federation=federation, practice=practice)
    if exclude:
        others = others.exclude(pk=exclude)
    for other in others:
        other_end = other.end_date or date.max
        if start <= other_end and (end or date.max) >= other.start_date:
            until = f"to {other.end_date:%-d %B %Y}" if other.end_date else "with no end date"
            raise RegistryError(
                f"{practice.name} is already a member of {federation.name} from "
                f"{other.start_date:%-d %B %Y} {until}: memberships cannot overlap.",
                field="start_date",
            )


@transaction.atomic
def federation_membership_add(
    *,
    federation: Federation,
    practice: Practice,
    start_date: date,
    end_date: date | None = None,
    join_reason: str = "",
    by,
) -> FederationMembership:
    # Lock the practice so two simultaneous requests cannot both pass the overlap check.
    practice = Practice.objects.select_for_update().get(pk=practice.pk)
    _check_dates(practice, start_date, end_date)
    _check_overlap(federation, practice, start_date, end_date)
    membership = FederationMembership.objects.create(
        federation=federation,
        practice=practice,
        start_date=start_date,
        end_date=end_date,
        join_reason=join_reason.strip(),
    )
    audit_record(
        by=by,
        action="federation.membership.add",
        obj=membership,
        after=snapshot(membership, MEMBERSHIP_FIELDS),
        federation=federation,
    )
    return membership


@transaction.atomic
def federation_membership_end(
    *, membership: FederationMembership, end_date: date, leave_reason: str = "", by
) -> FederationMembership:
    membership = FederationMembership.objects.select_for_update().get(pk=membership.pk)
    before = snapshot(membership, MEMBERSHIP_FIELDS)
    if membership.end_date is not None:
        raise RegistryError(
            f"This membership already ended on {membership.end_date:%-d %B %Y}.", field="end_date"
        )
    if end_date < membership.start_date:
        raise RegistryError(
            f"The leaving date must be on or after the joining date "
            f"({membership.start_date:%-d %B %Y}).",
            field="end_date",
        )
    _check_overlap(
        membership.federation,
        membership.practice,
        membership.start_date,
        end_date,
        exclude=membership.pk,
    )
    membership.end_date = end_date
    membership.leave_reason = leave_reason.strip()
    membership.save(update_fields=["end_date", "leave_reason"])
    audit_record(
        by=by,
        action="federation.membership.end",
        obj=membership,
        before=before,
        after=snapshot(membership, MEMBERSHIP_FIELDS),
        federation=membership.federation,
    )
    return membership


CORRECTABLE_PRACTICE_FIELDS = [
    "name",
    "address_1",
    "address_2",
    "address_3",
    "address_4",
    "address_5",
    "postcode",
    "phone",
]


@transaction.atomic
def practice_correct(
    *, practice: Practice, by, values: dict, release: list[str] | None = None
) -> Practice:
    """Correct published details by hand. Corrected fields are kept by later imports until
    released (``release``), when the next import may set them again."""
    practice = Practice.objects.select_for_update().get(pk=practice.pk)
    unknown = set(values) - set(CORRECTABLE_PRACTICE_FIELDS)
    if unknown:
        raise RegistryError(f"These fields cannot be corrected: {', '.join(sorted(unknown))}.")
    if "name" in values and not str(values["name"]).strip():
        raise RegistryError("Enter the practice's name.", field="name")
    before = snapshot(practice, [*CORRECTABLE_PRACTICE_FIELDS, "manual_fields"])
    manual = set(practice.manual_fields or [])
    for name, value in values.items():
        value = str(value).strip()
        if name == "postcode":
            value = value.upper()
        if getattr(practice, name) != value:
            setattr(practice, name, value)
            manual.add(name)
    for name in release or []:
        manual.discard(name)
    practice.manual_fields = sorted(manual)
    practice.save()
    after = snapshot(practice, [*CORRECTABLE_PRACTICE_FIELDS, "manual_fields"])
    if before != after:
        audit_record(
            by=by,
            action="practice.correct",
            obj=practice,
            before=before,
            after=after,
            federation=federation_of_practices([practice.pk]),
        )
    return practice


@transaction.atomic
def population_set(
    *,
    financial_year: int,
    measure: str,
    value: Decimal,
    source: str = "",
    pcn: PCN | None = None,
    practice: Practice | None = None,
    by,
) -> AnnualPopulation:
    """Enter a PCN's or practice's adjusted or weighted population for a financial year. A figure
    entered by hand is kept by later imports of the same year."""
    if (pcn is None) == (practice is None):
        raise RegistryError("Give either a PCN or a practice.")
    if measure not in AnnualPopulation.Measure.values:
        raise RegistryError(f"{measure!r} is not a population measure.", field="measure")
    if value is None or Decimal(value) < 0:
        raise RegistryError("Enter a population of zero or more.", field="value")
    value = Decimal(value)
    if not 2015 <= financial_year <= 2100:
        raise RegistryError("Enter a financial year such as 2025-26.", field="financial_year")
    owner = {"pcn": pcn} if pcn else {"practice": practice}
    figure = (
        AnnualPopulation.objects.select_for_update()
        .filter(financial_year=financial_year, measure=measure, **owner)
        .first()
    )
    fields = ["value", "source", "financial_year", "measure"]
    before = snapshot(figure, fields) if figure else {}
    if figure is None:
        figure = AnnualPopulation(financial_year=financial_year, measure=measure, **owner)
    figure.value = value.quantize(Decimal("0.01"))
    figure.source = source.strip()[:300] or f"Entered by {getattr(by, 'email', 'hand')}"
    figure.entered_by = by if getattr(by, "pk", None) else None
    figure.import_run = None
    figure.save()
    if pcn is not None:
        practice_ids = pcn.practice_spells.filter(end_date__isnull=True).values_list(
            "practice_id", flat=True
        )
    else:
        practice_ids = [practice.pk]
    audit_record(
        by=by,
        action="population.set",
        obj=figure,
        before=before,
        after=snapshot(figure, fields),
        federation=federation_of_practices(practice_ids),
    )
    return figure
