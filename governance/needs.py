"""What needs a person today in governance, for the home page (home/needs.py) and
``GET /api/v1/me/needs``, each item naming only what the person may open:

* a practice's nominated voter: each members' resolution still open that waits for the
  practice's vote, with the day it lapses (or is decided at the meeting);
* a board member or decision-maker: the yearly declaration of interests not yet made, a
  declaration due on appointment (within 28 days of a seat or the board member role), and a
  meeting of a body they sit on within the next fortnight, with its board pack to read;
* the company secretary and the administrator: minutes awaiting approval, actions overdue
  and risks overdue for review.

Governance's own module: home imports it, never the other way."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone

from accounts import permissions as perms
from accounts.models import Role
from governance import board_selectors as board
from governance import register_selectors as registers
from governance.access import RUNNERS, can_see_body, can_see_governance, is_decision_maker
from governance.models import Action, Interest, Meeting, Member, Resolution, Seat
from kernel.formats import counted
from kernel.needs import INFO, SOON, URGENT, Need, date_text
from registry.models import Federation

APPOINTMENT_DAYS = 28
MEETINGS_AHEAD_DAYS = 14
AREA = "governance"


def governance_needs(user, today: date) -> list[Need]:
    scope = perms.scope_for(user)
    if not scope.grants:
        return []
    ids = scope.within_ids() | scope.federation_ids()
    needs: list[Need] = []
    for federation in Federation.objects.filter(pk__in=ids).order_by("name"):
        if not can_see_governance(user, federation):
            continue
        needs += _voter_needs(user, federation, today)
        if is_decision_maker(user, federation):
            needs += _declaration_needs(user, federation, today)
            needs += _meeting_needs(user, federation, today)
        if federation.pk in scope.federation_ids(*RUNNERS):
            needs += _secretary_needs(federation, today)
    return needs


def _voter_needs(user, federation: Federation, today: date) -> list[Need]:
    practices = dict(
        Member.objects.filter(federation=federation, nominated_voter=user).values_list(
            "practice_id", "practice__name"
        )
    )
    if not practices:
        return []
    open_ = Q(mode=Resolution.Mode.WRITTEN, lapses_on__gte=today) | Q(
        mode=Resolution.Mode.MEETING, meeting_on__gte=today
    )
    resolutions = (
        federation.resolutions.exclude(kind=Resolution.Kind.BOARD)
        .filter(open_, eligible_members__practice_id__in=practices)
        .prefetch_related("eligible_members", "votes")
        .distinct()
        .order_by("circulated_on", "pk")
    )
    needs = []
    for resolution in resolutions:
        voted = {v.practice_id for v in resolution.votes.all()}
        waiting = [
            practices[e.practice_id]
            for e in resolution.eligible_members.all()
            if e.practice_id in practices and e.practice_id not in voted
        ]
        if not waiting:
            continue
        closes = resolution.closes_on
        when = (
            f"it lapses at the end of {date_text(closes)}"
            if resolution.mode == Resolution.Mode.WRITTEN
            else f"it is decided at the meeting on {date_text(closes)}"
        )
        needs.append(
            Need(
                area=AREA,
                title=f"Resolution waiting for your vote: {resolution.title}",
                detail=f"{federation.name}: {', '.join(sorted(waiting))} has not voted; {when}.",
                url=reverse("governance:resolution", args=[resolution.pk]),
                due=closes,
                severity=URGENT if (closes - today).days <= 2 else SOON,
            )
        )
    return needs


def _declaration_needs(user, federation: Federation, today: date) -> list[Need]:
    url = reverse("governance:interests", args=[federation.slug])
    needs = []
    round_ = board.current_round(federation)
    if round_ is not None and not round_.returns.filter(user=user).exists():
        late = round_.due_on < today
        needs.append(
            Need(
                area=AREA,
                title=f"Declarations of interest: your {round_.year} return",
                detail=(
                    f"{federation.name} asks every board member and decision-maker to confirm "
                    f"their interests, or make a nil return, by {date_text(round_.due_on)}"
                    + (": it is late." if late else ".")
                ),
                url=url,
                due=round_.due_on,
                severity=URGENT if late else SOON,
            )
        )
    appointed = _appointed_on(user, federation, today)
    if appointed is not None:
        declared = Interest.objects.filter(
            federation=federation, user=user, declared_on__gte=appointed
        ).exists()
        if not declared:
            due = appointed + timedelta(days=APPOINTMENT_DAYS)
            needs.append(
                Need(
                    area=AREA,
                    title="Declare your interests on appointment",
                    detail=(
                        f"You were appointed in {federation.name} on {date_text(appointed)}: "
                        f"declare your interests by {date_text(due)}."
                    ),
                    url=url,
                    due=due,
                    severity=SOON,
                )
            )
    return needs


def _appointed_on(user, federation: Federation, today: date) -> date | None:
    """The latest appointment within the last 28 days: a seat on one of the federation's
    bodies, or its board member role."""
    since = today - timedelta(days=APPOINTMENT_DAYS)
    starts = list(
        Seat.objects.filter(
            board.current(today), body__federation=federation, user=user, start_date__gte=since
        ).values_list("start_date", flat=True)
    )
    starts += [
        g.start_date
        for g in perms.scope_for(user).grants
        if g.federation_id == federation.pk
        and g.role == Role.BOARD_MEMBER
        and since <= g.start_date <= today
    ]
    return max(starts) if starts else None


def _meeting_needs(user, federation: Federation, today: date) -> list[Need]:
    start = timezone.make_aware(datetime.combine(today, time.min))
    end = start + timedelta(days=MEETINGS_AHEAD_DAYS + 1)
    meetings = (
        Meeting.objects.filter(body__federation=federation, starts_at__gte=start, starts_at__lt=end)
        .filter(items__isnull=False)
        .select_related("body")
        .distinct()
        .order_by("starts_at")
    )
    needs = []
    for meeting in meetings:
        if not can_see_body(user, meeting.body):
            continue
        day = board.meeting_day(meeting)
        needs.append(
            Need(
                area=AREA,
                title=f"Board pack to read: {meeting.title}",
                detail=(
                    f"{meeting.body.name} of {federation.name} meets on {date_text(day)} at "
                    f"{timezone.localtime(meeting.starts_at):%H:%M}: its papers are ready."
                ),
                url=reverse("governance:meeting", args=[meeting.pk]),
                due=day,
                severity=SOON,
            )
        )
    return needs


def _secretary_needs(federation: Federation, today: date) -> list[Need]:
    needs = []
    bodies = reverse("governance:bodies", args=[federation.slug])
    awaiting = board.minutes_awaiting_approval(federation, today)
    if awaiting:
        needs.append(
            Need(
                area=AREA,
                title=f"Minutes awaiting approval: {counted(len(awaiting), 'meeting')}",
                detail=(
                    f"{federation.name}: the minutes of "
                    + ", ".join(m.title for m in awaiting[:3])
                    + (" and others" if len(awaiting) > 3 else "")
                    + " are drafted and not yet approved."
                ),
                url=bodies,
                severity=INFO,
            )
        )
    overdue = Action.objects.filter(
        body__federation=federation, status=Action.Status.OPEN, due_on__lt=today
    ).aggregate(n=Count("pk"), earliest=Min("due_on"))
    if overdue["n"]:
        needs.append(
            Need(
                area=AREA,
                title=f"Actions overdue: {counted(overdue['n'], 'action')}",
                detail=f"{federation.name}: the earliest was due on "
                f"{date_text(overdue['earliest'])}.",
                url=bodies,
                due=overdue["earliest"],
                severity=URGENT,
            )
        )
    risks = list(registers.risks_overdue(federation, today).order_by("review_on"))
    if risks:
        needs.append(
            Need(
                area=AREA,
                title=f"Risks overdue for review: {counted(len(risks), 'risk')}",
                detail=f"{federation.name}: {risks[0]} was due for review on "
                f"{date_text(risks[0].review_on)}.",
                url=reverse("governance:risks", args=[federation.slug]),
                due=risks[0].review_on,
                severity=URGENT,
            )
        )
    return needs
