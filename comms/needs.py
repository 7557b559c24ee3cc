"""What needs a person today in comms: the items the home page (home/needs.py) and
``GET /api/v1/me/needs`` list, each naming only what the person may open."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from accounts import permissions as perms
from comms.models import (
    Bulletin,
    Delivery,
    Registration,
)
from comms.selectors import inbox, recipients
from kernel.needs import INFO, SOON, URGENT, Need, count_text, date_text

FAILED_SINCE_DAYS = 30  # a bulletin sent this recently with copies that could not be delivered
EVENTS_AHEAD_DAYS = 30  # events someone is registered for, this far ahead
EVENTS_SHOWN = 5


def comms_needs(user, today: date) -> list[Need]:
    """What needs this person in bulletins and events, newest risk first. For those who send
    a federation's bulletins (its administrators and communications lead) or a network's (its
    administrators): bulletins scheduled and not yet sent, and recent bulletins with copies
    that could not be delivered. For everyone: bulletins unread in their inbox, and events in
    the next 30 days they are registered for (or waiting for a place at) and may still open.
    A handful of queries, whatever the number of bulletins."""
    scope = perms.scope_for(user)
    federation_ids = scope.federation_ids(
        perms.Role.FEDERATION_ADMIN, perms.Role.COMMUNICATIONS_LEAD
    )
    network_ids = scope.network_ids()
    needs: list[Need] = []
    if federation_ids or network_ids:
        mine = Q(federation_id__in=federation_ids) | Q(network_id__in=network_ids)
        needs += _scheduled_needs(mine, today)
        needs += _failed_needs(mine, today)
    needs += _unread_needs(user)
    needs += _event_needs(user, today)
    return needs


def _sender_name(item) -> str:
    return (item.federation or item.network).name


def _scheduled_needs(mine: Q, today: date) -> list[Need]:
    needs = []
    for bulletin in (
        Bulletin.objects.filter(mine, status=Bulletin.Status.SCHEDULED)
        .select_related("federation", "network")
        .order_by("send_at", "pk")
    ):
        when = timezone.localtime(bulletin.send_at) if bulletin.send_at else None
        day = when.date() if when else None
        late = day is not None and when < timezone.localtime()
        needs.append(
            Need(
                area="comms",
                title=(
                    f"Scheduled bulletin not sent: {bulletin.title}"
                    if late
                    else f"Bulletin scheduled: {bulletin.title}"
                ),
                detail=(
                    f"{_sender_name(bulletin)}: "
                    + (
                        f"due to be sent on {date_text(day)} at {when:%H:%M}"
                        + (" and still waiting: check the task worker is running" if late else "")
                        if when
                        else "scheduled with no time to send it"
                    )
                    + "."
                ),
                url=reverse("comms:bulletin", args=[bulletin.pk]),
                due=day,
                severity=URGENT
                if late
                else SOON
                if day and day <= today + timedelta(days=2)
                else INFO,
            )
        )
    return needs


def _failed_needs(mine: Q, today: date) -> list[Need]:
    since = timezone.make_aware(datetime.combine(today - timedelta(days=FAILED_SINCE_DAYS), time()))
    needs = []
    for bulletin in (
        Bulletin.objects.filter(
            mine,
            status__in=[Bulletin.Status.SENDING, Bulletin.Status.SENT],
            sent_at__gte=since,
        )
        .annotate(failed=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.FAILED)))
        .filter(failed__gt=0)
        .select_related("federation", "network")
        .order_by("-sent_at", "-pk")
    ):
        sent = timezone.localtime(bulletin.sent_at).date()
        needs.append(
            Need(
                area="comms",
                title=(
                    f"{count_text(bulletin.failed, 'copy', 'copies')} of “{bulletin.title}” "
                    "could not be delivered"
                ),
                detail=(
                    f"{_sender_name(bulletin)}: sent on {date_text(sent)}. The bulletin's page "
                    "lists who did not get it and why."
                ),
                url=reverse("comms:bulletin", args=[bulletin.pk]),
                due=sent,
                severity=URGENT,
            )
        )
    return needs


def _unread_needs(user) -> list[Need]:
    unread = inbox(user).filter(read_at__isnull=True).count()
    if not unread:
        return []
    return [
        Need(
            area="comms",
            title=f"{count_text(unread, 'unread bulletin')}",
            detail="Bulletins and briefings sent to you that you have not opened in gpfed yet.",
            url=reverse("comms:inbox"),
            severity=INFO,
        )
    ]


def _event_needs(user, today: date) -> list[Need]:
    """Events in the next 30 days this person is registered for or waiting for: each checked
    that they may still open it (its organiser, or still in its audience), at most five."""
    start = timezone.make_aware(datetime.combine(today, time()))
    stop = start + timedelta(days=EVENTS_AHEAD_DAYS + 1)
    needs = []
    for registration in (
        Registration.objects.filter(
            user=user,
            status__in=[Registration.Status.REGISTERED, Registration.Status.WAITING],
            event__starts_at__gte=max(start, timezone.now()),
            event__starts_at__lt=stop,
            event__cancelled_at__isnull=True,
        )
        .select_related("event", "event__federation", "event__network")
        .order_by("event__starts_at", "event_id")[:EVENTS_SHOWN]
    ):
        event = registration.event
        if not (perms.can_send_bulletins(user, event.sender) or user.pk in recipients(event)):
            continue
        when = timezone.localtime(event.starts_at)
        waiting = registration.status == Registration.Status.WAITING
        needs.append(
            Need(
                area="comms",
                title=f"{event.title}, {date_text(when.date())} at {when:%H:%M}",
                detail=(
                    f"{_sender_name(event)}: "
                    + ("you are on the waiting list" if waiting else "you are registered")
                    + (f"; {event.place}" if event.place else "; online")
                    + "."
                ),
                url=reverse("comms:event", args=[event.pk]),
                due=when.date(),
                severity=INFO,
            )
        )
    return needs
