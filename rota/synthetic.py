"""A generated Enhanced Access problem at federation scale, for the benchmark and the tests:
PCNs with adjusted populations, a practice site per PCN plus shared hubs, and staff with the
mix of roles, pay and availability a federation's bank has (some evenings, some Saturdays,
weeks of leave). Deterministic for a seed."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from rota.planner import Pcn, Person, Problem, Site

# role, share of staff, is GP, pence per hour (low, high), max hours a week (low, high)
ROLE_MIX = [
    ("GP", 0.30, True, (8_500, 11_500), (4, 12)),
    ("Advanced practitioner", 0.20, False, (5_200, 6_500), (6, 16)),
    ("Practice nurse", 0.20, False, (3_000, 4_000), (6, 16)),
    ("Clinical pharmacist", 0.10, False, (4_000, 5_000), (4, 12)),
    ("Paramedic", 0.07, False, (4_200, 4_800), (4, 12)),
    ("First contact physiotherapist", 0.06, False, (4_000, 4_600), (4, 12)),
    ("Healthcare assistant", 0.07, False, (1_600, 2_100), (6, 16)),
]


def generated_problem(
    *,
    pcns: int = 12,
    population: int = 600_000,
    sites: int = 15,
    staff: int = 150,
    weeks: int = 4,
    start: date = date(2026, 12, 7),
    seed: int = 2026,
) -> Problem:
    rng = random.Random(seed)  # noqa: S311 # nosec B311
    weights = [rng.uniform(0.7, 1.3) for _ in range(pcns)]
    total = sum(weights)
    pcn_list = [
        Pcn(f"U{10000 + i:05d}", round(population * w / total, 1), name=f"PCN {i + 1}")
        for i, w in enumerate(weights)
    ]
    codes = [p.code for p in pcn_list]
    hubs = max(1, sites - pcns) if sites > pcns else 1
    site_list = []
    for i, code in enumerate(codes[: sites - hubs]):
        site_list.append(Site(i + 1, f"{code} practice", rng.randint(3, 5), frozenset({code})))
    per_hub = -(-pcns // hubs)
    for h in range(hubs):
        served = frozenset(codes[h * per_hub : (h + 1) * per_hub] or codes)
        site_list.append(Site(len(site_list) + 1, f"Hub {h + 1}", rng.randint(6, 9), served))
    practice_sites = [s for s in site_list if not s.name.startswith("Hub")]
    hub_sites = [s for s in site_list if s.name.startswith("Hub")]
    people = []
    for n in range(staff):
        # a person is the same whatever the weeks
        rng = random.Random(seed * 100_003 + n)  # noqa: S311 # nosec B311
        role = _pick_role(rng, n, staff)
        name, _share, is_gp, (lo, hi), (hmin, hmax) = role
        home = rng.choice(practice_sites or hub_sites)
        near = [h for h in hub_sites if home.pcns & h.pcns] or hub_sites
        works = {home.id} | {h.id for h in near if rng.random() < 0.8}
        if rng.random() < 0.25:
            works.add(rng.choice(site_list).id)
        people.append(
            Person(
                id=n + 1,
                name=f"{name} {n + 1}",
                role=name,
                is_gp=is_gp,
                pence_per_hour=rng.randrange(lo, hi + 1, 50),
                max_hours_per_week=float(rng.randint(hmin, hmax)),
                sites=frozenset(works),
                available=_availability(rng, start, weeks, saturdays=0.6 if is_gp else 0.45),
            )
        )
    return Problem(start, weeks, pcn_list, site_list, people)


def _pick_role(rng, n, staff):
    cumulative = 0.0
    point = (n + 0.5) / staff  # the mix exactly, not by chance
    for role in ROLE_MIX:
        cumulative += role[1]
        if point < cumulative:
            return role
    return ROLE_MIX[-1]


def _availability(rng, start: date, weeks: int, saturdays: float):
    """Some evenings each week and some Saturdays, with an occasional week of leave."""
    evenings = rng.sample(range(5), rng.randint(3, 5))
    saturday = rng.random() < saturdays
    windows = []
    for w in range(weeks):
        if rng.random() < 0.08:
            continue  # a week of leave
        monday = start + timedelta(weeks=w)
        for d in evenings:
            day = monday + timedelta(days=d)
            windows.append((datetime.combine(day, time(17)), datetime.combine(day, time(21))))
        if saturday and rng.random() < 0.75:
            day = monday + timedelta(days=5)
            opens, closes = rng.choice(
                [
                    (time(8), time(18)),
                    (time(8), time(18)),
                    (time(8), time(13)),
                    (time(12, 30), time(18)),
                ]
            )
            windows.append((datetime.combine(day, opens), datetime.combine(day, closes)))
    return tuple(windows)
