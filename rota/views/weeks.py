"""A week of the rota for one site or one person, and a person's sessions as a calendar file."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from accounts import permissions as perms
from kernel.dates import parse_week
from kernel.pages import query_value
from rota import planner, services
from rota.models import RotaSession, Site
from rota.services import local, monday_of
from rota.views._shared import _can_edit_availability, _federation, _person


def _week_grid(sessions, week: date) -> list[dict]:
    """Monday to Saturday, each with its sessions and whether it is one of England's bank
    holidays, by name (the planner plans none then)."""
    by_day = defaultdict(list)
    for s in sessions:
        by_day[local(s.start).date()].append(s)
    days = [week + timedelta(days=d) for d in range(6)]
    closed = planner.bank_holiday_names({day.year for day in days})
    return [
        {"day": day, "sessions": by_day.get(day, []), "bank_holiday": closed.get(day, "")}
        for day in days
    ]


def _week_sessions(federation, week: date, **filters):
    first = services.aware(datetime.combine(week, datetime.min.time()))
    return list(
        RotaSession.objects.filter(
            federation=federation, start__gte=first, start__lt=first + timedelta(weeks=1), **filters
        )
        .select_related("staff", "site", "pcn")
        .order_by("start", "staff__name")
    )


def site_week(request, slug, pk):
    federation = _federation(request, slug)
    site = get_object_or_404(Site, federation=federation, pk=pk)
    week = query_value(request, "week", parse_week, monday_of(date.today()))
    sessions = _week_sessions(federation, week, site=site)
    return render(
        request,
        "rota/week.html",
        {
            "federation": federation,
            "subject": site,
            "kind": "site",
            "title": f"{site.name}: week of {week:%-d %B %Y}",
            "week": week,
            "previous": week - timedelta(weeks=1),
            "next": week + timedelta(weeks=1),
            "days": _week_grid(sessions, week),
            "can_manage": perms.can_manage_rota(request.user, federation),
            "url_name": "rota:site",
        },
    )


def person_week(request, slug, pk):
    federation, person = _person(request, slug, pk)
    week = query_value(request, "week", parse_week, monday_of(date.today()))
    sessions = _week_sessions(federation, week, staff=person)
    minutes = sum((s.end - s.start).total_seconds() // 60 for s in sessions)
    return render(
        request,
        "rota/week.html",
        {
            "federation": federation,
            "subject": person,
            "kind": "person",
            "title": f"{person.name}: week of {week:%-d %B %Y}",
            "week": week,
            "previous": week - timedelta(weeks=1),
            "next": week + timedelta(weeks=1),
            "days": _week_grid(sessions, week),
            "hours": minutes / 60,
            "availability": person.availability.all(),
            "changes": person.changes.filter(date_to__gte=week),
            "can_manage": perms.can_manage_rota(request.user, federation),
            "can_edit_availability": _can_edit_availability(request.user, person),
            "hide_subnav": not perms.can_view_rota(request.user, federation),
            "url_name": "rota:person",
        },
    )


def person_calendar(request, slug, pk):
    """The person's sessions from four weeks ago onwards as an iCalendar file."""
    from icalendar import Calendar, Event

    _, person = _person(request, slug, pk)
    since = timezone.now() - timedelta(weeks=4)
    calendar = Calendar()
    calendar.add("prodid", "-//gpfed//Enhanced Access rota//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{person.name}: Enhanced Access")
    for s in person.sessions.filter(start__gte=since).select_related("site", "pcn"):
        event = Event()
        event.add("uid", f"rota-session-{s.pk}@gpfed")
        event.add("summary", f"Enhanced Access: {s.site.name} ({s.pcn.code})")
        event.add("dtstart", timezone.localtime(s.start))
        event.add("dtend", timezone.localtime(s.end))
        stamp = s.edited_at or (s.run.finished_at if s.run else None) or timezone.now()
        event.add("dtstamp", stamp)
        event.add("location", ", ".join(x for x in (s.site.name, s.site.address) if x))
        calendar.add_component(event)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rota-{person.pk}.ics"'
    return response
