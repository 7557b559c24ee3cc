"""Events change and are called off: the agenda is a list, a change or a cancellation reaches
everyone registered by email with their calendar entry updated (same UID, the next SEQUENCE),
a cancelled event takes no registrations, and cancelling asks first."""

from datetime import timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar

from accounts.models import User
from audit.models import AuditEvent
from comms import events
from comms.models import Event, Registration
from comms.services import CommsError, reply_to_save
from registry.models import Federation
from tests.conftest import sign_in_verified

pytestmark = pytest.mark.django_db
FED = "east-leicestershire-and-rutland-gp-federation"


def person(name):
    return User.objects.get(email=f"{name}@demo.gpfed.example")


def forum(capacity=None, **extra):
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


def calendar_of(mail):
    """The VCALENDAR of an email's calendar part, and its one VEVENT."""
    (part,) = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(part.get_payload(decode=True))
    return part, calendar, next(iter(calendar.walk("VEVENT")))


AGENDA = "Welcome\n\n- Winter hubs\n2. <script>alert(1)</script> & questions\n"


def test_the_agenda_is_a_list_one_item_a_line_escaped_on_the_page_and_in_the_invite(
    client, demo, smtp_server, django_capture_on_commit_callbacks
):
    event = forum(agenda=AGENDA)
    assert event.agenda_items() == [
        "Welcome",
        "Winter hubs",
        "<script>alert(1)</script> & questions",
    ]
    manager = person("manager.c82001")
    sign_in_verified(client, manager)
    page = client.get(f"/comms/events/{event.pk}/").content.decode()
    assert (
        '<ol class="nhsuk-list nhsuk-list--number" id="agenda"><li>Welcome</li>'
        "<li>Winter hubs</li><li>&lt;script&gt;alert(1)&lt;/script&gt; &amp; questions</li></ol>"
    ) in page
    assert "<script>alert(1)" not in page
    with django_capture_on_commit_callbacks(execute=True):
        events.register(event, manager)
    (mail,) = smtp_server
    text = next(p for p in mail.walk() if p.get_content_type() == "text/plain")
    body = text.get_payload(decode=True).decode()
    assert "Agenda:\n1. Welcome\n2. Winter hubs\n3. <script>alert(1)</script> & questions\n" in (
        body.replace("\r\n", "\n")
    )
    _part, _calendar, entry = calendar_of(mail)
    assert "1. Welcome\n2. Winter hubs" in str(entry["description"])


def test_a_change_reaches_those_registered_with_the_same_entry_and_the_next_sequence(
    demo, smtp_server, django_capture_on_commit_callbacks
):
    event = forum(capacity=1)
    reply_to_save(event.federation, "events@elr.example.org", by=None)
    with django_capture_on_commit_callbacks(execute=True):
        events.register(event, person("manager.c82001"))
        events.register(event, person("staff.c82001"))  # the waiting list
    _part, _calendar, first = calendar_of(smtp_server[0])
    assert int(first["sequence"]) == 0
    smtp_server.clear()

    later = event.starts_at + timedelta(hours=1)
    event.starts_at, event.ends_at, event.place = later, later + timedelta(hours=2), "Oakham hub"
    with django_capture_on_commit_callbacks(execute=True):
        events.event_save(event, by=person("comms"))
    assert Event.objects.get().sequence == 1
    by_address = {m["To"]: m for m in smtp_server}
    assert set(by_address) == {
        "manager.c82001@demo.gpfed.example",
        "staff.c82001@demo.gpfed.example",
    }
    changed = by_address["manager.c82001@demo.gpfed.example"]
    assert changed["Subject"] == "Changed: Practice managers' forum"
    assert changed["Reply-To"] == "events@elr.example.org"
    part, calendar, entry = calendar_of(changed)
    assert part.get_content_type() == "text/calendar" and part.get_param("method") == "REQUEST"
    assert str(calendar["method"]) == "REQUEST"
    assert str(entry["uid"]) == str(first["uid"]) == f"event-{event.pk}@gpfed"
    assert int(entry["sequence"]) == 1
    assert entry.decoded("dtstart") == timezone.localtime(later).replace(microsecond=0)
    assert str(entry["location"]) == "Oakham hub"
    waiting = by_address["staff.c82001@demo.gpfed.example"]
    assert not [p for p in waiting.walk() if p.get_content_type() == "text/calendar"]
    assert "Oakham hub" in waiting.get_payload(decode=True).decode()

    smtp_server.clear()
    event.capacity = 5  # not in the calendar: nobody is told of it (the waiting list moves up)
    with django_capture_on_commit_callbacks(execute=True):
        events.event_save(event, by=person("comms"))
    assert Event.objects.get().sequence == 1
    assert [m["Subject"] for m in smtp_server] == [
        "A place came up: you are registered for Practice managers' forum"
    ]


