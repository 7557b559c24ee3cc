"""Deadline reminders: the federation's administrators hear ``GPFED_BIDS_REMINDER_DAYS`` (7)
days before an open opportunity's clarification and submission deadlines, once each.

Each reminder is claimed by writing its row (one per opportunity, deadline and time, a
database constraint) in the same transaction as the send: a second worker running at the same
time finds it taken and skips it, and a failed send rolls the claim back for the next run to
try. The worker keeps the clock: saving or importing an opportunity queues the task for the
time each reminder falls due (``schedule``); ``gpfed bids remind`` does the same work."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Role, RoleGrant, User
from bids.models import CLOSED, Opportunity, Reminder
from kernel.headers import one_line
from registry.selectors import covering, today

KINDS = {
    Reminder.Deadline.CLARIFICATION: "clarification_deadline",
    Reminder.Deadline.SUBMISSION: "submission_deadline",
}


def days_before() -> int:
    return int(getattr(settings, "GPFED_BIDS_REMINDER_DAYS", 7))


def administrators(federation) -> list[str]:
    grants = covering(
        RoleGrant.objects.filter(federation=federation, role=Role.FEDERATION_ADMIN), today()
    ).filter(user__is_active=True)
    return sorted(
        User.objects.filter(pk__in=grants.values("user_id")).values_list("email", flat=True)
    )


def due(now: datetime) -> list[tuple[Opportunity, str, datetime]]:
    """(opportunity, deadline, when) for each reminder due now and not yet sent."""
    horizon = now + timedelta(days=days_before())
    soon = Q()
    for name in KINDS.values():
        soon |= Q(**{f"{name}__gt": now, f"{name}__lte": horizon})
    found = []
    opportunities = (
        Opportunity.objects.exclude(stage__in=CLOSED)
        .filter(soon)
        .select_related("federation")
        .prefetch_related("reminders")
    )
    for opportunity in opportunities:
        sent = {(r.deadline, r.due_at) for r in opportunity.reminders.all()}
        for kind, name in KINDS.items():
            when = getattr(opportunity, name)
            if when and now < when <= horizon and (kind, when) not in sent:
                found.append((opportunity, kind, when))
    return found


def _send(opportunity: Opportunity, kind: str, when: datetime, to: list[str]) -> None:
    label = Reminder.Deadline(kind).label.lower()
    body = render_to_string(
        "bids/reminder_email.txt",
        {
            "opportunity": opportunity,
            "deadline": label,
            "when": timezone.localtime(when),
            "url": f"{settings.GPFED_BASE_URL}/bids/{opportunity.federation.slug}/"
            f"{opportunity.pk}/",
        },
    )
    subject = one_line(f"{label.capitalize()} deadline {when:%-d %b %Y}: {opportunity.title}")
    EmailMessage(subject=subject[:200], body=body, to=to).send()


def send_due(now: datetime | None = None) -> int:
    """Send each reminder due, once. Returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    for opportunity, kind, when in due(now):
        to = administrators(opportunity.federation)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    Reminder.objects.create(
                        opportunity=opportunity,
                        deadline=kind,
                        due_at=when,
                        sent_at=now,
                        recipients=len(to),
                    )
            except IntegrityError:
                continue  # another run claimed it
            if to:
                try:
                    _send(opportunity, kind, when, to)
                except OSError:
                    transaction.set_rollback(True)  # the next run tries again
                    continue
            sent += 1
    return sent


def schedule(*opportunities: Opportunity) -> None:
    """Queue the reminder task for when the opportunities' reminders fall due, once the
    current transaction commits (on a backend that holds tasks until a time): one task for
    each distinct time, as one run sends every reminder then due."""
    from bids.tasks import deadline_reminders  # the task module imports this one

    if not deadline_reminders.get_backend().supports_defer:
        return
    now = timezone.now()
    before = timedelta(days=days_before())
    times = {
        max(when - before, now)
        for opportunity in opportunities
        for when in (getattr(opportunity, name) for name in KINDS.values())
        if when and when > now
    }
    for at in sorted(times):
        transaction.on_commit(lambda at=at: deadline_reminders.using(run_after=at).enqueue())
