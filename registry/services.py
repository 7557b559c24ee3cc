"""Writes to the registry other than imports: federations, memberships, corrections by hand and
populations entered in a form. Each takes the acting user as ``by=``, runs in one transaction,
records an audit event and raises ``RegistryError`` with a message a person can act on."""

# Over 500 lines: the registry's writes (organisations, memberships, corrections).

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from audit.services import audit_record, snapshot
from kernel.errors import DomainError
from kernel.headers import has_line_break, refusal
from registry.models import (
    PCN,
    AnnualPopulation,
    Federation,
    FederationMembership,
    MembershipConsent,
    Practice,
)
from registry.models.populations import financial_year_label
from registry.selectors import federation_held_in_year
from registry.signals import consent_asked


class RegistryError(DomainError):
    """A change the registry refuses, with the reason in words a person can act on."""


FEDERATION_FIELDS = ["name", "slug", "legal_form", "company_number"]


def federation_of_practices(practice_ids) -> Federation | None:
    """The federation a change to these practices is reported to in the audit trail: the
    current federation of the first of them that has one."""
    membership = (
        FederationMembership.objects.filter(practice_id__in=list(practice_ids))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=timezone.localdate()))
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
    if has_line_break(name):
        raise RegistryError(refusal("the federation's name"), field="name")
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


def _held_elsewhere(
    federation: Federation, practice: Practice, start: date, end: date | None
) -> list[FederationMembership]:
    """Memberships of other federations that overlap these dates."""
    overlapping = FederationMembership.objects.filter(
        practice=practice, start_date__lte=end or date.max
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
    return list(overlapping.exclude(federation=federation).select_related("federation"))


def _checked_for_joining(
    federation: Federation, practice: Practice, start: date, end: date | None
) -> tuple[Practice, list[FederationMembership]]:
    """The practice, locked so two simultaneous requests cannot both pass the checks, once its
    dates and this federation's own spells allow the membership; and the other federations'
    memberships that overlap it."""
    practice = Practice.objects.select_for_update().get(pk=practice.pk)
    _check_dates(practice, start, end)
    _check_overlap(federation, practice, start, end)
    return practice, _held_elsewhere(federation, practice, start, end)


@transaction.atomic
def federation_membership_add(
    *,
    federation: Federation,
    practice: Practice,
    start_date: date,
    end_date: date | None = None,
    join_reason: str = "",
    by,
    consent: MembershipConsent | None = None,
    actor_label: str = "",
) -> FederationMembership:
    """Add a practice to a federation. For dates another federation holds it, only with the
    practice's accepted ``consent`` (see ``federation_membership_request``)."""
    practice, elsewhere = _checked_for_joining(federation, practice, start_date, end_date)
    agreed = (
        consent is not None
        and consent.status == MembershipConsent.Status.ACCEPTED
        and consent.federation_id == federation.pk
        and consent.practice_id == practice.pk
        and consent.start_date == start_date
        and consent.end_date == end_date
    )
    if elsewhere and not agreed:
        raise RegistryError(
            f"{practice.name} is a member of {elsewhere[0].federation.name} for these dates: a "
            "practice belongs to a second federation only if it agrees. Ask it to.",
            field="practice",
        )
    membership = FederationMembership.objects.create(
        federation=federation,
        practice=practice,
        start_date=start_date,
        end_date=end_date,
        join_reason=join_reason.strip(),
    )
    audit_record(
        by=None if actor_label else by,
        actor_label=actor_label,
        origin="" if actor_label else None,
        action="federation.membership.add",
        obj=membership,
        after=snapshot(membership, MEMBERSHIP_FIELDS),
        federation=federation,
    )
    return membership


CONSENT_FIELDS = ["federation", "practice", "start_date", "end_date", "status", "decision_note"]


def federation_membership_request(
    *,
    federation: Federation,
    practice: Practice,
    start_date: date,
    end_date: date | None = None,
    join_reason: str = "",
    by,
) -> FederationMembership | MembershipConsent:
    """Add a practice, or, for dates another federation holds it, ask the practice to agree:
    its practice managers are emailed, and the membership is made when one accepts."""
    with transaction.atomic():
        practice, elsewhere = _checked_for_joining(federation, practice, start_date, end_date)
        if not elsewhere:
            return federation_membership_add(
                federation=federation,
                practice=practice,
                start_date=start_date,
                end_date=end_date,
                join_reason=join_reason,
                by=by,
            )
        if MembershipConsent.objects.filter(
            federation=federation, practice=practice, status=MembershipConsent.Status.WAITING
        ).exists():
            raise RegistryError(
                f"{federation.name} has already asked {practice.name} to agree: wait for its "
                "answer, or withdraw that request first.",
                field="practice",
            )
        consent = MembershipConsent.objects.create(
            federation=federation,
            practice=practice,
            start_date=start_date,
            end_date=end_date,
            join_reason=join_reason.strip(),
            requested_by=by if getattr(by, "pk", None) else None,
        )
        holders = sorted({m.federation for m in elsewhere}, key=lambda f: f.name)
        for audited in [federation, *holders]:
            own = audited == federation
            audit_record(
                by=by if own else None,
                actor_label="" if own else f"{federation.name}'s administrator",
                origin=None if own else "",
                action="federation.membership.consent_asked",
                obj=consent,
                after=snapshot(consent, CONSENT_FIELDS),
                federation=audited,
            )
        # the practice's managers are told by accounts, which knows who they are
        consent_asked.send(sender=MembershipConsent, consent=consent, holders=holders)
    return consent


@transaction.atomic
def membership_consent_decide(
    *, consent: MembershipConsent, accept: bool, by, note: str = ""
) -> MembershipConsent:
    """The practice's answer. Accepting makes the membership; declining ends the request.
    Either is final and recorded in every federation holding or asking for the practice."""
    consent = MembershipConsent.objects.select_for_update().get(pk=consent.pk)
    if consent.status != MembershipConsent.Status.WAITING:
        raise RegistryError(f"This request was already {consent.get_status_display().lower()}.")
    before = snapshot(consent, CONSENT_FIELDS)
    consent.status = (
        MembershipConsent.Status.ACCEPTED if accept else MembershipConsent.Status.DECLINED
    )
    consent.decided_by = by if getattr(by, "pk", None) else None
    consent.decided_at = timezone.now()
    consent.decision_note = note.strip()[:300]
    consent.save()
    holders = {
        m.federation
        for m in _held_elsewhere(
            consent.federation, consent.practice, consent.start_date, consent.end_date
        )
    }
    # The asking federation learns the practice's answer, not who gave it nor from where.
    answer = f"{consent.practice.code}'s practice manager, for the practice"
    if accept:
        consent.membership = federation_membership_add(
            federation=consent.federation,
            practice=consent.practice,
            start_date=consent.start_date,
            end_date=consent.end_date,
            join_reason=consent.join_reason,
            by=by,
            consent=consent,
            actor_label=answer,
        )
        consent.save(update_fields=["membership"])
    for audited in sorted({consent.federation, *holders}, key=lambda f: f.name):
        own = audited != consent.federation
        audit_record(
            by=by if own else None,
            actor_label="" if own else answer,
            origin=None if own else "",
            action="federation.membership.consent_" + ("accepted" if accept else "declined"),
            obj=consent,
            before=before,
            after=snapshot(consent, CONSENT_FIELDS),
            federation=audited,
        )
    return consent


def consent_deciders(consent: MembershipConsent) -> set[int]:
    """The federations whose practice managers answer for the practice: those holding it for
    the dates asked in their own right, not by an earlier consent (a federation the practice
    agreed to share it with cannot then agree for it; failing any, the longest-standing
    holder), and never the federation asking."""
    end = consent.end_date or date.max
    spells = (
        FederationMembership.objects.filter(practice=consent.practice, start_date__lte=end)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=consent.start_date))
        .exclude(federation=consent.federation)
    )
    own_right = spells.filter(consent__isnull=True)
    chosen = own_right if own_right.exists() else spells.order_by("start_date")[:1]
    return set(chosen.values_list("federation_id", flat=True))