def test_cancelling_tells_everyone_with_a_cancellation_and_takes_no_registrations(
    demo, smtp_server, django_capture_on_commit_callbacks
):
    event = forum(capacity=1)
    with django_capture_on_commit_callbacks(execute=True):
        events.register(event, person("manager.c82001"))
        events.register(event, person("staff.c82001"))
    smtp_server.clear()
    with django_capture_on_commit_callbacks(execute=True):
        told = events.event_cancel(event, by=person("comms"))
    assert told == 2
    stored = Event.objects.get()
    assert stored.is_cancelled and stored.sequence == 1
    by_address = {m["To"]: m for m in smtp_server}
    cancelled = by_address["manager.c82001@demo.gpfed.example"]
    assert cancelled["Subject"] == "Cancelled: Practice managers' forum"
    part, calendar, entry = calendar_of(cancelled)
    assert part.get_param("method") == "CANCEL" and str(calendar["method"]) == "CANCEL"
    assert str(entry["status"]) == "CANCELLED" and int(entry["sequence"]) == 1
    assert str(entry["uid"]) == f"event-{event.pk}@gpfed"
    assert "The event is cancelled" in (
        by_address["staff.c82001@demo.gpfed.example"].get_payload(decode=True).decode()
    )
    [record] = AuditEvent.objects.filter(action="comms.event.called_off")
    assert record.actor == person("comms") and record.changes["told"] == [None, 2]

    with pytest.raises(CommsError, match="cancelled"):
        events.register(stored, person("comms"))
    with pytest.raises(CommsError, match="already cancelled"):
        events.event_cancel(stored, by=None)
    stored.title = "Back on"
    with pytest.raises(CommsError, match="cancelled"):
        events.event_save(stored, by=None)
    smtp_server.clear()
    assert events.send_reminders(stored.starts_at - timedelta(hours=3)) == 0
    # a place given up on a cancelled event goes to nobody
    with django_capture_on_commit_callbacks(execute=True):
        assert events.cancel(Registration.objects.get(status="registered"), by=None) is None
    assert Registration.objects.filter(status="waiting").count() == 1
    assert not smtp_server


def test_editing_and_cancelling_from_the_pages_cancelling_asks_first(
    client, demo, smtp_server, django_capture_on_commit_callbacks
):
    event = forum(capacity=None, agenda="Welcome")
    with django_capture_on_commit_callbacks(execute=True):
        events.register(event, person("manager.c82001"))
    smtp_server.clear()

    sign_in_verified(client, person("manager.c82001"))  # not an organiser: no such pages
    assert client.get(f"/comms/events/{event.pk}/edit").status_code == 404
    assert client.get(f"/comms/events/{event.pk}/cancel").status_code == 404
    assert client.post(f"/comms/events/{event.pk}/cancel").status_code == 404
    assert Event.objects.get().cancelled_at is None
    client.logout()

    sign_in_verified(client, person("comms"))
    page = client.get(f"/comms/events/{event.pk}/").content.decode()
    assert "Change the event" in page and "Cancel the event" in page
    form = client.get(f"/comms/events/{event.pk}/edit")
    assert form.status_code == 200
    local = timezone.localtime(event.starts_at)
    fields = {
        "title": "Practice managers' forum",
        "kind": "meeting",
        "description": "",
        "agenda": "Welcome\nWinter hubs",
        "starts_at": local.strftime("%Y-%m-%d %H:%M"),
        "ends_at": (local + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M"),
        "place": "Market Harborough hub",
        "online_link": "",
        "capacity": "",
    }
    refused = client.post(
        f"/comms/events/{event.pk}/edit", {**fields, "title": "Forum\r\nBcc: x@example.org"}
    )
    assert refused.status_code == 200 and "on one line" in refused.content.decode()
    assert Event.objects.get().title == "Practice managers' forum"
    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(f"/comms/events/{event.pk}/edit", fields, follow=True)
    assert "1 person registered or waiting is being told by email" in saved.content.decode()
    assert [m["Subject"] for m in smtp_server] == ["Changed: Practice managers' forum"]

    confirm = client.get(f"/comms/events/{event.pk}/cancel").content.decode()
    assert "Cancel “Practice managers&#x27; forum”?" in confirm
    assert "1 person registered" in confirm and "0 people on the waiting list" in confirm
    assert Event.objects.get().cancelled_at is None  # asking changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"/comms/events/{event.pk}/cancel", follow=True).content.decode()
    assert "Event cancelled. 1 person will be told by email." in done
    assert "This event is cancelled" in done and 'value="register"' not in done
    assert Registration.objects.get().status == "registered"  # kept, for the record
    assert smtp_server[-1]["Subject"] == "Cancelled: Practice managers' forum"
    client.logout()

    sign_in_verified(client, person("staff.c82001"))
    listed = client.get("/comms/events/").content.decode()
    assert "Cancelled" in listed
    with django_capture_on_commit_callbacks(execute=True):
        tried = client.post(
            f"/comms/events/{event.pk}/", {"action": "register"}, follow=True
        ).content.decode()
    assert "registration is closed" in tried
    assert not Registration.objects.filter(user=person("staff.c82001")).exists()


def test_the_change_form_shows_the_time_as_typed_and_saves_unchanged_values(client, demo):
    """The form opened to change an event keeps its start and end times (it showed the day
    alone, so saving lost the time and broke the end-after-start rule), and an end before the
    start is a plain error on the box."""
    event = forum(agenda="Welcome")
    sign_in_verified(client, person("comms"))
    page = client.get(f"/comms/events/{event.pk}/edit").content.decode()
    local = timezone.localtime(event.starts_at)
    starts = local.strftime("%Y-%m-%d %H:%M")
    ends = (local + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
    assert f'value="{starts}"' in page and f'value="{ends}"' in page
    fields = {
        "title": event.title,
        "kind": event.kind,
        "description": "",
        "agenda": "Welcome",
        "starts_at": starts,
        "ends_at": ends,
        "place": "Lutterworth hub",
        "online_link": "",
        "capacity": "",
    }
    backwards = client.post(f"/comms/events/{event.pk}/edit", {**fields, "ends_at": starts})
    assert backwards.status_code == 200
    assert "The end must be after the start" in backwards.content.decode()
    assert "violated" not in backwards.content.decode()
    assert client.post(f"/comms/events/{event.pk}/edit", fields).status_code == 302
    assert Event.objects.get(pk=event.pk).place == "Lutterworth hub"
    assert Event.objects.get(pk=event.pk).starts_at == event.starts_at.replace(
        second=0, microsecond=0
    )
