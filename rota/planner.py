"""The Enhanced Access rota planner (issue 5): pure, no database.

People work sessions, not minutes: a weekday evening (18:30-20:00), a Saturday morning
(09:00-13:00), afternoon (13:00-17:00) or whole day, or a block of hours the commissioner
agreed for a PCN (at least 30 minutes, for example 07:00-08:00 before the practices open).
Network Standard Hours are never planned on a Sunday or one of England's bank holidays (from
the maintained ``holidays`` library). For every session a person could work at a site for a
PCN, CP-SAT decides whether they work it. The rules, each a constraint:

* every PCN has someone working for it throughout Network Standard Hours;
* every PCN gets at least 60 minutes of appointments per 1,000 adjusted population a week;
* a GP is at a site throughout every period it is open;
* a site never has more sessions running at once than it has rooms, nor any outside its
  opening hours;
* nobody is in two places at once, outside their availability, or over their weekly hours;
* sessions a person has locked or edited by hand are kept.

The first two can be impossible with the staff there are: they have slack, priced far above
any staff cost, so the solver still returns the best rota and the slack says exactly where and
by how much the rules are not met. The objective is the staff cost in pence.

Nothing links one week to another (hours, minutes and coverage are all weekly), so each week
is its own model, solved in turn with its share of the time: the proven lower bound of the
whole rota is the sum of the weeks' bounds. Each model starts from the greedy rota
(:func:`greedy`), which is also the baseline the benchmark compares against.
"""

# Over 500 lines: the pure planner (model, greedy baseline, rule checks) on one set of types.

from __future__ import annotations

import math
import time as clock
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from kernel.needs import count_text, date_text, duration_text

# CP-SAT's linear relaxation at its fullest (level 2, every constraint in the LP): on the demo's
# December it proves a bound 1.6 % higher in the same 60 seconds (gap 4.0 % to 2.3 %;
# docs/performance.md), the relaxation of the counts of bookings and of a GP at each open site
# being what proves the bound.
LINEARIZATION = 2
SLOT = timedelta(minutes=30)
WEEKDAY_HOURS = (time(18, 30), time(20, 0))
SATURDAY_HOURS = (time(9, 0), time(17, 0))
WEEKDAY_BLOCKS = ((time(18, 30), time(20, 0)),)
SATURDAY_BLOCKS = ((time(9, 0), time(13, 0)), (time(13, 0), time(17, 0)), (time(9, 0), time(17, 0)))


def bank_holiday_names(years) -> dict[date, str]:
    """England's bank holidays with their names ("Boxing Day (substitute day)"). The library
    also lists a holiday's own date when it falls at a weekend (Boxing Day on Saturday 26
    December 2026); the bank holiday is then the weekday substitute it also lists, so weekend
    dates are left out, as on gov.uk."""
    import holidays  # here, not at the top: start-up cost (every gpfed process imports this module)

    listed = holidays.country_holidays("GB", subdiv="ENG", years=sorted(set(years)))
    return {
        day: name.replace("(observed)", "(substitute day)")  # gov.uk's words
        for day, name in sorted(listed.items())
        if day.weekday() < 5
    }


def bank_holidays(years) -> set[date]:
    """England's bank holidays (``bank_holiday_names`` without the names)."""
    return set(bank_holiday_names(years))


def required_minutes(adjusted_population: float) -> int:
    """60 minutes a week per 1,000 adjusted population, rounded up to the whole minute."""
    return math.ceil(60 * float(adjusted_population) / 1000)


def closed_days(start: date, weeks: int) -> set[date]:
    return bank_holidays({start.year, (start + timedelta(weeks=weeks)).year})


def standard_blocks(day: date, closed: set[date]) -> list[tuple[datetime, datetime]]:
    """The sessions of Network Standard Hours on a day (none on Sundays or bank holidays)."""
    if day in closed or day.weekday() == 6:
        return []
    blocks = SATURDAY_BLOCKS if day.weekday() == 5 else WEEKDAY_BLOCKS
    return [(datetime.combine(day, a), datetime.combine(day, b)) for a, b in blocks]


def standard_hours(day: date, closed: set[date]) -> tuple[datetime, datetime] | None:
    if day in closed or day.weekday() == 6:
        return None
    opens, closes = SATURDAY_HOURS if day.weekday() == 5 else WEEKDAY_HOURS
    return datetime.combine(day, opens), datetime.combine(day, closes)


