"""One meeting as an iCalendar request (RFC 5545), for an email's attachment: a stable UID, so
that a later copy with a higher sequence updates the entry in the reader's calendar, and
``cancelled`` turns it into the cancellation of that entry."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def calendar_request(
    *,
    product: str,
    uid: str,
    summary: str,
    starts_at: datetime,
    ends_at: datetime,
    location: str,
    url: str = "",
    description: str = "",
    sequence: int = 0,
    cancelled: bool = False,
) -> bytes:
    from icalendar import Calendar, Event  # only the mail that carries one needs it

    calendar = Calendar()
    calendar.add("prodid", f"-//gpfed//{product}//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    entry = Event()
    entry.add("uid", uid)
    entry.add("summary", summary)
    entry.add("dtstart", timezone.localtime(starts_at))
    entry.add("dtend", timezone.localtime(ends_at))
    entry.add("dtstamp", timezone.now())
    entry.add("location", location)
    if url:
        entry.add("url", url)
    entry.add("description", description)
    entry.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    entry.add("sequence", sequence)
    calendar.add_component(entry)
    return calendar.to_ical()
