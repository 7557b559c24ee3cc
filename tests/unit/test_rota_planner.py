"""The rota planner against an independent checker: every rule of the Network Contract DES's
Enhanced Access, checked here minute by minute without the planner's code."""

from datetime import date, datetime, time, timedelta

import pytest

from rota.planner import Booking, Pcn, Person, Problem, Site, plan
from tests.rota_rules import BANK_HOLIDAYS, check

MONDAY = date(2026, 12, 7)


# England's bank holidays around Christmas 2026, typed from gov.uk for the checker
def always(start: date, weeks: int):
    return (
        (datetime.combine(start, time()), datetime.combine(start + timedelta(weeks=weeks), time())),
    )


def person(pid, *, gp, pence, sites=(1,), hours=40.0, available=None, start=MONDAY, weeks=1):
    return Person(
        id=pid,
        name=f"Person {pid}",
        role="GP" if gp else "Practice nurse",
        is_gp=gp,
        pence_per_hour=pence,
        max_hours_per_week=hours,
        sites=frozenset(sites),
        available=available if available is not None else always(start, weeks),
    )


def small(*, rooms=2, people=None, weeks=1, start=MONDAY, adjusted=10_000.0):
    return Problem(
        start=start,
        weeks=weeks,
        pcns=[Pcn("U00001", adjusted)],
        sites=[Site(1, "Hub", rooms, frozenset({"U00001"}))],
        people=people
        or [
            person(1, gp=True, pence=9_000, start=start, weeks=weeks),
            person(2, gp=True, pence=9_500, start=start, weeks=weeks),
            person(3, gp=False, pence=3_000, start=start, weeks=weeks),
            person(4, gp=False, pence=3_200, start=start, weeks=weeks),
        ],
    )


def test_a_plan_meets_every_rule_at_the_lowest_cost():
    problem = small()
    result = plan(problem, seconds=20)
    assert result.status == "OPTIMAL"
    assert check(problem, result) == []
    assert result.shortfalls == []
    # 15.5 standard hours need a GP throughout (31 slots x £45 = £1,395); 10,000 adjusted
    # population needs 600 minutes, which the GP alone gives (930): no nurse is needed.
    assert result.cost_pence == 31 * 4_500
    assert result.lower_bound_pence == result.cost_pence
    assert {s.person for s in result.sessions} == {1}
    assert result.compliance[0]["required_minutes"] == 600
    assert result.compliance[0]["planned_minutes"] == 930 and result.compliance[0]["met"]


def test_more_minutes_than_one_gp_bring_in_the_cheaper_nurse():
    problem = small(adjusted=20_000.0)  # 1,200 minutes: 270 more than the GP's 930
    result = plan(problem, seconds=20)
    assert check(problem, result) == []
    nurse = sum((s.end - s.start).seconds // 60 for s in result.sessions if s.person == 3)
    assert nurse == 270


def test_rooms_limit_what_can_run_at_once():
    problem = small(rooms=1, adjusted=20_000.0)
    result = plan(problem, seconds=20)
    assert check(problem, result) == []  # the shortfall is reported, not hidden
    assert result.shortfalls[0]["minutes_short"] == 1_200 - 930


def test_no_sessions_on_bank_holidays():
    start = date(2026, 12, 21)
    problem = small(start=start, weeks=2)
    result = plan(problem, seconds=30)
    assert check(problem, result) == []
    days = {s.start.date() for s in result.sessions}
    assert not days & BANK_HOLIDAYS
    assert date(2026, 12, 26) in days  # Boxing Day is a Saturday: its bank holiday is the 28th


def test_no_gp_on_saturday_is_reported_with_the_reason():
    saturday = date(2026, 12, 12)
    weekdays_only = tuple(
        (
            datetime.combine(MONDAY + timedelta(days=d), time()),
            datetime.combine(MONDAY + timedelta(days=d + 1), time()),
        )
        for d in range(5)
    )
    people = [
        person(1, gp=True, pence=9_000, available=weekdays_only),
        person(3, gp=False, pence=3_000),
    ]
    problem = small(people=people)
    result = plan(problem, seconds=20)
    assert check(problem, result) == []
    shortfall = result.shortfalls[0]
    assert shortfall["uncovered"] == [f"{saturday:%a %-d %b} 09:00-17:00"]
    assert shortfall["binding"] == ["no GP available on Saturday 12 December at 09:00"]
    assert not result.compliance[0]["met"]


def test_locked_sessions_are_kept():
    locked = Booking(2, 1, "U00001", datetime(2026, 12, 8, 18, 30), datetime(2026, 12, 8, 20, 0))
    problem = small()
    problem.locked = [locked]
    result = plan(problem, seconds=20)
    assert check(problem, result) == []
    assert locked in result.sessions


def test_a_locked_session_outside_availability_is_refused():
    problem = small(people=[person(1, gp=True, pence=9_000, available=())])
    problem.locked = [
        Booking(1, 1, "U00001", datetime(2026, 12, 8, 18, 30), datetime(2026, 12, 8, 19, 0))
    ]
    with pytest.raises(ValueError, match="not available"):
        plan(problem, seconds=5)


def test_agreed_other_hours_count_towards_the_minutes():
    early = tuple(
        (
            datetime.combine(MONDAY + timedelta(days=d), time(7, 0)),
            datetime.combine(MONDAY + timedelta(days=d), time(8, 0)),
        )
        for d in range(5)
    )
    problem = small(adjusted=20_000.0, rooms=1)
    problem.pcns = [Pcn("U00001", 20_000.0, other_hours=early)]
    result = plan(problem, seconds=20)
    assert check(problem, result) == []
    assert result.shortfalls == []
    assert any(s.start.time() == time(7, 0) for s in result.sessions)


def test_bank_holidays_are_englands_weekdays_as_on_gov_uk():
    from rota.planner import bank_holidays

    days = bank_holidays([2026, 2027])
    assert {date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1)} <= days
    assert date(2026, 12, 26) not in days  # Boxing Day on a Saturday: the 28th instead
    assert date(2026, 8, 31) in days  # summer bank holiday (England, not Scotland's 3 August)
    assert date(2026, 3, 17) not in days  # St Patrick's Day is Northern Ireland's


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_federations_get_lawful_rotas_from_planner_and_greedy(seed):
    from rota.planner import greedy
    from rota.synthetic import generated_problem

    problem = generated_problem(
        pcns=3, population=150_000, sites=4, staff=36, weeks=2, start=MONDAY, seed=seed
    )
    planned = plan(problem, seconds=2)  # lawful is the point, not how cheap
    assert planned.status in ("OPTIMAL", "FEASIBLE")
    assert check(problem, planned) == []
    assert planned.lower_bound_pence <= planned.cost_pence
    baseline = greedy(problem)
    assert check(problem, baseline) == []  # the baseline breaks no hard rule either
    if not planned.shortfalls and not baseline.shortfalls:
        assert planned.cost_pence <= baseline.cost_pence