def standard_slots(start: date, weeks: int) -> list[datetime]:
    """Every 30-minute slot of Network Standard Hours from ``start`` (a Monday) for ``weeks``,
    without bank holidays."""
    closed = closed_days(start, weeks)
    slots = []
    for offset in range(weeks * 7):
        hours = standard_hours(start + timedelta(days=offset), closed)
        if hours:
            moment = hours[0]
            while moment < hours[1]:
                slots.append(moment)
                moment += SLOT
    return slots


@dataclass(frozen=True)
class Pcn:
    code: str
    adjusted_population: float
    population_is_estimate: bool = False
    other_hours: tuple[tuple[datetime, datetime], ...] = ()  # agreed blocks, >= 30 minutes
    name: str = ""

    @property
    def required_minutes_per_week(self) -> int:
        return required_minutes(self.adjusted_population)


@dataclass(frozen=True)
class Site:
    id: int
    name: str
    rooms: int
    pcns: frozenset[str]
    open: tuple[tuple[datetime, datetime], ...] | None = None  # None: open whenever needed


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
    """A person working a session at a site for a PCN."""

    person: int
    site: int
    pcn: str
    start: datetime
    end: datetime

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


@dataclass
class Problem:
    start: date
    weeks: int
    pcns: list[Pcn]
    sites: list[Site]
    people: list[Person]
    locked: list[Booking] = field(default_factory=list)

    def week_starts(self) -> list[date]:
        return [self.start + timedelta(weeks=w) for w in range(self.weeks)]

    def week_of(self, moment: datetime) -> date:
        return self.start + timedelta(weeks=(moment.date() - self.start).days // 7)


@dataclass
class Plan:
    status: str
    sessions: list[Booking]
    cost_pence: int
    lower_bound_pence: int
    shortfalls: list[dict]
    compliance: list[dict]
    seconds: float
    greedy_cost_pence: int | None = None

    @property
    def gap(self) -> float:
        if not self.cost_pence:
            return 0.0
        return (self.cost_pence - self.lower_bound_pence) / self.cost_pence


def session_cost(person: Person, minutes: int) -> int:
    return cost_of(person.pence_per_hour, minutes)


def cost_of(pence_per_hour: int, minutes: int) -> int:
    """A session's cost in pence, rounded half up once."""
    return (pence_per_hour * minutes + 30) // 60


def covers(windows, a: datetime, b: datetime) -> bool:
    return any(x <= a and b <= y for x, y in windows)


# --- candidate sessions -------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    person: int
    site: int
    pcn: str
    start: datetime
    end: datetime
    cost: int
    is_gp: bool
    locked: bool = False

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    def booking(self) -> Booking:
        return Booking(self.person, self.site, self.pcn, self.start, self.end)


def pcn_blocks(problem: Problem, week: date, closed: set[date]) -> dict[str, list]:
    """The sessions each PCN may be worked in during a week: standard hours and its agreed
    other hours (whole blocks of at least 30 minutes)."""
    days = [week + timedelta(days=d) for d in range(7)]
    standard = [block for day in days for block in standard_blocks(day, closed)]
    week_start = datetime.combine(week, time())
    week_end = week_start + timedelta(weeks=1)
    out = {}
    for pcn in problem.pcns:
        extra = [
            (a, b)
            for a, b in pcn.other_hours
            if b - a >= SLOT and a >= week_start and b <= week_end and a.date() not in closed
        ]
        out[pcn.code] = sorted(set(standard) | set(extra))
    return out


def candidates(problem: Problem, week: date) -> list[Candidate]:
    closed = closed_days(problem.start, problem.weeks)
    blocks = pcn_blocks(problem, week, closed)
    sites = {s.id: s for s in problem.sites}
    out = []
    for person in problem.people:
        for site_id in sorted(person.sites):
            site = sites.get(site_id)
            if site is None:
                continue
            for pcn in problem.pcns:
                if pcn.code not in site.pcns:
                    continue
                for a, b in blocks[pcn.code]:
                    if not covers(person.available, a, b):
                        continue
                    if (b - a).total_seconds() > person.max_hours_per_week * 3600:
                        continue
                    if site.open is not None and not covers(site.open, a, b):
                        continue
                    minutes = int((b - a).total_seconds() // 60)
                    out.append(
                        Candidate(
                            person.id,
                            site_id,
                            pcn.code,
                            a,
                            b,
                            session_cost(person, minutes),
                            person.is_gp,
                        )
                    )
    return out


def reachable_minutes(limit: int, lengths) -> int:
    """The most minutes sessions of these lengths can add up to without passing the limit:
    a tighter weekly limit for the solver (four hours of 90-minute evenings is three)."""
    best = {0}
    for _ in range(limit // max(1, min(lengths, default=limit + 1)) + 1):
        grown = {b + n for b in best for n in lengths if b + n <= limit} | best
        if grown == best:
            break
        best = grown
    return max(best)


def _segments(spans) -> list[tuple[datetime, datetime]]:
    """The elementary pieces the session boundaries cut time into."""
    points = sorted({p for a, b in spans for p in (a, b)})
    pieces = list(pairwise(points))
    return [(a, b) for a, b in pieces if any(x <= a and b <= y for x, y in spans)]


# --- the greedy rota ----------------------------------------------------------------------


class _Ledger:
    """What a partial rota already uses: people's time and hours, rooms, GPs at sites."""

    def __init__(self, problem: Problem):
        self.people = {p.id: p for p in problem.people}
        self.sites = {s.id: s for s in problem.sites}
        self.person_busy = defaultdict(list)
        self.person_minutes = defaultdict(int)
        self.site_sessions = defaultdict(list)
        self.chosen: list[Candidate] = []

    def fits(self, c: Candidate) -> bool:
        person = self.people[c.person]
        if any(a < c.end and c.start < b for a, b in self.person_busy[c.person]):
            return False
        if self.person_minutes[c.person] + c.minutes > person.max_hours_per_week * 60:
            return False
        overlapping = [s for s in self.site_sessions[c.site] if s.start < c.end and c.start < s.end]
        for moment in {c.start} | {s.start for s in overlapping if s.start > c.start}:
            running = sum(1 for s in overlapping if s.start <= moment < s.end)
            if running + 1 > self.sites[c.site].rooms:
                return False
        return True

    def gp_covered(self, site: int, a: datetime, b: datetime) -> bool:
        gps = [s for s in self.site_sessions[site] if s.is_gp and s.start < b and a < s.end]
        moment = a
        while moment < b:
            if not any(s.start <= moment < s.end for s in gps):
                return False
            moment += SLOT
        return True

    def take(self, c: Candidate) -> None:
        self.person_busy[c.person].append((c.start, c.end))
        self.person_minutes[c.person] += c.minutes
        self.site_sessions[c.site].append(c)
        self.chosen.append(c)


def _greedy_week(problem: Problem, week: date, cands: list[Candidate], locked) -> list[Candidate]:
    ledger = _Ledger(problem)
    for c in locked:
        ledger.take(c)
    per_minute = sorted(cands, key=lambda c: (c.cost / c.minutes, -c.minutes, c.person, c.start))
    closed = closed_days(problem.start, problem.weeks)

    def staffed(code, a, b):
        mine = [c for c in ledger.chosen if c.pcn == code and c.start < b and a < c.end]
        return all(any(c.start <= m < c.end for c in mine) for m in _slots(a, b))

    def open_with_gp(c: Candidate) -> bool:
        """Take c, bringing a GP to its site first if none is there throughout."""
        if not ledger.fits(c):
            return False
        if c.is_gp or ledger.gp_covered(c.site, c.start, c.end):
            ledger.take(c)
            return True
        for g in per_minute:
            if (
                g.is_gp
                and g.site == c.site
                and g.start <= c.start
                and c.end <= g.end
                and g.person != c.person
                and ledger.fits(g)
            ):
                ledger.take(g)
                if ledger.fits(c):
                    ledger.take(c)
                return True
        return False

    # 1. coverage: every standard block of every PCN, the cheapest way
    for pcn in problem.pcns:
        for day in (week + timedelta(days=d) for d in range(7)):
            for a, b in standard_blocks(day, closed):
                if (b - a) > timedelta(hours=4) or staffed(pcn.code, a, b):
                    continue
                options = [c for c in cands if c.pcn == pcn.code and c.start == a and c.end == b]
                # a GP alone covers without needing anyone else
                options.sort(key=lambda c: (not c.is_gp, c.cost))
                for c in options:
                    if open_with_gp(c):
                        break
    # 2. minutes: the cheapest minute first, where a GP is already there
    for pcn in problem.pcns:
        need = pcn.required_minutes_per_week
        got = sum(c.minutes for c in ledger.chosen if c.pcn == pcn.code)
        for c in per_minute:
            if got >= need:
                break
            if c.pcn != pcn.code:
                continue
            if ledger.fits(c) and (c.is_gp or ledger.gp_covered(c.site, c.start, c.end)):
                ledger.take(c)
                got += c.minutes
        for c in per_minute:  # then open more sites with a GP
            if got >= need:
                break
            if c.pcn == pcn.code and open_with_gp(c):
                got = sum(x.minutes for x in ledger.chosen if x.pcn == pcn.code)
    return ledger.chosen


def _slots(a: datetime, b: datetime):
    moment = a
    while moment < b:
        yield moment
        moment += SLOT


def greedy(problem: Problem) -> Plan:
    """A simple rota, the way it is done by hand: cover each evening and Saturday with the
    cheapest GP, then add the cheapest minutes where a GP is already working."""
    started = clock.monotonic()
    chosen = []
    for week in problem.week_starts():
        locked = _locked_candidates(problem, week)
        chosen += _greedy_week(problem, week, candidates(problem, week), locked)
    sessions = sorted({c.booking() for c in chosen}, key=_order)
    people = {p.id: p for p in problem.people}
    cost = sum(session_cost(people[s.person], s.minutes) for s in sessions)
    compliance_rows, shortfalls = assess(problem, sessions)
    return Plan(
        "GREEDY",
        sessions,
        cost,
        0,
        shortfalls,
        compliance_rows,
        clock.monotonic() - started,
        cost,
    )


def _order(b: Booking):
    return (b.start, b.site, b.person, b.pcn)


# --- locked sessions ----------------------------------------------------------------------


def _locked_candidates(problem: Problem, week: date) -> list[Candidate]:
    people = {p.id: p for p in problem.people}
    out = []
    for booking in problem.locked:
        if problem.week_of(booking.start) != week:
            continue
        problems = rule_breaks(problem, [booking], others=[])
        if problems:
            raise ValueError(f"a locked session cannot be kept: {problems[0][1]}")
        person = people[booking.person]
        out.append(
            Candidate(
                booking.person,
                booking.site,
                booking.pcn,
                booking.start,
                booking.end,
                session_cost(person, booking.minutes),
                person.is_gp,
                locked=True,
            )
        )
    return out


# --- the model ----------------------------------------------------------------------------


# Long: the week's CP-SAT model (variables, rules, objective) reads as one.
def _solve_week(
    problem: Problem,
    week: date,
    seconds: float,
    workers: int,
    gap_limit: float = 0.0,
    like: list[Candidate] | None = None,
):
    """One week's model, solved. ``like``: a rota of another week with the same days open,
    moved to this one, to start from instead of the greedy one (a hint: what does not fit is
    left out, and the greedy rota is still what is returned should the solver find none)."""
    cands = candidates(problem, week)
    locked = _locked_candidates(problem, week)
    # a locked session replaces the planner's own choices that would clash with it
    taken = {(c.person, c.start, c.end, c.site, c.pcn) for c in locked}
    cands = [c for c in cands if (c.person, c.start, c.end, c.site, c.pcn) not in taken]
    greedy_rota = _greedy_week(problem, week, cands, locked)
    hint = greedy_rota
    if like:
        here = {(c.person, c.site, c.start, c.end, c.pcn) for c in locked + cands}
        hint = [c for c in like if (c.person, c.site, c.start, c.end, c.pcn) in here]
    allc = locked + cands
    people = {p.id: p for p in problem.people}
    sites = {s.id: s for s in problem.sites}
    closed = closed_days(problem.start, problem.weeks)
    top_rate = max([p.pence_per_hour for p in problem.people] + [1])
    short_price = 10 * top_rate  # a minute short costs more than ten hours of anyone's time
    uncovered_price = 400 * top_rate

    # Imported here, not at the top, for start-up cost: OR-Tools brings pandas and numpy (about
    # 0.2 s), and every gpfed process (each page server, task worker and command) imports this
    # module, though only a plan needs the solver.
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    # A variable per person, site and session (working it or not), and per site, session and
    # PCN the number of those sessions booked for the PCN. Which of the people at a hub works
    # for which of its PCNs changes neither cost nor any rule, so the model does not choose it
    # person by person: that symmetry is what made a federation whose staff work at several
    # hubs hard to prove (docs/rota.md). Any split of the counts is a rota: the PCNs are
    # handed out to the people afterwards.
    work: dict[tuple, cp_model.IntVar] = {}
    first: dict[tuple, Candidate] = {}
    kept: dict[tuple, Candidate] = {}
    pcns_at: dict[tuple, set] = defaultdict(set)
    for c in allc:
        key = (c.person, c.site, c.start, c.end)
        pcns_at[(c.site, c.start, c.end)].add(c.pcn)
        if key not in work:
            work[key] = model.new_bool_var(f"w{len(work)}")
            first[key] = c
        if c.locked:
            kept[key] = c
            model.add(work[key] == 1)
    people_at: dict[tuple, list] = defaultdict(list)
    for key in work:
        people_at[key[1:]].append(key)
    booked: dict[tuple, cp_model.IntVar] = {}
    for slot_key, codes in pcns_at.items():
        at_least = defaultdict(int)
        for key in people_at[slot_key]:
            if key in kept:
                at_least[kept[key].pcn] += 1
        for code in sorted(codes):
            booked[(*slot_key, code)] = model.new_int_var(
                at_least[code], len(people_at[slot_key]), f"n{len(booked)}"
            )
        model.add(
            sum(booked[(*slot_key, code)] for code in codes)
            == sum(work[key] for key in people_at[slot_key])
        )
    hinted = defaultdict(int)
    for c in hint:
        hinted[(c.person, c.site, c.start, c.end)] = 1
    for key, var in work.items():
        model.add_hint(var, hinted[key])
    hinted_counts = defaultdict(int)
    for c in hint:
        hinted_counts[(c.site, c.start, c.end, c.pcn)] += 1
    for key, var in booked.items():
        model.add_hint(var, hinted_counts[key])

    by_person = defaultdict(list)
    by_site = defaultdict(list)
    for key, var in work.items():
        by_person[key[0]].append((first[key], var))
        by_site[key[1]].append((first[key], var))
    by_pcn = defaultdict(list)
    for (_site, a, b, code), var in booked.items():
        by_pcn[code].append(((a, b), var))

    # nobody in two places at once; weekly hours
    for pid, items in by_person.items():
        for a, b in _segments([(c.start, c.end) for c, _ in items]):
            here = [var for c, var in items if c.start <= a and b <= c.end]
            if len(here) > 1:
                model.add_at_most_one(here)
        limit = reachable_minutes(
            int(people[pid].max_hours_per_week * 60), {c.minutes for c, _ in items}
        )
        if sum(c.minutes for c, _ in items) > limit:
            model.add(sum(c.minutes * var for c, var in items) <= limit)

    # rooms and a GP throughout every period a site is open
    for sid, items in by_site.items():
        for a, b in _segments([(c.start, c.end) for c, _ in items]):
            here = [(c, var) for c, var in items if c.start <= a and b <= c.end]
            if len(here) > sites[sid].rooms:
                model.add(sum(var for _, var in here) <= sites[sid].rooms)
            gps = [var for c, var in here if c.is_gp]
            others = [var for c, var in here if not c.is_gp]
            if not others:
                continue
            if not gps:
                for var in others:
                    model.add(var == 0)
                continue
            is_open = model.new_bool_var(f"open_{sid}_{a:%d%H%M}")
            for var in others:
                model.add_implication(var, is_open)
            model.add(sum(gps) >= is_open)
            # Valid, and what makes the bound useful: with g GPs there, at most rooms - g
            # others, which is at most (rooms - 1) x g. Without it the relaxation spreads a
            # nurse over many sites with a sliver of a GP at each and all but ignores GP cost.
            model.add(sum(others) <= (sites[sid].rooms - 1) * is_open)

    penalties = []
    uncovered = {}
    short = {}
    for pcn in problem.pcns:
        items = by_pcn.get(pcn.code, [])
        day_hours = [standard_hours(week + timedelta(days=d), closed) for d in range(7)]
        spans = [span for span, _ in items] + [h for h in day_hours if h]
        for a, b in _segments(spans):
            if not any(h and h[0] <= a and b <= h[1] for h in day_hours):
                continue  # agreed other hours need not be covered throughout
            here = [var for (x, y), var in items if x <= a and b <= y]
            gap = model.new_bool_var(f"gap_{pcn.code}_{a:%d%H%M}")
            uncovered[(pcn.code, a, b)] = gap
            model.add(sum(here) + gap >= 1)
            penalties.append(gap * uncovered_price * int((b - a) / SLOT))
        need = pcn.required_minutes_per_week
        missing = model.new_int_var(0, need, f"short_{pcn.code}")
        short[pcn.code] = missing
        minutes = sum(int((y - x).total_seconds() // 60) * var for (x, y), var in items)
        model.add(minutes + missing >= need)
        penalties.append(missing * short_price)

    model.minimize(sum(first[key].cost * var for key, var in work.items()) + sum(penalties))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(seconds, 0.5)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = 7
    solver.parameters.linearization_level = LINEARIZATION
    if gap_limit:
        solver.parameters.relative_gap_limit = gap_limit
    result = solver.solve(model)
    status = solver.status_name(result)
    if result == cp_model.OPTIMAL and solver.objective_value > solver.best_objective_bound + 0.5:
        status = "FEASIBLE"  # stopped within the gap limit: good, but not proven the cheapest
    if result not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return status, greedy_rota, 0, solver.wall_time
    chosen = _booked_for(
        [key for key, var in work.items() if solver.value(var)],
        {key: solver.value(var) for key, var in booked.items()},
        first,
        kept,
    )
    penalty = sum(
        solver.value(g) * uncovered_price * int((b - a) / SLOT)
        for (_code, a, b), g in uncovered.items()
    ) + sum(solver.value(m) * short_price for m in short.values())
    # The bound is on cost plus penalties; when the rules are met the penalties are zero and
    # this is the proven lower bound on staff cost.
    bound = max(0, math.ceil(solver.best_objective_bound) - penalty)
    return status, chosen, bound, solver.wall_time


def _booked_for(working: list[tuple], counts: dict, first: dict, kept: dict) -> list[Candidate]:
    """The sessions worked, each given a PCN so that every site's session has the number of
    bookings for each PCN the solver chose: locked sessions keep theirs."""
    left = defaultdict(dict)  # (site, start, end) -> {PCN: bookings not yet handed out}
    for (site, a, b, code), n in sorted(counts.items()):
        left[(site, a, b)][code] = n
    for key in working:
        if key in kept:
            left[key[1:]][kept[key].pcn] -= 1
    out = []
    for key in working:
        if key in kept:
            out.append(kept[key])
            continue
        codes = left[key[1:]]
        code = next(code for code, n in codes.items() if n > 0)
        codes[code] -= 1
        c = first[key]
        out.append(Candidate(c.person, c.site, code, c.start, c.end, c.cost, c.is_gp))
    return out


# A week stops once its rota is proven within this of the cheapest possible, and hands the
# time it did not use to the weeks still to plan.
WEEK_GAP_LIMIT = 0.015


def plan(
    problem: Problem,
    *,
    seconds: float = 60.0,
    workers: int = 8,
    gap_limit: float = WEEK_GAP_LIMIT,
) -> Plan:
    """The cheapest rota that meets every rule, week by week, within ``seconds``. Eight
    portfolio workers time-share the cores: on two cores they prove a far better bound than
    two (measured in docs/performance.md). A week stops as soon as its proven gap is within
    ``gap_limit`` (0: only when proven optimal or out of time). The weeks are planned smallest
    first (fewest sessions to choose from: a bank holiday's week), so the time the easier ones
    do not need goes to the larger ones."""
    started = clock.monotonic()
    weeks = sorted(problem.week_starts(), key=lambda week: len(candidates(problem, week)))
    closed = closed_days(problem.start, problem.weeks)
    statuses = []
    chosen: list[Candidate] = []
    bound = 0
    planned: dict[tuple, tuple[date, list[Candidate]]] = {}  # days open -> a week's rota
    for n, week in enumerate(weeks):
        left = seconds - (clock.monotonic() - started)
        share = left / (len(weeks) - n)
        # a week with the same days open as one already planned starts from its rota, moved
        shape = tuple(week + timedelta(days=d) in closed for d in range(7))
        like = None
        if shape in planned:
            before, rota = planned[shape]
            like = [
                replace(c, start=c.start + (week - before), end=c.end + (week - before))
                for c in rota
            ]
        status, picked, week_bound, _ = _solve_week(
            problem, week, share, workers, gap_limit, like=like
        )
        planned.setdefault(shape, (week, picked))
        statuses.append(status)
        chosen += picked
        bound += week_bound
    if all(s == "OPTIMAL" for s in statuses):
        status = "OPTIMAL"
    elif all(s in ("OPTIMAL", "FEASIBLE") for s in statuses):
        status = "FEASIBLE"
    else:
        status = next(s for s in statuses if s not in ("OPTIMAL", "FEASIBLE"))
    sessions = sorted({c.booking() for c in chosen}, key=_order)
    people = {p.id: p for p in problem.people}
    cost = sum(session_cost(people[s.person], s.minutes) for s in sessions)
    compliance_rows, shortfalls = assess(problem, sessions)
    return Plan(
        status,
        sessions,
        cost,
        min(bound, cost),
        shortfalls,
        compliance_rows,
        clock.monotonic() - started,
    )


# --- compliance and the rules, for any rota (planned or edited by hand) -------------------


def assess(problem: Problem, sessions: list[Booking]) -> tuple[list[dict], list[dict]]:
    """Per PCN per week: required and planned minutes, coverage of Network Standard Hours and
    a GP present; and for each shortfall where, by how much and what is binding."""
    closed = closed_days(problem.start, problem.weeks)
    people = {p.id: p for p in problem.people}
    by_site_slot = defaultdict(list)
    for s in sessions:
        for m in _slots(s.start, s.end):
            by_site_slot[(s.site, m)].append(people[s.person].is_gp if s.person in people else 0)
    rows, shortfalls = [], []
    for pcn in problem.pcns:
        for week in problem.week_starts():
            mine = [s for s in sessions if s.pcn == pcn.code and problem.week_of(s.start) == week]
            planned = sum(s.minutes for s in mine)
            staffed = {m for s in mine for m in _slots(s.start, s.end)}
            gaps = []
            for d in range(7):
                hours = standard_hours(week + timedelta(days=d), closed)
                if hours:
                    gaps += [m for m in _slots(*hours) if m not in staffed]
            no_gp = sorted(
                {
                    m
                    for s in mine
                    for m in _slots(s.start, s.end)
                    if not any(by_site_slot[(s.site, m)])
                }
            )
            need = pcn.required_minutes_per_week
            row = {
                "pcn": pcn.code,
                "week_start": week.isoformat(),
                "required_minutes": need,
                "planned_minutes": planned,
                "covered": not gaps,
                "gp_present": not no_gp,
                "met": not gaps and not no_gp and planned >= need,
            }
            rows.append(row)
            if not row["met"]:
                shortfalls.append(
                    {
                        "pcn": pcn.code,
                        "week_start": week.isoformat(),
                        "minutes_short": max(0, need - planned),
                        "uncovered": [f"{a:%a %-d %b %H:%M}-{b:%H:%M}" for a, b in runs(gaps)],
                        "without_gp": [f"{a:%a %-d %b %H:%M}-{b:%H:%M}" for a, b in runs(no_gp)],
                        "binding": binding(problem, pcn, week, gaps, max(0, need - planned)),
                    }
                )
    return rows, shortfalls


def runs(slots: list[datetime]) -> list[tuple[datetime, datetime]]:
    """Consecutive slots as (start, end) runs."""
    out: list[list[datetime]] = []
    for slot in sorted(slots):
        if out and out[-1][1] == slot:
            out[-1][1] = slot + SLOT
        else:
            out.append([slot, slot + SLOT])
    return [(a, b) for a, b in out]


def binding(problem: Problem, pcn: Pcn, week: date, gaps: list[datetime], short: int) -> list:
    """Why a PCN's week falls short: for each uncovered run the first thing that is missing,
    and for missing minutes what limits them."""
    reasons = []
    sites = [s for s in problem.sites if pcn.code in s.pcns]
    site_ids = {s.id for s in sites}
    for a, b in runs(gaps):
        gps = [
            p
            for p in problem.people
            if p.is_gp and p.sites & site_ids and covers(p.available, a, min(b, a + SLOT))
        ]
        if not sites:
            reasons.append(f"no site may serve {pcn.code}")
        elif not gps:
            reasons.append(f"no GP available on {a:%A %-d %B} at {a:%H:%M}")
        else:
            reasons.append(
                f"the {count_text(len(gps), 'GP')} who could be there on {a:%A %-d %B} "
                f"{a:%H:%M}-{b:%H:%M} {'is' if len(gps) == 1 else 'are'} needed elsewhere or at "
                "their weekly hours"
            )
    if short and not gaps:
        rooms = sum(s.rooms for s in sites)
        reasons.append(
            f"{duration_text(short)} short in the week of {date_text(week)}: the staff who may "
            f"work at {pcn.code}'s {count_text(len(sites), 'site')} "
            f"({count_text(rooms, 'room')}) are fully used or unavailable"
        )
    return reasons


RULES = {
    "hours": "Network Standard Hours or agreed other hours only",
    "closed": "no Sunday or bank-holiday sessions",
    "site": "the site may serve the PCN and the person works there",
    "open": "the site's opening hours",
    "availability": "the person's availability and leave",
    "double": "nobody in two places at once",
    "weekly": "the person's maximum weekly hours",
    "rooms": "no more sessions at once than the site has rooms",
    "gp": "a GP present throughout every period a site is open",
}


# Long: every DES rule a rota is checked against, in one place.
def rule_breaks(
    problem: Problem, sessions: list[Booking], others: list[Booking], vacated=frozenset()
) -> list:
    """The rules ``sessions`` break, given ``others`` already in the rota, as (rule, message)
    pairs: what a hand edit is checked against before it is saved. ``vacated`` are sites a
    moved session left, which must still have a GP throughout."""
    closed = closed_days(problem.start, problem.weeks) | bank_holidays(
        {s.start.year for s in sessions}
    )
    people = {p.id: p for p in problem.people}
    sites = {s.id: s for s in problem.sites}
    pcns = {p.code: p for p in problem.pcns}
    everyone = others + sessions
    out = []
    for s in sessions:
        who, site, pcn = people.get(s.person), sites.get(s.site), pcns.get(s.pcn)
        if who is None or site is None or pcn is None:
            out.append(("site", "the person, site or PCN is not part of this rota"))
            continue
        when = f"{s.start:%a %-d %b %H:%M}-{s.end:%H:%M}"
        if s.end <= s.start or (s.end - s.start) % SLOT or s.start.minute % 30:
            out.append(("hours", f"a session runs in whole half hours ({when})"))
            continue
        if s.start.weekday() == 6:
            out.append(("closed", f"{s.start:%A %-d %B} is a Sunday"))
        elif s.start.date() in closed:
            out.append(("closed", f"{s.start:%A %-d %B} is a bank holiday in England"))
        hours = standard_hours(s.start.date(), closed)
        for m in _slots(s.start, s.end):
            inside = hours and hours[0] <= m < hours[1]
            agreed = any(a <= m and m + SLOT <= b for a, b in pcn.other_hours)
            if not inside and not agreed:
                out.append(
                    (
                        "hours",
                        f"{m:%a %-d %b %H:%M} is outside Network Standard Hours "
                        f"and {pcn.code}'s agreed hours",
                    )
                )
                break
        if pcn.code not in site.pcns:
            out.append(("site", f"{site.name} may not serve {pcn.code}"))
        if site.id not in who.sites:
            out.append(("site", f"{who.name} does not work at {site.name}"))
        if site.open is not None and not covers(site.open, s.start, s.end):
            out.append(("open", f"{site.name} is closed at some of {when}"))
        if not covers(who.available, s.start, s.end):
            out.append(("availability", f"{who.name} is not available {when}"))
        clash = [
            o
            for o in everyone
            if o is not s and o.person == s.person and o.start < s.end and s.start < o.end
        ]
        if clash:
            out.append(
                (
                    "double",
                    f"{who.name} is already working {clash[0].start:%H:%M}-"
                    f"{clash[0].end:%H:%M} that day",
                )
            )
        week = problem.week_of(s.start)
        worked = sum(
            o.minutes for o in everyone if o.person == s.person and problem.week_of(o.start) == week
        )
        if worked > who.max_hours_per_week * 60:
            out.append(
                (
                    "weekly",
                    f"{who.name} would work {worked / 60:g} hours in the week of "
                    f"{week:%-d %B}, over their {who.max_hours_per_week:g}",
                )
            )
        for m in _slots(s.start, s.end):
            there = [o for o in everyone if o.site == s.site and o.start <= m < o.end]
            if len(there) > site.rooms:
                out.append(
                    (
                        "rooms",
                        f"{site.name} has {site.rooms} rooms and would have "
                        f"{len(there)} sessions at {m:%a %-d %b %H:%M}",
                    )
                )
                break
    # a GP throughout every period any edited site is open (moving a GP away counts too)
    touched = {s.site for s in sessions} | set(vacated)
    for site_id in touched:
        for o in [o for o in everyone if o.site == site_id]:
            for m in _slots(o.start, o.end):
                there = [x for x in everyone if x.site == site_id and x.start <= m < x.end]
                if not any(people[x.person].is_gp for x in there if x.person in people):
                    out.append(
                        ("gp", f"no GP would be at {sites[site_id].name} at {m:%a %-d %b %H:%M}")
                    )
                    break
            else:
                continue
            break
    return out
