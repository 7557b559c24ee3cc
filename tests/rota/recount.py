"""The minutes a rota counts for each PCN and week, recomputed from its JSON alone, as anyone
checking a plan without gpfed would: a session's minutes count where they fall in Network
Standard Hours (18:30-20:00 Monday to Friday, 09:00-17:00 Saturday; none on Sundays or the bank
holidays the JSON lists) or in the hours the PCN agreed outside them (``agreed_hours``:
weekday 0 is Monday, start and end)."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta

STANDARD = {d: (time(18, 30), time(20)) for d in range(5)} | {5: (time(9), time(17))}


def _at(text: str) -> time:
    return time.fromisoformat(text)


def counted_minutes(rota: dict) -> dict[tuple[str, str], int]:
    """{(PCN code, week start): minutes} for every session in ``rota`` (the rota's JSON)."""
    start = date.fromisoformat(rota["start"])
    closed = {date.fromisoformat(d) for d in rota["bank_holidays"]}
    agreed = {p["code"]: p["agreed_hours"] for p in rota["pcns"]}
    out: dict[tuple[str, str], int] = defaultdict(int)
    for s in rota["sessions"]:
        begins, ends = datetime.fromisoformat(s["start"]), datetime.fromisoformat(s["end"])
        week = start + timedelta(weeks=(begins.date() - start).days // 7)
        moment = begins
        while moment < ends:
            day, clock = moment.date(), moment.time()
            if day.weekday() != 6 and day not in closed:
                hours = STANDARD.get(day.weekday())
                inside = hours is not None and hours[0] <= clock < hours[1]
                inside = inside or any(
                    h["weekday"] == day.weekday() and _at(h["start"]) <= clock < _at(h["end"])
                    for h in agreed[s["pcn"]]
                )
                if inside:
                    out[(s["pcn"], week.isoformat())] += 1
            moment += timedelta(minutes=1)
    return dict(out)


def planned_minutes(rota: dict) -> dict[tuple[str, str], int]:
    """What the plan says: its compliance rows' planned minutes, where there are any."""
    return {
        (r["pcn"], r["week_start"]): r["planned_minutes"]
        for r in rota["compliance"]
        if r["planned_minutes"]
    }
