"""Factories for the rota: sites, staff and their availability, plans, sessions, ARRS claims.

``tests/rota/conftest.py`` ``build_rota`` builds a whole small rota in the demo federation; these
are for a test that needs one row of a kind, in a federation of its own.
"""

import hashlib
from datetime import UTC, date, datetime, time

import factory

from rota.models import (
    AccessPcn,
    AgreedHours,
    ArrsClaim,
    Availability,
    AvailabilityChange,
    PlanRun,
    RotaSession,
    Site,
    Staff,
    StaffRole,
)
from tests.factories.registry import FederationFactory, PCNFactory


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    federation = factory.SubFactory(FederationFactory)
    name = factory.Sequence(lambda n: f"Test hub {n}")
    rooms = 2


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff

    federation = factory.SubFactory(FederationFactory)
    name = factory.Faker("name", locale="en_GB")
    email = factory.Sequence(lambda n: f"clinician{n}@example.nhs.uk")
    role = StaffRole.GP
    start_date = date(2024, 4, 1)
    pence_per_hour = 9_000
    max_hours_per_week = 20


class AvailabilityFactory(factory.django.DjangoModelFactory):
    """Monday evening, 17:00 to 21:00."""

    class Meta:
        model = Availability

    staff = factory.SubFactory(StaffFactory)
    weekday = 0
    start = time(17)
    end = time(21)


class AvailabilityChangeFactory(factory.django.DjangoModelFactory):
    """Away for the whole of 7 December 2026."""

    class Meta:
        model = AvailabilityChange

    staff = factory.SubFactory(StaffFactory)
    date_from = date(2026, 12, 7)
    date_to = date(2026, 12, 7)
    available = False
    reason = "Annual leave"


class AccessPcnFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessPcn

    federation = factory.SubFactory(FederationFactory)
    pcn = factory.SubFactory(PCNFactory)


class AgreedHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgreedHours

    access_pcn = factory.SubFactory(AccessPcnFactory)
    weekday = 0
    start = time(18, 30)
    end = time(20)


class PlanRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanRun

    federation = factory.SubFactory(FederationFactory)
    start = date(2026, 12, 7)
    weeks = 1


class RotaSessionFactory(factory.django.DjangoModelFactory):
    """Monday 7 December 2026, 18:30 to 20:00, for a clinician at a hub of their federation."""

    class Meta:
        model = RotaSession

    federation = factory.SubFactory(FederationFactory)
    staff = factory.SubFactory(StaffFactory, federation=factory.SelfAttribute("..federation"))
    site = factory.SubFactory(SiteFactory, federation=factory.SelfAttribute("..federation"))
    pcn = factory.SubFactory(PCNFactory)
    start = datetime(2026, 12, 7, 18, 30, tzinfo=UTC)
    end = datetime(2026, 12, 7, 20, tzinfo=UTC)


class ArrsClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ArrsClaim

    federation = factory.SubFactory(FederationFactory)
    pcn = factory.SubFactory(PCNFactory)
    month = date(2026, 10, 1)
    reference = factory.Sequence(lambda n: f"ARRS-{n:04d}")
    claimed_pence = 5_000_00
    pot_pence = 100_000_00
    claimed_to_date_pence = 5_000_00
    lines = factory.LazyFunction(list)
    fingerprint = factory.Sequence(lambda n: hashlib.sha256(f"claim-{n}".encode()).hexdigest())
