"""Events: registration with a waiting list that promotes by itself, confirmation and reminder
emails with an iCalendar invite (sent by the worker), attendance, and materials afterwards."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from audit.services import audit_record, snapshot
from comms.models import Event, EventMaterial, Registration
from comms.selectors import recipients, reply_to
from comms.services import CommsError, addressed_save
from kernel.calendar import calendar_request
from kernel.documents import DocumentError, check_document, keep
from kernel.formats import counted
from kernel.headers import has_line_break, one_line, refusal

EVENT_FIELDS = [
    "title",
    "kind",
    "description",
    "agenda",
    "starts_at",
    "ends_at",
    "place",
    "online_link",
    "capacity",
]
# What a calendar entry holds: a change to any of them is sent to those registered, as an
# updated entry (same UID, the next SEQUENCE).
CALENDAR_FIELDS = ["title", "description", "agenda", "starts_at", "ends_at", "place", "online_link"]


def event_save(event: Event, *, by, audience: dict | None = None) -> Event:
    """Add or change an event. A change of capacity or audience gives free places to the
    waiting list, and releases those of people the event no longer reaches. A change to what
    the calendar entry holds (title, time, place, link, description, agenda) of an event not
    yet over is emailed to those registered with the updated entry, and to the waiting list."""
    if has_line_break(event.title):
        raise CommsError(refusal("the title"), field="title")
    if event.ends_at <= event.starts_at:
        raise CommsError("The event must end after it starts", field="ends_at")
    if not event.place and not event.online_link:
        raise CommsError("Give a place, an online link, or both", field="place")
    with transaction.atomic():
        if event.pk:
            stored = Event.objects.select_for_update().get(pk=event.pk)  # one change at a time
            if stored.is_cancelled:
                raise CommsError("The event is cancelled: it cannot be changed")
            event.sequence, event.cancelled_at = stored.sequence, None
        if event.pk and event.capacity is not None:
            taken = event.registrations.filter(status=Registration.Status.REGISTERED).count()
            if event.capacity < taken:
                raise CommsError(
                    f"{counted(taken, 'person is', 'people are')} already registered",
                    field="capacity",
                )
        before = addressed_save(event, by=by, fields=EVENT_FIELDS, noun="event", audience=audience)
        if before is not None:
            _promote(event, by=by)
            now_ = snapshot(event, CALENDAR_FIELDS)
            if event.ends_at > timezone.now() and any(
                before.get(f) != now_[f] for f in CALENDAR_FIELDS
            ):
                event.sequence += 1
                Event.objects.filter(pk=event.pk).update(sequence=event.sequence)
                _tell_everyone(event, "changed")
        if before is None or before["starts_at"] != snapshot(event, ["starts_at"])["starts_at"]:
            # imported here, not at the top: the task module imports this one to run it
            from comms import tasks

            tasks.at(event.starts_at - timedelta(hours=24), tasks.reminders)
    return event


def may_register(event: Event, user) -> bool:
    return user.pk in recipients(event)


def _audit(registration: Registration, event: Event, *, by, action: str, before, after):
    audit_record(
        by=by,
        action=f"comms.event.{action}",
        obj=registration,
        before=before,
        after=after,
        federation=event.federation,
        network=event.network,
    )


def event_cancel(event: Event, *, by) -> int:
    """Call the event off: it stays, marked cancelled, and takes no more registrations; those
    registered get a cancellation for their calendar (the same entry, the next SEQUENCE,
    METHOD:CANCEL) and the waiting list an email. Audited. Returns how many are told."""
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        if locked.is_cancelled:
            raise CommsError("The event is already cancelled")
        if locked.ends_at <= timezone.now():
            raise CommsError("The event is over: there is nothing to cancel")
        locked.cancelled_at = timezone.now()
        locked.sequence += 1
        locked.save(update_fields=["cancelled_at", "sequence"])
        told = _tell_everyone(locked, "cancelled")
        audit_record(
            by=by,
            action="comms.event.called_off",
            obj=locked,
            before={"cancelled_at": None},
            after={"cancelled_at": locked.cancelled_at, "told": told},
            federation=locked.federation,
            network=locked.network,
        )
    event.cancelled_at, event.sequence = locked.cancelled_at, locked.sequence
    return told


def _tell_everyone(event: Event, kind: str) -> int:
    """Queue an email of a change or a cancellation to everyone registered or waiting whom the
    event still reaches (an active account, a role in its audience): a person deactivated or
    gone from the audience since registering is not sent the event's details."""
    eligible = recipients(event)
    held = list(
        event.registrations.filter(
            status__in=[Registration.Status.REGISTERED, Registration.Status.WAITING],
            user_id__in=eligible,
        ).values_list("pk", flat=True)
    )
    for pk in held:
        _email_later_pk(pk, kind)
    return len(held)


