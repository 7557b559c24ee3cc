"""A year of the demo federation's bulletins: one a month, as history (delivered and partly
read), so the inbox, the archive and read rates have something to show. Illustrative text."""

from __future__ import annotations

import random
from datetime import datetime, time

from django.db import transaction
from django.utils import timezone

from comms import selectors, services
from comms.models import Bulletin, Delivery
from finance.inputs import add_months, month_start

SEED = 2028
TOPICS = [
    (
        "Enhanced Access: the winter rota",
        "workforce",
        "The hubs run every weekday evening and Saturday. **Locked sessions** are kept when "
        "the rota is planned again; tell the operations lead about leave by the 15th.",
    ),
    (
        "Phlebotomy activity returns due",
        "finance",
        "Please check your practice's phlebotomy activity for last month by the 5th working "
        "day. The settlement is posted on the 10th.",
    ),
    (
        "Flu and COVID-19 vaccination clinics",
        "clinical",
        "Clinics run from the hubs on Saturdays in October. Book staff through the operations"
        " lead.",
    ),
    (
        "Board meeting: summary",
        "news",
        "The board approved the overhead top-slice of 4% for the year and the new care-home "
        "contract.",
    ),
    (
        "ARRS claims: what is changing",
        "finance",
        "From this month each claim has an evidence schedule. Submitted claims are locked.",
    ),
    (
        "Data security: DSPT deadline 30 June",
        "briefing",
        "Every practice must publish its Data Security and Protection Toolkit by **30 June**.",
    ),
    (
        "Learning event: frailty in primary care",
        "events",
        "A lunchtime webinar for clinicians and care coordinators.",
    ),
    (
        "Care-home rounds: new schedule",
        "clinical",
        "Weekly rounds move to Tuesdays from next month.",
    ),
    (
        "Practice managers' forum",
        "events",
        "The forum meets at the Market Harborough hub on the first Thursday.",
    ),
    (
        "Contract renewal: diagnostics",
        "finance",
        "The ICB has offered a one-year extension; the board will decide next month.",
    ),
    (
        "Recruitment: salaried GPs for the hubs",
        "workforce",
        "We are recruiting sessional GPs for evening and Saturday sessions.",
    ),
    (
        "Year-end: statements and returns",
        "news",
        "Each practice's value statement for the year is ready to download as a PDF.",
    ),
]


def demo_bulletins(federation, *, by, months: int = 12) -> dict:
    """Run once: a federation that already has bulletins is left alone."""
    if Bulletin.objects.filter(federation=federation).exists():
        return {"created": False}
    rng = random.Random(SEED)  # noqa: S311 # nosec B311 (repeatable demo figures)
    this_month = month_start(timezone.localdate())
    created = 0
    for n, (title, category, body) in enumerate(TOPICS[:months]):
        month = add_months(this_month, n - months)
        when = timezone.make_aware(datetime.combine(month.replace(day=8), time(9, 30)))
        with transaction.atomic():
            bulletin = services.bulletin_save(
                Bulletin(
                    federation=federation,
                    title=title,
                    category=category,
                    body=body,
                    essential=category == "briefing",
                    created_by=by,
                ),
                by=by,
            )
            services._queue(bulletin, selectors.recipients(bulletin), when)
            copies = list(Delivery.objects.filter(bulletin=bulletin))
            for copy in copies:  # history: delivered then, and most read
                copy.status, copy.sent_at, copy.attempts = Delivery.Status.SENT, when, 1
                if rng.random() < 0.7:
                    copy.read_at = when + timezone.timedelta(hours=rng.randint(1, 96))
            Delivery.objects.bulk_update(copies, ["status", "sent_at", "attempts", "read_at"])
            Bulletin.objects.filter(pk=bulletin.pk).update(status=Bulletin.Status.SENT)
        created += 1
    return {"created": True, "bulletins": created}


def demo_events(federation, *, by) -> dict:
    """Two upcoming events: a practice managers' forum at a hub and a clinical webinar."""
    from datetime import timedelta

    # imported on first use: the demo loader imports this module
    from comms import events
    from comms.models import Event

    if Event.objects.filter(federation=federation).exists():
        return {"created": False}
    today = timezone.localdate()
    forum_day = today + timedelta(days=(3 - today.weekday()) % 7 + 14)  # a Thursday
    webinar_day = forum_day + timedelta(days=13)  # a Wednesday
    forum = events.event_save(
        Event(
            federation=federation,
            title="Practice managers' forum",
            kind=Event.Kind.MEETING,
            description="The quarterly forum: the winter rota, ARRS claims and the "
            "settlement timetable. Lunch provided.",
            agenda="1. Winter Enhanced Access rota\n2. ARRS claims and evidence\n"
            "3. Month-end settlement timetable\n4. Any other business",
            starts_at=timezone.make_aware(datetime.combine(forum_day, time(12, 30))),
            ends_at=timezone.make_aware(datetime.combine(forum_day, time(14, 0))),
            place="Enhanced Access hub 1",
            capacity=20,
            audience_roles=["practice_manager", "federation_admin", "operations_lead"],
            created_by=by,
        ),
        by=by,
    )
    webinar = events.event_save(
        Event(
            federation=federation,
            title="Learning: frailty in primary care",
            kind=Event.Kind.WEBINAR,
            description="A lunchtime webinar for clinicians and care coordinators.",
            starts_at=timezone.make_aware(datetime.combine(webinar_day, time(13, 0))),
            ends_at=timezone.make_aware(datetime.combine(webinar_day, time(14, 0))),
            online_link="https://meet.example.nhs.uk/frailty",
            capacity=100,
            created_by=by,
        ),
        by=by,
    )
    return {"created": True, "events": [forum.title, webinar.title]}


LIBRARY = {
    "Policies": [
        (
            "Information governance policy",
            "Our data protection and confidentiality policy.",
            None,
            "information-governance.txt",
            "Information governance policy\n\nThe federation holds aggregate figures only...",
        ),
        (
            "Lone working in the hubs",
            "For evening and Saturday sessions.",
            None,
            "lone-working.txt",
            "Lone working\n\nA GP is on site whenever a hub is open...",
        ),
    ],
    "Templates": [
        (
            "Activity return template",
            "The four columns the activity import reads.",
            ["practice_manager", "operations_lead"],
            "activity-template.csv",
            "ODS code,Service,Month,Units\nC82001,phlebotomy,2026-10,0\n",
        ),
    ],
    "Board papers": [
        (
            "Board pack: annual accounts",
            "For the board and the federation's administrators.",
            ["board_member", "federation_admin", "finance_lead"],
            "board-pack.txt",
            "Board pack\n\n1. Accounts\n2. Overhead top-slice\n3. Contracts register",
        ),
    ],
}


def demo_library(federation, *, by) -> dict:
    # imported on first use: the demo loader imports this module
    from comms import library
    from comms.models import Folder, Resource

    if Folder.objects.filter(federation=federation).exists():
        return {"created": False}
    count = 0
    for folder_name, documents in LIBRARY.items():
        folder = library.folder_add(federation, folder_name, by=by)
        for title, description, roles, file_name, text in documents:
            library.resource_add(
                Resource(
                    federation=federation,
                    folder=folder,
                    title=title,
                    description=description,
                    audience_roles=roles or [],
                ),
                file_name=file_name,
                data=text.encode(),
                by=by,
            )
            count += 1
    return {"created": True, "documents": count}
