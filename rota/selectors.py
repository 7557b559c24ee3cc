"""Reads of the rota: the database loaded as the planner's Problem, the rota as it stands (its
compliance and cost, and the JSON the command line and API give), and what other areas read,
such as what the Enhanced Access sessions cost by month.

It imports nothing from finance, which reads it (``finance.inputs`` takes a service's cost of
delivery from here), so the two stay free of an import cycle.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Max, Min, Q
from django.utils import timezone

from accounts import permissions as perms
from kernel.dates import financial_year_of
from registry import selectors as registry
from registry.models import AnnualPopulation, Federation
from rota import planner
from rota.models import (
    AccessPcn,
    AgreedHours,
    PlanRun,
    RotaSession,
    Site,
    Staff,
)


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


def arrs_employers(pcn) -> list[Federation]:
    """The federations that employ ARRS-funded posts for a PCN."""
    employing = Staff.objects.filter(pcn=pcn, arrs_funded=True).values("federation_id")
    return list(Federation.objects.filter(pk__in=employing))


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
    # Each PCN once: without clearing Staff's default ordering by name, DISTINCT would also
    # be over the name, giving one row per post.
    return list(
        Staff.objects.filter(within, arrs_funded=True)
        .order_by("federation__name", "pcn__name")
        .values_list("federation__slug", "federation__name", "pcn__code", "pcn__name")
        .distinct()
    )


# --- from the database to the planner -----------------------------------------------------


def _days(start: date, weeks: int):
    return [start + timedelta(days=d) for d in range(weeks * 7)]


def _subtract(windows, a: datetime, b: datetime):
    out = []
    for x, y in windows:
        if b <= x or y <= a:
            out.append((x, y))
            continue
        if x < a:
            out.append((x, a))
        if b < y:
            out.append((b, y))
    return out


def _union(windows):
    out = []
    for x, y in sorted(windows):
        if out and x <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], y))
        else:
            out.append((x, y))
    return out


def availability_windows(staff: Staff, days: list[date]) -> tuple:
    """When a person can work on these days: their weekly pattern, less leave and one-off
    unavailability, plus one-off extra windows."""
    pattern = list(staff.availability.all())
    changes = list(staff.changes.all())
    windows = []
    for day in days:
        if day < staff.start_date or (staff.end_date and day > staff.end_date):
            continue
        todays = [
            (datetime.combine(day, w.start), datetime.combine(day, w.end))
            for w in pattern
            if w.weekday == day.weekday()
            and (w.valid_from is None or w.valid_from <= day)
            and (w.valid_to is None or day <= w.valid_to)
        ]
        for c in changes:
            if not c.date_from <= day <= c.date_to:
                continue
            a = datetime.combine(day, c.start or time())
            b = (
                datetime.combine(day, c.end)
                if c.end
                else datetime.combine(day, time()) + timedelta(days=1)
            )
            todays = _union([*todays, (a, b)]) if c.available else _subtract(todays, a, b)
        windows += todays
    return tuple(_union(windows))


@dataclass
class Loaded:
    problem: planner.Problem
    pcns: dict  # code -> registry PCN
    sites: dict  # id -> Site
    staff: dict  # id -> Staff
    population_source: dict  # code -> PopulationFigure


def load(federation: Federation, start: date, weeks: int, *, keep=True) -> Loaded:
    days = _days(start, weeks)
    end = start + timedelta(weeks=weeks)
    closed = planner.bank_holidays({start.year, end.year})
    year = financial_year_of(start)
    pcns, regs, sources = [], {}, {}
    for access in (
        AccessPcn.objects.filter(federation=federation)
        .select_related("pcn")
        .prefetch_related("agreed")
    ):
        figure = registry.population(
            access.pcn, year, AnnualPopulation.Measure.ADJUSTED, federation
        )
        agreed = list(access.agreed.all())
        other = tuple(
            (datetime.combine(day, a.start), datetime.combine(day, a.end))
            for day in days
            for a in agreed
            if a.weekday == day.weekday() and day not in closed
        )
        pcns.append(
            planner.Pcn(
                access.pcn.code,
                float(figure.value or 0),
                figure.is_estimate,
                other,
                access.pcn.name,
            )
        )
        regs[access.pcn.code] = access.pcn
        sources[access.pcn.code] = figure
    sites = {}
    site_list = []
    for site in Site.objects.filter(federation=federation).prefetch_related("pcns"):
        open_windows = tuple(
            (datetime.combine(day, site.opens), datetime.combine(day, site.closes))
            for day in days
            if (day.weekday() < 5 and site.open_weekdays)
            or (day.weekday() == 5 and site.open_saturdays)
        )
        site_list.append(
            planner.Site(
                site.pk,
                site.name,
                site.rooms,
                frozenset(p.code for p in site.pcns.all() if p.code in regs),
                open_windows,
            )
        )
        sites[site.pk] = site
    people, staff = [], {}
    active = Staff.objects.filter(federation=federation, start_date__lt=end).exclude(
        end_date__lt=start
    )
    for person in active.prefetch_related("availability", "changes", "sites"):
        people.append(
            planner.Person(
                person.pk,
                person.name,
                person.get_role_display(),
                person.is_gp,
                person.pence_per_hour,
                float(person.max_hours_per_week),
                frozenset(s.pk for s in person.sites.all()),
                availability_windows(person, days),
            )
        )
        staff[person.pk] = person
    locked = []
    if keep:
        locked = [
            _booking(s)
            for s in sessions_between(federation, start, weeks)
            if s.kept and s.pcn.code in regs
        ]
    problem = planner.Problem(start, weeks, pcns, site_list, people, locked)
    return Loaded(problem, regs, sites, staff, sources)


def _booking(session: RotaSession) -> planner.Booking:
    return planner.Booking(
        session.staff_id,
        session.site_id,
        session.pcn.code,
        local(session.start),
        local(session.end),
    )


def sessions_between(federation, start: date, weeks: int):
    first = aware(datetime.combine(start, time()))
    last = aware(datetime.combine(start + timedelta(weeks=weeks), time()))
    return list(
        RotaSession.objects.filter(federation=federation, start__gte=first, start__lt=last)
        .select_related("staff", "site", "pcn")
        .order_by("start", "site__name", "staff__name")
    )


# --- what the rota looks like now ---------------------------------------------------------


def assessment(federation, start: date, weeks: int) -> dict:
    """Compliance per PCN per week and cost per PCN of the sessions as they stand now."""
    loaded = load(federation, start, weeks, keep=False)
    sessions = sessions_between(federation, start, weeks)
    bookings = [_booking(s) for s in sessions if s.pcn.code in loaded.pcns]
    rows, shortfalls = planner.assess(loaded.problem, bookings)
    people = {p.id: p for p in loaded.problem.people}
    cost = defaultdict(int)
    for b in bookings:
        if b.person in people:
            cost[b.pcn] += planner.session_cost(people[b.person], b.minutes)
    return {
        "loaded": loaded,
        "sessions": sessions,
        "compliance": rows,
        "shortfalls": shortfalls,
        "cost_by_pcn": dict(cost),
        "cost_pence": sum(cost.values()),
    }


def plan_json(federation, start: date, weeks: int, run: PlanRun | None = None) -> dict:
    """The rota as the command line and API give it (keys named in issue 5)."""
    found = assessment(federation, start, weeks)
    loaded = found["loaded"]
    agreed = defaultdict(list)
    for code, weekday, begins, ends in AgreedHours.objects.filter(
        access_pcn__federation=federation
    ).values_list("access_pcn__pcn__code", "weekday", "start", "end"):
        agreed[code].append(
            {"weekday": weekday, "start": f"{begins:%H:%M}", "end": f"{ends:%H:%M}"}
        )
    end = start + timedelta(weeks=weeks)
    return {
        "federation": federation.slug,
        "start": start.isoformat(),
        "weeks": weeks,
        "status": run.solver_status if run else "CURRENT",
        "cost_pence": found["cost_pence"],
        "lower_bound_pence": run.lower_bound_pence if run else None,
        "gap": round(run.gap, 4) if run and run.gap is not None else None,
        "greedy_cost_pence": run.greedy_cost_pence if run else None,
        "solve_seconds": round(run.solve_seconds, 2) if run and run.solve_seconds else None,
        "pcns": [
            {
                "code": p.code,
                "name": p.name,
                "adjusted_population": p.adjusted_population,
                "population_is_estimate": p.population_is_estimate,
                "required_minutes_per_week": p.required_minutes_per_week,
                # the hours outside Network Standard Hours the commissioner agreed, which the
                # PCN's minutes may use: every week, on that weekday (0 is Monday), except
                # on a bank holiday
                "agreed_hours": sorted(
                    agreed[p.code], key=lambda h: (h["weekday"], h["start"], h["end"])
                ),
            }
            for p in loaded.problem.pcns
        ],
        # England's bank holidays in these weeks: no Network Standard Hours, nor agreed hours
        "bank_holidays": [
            day.isoformat()
            for day in sorted(planner.bank_holidays({start.year, end.year}))
            if start <= day < end
        ],
        "sites": [
            {"id": s.id, "name": s.name, "rooms": s.rooms, "pcns": sorted(s.pcns)}
            for s in loaded.problem.sites
        ],
        "staff": [{"id": p.id, "name": p.name, "role": p.role} for p in loaded.problem.people],
        "sessions": [
            {
                "id": s.pk,
                "staff": s.staff_id,
                "site": s.site_id,
                "pcn": s.pcn.code,
                "start": local(s.start).isoformat(),
                "end": local(s.end).isoformat(),
                "role": s.staff.get_role_display(),
                "locked": s.locked,
                "edited": s.edited_at is not None,
            }
            for s in found["sessions"]
        ],
        "compliance": found["compliance"],
        "cost_by_pcn_pence": found["cost_by_pcn"],
        "shortfalls": found["shortfalls"],
    }
