"""Background work for bulletins and events, run by the task worker (``manage.py db_worker``).

The worker also keeps the clock: a scheduled bulletin, a retry after back-off, an event's
reminders and the weekly digest are each enqueued to run at their time (the database backend
holds a task until its ``run_after``), so `make run` needs no cron. The ``gpfed bulletins``
commands do the same work and remain a safety net for production (docs/comms.md)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from comms.services import deliver_due, digest_send


@task()
def deliver() -> dict:
    """Send every copy that is due. Safe to run any number of times, in any number of
    workers at once: each copy is claimed under a lease before it is sent."""
    return deliver_due()


@task()
def event_email(registration_id: int, kind: str) -> bool:
    """A confirmation, waiting-list, promotion or reminder email, with the invite."""
    # imported here, not at the top: that module queues this task
    from comms.events import send_event_email

    return send_event_email(registration_id, kind)


@task()
def reminders() -> int:
    """Remind everyone registered for an event in the next 24 hours, once."""
    # imported here, not at the top: that module queues this task
    from comms.events import send_reminders

    return send_reminders()


@task()
def digest() -> int:
    """The weekly digest of bulletins people chose to get that way."""
    return digest_send()


def at(when: datetime, work, *args) -> None:
    """Enqueue ``work`` to run at ``when`` (now, if that has passed), once the current
    transaction commits. Only on a backend that can hold a task until a time, which the
    database backend can; with one that cannot (the tests' immediate backend) the commands
    are the clock."""
    if not work.get_backend().supports_defer:
        return
    when = max(when, timezone.now())
    transaction.on_commit(lambda: work.using(run_after=when).enqueue(*args))


def next_digest_time(now: datetime | None = None) -> datetime:
    """The next Monday 07:00, local time (today's, if it is Monday before seven)."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    monday = local.date() - timedelta(days=local.weekday())
    seven = timezone.make_aware(datetime.combine(monday, datetime.min.time().replace(hour=7)))
    return seven if seven > now else seven + timedelta(days=7)
