"""Reminders to the organisations that have not answered a consultation: who gets them (the
people who answer for each organisation) and the send, exactly once per organisation per
round, on the worker."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q

from accounts.models import Role, RoleGrant
from kernel.headers import one_line
from registry.models import PCN, Practice
from registry.selectors import today
from voice import selectors
from voice.models import Reminder, ReminderRound

ANSWERERS = (Role.FEDERATION_ADMIN, Role.COMPANY_SECRETARY)


def recipients(consultation, organisation) -> list[str]:
    """The email addresses of the people who answer for ``organisation``."""
    day = today()
    grants = RoleGrant.objects.filter(start_date__lte=day, user__is_active=True).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=day)
    )
    if isinstance(organisation, Practice):
        grants = grants.filter(
            role=Role.PRACTICE_MANAGER, practice=organisation, through=consultation.federation
        )
    elif isinstance(organisation, PCN):
        grants = grants.filter(
            role=Role.PCN_CLINICAL_DIRECTOR, pcn=organisation, through=consultation.federation
        )
    else:
        grants = grants.filter(role__in=ANSWERERS, federation=organisation)
    return sorted(set(grants.values_list("user__email", flat=True)))


def remind(round_id: int) -> int:
    """Send the round's reminders; returns how many organisations were reminded by this run."""
    round_ = ReminderRound.objects.select_related("consultation").filter(pk=round_id).first()
    if round_ is None:
        return 0
    consultation = round_.consultation
    if selectors.status_of(consultation) != "Open":
        return 0  # closed since the round was started
    sent = 0
    for key, organisation in selectors.not_answered(consultation).items():
        to = recipients(consultation, organisation)
        with transaction.atomic():
            # Claimed before the email goes, in the same transaction: a second run (the same
            # task again, another worker) finds it taken; a failed send rolls the claim back.
            try:
                with transaction.atomic():
                    Reminder.objects.create(
                        round=round_,
                        organisation_key=key,
                        organisation_name=organisation.name,
                        recipients=len(to),
                    )
            except IntegrityError:
                continue
            if to:
                _send(consultation, organisation, to)
            sent += 1
    return sent


def _send(consultation, organisation, to: list[str]) -> None:
    owner = consultation.owner
    url = f"{settings.GPFED_BASE_URL}/voice/consultations/{consultation.pk}/"
    body = (
        f"{owner.name} asked {organisation.name} for its views in the consultation "
        f"“{consultation.title}”, and has no answer yet.\n\n"
        f"The deadline is {consultation.closes_on:%-d %B %Y}. One person answers for "
        f"{organisation.name}; anyone who answers for it can see and change the answer "
        f"until then.\n\n{url}\n"
    )
    EmailMessage(
        subject=one_line(f"Reminder: {consultation.title} closes {consultation.closes_on:%-d %B}"),
        body=body,
        to=to,
    ).send()
