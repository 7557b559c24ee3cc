"""The Enhanced Access rota planner (issue 5): pure, no database.

Time is cut into 30-minute slots. A slot is in Network Standard Hours (18:30-20:00 Monday to
Friday, 09:00-17:00 Saturday), never on a Sunday or one of England's bank holidays (from the
maintained ``holidays`` library), or in a block the commissioner agreed for a PCN (at least 30
minutes). For every slot, site, PCN it may serve and person who may work there, CP-SAT decides
whether that person works it. The rules, each a constraint:

* every PCN has someone working for it throughout Network Standard Hours;
* every PCN gets at least 60 minutes of appointments per 1,000 adjusted population a week;
* a GP is at a site throughout every slot it is open;
* a site never has more people working at once than it has rooms;
* nobody is in two places at once, outside their availability, or over their weekly hours;
* sessions a person has locked are kept.

The first two can be impossible with the staff there are: they have slack, priced far above
any staff cost, so the solver still returns the best rota and the slack says exactly where and
by how much the rules are not met. The objective is the staff cost in pence.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import holidays
from ortools.sat.python import cp_model

SLOT = timedelta(minutes=30)
WEEKDAY_HOURS = (time(18, 30), time(20, 0))
SATURDAY_HOURS = (time(9, 0), time(17, 0))
SHORTFALL_PENCE_PER_MINUTE = 1_000_000  # far above any staff cost: meet the rules first
UNCOVERED_PENCE_PER_SLOT = 50_000_000


def bank_holidays(years) -> set[date]:
    """England's bank holidays. The library also lists a holiday's own date when it falls at a
    weekend (Boxing Day on Saturday 26 December 2026); the bank holiday is then the weekday
    substitute it also lists, so weekend dates are left out, as on gov.uk."""
    listed = holidays.country_holidays("GB", subdiv="ENG", years=sorted(set(years)))
    return {day for day in listed if day.weekday() < 5}


def required_minutes(adjusted_population: float) -> int:
    """60 minutes a week per 1,000 adjusted population, rounded up to the whole minute."""
    return math.ceil(60 * adjusted_population / 1000)


def standard_slots(start: date, weeks: int) -> list[datetime]:
    """Every 30-minute slot of Network Standard Hours from ``start`` (a Monday) for ``weeks``,
    without bank holidays."""
    closed = bank_holidays({start.year, (start + timedelta(weeks=weeks)).year})
    slots = []
    for offset in range(weeks * 7):
        day = start + timedelta(days=offset)
        if day in closed or day.weekday() == 6:
            continue
        opens, closes = SATURDAY_HOURS if day.weekday() == 5 else WEEKDAY_HOURS
        moment = datetime.combine(day, opens)
        while moment < datetime.combine(day, closes):
            slots.append(moment)
            moment += SLOT
    return slots


@dataclass(frozen=True)
class Pcn:
    code: str
    adjusted_population: float
    population_is_estimate: bool = False
    other_hours: tuple[tuple[datetime, datetime], ...] = ()  # agreed blocks, >= 30 minutes

    @property
    def required_minutes_per_week(self) -> int:
        return required_minutes(self.adjusted_population)


@dataclass(frozen=True)
class Site:
    id: int
    name: str
    rooms: int
    pcns: frozenset[str]


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    role: str
    is_gp: bool
    pence_per_hour: int
    max_hours_per_week: float
    sites: frozenset[int]
    available: tuple[tuple[datetime, datetime], ...]  # windows, leave already taken out


@dataclass(frozen=True)
class Booking:
    """A person working a slot (or a run of slots) at a site for a PCN."""

    person: int
    site: int
    pcn: str
    start: datetime
    end: datetime


@dataclass
class Problem:
    start: date
    weeks: int
    pcns: list[Pcn]
    sites: list[Site]
    people: list[Person]
    locked: list[Booking] = field(default_factory=list)


@dataclass
class Plan:
    status: str
    sessions: list[Booking]
    cost_pence: int
    lower_bound_pence: int
    shortfalls: list[dict]
    compliance: list[dict]
    seconds: float

    @property
    def gap(self) -> float:
        if not self.cost_pence:
            return 0.0
        return (self.cost_pence - self.lower_bound_pence) / self.cost_pence


def _week_of(start: date, moment: datetime) -> date:
    return start + timedelta(weeks=(moment.date() - start).days // 7)


def _inside(moment: datetime, windows) -> bool:
    return any(a <= moment and moment + SLOT <= b for a, b in windows)


def pcn_slots(problem: Problem) -> dict[str, list[datetime]]:
    """The slots each PCN may be worked in: standard hours and its agreed other hours."""
    standard = standard_slots(problem.start, problem.weeks)
    end = datetime.combine(problem.start + timedelta(weeks=problem.weeks), time())
    out = {}
    for pcn in problem.pcns:
        extra = set()
        for a, b in pcn.other_hours:
            if b - a < SLOT:
                continue
            moment = a
            while moment + SLOT <= b and moment < end:
                if moment >= datetime.combine(problem.start, time()):
                    extra.add(moment)
                moment += SLOT
        out[pcn.code] = sorted(set(standard) | extra)
    return out


def plan(problem: Problem, *, seconds: float = 60.0, workers: int = 2) -> Plan:
    standard = set(standard_slots(problem.start, problem.weeks))
    slots_of = pcn_slots(problem)
    model = cp_model.CpModel()
    x: dict[tuple[int, int, str, datetime], cp_model.IntVar] = {}
    by_person_slot = defaultdict(list)
    by_site_slot = defaultdict(list)
    by_pcn_slot = defaultdict(list)
    gp_by_site_slot = defaultdict(list)
    by_person_week = defaultdict(list)
    sites = {s.id: s for s in problem.sites}
    for person in problem.people:
        for site_id in person.sites:
            site = sites.get(site_id)
            if site is None:
                continue
            for pcn in problem.pcns:
                if pcn.code not in site.pcns:
                    continue
                for slot in slots_of[pcn.code]:
                    if not _inside(slot, person.available):
                        continue
                    var = model.new_bool_var(f"x_{person.id}_{site_id}_{pcn.code}_{slot:%m%d%H%M}")
                    x[(person.id, site_id, pcn.code, slot)] = var
                    by_person_slot[(person.id, slot)].append(var)
                    by_site_slot[(site_id, slot)].append(var)
                    by_pcn_slot[(pcn.code, slot)].append(var)
                    if person.is_gp:
                        gp_by_site_slot[(site_id, slot)].append(var)
                    by_person_week[(person.id, _week_of(problem.start, slot))].append(var)
    people = {p.id: p for p in problem.people}
    # locked sessions are kept: their slots are fixed to working
    for booking in problem.locked:
        moment = booking.start
        while moment < booking.end:
            var = x.get((booking.person, booking.site, booking.pcn, moment))
            if var is None:
                raise ValueError(
                    f"the locked session of {people[booking.person].name} at "
                    f"{moment:%a %-d %b %H:%M} is outside their availability or the site's PCNs"
                )
            model.add(var == 1)
            moment += SLOT
    for vars_ in by_person_slot.values():
        model.add_at_most_one(vars_)
    for (site_id, _slot), vars_ in by_site_slot.items():
        model.add(sum(vars_) <= sites[site_id].rooms)
    # a GP present throughout every slot a site is open
    for key, vars_ in by_site_slot.items():
        gps = gp_by_site_slot.get(key, [])
        if not gps:
            for var in vars_:
                model.add(var == 0)
            continue
        gp_there = model.new_bool_var(f"gp_{key[0]}_{key[1]:%m%d%H%M}")
        model.add_max_equality(gp_there, gps)
        for var in vars_:
            model.add_implication(var, gp_there)
    for (person_id, _week), vars_ in by_person_week.items():
        model.add(sum(vars_) * 30 <= int(people[person_id].max_hours_per_week * 60))
    penalties = []
    uncovered = {}
    for pcn in problem.pcns:
        for slot in slots_of[pcn.code]:
            if slot not in standard:
                continue
            gap = model.new_bool_var(f"uncovered_{pcn.code}_{slot:%m%d%H%M}")
            uncovered[(pcn.code, slot)] = gap
            model.add(sum(by_pcn_slot.get((pcn.code, slot), [])) + gap >= 1)
            penalties.append(gap * UNCOVERED_PENCE_PER_SLOT)
    short = {}
    weeks = [problem.start + timedelta(weeks=w) for w in range(problem.weeks)]
    for pcn in problem.pcns:
        for week in weeks:
            planned = [
                var
                for slot in slots_of[pcn.code]
                if _week_of(problem.start, slot) == week
                for var in by_pcn_slot.get((pcn.code, slot), [])
            ]
            need = pcn.required_minutes_per_week
            missing = model.new_int_var(0, need, f"short_{pcn.code}_{week}")
            short[(pcn.code, week)] = missing
            model.add(sum(planned) * 30 + missing >= need)
            penalties.append(missing * SHORTFALL_PENCE_PER_MINUTE)
    cost_terms = [var * (people[key[0]].pence_per_hour // 2) for key, var in x.items()]
    model.minimize(sum(cost_terms) + sum(penalties))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = workers
    result = solver.solve(model)
    status = solver.status_name(result)
    if result not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Plan(status, [], 0, 0, [], [], solver.wall_time)
    worked = [key for key, var in x.items() if solver.value(var)]
    cost = sum(people[p].pence_per_hour // 2 for p, _s, _c, _t in worked)
    penalty_value = (
        sum(solver.value(v) for v in uncovered.values()) * UNCOVERED_PENCE_PER_SLOT
        + sum(solver.value(v) for v in short.values()) * SHORTFALL_PENCE_PER_MINUTE
    )
    # The solver's bound is on cost plus penalties; with the rules met the penalties are zero
    # and this is the proven lower bound on staff cost.
    bound = max(0, int(solver.best_objective_bound) - penalty_value)
    sessions = merge(worked)
    shortfalls = []
    compliance = []
    for pcn in problem.pcns:
        for week in weeks:
            missing = solver.value(short[(pcn.code, week)])
            gaps = [
                slot
                for (code, slot), var in uncovered.items()
                if code == pcn.code and _week_of(problem.start, slot) == week and solver.value(var)
            ]
            planned = sum(
                30 for p, s, c, t in worked if c == pcn.code and _week_of(problem.start, t) == week
            )
            compliance.append(
                {
                    "pcn": pcn.code,
                    "week_start": week.isoformat(),
                    "required_minutes": pcn.required_minutes_per_week,
                    "planned_minutes": planned,
                    "covered": not gaps,
                    "met": not gaps and planned >= pcn.required_minutes_per_week,
                }
            )
            if missing or gaps:
                shortfalls.append(
                    {
                        "pcn": pcn.code,
                        "week_start": week.isoformat(),
                        "minutes_short": max(0, pcn.required_minutes_per_week - planned),
                        "uncovered": [f"{a:%a %-d %b %H:%M}-{b:%H:%M}" for a, b in runs(gaps)],
                        "binding": binding(problem, pcn, gaps),
                    }
                )
    return Plan(status, sessions, cost, min(bound, cost), shortfalls, compliance, solver.wall_time)


def runs(slots: list[datetime]) -> list[tuple[datetime, datetime]]:
    """Consecutive slots as (start, end) runs."""
    out: list[list[datetime]] = []
    for slot in sorted(slots):
        if out and out[-1][1] == slot:
            out[-1][1] = slot + SLOT
        else:
            out.append([slot, slot + SLOT])
    return [(a, b) for a, b in out]


def merge(worked) -> list[Booking]:
    """Slots a person works at one site for one PCN, joined into sessions."""
    grouped = defaultdict(list)
    for person, site, pcn, slot in worked:
        grouped[(person, site, pcn)].append(slot)
    sessions = []
    for (person, site, pcn), slots in grouped.items():
        for a, b in runs(slots):
            sessions.append(Booking(person, site, pcn, a, b))
    return sorted(sessions, key=lambda b: (b.start, b.site, b.person))


def binding(problem: Problem, pcn: Pcn, gaps: list[datetime]) -> list[str]:
    """Why slots could not be covered: the first thing that is missing for each run."""
    reasons = []
    sites = [s for s in problem.sites if pcn.code in s.pcns]
    for a, b in runs(gaps):
        site_ids = {s.id for s in sites}
        gps = [
            p for p in problem.people if p.is_gp and p.sites & site_ids and _inside(a, p.available)
        ]
        if not sites:
            reasons.append(f"no site may serve {pcn.code}")
        elif not gps:
            reasons.append(f"no GP available on {a:%A %-d %B} at {a:%H:%M}")
        else:
            reasons.append(f"not enough staff or rooms on {a:%A %-d %B} {a:%H:%M}-{b:%H:%M}")
    return reasons
