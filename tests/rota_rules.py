"""The independent checker of the Network Contract DES's Enhanced Access rules, minute by
minute without the planner's code: the planner's unit tests and the rota's database tests both
hold a plan to it."""

from datetime import date, datetime, time, timedelta

from rota.planner import Problem, required_minutes

BANK_HOLIDAYS = {date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1)}


def standard_hours(day: date):
    if day.weekday() == 6 or day in BANK_HOLIDAYS:
        return None
    if day.weekday() == 5:
        return time(9), time(17)
    return time(18, 30), time(20)


def check(problem: Problem, result) -> list[str]:
    """Every rule, minute by minute. Returns what is broken (empty when the rota is lawful)."""
    broken = []
    people = {p.id: p for p in problem.people}
    sites = {s.id: s for s in problem.sites}
    busy: dict[tuple[int, datetime], int] = {}
    at_site: dict[tuple[int, datetime], list[int]] = {}
    pcn_minutes: dict[tuple[str, date], int] = {}
    pcn_staffed: set[tuple[str, datetime]] = set()
    weekly: dict[tuple[int, date], int] = {}
    for s in result.sessions:
        who, site = people[s.person], sites[s.site]
        if s.pcn not in site.pcns:
            broken.append(f"{site.name} may not serve {s.pcn}")
        if s.site not in who.sites:
            broken.append(f"{who.name} does not work at {site.name}")
        minute = s.start
        while minute < s.end:
            hours = standard_hours(minute.date())
            agreed = any(
                a <= minute < b for p in problem.pcns if p.code == s.pcn for a, b in p.other_hours
            )
            if not agreed and (hours is None or not hours[0] <= minute.time() < hours[1]):
                broken.append(f"{minute} is outside Network Standard Hours")
            if minute.date().weekday() == 6 or minute.date() in BANK_HOLIDAYS:
                broken.append(f"{minute} is a Sunday or bank holiday")
            if not any(a <= minute < b for a, b in who.available):
                broken.append(f"{who.name} is not available at {minute}")
            if (s.person, minute) in busy:
                broken.append(f"{who.name} is in two places at {minute}")
            busy[(s.person, minute)] = s.site
            at_site.setdefault((s.site, minute), []).append(s.person)
            pcn_staffed.add((s.pcn, minute))
            week = problem.start + timedelta(weeks=(minute.date() - problem.start).days // 7)
            pcn_minutes[(s.pcn, week)] = pcn_minutes.get((s.pcn, week), 0) + 1
            weekly[(s.person, week)] = weekly.get((s.person, week), 0) + 1
            minute += timedelta(minutes=1)
    for (site_id, minute), there in at_site.items():
        if len(there) > sites[site_id].rooms:
            broken.append(
                f"{sites[site_id].name} has {len(there)} sessions in its rooms at {minute}"
            )
        if not any(people[p].is_gp for p in there):
            broken.append(f"no GP at {sites[site_id].name} at {minute}")
    for (person_id, week), minutes in weekly.items():
        if minutes > people[person_id].max_hours_per_week * 60:
            broken.append(f"{people[person_id].name} works {minutes} minutes in week {week}")
    reported = {(s["pcn"], s["week_start"]) for s in result.shortfalls}
    for pcn in problem.pcns:
        for w in range(problem.weeks):
            week = problem.start + timedelta(weeks=w)
            if (pcn.code, week.isoformat()) in reported:
                continue
            if pcn_minutes.get((pcn.code, week), 0) < required_minutes(pcn.adjusted_population):
                broken.append(f"{pcn.code} is short of minutes in week {week} (not reported)")
            for d in range(7):
                day = week + timedelta(days=d)
                hours = standard_hours(day)
                if hours is None:
                    continue
                minute = datetime.combine(day, hours[0])
                while minute < datetime.combine(day, hours[1]):
                    if (pcn.code, minute) not in pcn_staffed:
                        broken.append(f"{pcn.code} is not covered at {minute} (not reported)")
                        break
                    minute += timedelta(minutes=1)
    return broken