def test_a_generated_federations_minutes_recount_from_sessions_and_agreed_hours_alone():
    """Each PCN's minutes, recounted from the sessions, Network Standard Hours and the agreed
    hours (as the rota's JSON gives them) without the planner, are exactly the plan's. Its hubs
    serve several PCNs, so the planner hands out which PCN each session there is for; a
    locked session keeps its own."""
    from dataclasses import replace

    from rota.synthetic import generated_problem
    from tests.rota.recount import counted_minutes, planned_minutes

    start = date(2026, 12, 21)  # Christmas: bank holidays on the 25th and 28th
    problem = generated_problem(
        pcns=4, population=160_000, sites=5, staff=48, weeks=2, start=start, seed=4
    )
    agreed = [(1, time(7), time(8)), (3, time(7), time(8))]
    days = [start + timedelta(days=d) for d in range(14)]
    first = problem.pcns[0]
    problem.pcns[0] = replace(
        first,
        other_hours=tuple(
            (datetime.combine(day, a), datetime.combine(day, b))
            for day in days
            for weekday, a, b in agreed
            if day.weekday() == weekday and day not in BANK_HOLIDAYS
        ),
    )
    mornings = tuple(
        (datetime.combine(day, time(6, 30)), datetime.combine(day, time(8, 30))) for day in days
    )
    problem.people = [
        replace(p, available=p.available + mornings) if p.id % 3 == 0 else p for p in problem.people
    ]
    hub = next(s for s in problem.sites if len(s.pcns) > 1)
    gp = next(p for p in problem.people if p.is_gp and hub.id in p.sites and p.available)
    evening = next(
        (a, a.replace(hour=20, minute=0))
        for a, b in gp.available
        if a.weekday() < 5 and a.hour == 17 and a.date() not in BANK_HOLIDAYS
    )
    code = sorted(hub.pcns)[-1]
    problem.locked = [
        Booking(gp.id, hub.id, code, evening[0].replace(minute=30, hour=18), evening[1])
    ]
    result = plan(problem, seconds=8)
    assert check(problem, result) == []
    assert problem.locked[0] in result.sessions
    assert any(s.start.time() == time(7) for s in result.sessions)  # agreed hours are used
    rota = {
        "start": start.isoformat(),
        "bank_holidays": ["2026-12-25", "2026-12-28"],
        "pcns": [
            {
                "code": p.code,
                "agreed_hours": [
                    {"weekday": w, "start": f"{a:%H:%M}", "end": f"{b:%H:%M}"} for w, a, b in agreed
                ]
                if p.code == first.code
                else [],
            }
            for p in problem.pcns
        ],
        "sessions": [
            {"pcn": s.pcn, "start": s.start.isoformat(), "end": s.end.isoformat()}
            for s in result.sessions
        ],
        "compliance": result.compliance,
    }
    assert counted_minutes(rota) == planned_minutes(rota)
    assert len({s.pcn for s in result.sessions if s.site == hub.id}) > 1
