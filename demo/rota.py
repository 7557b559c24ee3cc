"""The demo federation's shared staff: Enhanced Access hubs, a bank of sessional staff with
weekly availability and some leave, ARRS-funded posts for each PCN, a planned rota for the
coming weeks and one submitted ARRS claim.

People, pay and availability are illustrative (no real person), at the scale of a real
federation: about one sessional clinician per 4,000 registered patients, GPs at £85-£115 an
hour, nurses and allied professionals at Agenda for Change rates with on-costs.
"""

from __future__ import annotations

import random
from datetime import date, time, timedelta

from django.conf import settings
from django.db import transaction

from finance.inputs import add_months, month_start
from registry.models import PracticePCN
from registry.selectors import federation_pcns_on, federation_practices_on, registered_list
from rota import arrs, selectors, services
from rota.models import (
    AccessPcn,
    AgreedHours,
    Availability,
    AvailabilityChange,
    Site,
    Staff,
)
from rota.synthetic import ROLE_MIX

SEED = 2027
ROLE_CODES = {
    "GP": "gp",
    "Advanced practitioner": "advanced_practitioner",
    "Practice nurse": "practice_nurse",
    "Clinical pharmacist": "clinical_pharmacist",
    "Paramedic": "paramedic",
    "First contact physiotherapist": "first_contact_physio",
    "Healthcare assistant": "hca",
}
FIRST = [
    "Aisha",
    "Ben",
    "Chloe",
    "Dev",
    "Ella",
    "Femi",
    "Grace",
    "Hari",
    "Isla",
    "Jack",
    "Kavya",
    "Liam",
    "Maya",
    "Nikhil",
    "Olivia",
    "Priya",
    "Quinn",
    "Ravi",
    "Sophie",
    "Tom",
    "Uma",
    "Victor",
    "Wen",
    "Yusuf",
    "Zara",
]
LAST = [
    "Ahmed",
    "Bennett",
    "Chauhan",
    "Davies",
    "Evans",
    "Fraser",
    "Gill",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Mistry",
    "Nash",
    "Owen",
    "Patel",
    "Rees",
    "Shah",
    "Taylor",
    "Walsh",
]
# ARRS posts each PCN employs through its lead practice: role, band, WTE, salary, on-costs
ARRS_POSTS = [
    ("clinical_pharmacist", "7", "1.00", 52_000_00, 14_250_00),
    ("first_contact_physio", "7", "0.80", 45_000_00, 12_100_00),
    ("care_coordinator", "4", "1.00", 27_500_00, 6_900_00),
    ("social_prescriber", "5", "0.60", 30_400_00, 7_700_00),
]


def demo_rota(federation, *, by, claim_by=None, plan_weeks: int = 4) -> dict:
    """Run once: a federation that already has sites is left alone. The plan gets at most 20
    seconds (a minute is what a person asking for one from a page gets)."""
    seconds = min(20, settings.GPFED_ROTA_SECONDS)
    if Site.objects.filter(federation=federation).exists():
        return {"created": False}
    # repeatable demo figures, not security
    rng = random.Random(SEED)  # noqa: S311 # nosec B311
    pcns = [entry["pcn"] for entry in federation_pcns_on(federation)]
    practices = federation_practices_on(federation)
    with transaction.atomic():
        sites = _sites(federation, pcns, practices, rng)
        staff = _staff(federation, pcns, sites, rng)
        _arrs_posts(federation, pcns, practices, rng)
    start = services.monday_of(date.today())
    run = services.plan_request(federation, start, plan_weeks, by=by, seconds=seconds)
    run = services.run_plan(run)
    claimed = _claim(federation, pcns, claim_by or by)  # a finance lead submits claims
    return {
        "created": True,
        "sites": len(sites),
        "staff": len(staff),
        "sessions": run.sessions.count(),
        "plan_start": start,
        "claims": claimed,
    }


def _sites(federation, pcns, practices, rng) -> list[Site]:
    """A hub for every two PCNs at the largest member practice among them, and each PCN's
    largest practice as a site of its own."""
    by_pcn = {}
    for spell in PracticePCN.objects.filter(
        practice__in=practices, pcn__in=pcns, end_date__isnull=True
    ).select_related("practice"):
        by_pcn.setdefault(spell.pcn_id, []).append(spell.practice)
    sizes = {p.pk: registered_list([p.pk]).patients for p in practices}
    sites = []
    for pcn in pcns:
        AccessPcn.objects.create(federation=federation, pcn=pcn)
        largest = max(by_pcn.get(pcn.pk, []), key=lambda p: sizes.get(p.pk, 0), default=None)
        if largest is None:
            continue
        site = Site.objects.create(
            federation=federation,
            name=f"{largest.name.title()} (practice site)",
            address=", ".join(
                x for x in (largest.address_1, largest.address_2, largest.address_3) if x
            ).title(),
            postcode=largest.postcode,
            practice=largest,
            rooms=rng.randint(3, 5),
            open_saturdays=rng.random() < 0.5,
        )
        site.pcns.add(pcn)
        sites.append(site)
    for n in range(0, len(pcns), 2):
        served = pcns[n : n + 2]
        site = Site.objects.create(
            federation=federation,
            name=f"Enhanced Access hub {n // 2 + 1}",
            address=f"Hub {n // 2 + 1}, {served[0].name.title()}",
            rooms=rng.randint(6, 8),
        )
        site.pcns.add(*served)
        sites.append(site)
    # the first PCN agreed early-morning blocks before the practices open
    first = AccessPcn.objects.filter(federation=federation).first()
    if first:
        for weekday in (1, 3):
            AgreedHours.objects.create(
                access_pcn=first, weekday=weekday, start=time(7, 0), end=time(8, 0)
            )
    return sites


