"""A small federation for the bids pipeline: three member practices with lists of 6,000,
3,000 and 1,000 patients (extract of 1 September 2026) and a practice that is not a member; its
administrator, finance lead, board member, operations lead and the practice manager of its
first practice; another federation with its own administrator."""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from accounts.services import role_grant
from registry.models import Federation, FederationMembership, Practice
from tests.factories import ListSizeFactory, PracticeFactory, UserFactory

FIXTURES = Path(__file__).parent / "fixtures"
EXTRACT = date(2026, 9, 1)
LISTS = {"A10001": 6_000, "A10002": 3_000, "A10003": 1_000}


@dataclass
class Bids:
    federation: Federation
    other: Federation
    practices: dict[str, Practice]
    outsider: Practice
    admin: object
    finance: object
    board: object
    operations: object
    manager: object
    other_manager: object
    other_admin: object


@pytest.fixture
def bids(db) -> Bids:
    federation = Federation.objects.create(name="Bid Federation", slug="bid-fed")
    other = Federation.objects.create(name="Other Federation", slug="other-fed")
    practices = {}
    for n, (code, patients) in enumerate(LISTS.items(), start=1):
        practice = PracticeFactory(code=code, name=f"Practice {n}")
        practices[code] = practice
        FederationMembership.objects.create(
            federation=federation, practice=practice, start_date=date(2020, 4, 1)
        )
        ListSizeFactory(practice=practice, extract_date=EXTRACT, patients=patients)
    outsider = PracticeFactory(code="B10009", name="Outside Surgery")
    FederationMembership.objects.create(
        federation=other, practice=outsider, start_date=date(2020, 4, 1)
    )
    people = {}
    for key, role in (
        ("admin", "federation_admin"),
        ("finance", "finance_lead"),
        ("board", "board_member"),
        ("operations", "operations_lead"),
    ):
        people[key] = UserFactory(email=f"{key}@bid.example")
        role_grant(user=people[key], role=role, organisation=federation, by=None)
    for key, practice in (("manager", "A10001"), ("other_manager", "A10002")):
        people[key] = UserFactory(email=f"{key}@bid.example")
        role_grant(
            user=people[key],
            role="practice_manager",
            organisation=practices[practice],
            by=None,
            federation=federation,
        )
    other_admin = UserFactory(email="admin@other.example")
    role_grant(user=other_admin, role="federation_admin", organisation=other, by=None)
    return Bids(federation, other, practices, outsider, other_admin=other_admin, **people)


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()