def register(event: Event, user) -> Registration:
    """A place if there is one, else the waiting list. Registering again after cancelling
    joins the back of the queue."""
    if event.is_cancelled:
        raise CommsError("The event is cancelled: registration is closed")
    if event.starts_at <= timezone.now():
        raise CommsError("The event has started: registration is closed")
    if not may_register(event, user):
        raise CommsError("This event is not open to you")
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)  # one at a time
        if event.is_cancelled:
            raise CommsError("The event is cancelled: registration is closed")
        existing = Registration.objects.filter(event=event, user=user).first()
        if existing and existing.status != Registration.Status.CANCELLED:
            return existing
        _promote(event, by=None)  # first, places the event no longer reaches are freed (by gpfed)
        taken = event.registrations.filter(status=Registration.Status.REGISTERED).count()
        full = event.capacity is not None and taken >= event.capacity
        status = Registration.Status.WAITING if full else Registration.Status.REGISTERED
        if existing:
            existing.delete()  # back of the queue
        registration = Registration.objects.create(event=event, user=user, status=status)
        registration.event, registration.user = event, user
        _audit(
            registration,
            event,
            by=user,
            action=status,
            before={},
            after={"event": event.pk, "status": status},
        )
        _email_later(registration, "confirmed" if status == "registered" else "waiting")
    return registration


def cancel(registration: Registration, *, by) -> Registration | None:
    """Cancel; the first on the waiting list takes the place. Returns who was promoted."""
    return _end(registration, by=by, action="cancel")


def registration_remove(registration: Registration, *, by) -> Registration | None:
    """The organiser takes someone off the event (a place or the waiting list); the next
    person the event still reaches takes the place. Returns who was promoted."""
    return _end(registration, by=by, action="remove")


def _end(registration: Registration, *, by, action: str) -> Registration | None:
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=registration.event_id)
        registration.refresh_from_db()
        if registration.status == Registration.Status.CANCELLED:
            return None
        before = registration.status
        registration.status = Registration.Status.CANCELLED
        registration.save(update_fields=["status", "changed_at"])
        registration.event = event
        _audit(
            registration,
            event,
            by=by,
            action=action,
            before={"status": before},
            after={"status": registration.status},
        )
        promoted = _promote(event, by=by)
    return promoted[0] if promoted else None


def _promote(event: Event, *, by) -> list[Registration]:
    """Fill free places from the waiting list, first come first served, checking each person
    is still one the event reaches (an active account, a role in its audience, a federation
    still in the network): the places and waiting-list entries of those it no longer reaches
    are released first. Call with the event locked. Places do not move on a cancelled event."""
    if event.is_cancelled:
        return []
    eligible = recipients(event)
    held = event.registrations.filter(
        status__in=[Registration.Status.REGISTERED, Registration.Status.WAITING]
    ).select_related("user")
    for registration in held:
        if registration.user_id not in eligible:
            before = registration.status
            registration.status = Registration.Status.CANCELLED
            registration.save(update_fields=["status", "changed_at"])
            registration.event = event
            _audit(
                registration,
                event,
                by=by,
                action="release",
                before={"status": before},
                after={
                    "status": registration.status,
                    "reason": "account deactivated"
                    if not registration.user.is_active
                    else "no longer in the event's audience",
                },
            )
    taken = event.registrations.filter(status=Registration.Status.REGISTERED).count()
    free = None if event.capacity is None else event.capacity - taken
    waiting = (
        event.registrations.filter(status=Registration.Status.WAITING)
        .select_related("user")
        .order_by("created_at", "pk")
    )
    moved = list(waiting if free is None else waiting[: max(0, free)])
    for registration in moved:
        registration.status = Registration.Status.REGISTERED
        registration.save(update_fields=["status", "changed_at"])
        registration.event = event
        _audit(
            registration,
            event,
            by=by,
            action="promote",
            before={"status": Registration.Status.WAITING},
            after={"status": registration.status},
        )
        _email_later(registration, "promoted")
    return moved


def _email_later(registration: Registration, kind: str) -> None:
    _email_later_pk(registration.pk, kind)


def _email_later_pk(registration_id: int, kind: str) -> None:
    # imported here, not at the top: the task module imports this one to run it
    from comms.tasks import event_email

    transaction.on_commit(lambda: event_email.enqueue(registration_id, kind))


def invite(event: Event, registration: Registration, *, cancelled: bool = False) -> bytes:
    return calendar_request(
        product="Events",
        uid=f"event-{event.pk}@gpfed",
        summary=event.title,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        location=event.place or event.online_link,
        url=event.online_link,
        description=calendar_text(event),
        sequence=event.sequence,
        cancelled=cancelled,
    )


def calendar_text(event: Event) -> str:
    """The description and the agenda, one item a line, as plain text for the calendar."""
    parts = [event.description.strip()] if event.description.strip() else []
    items = event.agenda_items()
    if items:
        parts.append("Agenda:\n" + "\n".join(f"{n}. {item}" for n, item in enumerate(items, 1)))
    return "\n\n".join(parts)


