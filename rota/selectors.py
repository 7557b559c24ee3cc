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
from django.urls import reverse
from django.utils import timezone

from accounts import permissions as perms
from kernel.dates import add_months, financial_year_of, monday_of, month_end, month_start
from kernel.needs import INFO, SOON, URGENT, Need, count_text, date_text, duration_text
from registry import selectors as registry
from registry.models import PCN, AnnualPopulation, Federation
from rota import planner
from rota.models import (
    AccessPcn,
    AgreedHours,
    ArrsClaim,
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


# --- what needs a person today ---------------------------------------------------------------

NEEDS_WEEKS = 4  # the weeks ahead the home page checks, as the rota page shows by default
NEEDS_URGENT_DAYS = 14  # a week starting within this many days that is not ready is urgent
FAILED_RUNS_SINCE_DAYS = 14  # a failed plan run this recent, not followed by one that worked


def rota_needs(user, today: date) -> list[Need]:
    """What needs this person in the rota, newest risk first. For those who plan it (a
    federation's administrators and operations lead): each of the next four weeks with no
    session planned, or planned short of the DES rules for a PCN (as the rota's compliance
    shows it), and a plan run that failed. For a PCN's clinical director: his PCN, linked,
    with its compliance over the same weeks, and his PCN's ARRS claim for last month while
    it is not submitted. Each federation's weeks are assessed once, with a bounded number of
    queries; a federation that keeps no rota (no PCN on its Enhanced Access) has no weeks."""
    scope = perms.scope_for(user)
    planners = scope.federation_ids(perms.Role.FEDERATION_ADMIN, perms.Role.OPERATIONS_LEAD)
    directing = scope.pcn_pairs(perms.Role.PCN_CLINICAL_DIRECTOR)
    if not planners and not directing:
        return []
    start = monday_of(today)
    kept = set(
        AccessPcn.objects.filter(
            federation_id__in=planners | {f for _p, f in directing}
        ).values_list("federation_id", "pcn_id")
    )
    rota_kept = {f for f, _p in kept}
    federations = {
        f.pk: f for f in Federation.objects.filter(pk__in=planners | {f for _p, f in directing})
    }
    assessed = {
        pk: assessment(federations[pk], start, NEEDS_WEEKS)
        for pk in sorted(rota_kept & (planners | {f for p, f in directing if (f, p) in kept}))
    }
    needs: list[Need] = []
    for pk in sorted(planners & rota_kept, key=lambda pk: federations[pk].name):
        needs += _week_needs(federations[pk], assessed[pk], today)
    needs += _failed_run_needs([federations[pk] for pk in planners if pk in federations], today)
    needs += _director_needs(directing, federations, assessed, kept, today)
    return needs


def _week_severity(week: date, today: date) -> str:
    return URGENT if week <= today + timedelta(days=NEEDS_URGENT_DAYS) else SOON


def _week_needs(federation: Federation, found: dict, today: date) -> list[Need]:
    names = {p.code: p.name or p.code for p in found["loaded"].problem.pcns}
    planned = {r["week_start"] for r in found["compliance"] if r["planned_minutes"]}
    weeks = sorted({r["week_start"] for r in found["compliance"]})
    needs = []
    for key in weeks:
        week = date.fromisoformat(key)  # written by the planner from a date: never outside
        url = reverse("rota:federation", args=[federation.slug]) + f"?start={key}"
        if key not in planned:
            needs.append(
                Need(
                    area="rota",
                    title=f"Plan the week of {date_text(week)}",
                    detail=f"{federation.name}: no Enhanced Access session is planned that week.",
                    url=url,
                    due=week,
                    severity=_week_severity(week, today),
                )
            )
            continue
        short = [s for s in found["shortfalls"] if s["week_start"] == key]
        if short:
            shown = ", ".join(sorted(names.get(s["pcn"], s["pcn"]) for s in short)[:4])
            more = f" and {len(short) - 4} more" if len(short) > 4 else ""
            minutes = sum(s["minutes_short"] for s in short)
            needs.append(
                Need(
                    area="rota",
                    title=(
                        f"The week of {date_text(week)} falls short of the DES rules for "
                        f"{count_text(len(short), 'PCN')}"
                    ),
                    detail=(
                        f"{federation.name}: {shown}{more}"
                        + (f"; {duration_text(minutes)} short in all" if minutes else "")
                        + "."
                    ),
                    url=url,
                    due=week,
                    severity=_week_severity(week, today),
                )
            )
    return needs


def _failed_run_needs(federations: list, today: date) -> list[Need]:
    """The latest plan run of each federation, when it failed recently: one query."""
    since = aware(datetime.combine(today - timedelta(days=FAILED_RUNS_SINCE_DAYS), time()))
    latest: dict[int, PlanRun] = {}
    for run in PlanRun.objects.filter(federation__in=federations, created_at__gte=since).order_by(
        "-created_at", "-pk"
    ):
        latest.setdefault(run.federation_id, run)
    by_pk = {f.pk: f for f in federations}
    needs = []
    for pk, run in latest.items():
        if run.status != PlanRun.Status.FAILED:
            continue
        federation = by_pk[pk]
        needs.append(
            Need(
                area="rota",
                title=f"Planning the rota from {date_text(run.start)} failed",
                detail=(
                    f"{federation.name}: the planner run of "
                    f"{date_text(local(run.created_at).date())} for "
                    f"{count_text(run.weeks, 'week')} did not finish"
                    + (f" ({run.error.splitlines()[0][:200]})" if run.error.strip() else "")
                    + ". Plan again."
                ),
                url=reverse("rota:federation", args=[federation.slug])
                + f"?start={run.start:%Y-%m-%d}&weeks={run.weeks}",
                due=run.start,
                severity=URGENT,
            )
        )
    return needs


def _director_needs(directing, federations, assessed, kept, today: date) -> list[Need]:
    if not directing:
        return []
    pcns = {p.pk: p for p in PCN.objects.filter(pk__in={p for p, _f in directing})}
    month = add_months(month_start(today), -1)
    employing = set(
        Staff.objects.filter(
            Q(*[Q(pcn_id=p, federation_id=f) for p, f in directing], _connector=Q.OR),
            arrs_funded=True,
        ).values_list("pcn_id", "federation_id")
    )
    claimed = set(
        ArrsClaim.objects.filter(
            pcn_id__in=pcns, federation_id__in={f for _p, f in directing}, month=month
        ).values_list("pcn_id", "federation_id")
    )
    needs = []
    for pcn_id, fed in sorted(directing, key=lambda pf: (pcns[pf[0]].name, pf[1])):
        pcn, federation = pcns[pcn_id], federations[fed]
        said = f"{pcn.name} ({pcn.code}), through {federation.name}."
        severity = INFO
        due = None
        if (fed, pcn_id) in kept and fed in assessed:
            said, severity, due = _director_compliance(pcn, federation, assessed[fed], today)
        needs.append(
            Need(
                area="rota",
                title=f"Your PCN: {pcn.name}",
                detail=said,
                url=reverse("registry:pcn", args=[pcn.code]),
                due=due,
                severity=severity,
            )
        )
        if (pcn_id, fed) in employing and (pcn_id, fed) not in claimed:
            needs.append(
                Need(
                    area="rota",
                    title=f"Submit {pcn.name}'s ARRS claim for {month:%B %Y}",
                    detail=(
                        f"{federation.name} employs ARRS-funded posts for {pcn.name}: the claim "
                        f"for {month:%B %Y} is not submitted yet."
                    ),
                    url=reverse("rota:arrs", args=[federation.slug, pcn.code])
                    + f"?month={month:%Y-%m}",
                    due=month_end(month),
                    severity=SOON,
                )
            )
    return needs


def _director_compliance(pcn, federation, found: dict, today: date):
    """One PCN's Enhanced Access over the weeks assessed, in a sentence, with how pressing it
    is and the first week short."""
    planned = {r["week_start"] for r in found["compliance"] if r["planned_minutes"]}
    rows = [r for r in found["compliance"] if r["pcn"] == pcn.code]
    met = [r for r in rows if r["met"]]
    short = [r for r in rows if not r["met"] and r["week_start"] in planned]
    unplanned = [r for r in rows if r["week_start"] not in planned]
    said = (
        f"{federation.name}'s Enhanced Access rota meets the DES rules for {pcn.name} in "
        f"{len(met)} of the next {count_text(len(rows), 'week')}"
    )
    if short:
        first = date.fromisoformat(short[0]["week_start"])
        said += f"; the week of {date_text(first)} falls short"
    if unplanned:
        said += f"; {count_text(len(unplanned), 'week')} not planned yet"
    said += "."
    if not short:
        return said, INFO, None
    first = date.fromisoformat(short[0]["week_start"])
    return said, _week_severity(first, today), first
