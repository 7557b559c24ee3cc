"""Reads of the rota that other areas use: what the Enhanced Access sessions cost, by month.

It imports nothing from finance, which reads it (``finance.inputs`` takes a service's cost of
delivery from here), so the two stay free of an import cycle.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db.models import Max, Min, Q
from django.utils import timezone

from accounts import permissions as perms
from rota import planner
from rota.models import RotaSession, Staff


def local(moment: datetime) -> datetime:
    """An aware datetime from the database as naive local (Europe/London) time."""
    return timezone.localtime(moment).replace(tzinfo=None)


def aware(moment: datetime) -> datetime:
    return timezone.make_aware(moment)


def rota_cost_by_month(
    federation_ids, first: date, last: date
) -> dict[tuple[int, date], dict[int, int]]:
    """What the sessions starting from ``first`` to ``last`` (whole days, local time) cost, as
    ``{(federation id, first day of the month): {PCN id: pence}}``, in one query.

    Each session is costed as a plan is (``PlanRun.cost_pence``, ``rota.services.assessment``):
    its minutes times the person's hourly cost, rounded half up once a session. A month with
    sessions is present even when they cost nothing (people with no hourly cost); a month
    with no sessions at all is absent."""
    start = aware(datetime.combine(first, time()))
    stop = aware(datetime.combine(last + timedelta(days=1), time()))
    out: dict[tuple[int, date], dict[int, int]] = {}
    for fed, staff, site, pcn, begins, ends, rate in RotaSession.objects.filter(
        federation_id__in=federation_ids, start__gte=start, start__lt=stop
    ).values_list(
        "federation_id", "staff_id", "site_id", "pcn_id", "start", "end", "staff__pence_per_hour"
    ):
        booking = planner.Booking(staff, site, "", local(begins), local(ends))
        month = booking.start.date().replace(day=1)
        by_pcn = out.setdefault((fed, month), defaultdict(int))
        by_pcn[pcn] += planner.cost_of(rate, booking.minutes)
    return {key: dict(by_pcn) for key, by_pcn in out.items()}


def rota_days(federation_id: int, first: date, last: date) -> tuple[date, date] | None:
    """The first and last days (local time) from ``first`` to ``last`` on which a session of
    the federation's starts, or None when there is none."""
    start = aware(datetime.combine(first, time()))
    stop = aware(datetime.combine(last + timedelta(days=1), time()))
    found = RotaSession.objects.filter(
        federation_id=federation_id, start__gte=start, start__lt=stop
    ).aggregate(first=Min("start"), last=Max("start"))
    if found["first"] is None:
        return None
    return local(found["first"]).date(), local(found["last"]).date()


def arrs_pcns(user) -> list:
    """(federation, PCN) pairs whose ARRS claims a PCN clinical director may open: the
    federation their role was granted within, where it employs ARRS posts for their PCN."""
    scope = perms.scope_for(user)
    pairs = scope.pcn_pairs(perms.Role.PCN_CLINICAL_DIRECTOR)
    if not pairs:
        return []
    within = Q()
    for pcn_id, federation_id in pairs:
        within |= Q(pcn_id=pcn_id, federation_id=federation_id)
    return list(
        Staff.objects.filter(within, arrs_funded=True)
        .values_list("federation__slug", "federation__name", "pcn__code", "pcn__name")
        .distinct()
    )