SUBJECTS = {
    "confirmed": "You are registered: {title}",
    "promoted": "A place came up: you are registered for {title}",
    "waiting": "You are on the waiting list: {title}",
    "reminder": "Reminder: {title} starts soon",
    "changed": "Changed: {title}",
    "cancelled": "Cancelled: {title}",
}


def send_event_email(registration_id: int, kind: str) -> bool:
    """Send one confirmation, waiting-list or reminder email. Runs on the worker."""
    registration = (
        Registration.objects.select_related("event", "user").filter(pk=registration_id).first()
    )
    if registration is None:
        return False
    event = registration.event
    wanted = {
        "confirmed": {"registered"},
        "promoted": {"registered"},
        "reminder": {"registered"},
        "waiting": {"waiting"},
        "changed": {"registered", "waiting"},
        "cancelled": {"registered", "waiting"},
    }[kind]
    if registration.status not in wanted:
        return False  # things moved on since it was queued
    if event.is_cancelled != (kind == "cancelled"):
        return False  # called off since it was queued: the cancellation says so
    context = {
        "event": event,
        "kind": kind,
        "agenda": event.agenda_items(),
        "registration": registration,
        "url": f"{settings.GPFED_BASE_URL}/comms/events/{event.pk}/",
    }
    answer_to = reply_to(event.sender)
    message = EmailMultiAlternatives(
        subject=one_line(SUBJECTS[kind].format(title=event.title)),
        body=render_to_string("comms/event_email.txt", context),
        to=[registration.user.email],
        reply_to=[answer_to] if answer_to else None,
    )
    if registration.status == Registration.Status.REGISTERED:
        cancelled = kind == "cancelled"
        method = "CANCEL" if cancelled else "REQUEST"
        message.attach(
            "invite.ics",
            invite(event, registration, cancelled=cancelled),
            f"text/calendar; method={method}",
        )
    message.send()
    return True


def send_reminders(now=None) -> int:
    """Remind people registered for events in the next 24 hours, once. First each such
    event's places are checked again: those of people it no longer reaches go to the waiting
    list, so nobody is reminded of a place they cannot use."""
    now = now or timezone.now()
    soon = Event.objects.filter(
        starts_at__gt=now, starts_at__lte=now + timedelta(hours=24), cancelled_at__isnull=True
    )
    for event in soon.filter(registrations__status__in=["registered", "waiting"]).distinct():
        with transaction.atomic():
            _promote(Event.objects.select_for_update().get(pk=event.pk), by=None)
    due = Registration.objects.filter(
        status=Registration.Status.REGISTERED,
        reminded_at__isnull=True,
        event__in=soon,
    )
    sent = 0
    for registration_id in list(due.values_list("pk", flat=True)):
        # Taken under a lock and marked reminded in the same transaction as the send: a second
        # run at the same time (another worker) skips it, so nobody is reminded twice; a failed
        # send rolls back and the next run tries again.
        with transaction.atomic():
            taken = Registration.objects.filter(
                pk=registration_id, reminded_at__isnull=True
            ).update(reminded_at=now)  # a second run waits on this row, then finds it taken
            if not taken:
                continue
            if send_event_email(registration_id, "reminder"):
                sent += 1
            else:
                transaction.set_rollback(True)
    return sent


def record_attendance(event: Event, attended_ids: set[int], *, by) -> int:
    """Record who came, out of those registered (anything else in ``attended_ids`` is not a
    place on this event and is ignored); each change is audited. Returns how many came."""
    if event.ends_at > timezone.now():
        raise CommsError("Attendance is recorded after the event")
    with transaction.atomic():
        registered = event.registrations.filter(
            status=Registration.Status.REGISTERED
        ).select_related("user")
        for registration in registered.select_for_update(of=("self",)):
            came = registration.pk in attended_ids
            if registration.attended == came:
                continue
            before = registration.attended
            registration.attended = came
            registration.save(update_fields=["attended", "changed_at"])
            registration.event = event
            _audit(
                registration,
                event,
                by=by,
                action="attendance",
                before={"attended": before},
                after={"attended": came},
            )
    return registered.filter(attended=True).count()


def material_add(event: Event, *, title: str, file_name: str, data: bytes, by) -> EventMaterial:
    try:
        safe_name, _content_type = check_document(file_name, data, door="event")
    except DocumentError as error:
        raise CommsError(str(error), field="file") from None
    with transaction.atomic():
        material = keep(
            EventMaterial(event=event, title=title, added_by=by), file_name=safe_name, data=data
        )
        material.save()
        audit_record(
            by=by,
            action="comms.event.material",
            obj=material,
            after={"title": title, "file": safe_name},
            federation=event.federation,
            network=event.network,
        )
    return material
