"""A small federation for governance: four member practices with lists of 10,000, 6,000,
3,000 and 1,000 patients (extract of 1 September 2026), one that joined on 1 June 2026, and a
practice that is not a member; its administrator, company secretary and a nominated voter; and
another federation's administrator."""

from dataclasses import dataclass
from datetime import date

import pytest

from accounts.services import role_grant
from registry.models import Federation, FederationMembership, Practice
from tests.factories import ListSizeFactory, PracticeFactory, UserFactory

EXTRACT = date(2026, 9, 1)
LISTS = {"A00001": 10_000, "A00002": 6_000, "A00003": 3_000, "A00004": 1_000}


@dataclass
class Gov:
    federation: Federation
    other: Federation
    practices: dict[str, Practice]
    outsider: Practice
    admin: object
    secretary: object
    voter: object
    staff: object
    other_admin: object


@pytest.fixture
def gov(db) -> Gov:
    federation = Federation.objects.create(name="Gov Federation", slug="gov-fed")
    other = Federation.objects.create(name="Other Federation", slug="other-fed")
    practices = {}
    for n, (code, patients) in enumerate(LISTS.items(), start=1):
        practice = PracticeFactory(code=code, name=f"Practice {n}")
        practices[code] = practice
        FederationMembership.objects.create(
            federation=federation,
            practice=practice,
            start_date=date(2026, 6, 1) if code == "A00004" else date(2020, 4, 1),
        )
        ListSizeFactory(practice=practice, extract_date=EXTRACT, patients=patients)
    outsider = PracticeFactory(code="B00009", name="Outside Surgery")
    FederationMembership.objects.create(
        federation=other, practice=outsider, start_date=date(2020, 4, 1)
    )
    admin = UserFactory(email="admin@gov.example")
    role_grant(user=admin, role="federation_admin", organisation=federation, by=None)
    secretary = UserFactory(email="secretary@gov.example")
    role_grant(user=secretary, role="company_secretary", organisation=federation, by=None)
    voter = UserFactory(email="voter@gov.example", full_name="Vera Voter")
    role_grant(
        user=voter,
        role="practice_manager",
        organisation=practices["A00001"],
        by=None,
        federation=federation,
    )
    staff = UserFactory(email="staff@gov.example")
    role_grant(
        user=staff,
        role="practice_staff",
        organisation=practices["A00002"],
        by=None,
        federation=federation,
    )
    other_admin = UserFactory(email="admin@other.example")
    role_grant(user=other_admin, role="federation_admin", organisation=other, by=None)
    return Gov(federation, other, practices, outsider, admin, secretary, voter, staff, other_admin)


@dataclass
class Board:
    gov: Gov
    body: object
    directors: list  # three directors with seats (the first is the chair)
    cd: object  # a PCN clinical director with a clinical director's seat
    pcn: object
    meeting: object  # a week ago
    next_meeting: object  # in three weeks


@pytest.fixture
def board(gov) -> Board:
    """A board of four (quorum 3) on ``gov``'s federation: three directors and the clinical
    director of a PCN of its practices; a meeting a week ago and one in three weeks."""
    from datetime import timedelta

    from django.utils import timezone

    from governance import meetings
    from tests.factories import PCNFactory, PracticePCNFactory

    pcn = PCNFactory(name="Harbour PCN")
    PracticePCNFactory(practice=gov.practices["A00001"], pcn=pcn)
    cd = UserFactory(email="cd@gov.example", full_name="Clara Director")
    role_grant(
        user=cd,
        role="pcn_clinical_director",
        organisation=pcn,
        by=None,
        federation=gov.federation,
        start_date=date(2026, 1, 1),
    )
    body = meetings.body_create(
        federation=gov.federation, name="Board of directors", kind="board", quorum=3, by=gov.admin
    )
    start = date(2026, 1, 1)
    directors = []
    for n, name in enumerate(["Ada Chair", "Ben Member", "Cy Member"]):
        user = UserFactory(email=f"director{n}@gov.example", full_name=name)
        role_grant(
            user=user, role="board_member", organisation=gov.federation, by=None, start_date=start
        )
        meetings.seat_add(
            body=body,
            user=user,
            office="chair" if n == 0 else "member",
            start_date=start,
            by=gov.admin,
        )
        directors.append(user)
    meetings.seat_add(
        body=body,
        user=cd,
        reserved_for="pcn_clinical_director",
        pcn=pcn,
        start_date=start,
        by=gov.admin,
    )
    now = timezone.now().replace(microsecond=0)
    meeting = meetings.meeting_schedule(
        body=body,
        title="Board meeting (past)",
        starts_at=now - timedelta(days=7),
        ends_at=now - timedelta(days=7) + timedelta(hours=2),
        place="Market Harborough hub",
        by=gov.admin,
    )
    next_meeting = meetings.meeting_schedule(
        body=body,
        title="Board meeting (next)",
        starts_at=now + timedelta(days=21),
        ends_at=now + timedelta(days=21, hours=2),
        online_link="https://meet.example/board",
        by=gov.admin,
    )
    return Board(gov, body, directors, cd, pcn, meeting, next_meeting)
