"""Events: the waiting list moves up by itself, emails carry an iCalendar invite over SMTP,
reminders go once, attendance and materials come after."""

from datetime import timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar

from accounts.models import User
from comms import events
from comms.models import Event, Registration
from comms.services import CommsError
from registry.models import Federation

pytestmark = pytest.mark.django_db
FED = "east-leicestershire-and-rutland-gp-federation"


def forum(capacity=1, **extra):
    start = timezone.now() + timedelta(days=10)
    return events.event_save(
        Event(
            federation=Federation.objects.get(slug=FED),
            title="Practice managers' forum",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            place="Market Harborough hub",
            capacity=capacity,
            **extra,
        ),
        by=None,
    )


def person(name):
    return User.objects.get(email=f"{name}@demo.gpfed.example")


def test_the_waiting_list_promotes_when_someone_cancels(
    demo, smtp_server, django_capture_on_commit_callbacks
):
    event = forum(capacity=1)
    with django_capture_on_commit_callbacks(execute=True):
        first = events.register(event, person("manager.c82001"))
        second = events.register(event, person("staff.c82001"))
    assert (first.status, second.status) == ("registered", "waiting")
    assert [m["Subject"] for m in smtp_server] == [
        "You are registered: Practice managers' forum",
        "You are on the waiting list: Practice managers' forum",
    ]
    with django_capture_on_commit_callbacks(execute=True):
        promoted = events.cancel(first, by=person("manager.c82001"))
    assert promoted.pk == second.pk
    second.refresh_from_db()
    assert second.status == "registered"
    mail = smtp_server[-1]
    assert mail["To"] == "staff.c82001@demo.gpfed.example"
    assert mail["Subject"].startswith("A place came up")
    invite = next(p for p in mail.walk() if p.get_content_type() == "text/calendar")
    entry = next(iter(Calendar.from_ical(invite.get_payload(decode=True)).walk("VEVENT")))
    assert str(entry["summary"]) == "Practice managers' forum"
    assert entry.decoded("dtstart") == timezone.localtime(event.starts_at).replace(microsecond=0)
    assert str(entry["location"]) == "Market Harborough hub"


def test_registering_twice_is_one_registration_and_the_audience_is_respected(demo):
    event = forum(capacity=None)
    event.audience_roles = ["practice_manager"]
    event.save()
    manager = person("manager.c82001")
    assert events.register(event, manager).pk == events.register(event, manager).pk
    with pytest.raises(CommsError, match="not open to you"):
        events.register(event, person("finance"))


def test_reminders_go_once_to_those_registered(demo, smtp_server):
    event = forum(capacity=None)
    events.register(event, person("manager.c82001"))
    smtp_server.clear()
    assert events.send_reminders(event.starts_at - timedelta(days=2)) == 0  # too early
    assert events.send_reminders(event.starts_at - timedelta(hours=3)) == 1
    assert events.send_reminders(event.starts_at - timedelta(hours=2)) == 0  # once
    assert smtp_server[-1]["Subject"] == "Reminder: Practice managers' forum starts soon"


def test_attendance_and_materials_after_the_event(demo):
    event = forum(capacity=None)
    registration = events.register(event, person("manager.c82001"))
    with pytest.raises(CommsError, match="after the event"):
        events.record_attendance(event, {registration.pk}, by=None)
    Event.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - timedelta(days=1),
        ends_at=timezone.now() - timedelta(hours=22),
    )
    event.refresh_from_db()
    assert events.record_attendance(event, {registration.pk}, by=None) == 1
    assert Registration.objects.get().attended is True
    with pytest.raises(CommsError, match="NHS number"):
        events.material_add(
            event, title="Notes", file_name="notes.txt", data=b"Patient 943 476 5919", by=None
        )
    material = events.material_add(
        event, title="Slides", file_name="slides.txt", data=b"Agenda and actions", by=None
    )
    assert material.file.read() == b"Agenda and actions"
    with pytest.raises(CommsError, match="registration is closed"):
        events.register(event, person("staff.c82001"))


def test_lowering_capacity_below_those_registered_is_refused_raising_it_promotes(demo):
    event = forum(capacity=1)
    events.register(event, person("manager.c82001"))
    waiting = events.register(event, person("staff.c82001"))
    event.capacity = 0
    with pytest.raises(CommsError, match="already registered"):
        events.event_save(event, by=None)
    event.capacity = 2
    events.event_save(event, by=None)
    waiting.refresh_from_db()
    assert waiting.status == "registered"
