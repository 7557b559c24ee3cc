"""A small rota in the demo federation: one hub serving Cross Counties PCN (U30213), two GPs and
a nurse available on weekday evenings and Saturdays, and two ARRS posts for the PCN."""

from datetime import date, time

import pytest

from registry.models import PCN, AnnualPopulation, Federation
from rota.models import AccessPcn, Availability, Site, Staff

FED = "east-leicestershire-and-rutland-gp-federation"
MONDAY = date(2026, 12, 7)


def person(federation, name, role, pence, site, *, hours=20, saturday=True, **extra):
    staff = Staff.objects.create(
        federation=federation,
        name=name,
        email=f"{name.lower().replace(' ', '.')}@example.nhs.uk",
        role=role,
        start_date=date(2024, 4, 1),
        pence_per_hour=pence,
        max_hours_per_week=hours,
        **extra,
    )
    staff.sites.add(site)
    days = range(6) if saturday else range(5)
    Availability.objects.bulk_create(
        [
            Availability(
                staff=staff,
                weekday=d,
                start=time(8 if d == 5 else 17),
                end=time(21 if d < 5 else 18),
            )
            for d in days
        ]
    )
    return staff


def build_rota(federation=None, *, adjusted=10_000):
    federation = federation or Federation.objects.get(slug=FED)
    pcn = PCN.objects.get(code="U30213")
    AccessPcn.objects.create(federation=federation, pcn=pcn)
    AnnualPopulation.objects.create(
        pcn=pcn, financial_year=2026, measure="adjusted", value=adjusted, source="test"
    )
    hub = Site.objects.create(federation=federation, name="Test hub", rooms=2)
    hub.pcns.add(pcn)
    gp1 = person(federation, "Gina Practitioner", "gp", 9_000, hub)
    gp2 = person(federation, "Gary Practitioner", "gp", 9_500, hub)
    nurse = person(federation, "Nina Nurse", "practice_nurse", 3_000, hub)
    pharmacist = Staff.objects.create(
        federation=federation,
        name="Pat Pharmacist",
        role="clinical_pharmacist",
        afc_band="7",
        pcn=pcn,
        arrs_funded=True,
        wte="1.00",
        start_date=date(2024, 4, 1),
        annual_salary_pence=52_000_00,
        annual_oncosts_pence=14_000_00,
        max_hours_per_week=0,
    )
    coordinator = Staff.objects.create(
        federation=federation,
        name="Cara Coordinator",
        role="care_coordinator",
        afc_band="4",
        pcn=pcn,
        arrs_funded=True,
        wte="0.50",
        start_date=date(2026, 10, 17),
        annual_salary_pence=14_000_00,
        annual_oncosts_pence=3_000_00,
        max_hours_per_week=0,
    )
    return {
        "federation": federation,
        "pcn": pcn,
        "hub": hub,
        "gp1": gp1,
        "gp2": gp2,
        "nurse": nurse,
        "pharmacist": pharmacist,
        "coordinator": coordinator,
    }


@pytest.fixture
def rota(demo):
    return build_rota()
