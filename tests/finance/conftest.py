from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from finance import services as finance
from finance.models import Service
from registry.models import Federation, FederationMembership, Practice
from tests.factories import (
    ListSizeFactory,
    PCNFactory,
    PracticeFactory,
    PracticePCNFactory,
    UserFactory,
)


@dataclass
class Books:
    federation: Federation
    practices: list[Practice]
    outsider: Practice
    pcn: object
    phlebotomy: Service
    hr: Service
    lead: object


@pytest.fixture
def books(db) -> Books:
    """A federation of three practices (lists 6,000 / 3,000 / 1,000), two in one PCN, a
    phlebotomy service they all take part in and an HR service only the first two use."""
    lead = UserFactory(email="finance@example.org")
    federation = Federation.objects.create(name="Test Federation", slug="test-fed")
    practices = [
        PracticeFactory(code=code, name=name)
        for code, name in (("A10001", "Abbey"), ("B10002", "Brook"), ("C10003", "Castle"))
    ]
    outsider = PracticeFactory(code="D10004", name="Dale (not a member)")
    pcn = PCNFactory(code="U10001", name="Riverside PCN")
    for practice in practices[:2]:
        PracticePCNFactory(practice=practice, pcn=pcn)
    for practice, patients in zip(practices, (6_000, 3_000, 1_000), strict=True):
        FederationMembership.objects.create(
            federation=federation, practice=practice, start_date=date(2020, 4, 1)
        )
        ListSizeFactory(practice=practice, extract_date=date(2026, 9, 1), patients=patients)
    finance.finance_settings_update(federation=federation, by=lead, overhead_percent=Decimal(5))
    phlebotomy = finance.service_save(
        federation=federation,
        by=lead,
        code="phlebotomy",
        name="Phlebotomy",
        unit="blood test",
        staff_monthly_pence=100_000,
        cost_per_unit_pence=150,
        alone_fixed_monthly_pence=80_000,
        alone_per_unit_pence=400,
        alone_source="Band 3 HCA 0.2 WTE at 2026/27 AfC rates",
    )
    hr = finance.service_save(
        federation=federation,
        by=lead,
        code="hr",
        name="HR support",
        category="back_office",
        level="federation",
        unit="case",
        alone_fixed_monthly_pence=50_000,
        alone_source="Local HR adviser retainer quote",
    )
    for practice in practices:
        finance.participation_add(
            service=phlebotomy, practice=practice, start_date=date(2025, 4, 1), by=lead
        )
    for practice in practices[:2]:
        finance.participation_add(
            service=hr, practice=practice, start_date=date(2025, 4, 1), by=lead
        )
    return Books(federation, practices, outsider, pcn, phlebotomy, hr, lead)