@transaction.atomic
def membership_consent_withdraw(*, consent: MembershipConsent, by) -> MembershipConsent:
    consent = MembershipConsent.objects.select_for_update().get(pk=consent.pk)
    if consent.status != MembershipConsent.Status.WAITING:
        raise RegistryError(f"This request was already {consent.get_status_display().lower()}.")
    before = snapshot(consent, CONSENT_FIELDS)
    consent.status = MembershipConsent.Status.WITHDRAWN
    consent.decided_by = by if getattr(by, "pk", None) else None
    consent.decided_at = timezone.now()
    consent.save()
    audit_record(
        by=by,
        action="federation.membership.consent_withdrawn",
        obj=consent,
        before=before,
        after=snapshot(consent, CONSENT_FIELDS),
        federation=consent.federation,
    )
    return consent


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


def membership_end_changeable(membership: FederationMembership, day: date | None = None) -> bool:
    """Whether the leaving date can still be corrected or removed: it is set and has not
    passed (the practice is a member until the end of that day)."""
    day = day or timezone.localdate()
    return membership.end_date is not None and membership.end_date >= day


@transaction.atomic
def federation_membership_end_change(
    *,
    membership: FederationMembership,
    end_date: date | None,
    leave_reason: str | None = None,
    by,
) -> FederationMembership:
    """Correct a leaving date that has not passed yet, or remove it (``end_date`` None: the
    practice stays a member). The new dates pass the checks of ending a membership: not
    before joining, no overlap with the federation's other spells of the practice; and a later
    date, or none, may not reach into dates another federation holds the practice for (that
    needs the practice's agreement: ask it, from the day after the old date). Once the
    leaving date has passed it stays as it is."""
    membership = (
        FederationMembership.objects.select_for_update()
        .select_related("practice", "federation")
        .get(pk=membership.pk)
    )
    practice, federation = membership.practice, membership.federation
    before = snapshot(membership, MEMBERSHIP_FIELDS)
    old = membership.end_date
    if old is None:
        raise RegistryError(
            f"{practice.name} has no leaving date to change: end its membership instead."
        )
    if not membership_end_changeable(membership):
        raise RegistryError(
            f"{practice.name} left {federation.name} on {old:%-d %B %Y}: a leaving date that "
            "has passed cannot be changed.",
            field="end_date",
        )
    if end_date == old and (
        leave_reason is None or leave_reason.strip() == membership.leave_reason
    ):
        raise RegistryError(
            f"{practice.name} already leaves on {old:%-d %B %Y}: enter a different date.",
            field="end_date",
        )
    if end_date is not None and end_date < membership.start_date:
        raise RegistryError(
            f"The leaving date must be on or after the joining date "
            f"({membership.start_date:%-d %B %Y}).",
            field="end_date",
        )
    _check_overlap(federation, practice, membership.start_date, end_date, exclude=membership.pk)
    if end_date is None or end_date > old:
        # The days added to the membership: another federation holding the practice then
        # would share it without the practice's agreement.
        elsewhere = _held_elsewhere(federation, practice, old + timedelta(days=1), end_date)
        if elsewhere:
            other = elsewhere[0]
            raise RegistryError(
                f"{practice.name} is a member of {other.federation.name} from "
                f"{max(other.start_date, old + timedelta(days=1)):%-d %B %Y}: a practice "
                "belongs to a second federation only if it agrees. Keep the leaving date "
                "before then, or ask the practice to agree to a new membership.",
                field="end_date",
            )
    membership.end_date = end_date
    if end_date is None:
        membership.leave_reason = ""
    elif leave_reason is not None:
        membership.leave_reason = leave_reason.strip()
    membership.save(update_fields=["end_date", "leave_reason"])
    audit_record(
        by=by,
        action="federation.membership.end_remove"
        if end_date is None
        else "federation.membership.end_change",
        obj=membership,
        before=before,
        after=snapshot(membership, MEMBERSHIP_FIELDS),
        federation=federation,
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
        # Every federation holding the practice sees the change to the details it shares.
        from registry.selectors import federations_holding

        for holder in federations_holding(practice) or [None]:
            audit_record(
                by=by,
                action="practice.correct",
                obj=practice,
                before=before,
                after=after,
                federation=holder,
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
    federation: Federation | None = None,
    by,
) -> AnnualPopulation:
    """Enter a PCN's or practice's adjusted or weighted population for a financial year: the
    national figure every federation shares when ``federation`` is None (the installation's
    operators alone, which the caller checks), else that federation's own figure for the year,
    which changes nothing for anyone else. A figure entered by hand is kept by later imports of
    the same year."""
    if (pcn is None) == (practice is None):
        raise RegistryError("Give either a PCN or a practice.")
    if measure not in AnnualPopulation.Measure.values:
        raise RegistryError(f"{measure!r} is not a population measure.", field="measure")
    if value is None or Decimal(value) < 0:
        raise RegistryError("Enter a population of zero or more.", field="value")
    value = Decimal(value)
    if not 2015 <= financial_year <= 2100:
        raise RegistryError("Enter a financial year such as 2025-26.", field="financial_year")
    org = pcn or practice
    # Lock the PCN or practice: two people entering its figure at once take turns.
    type(org).objects.select_for_update().filter(pk=org.pk).first()
    owner = {"pcn": pcn} if pcn else {"practice": practice}
    if federation is not None:
        practices, pcns = federation_held_in_year(federation, financial_year)
        if org.pk not in (pcns if pcn else practices):
            raise RegistryError(
                f"{federation.name} did not hold {org.name} ({org.code}) in "
                f"{financial_year_label(financial_year)}: a federation keeps its own figures "
                "only for the practices and PCNs it holds.",
                field="financial_year",
            )
    figure = (
        AnnualPopulation.objects.select_for_update()
        .filter(financial_year=financial_year, measure=measure, federation=federation, **owner)
        .first()
    )
    fields = ["value", "source", "financial_year", "measure", "federation"]
    before = snapshot(figure, fields) if figure else {}
    if figure is None:
        figure = AnnualPopulation(
            financial_year=financial_year, measure=measure, federation=federation, **owner
        )
    figure.value = value.quantize(Decimal("0.01"))
    figure.source = source.strip()[:300] or f"Entered by {getattr(by, 'email', 'hand')}"
    figure.entered_by = by if getattr(by, "pk", None) else None
    figure.import_run = None
    figure.save()
    if federation is not None:
        told = federation
    elif pcn is not None:
        told = federation_of_practices(
            pcn.practice_spells.filter(end_date__isnull=True).values_list("practice_id", flat=True)
        )
    else:
        told = federation_of_practices([practice.pk])
    audit_record(
        by=by,
        action="population.set",
        obj=figure,
        before=before,
        after=snapshot(figure, fields),
        federation=told,
    )
    return figure