def _staff(federation, pcns, sites, rng) -> list[Staff]:
    loaded = selectors.load(federation, date.today(), 1, keep=False)
    population = sum(p.adjusted_population for p in loaded.problem.pcns)
    count = max(20, round(population / 3_300))
    hubs = [s for s in sites if s.practice_id is None]
    serves = {s.pk: set(s.pcns.values_list("pk", flat=True)) for s in sites}
    people = []
    for n in range(count):
        role = ROLE_MIX[min(len(ROLE_MIX) - 1, _bucket(n, count))]
        label, _share, is_gp, (lo, hi), (hmin, hmax) = role
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        person = Staff.objects.create(
            federation=federation,
            name=name if is_gp is False else f"Dr {name}",
            email=f"{name.lower().replace(' ', '.')}.{n}@example.nhs.uk",
            role=ROLE_CODES[label],
            afc_band="" if is_gp else rng.choice(["5", "6", "7"]),
            employer=Staff.Employer.FEDERATION,
            start_date=date(2023, 4, 1) + timedelta(days=rng.randint(0, 700)),
            pence_per_hour=rng.randrange(lo, hi + 1, 50),
            max_hours_per_week=rng.randint(hmin, hmax),
        )
        home = rng.choice(sites)
        # A bank works near home: its own site, mostly the hub serving its PCN, now and then
        # another (a person at five of the county's fourteen sites doubled the planner's
        # choices and was not how a rural federation's staff travel; docs/rota.md).
        works = {home.pk} | {
            h.pk for h in hubs if rng.random() < (0.8 if serves[h.pk] & serves[home.pk] else 0.1)
        }
        person.sites.set(works)
        evenings = rng.sample(range(5), rng.randint(3, 5))
        windows = [
            Availability(staff=person, weekday=d, start=time(17), end=time(21)) for d in evenings
        ]
        if rng.random() < (0.6 if is_gp else 0.45):
            windows.append(Availability(staff=person, weekday=5, start=time(8), end=time(18)))
        if rng.random() < 0.2:
            windows.append(
                Availability(
                    staff=person, weekday=rng.choice([1, 3]), start=time(6, 30), end=time(8, 30)
                )
            )
        Availability.objects.bulk_create(windows)
        if rng.random() < 0.15:
            off = date.today() + timedelta(days=rng.randint(0, 40))
            AvailabilityChange.objects.create(
                staff=person, date_from=off, date_to=off + timedelta(days=6), reason="Annual leave"
            )
        people.append(person)
    return people


def _bucket(n: int, count: int) -> int:
    point, cumulative = (n + 0.5) / count, 0.0
    for i, role in enumerate(ROLE_MIX):
        cumulative += role[1]
        if point < cumulative:
            return i
    return len(ROLE_MIX) - 1


def _arrs_posts(federation, pcns, practices, rng) -> None:
    for pcn in pcns:
        lead = next(
            (
                s.practice
                for s in PracticePCN.objects.filter(pcn=pcn, end_date__isnull=True).select_related(
                    "practice"
                )
                if s.practice in practices
            ),
            None,
        )
        for i, (role, band, wte, salary, oncosts) in enumerate(ARRS_POSTS):
            Staff.objects.create(
                federation=federation,
                name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                role=role,
                afc_band=band,
                employer=Staff.Employer.PCN_LEAD,
                employer_practice=lead,
                pcn=pcn,
                arrs_funded=True,
                wte=wte,
                start_date=date(2024, 4, 1) if i != 3 else date(2026, 10, 13),
                annual_salary_pence=salary,
                annual_oncosts_pence=oncosts,
                pence_per_hour=0,
                max_hours_per_week=0,
            )


def _claim(federation, pcns, by) -> int:
    """Last month's claim submitted for the first PCN, so the record shows one."""
    if not pcns:
        return 0
    month = add_months(month_start(date.today()), -1)
    arrs.submit(federation, pcns[0], month, by=by)
    return 1
