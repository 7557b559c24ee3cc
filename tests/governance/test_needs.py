"""What governance puts on each person's home page: a nominated voter's resolutions waiting
for her practice's vote; a board member's declarations due and board packs to read; the
company secretary's minutes awaiting approval, actions overdue and risks overdue."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from governance import interests, meetings, risks, services
from governance.models import Risk
from governance.needs import governance_needs
from home.needs import needs_for
from tests.conftest import sign_in_verified

pytestmark = pytest.mark.django_db


def titles(user, today=None):
    return [n.title for n in governance_needs(user, today or timezone.localdate())]


def test_a_resolution_waiting_for_the_practices_vote_with_its_lapse_date(gov):
    today = timezone.localdate()
    services.member_set(
        federation=gov.federation,
        practice=gov.practices["A00001"],
        nominated_voter=gov.voter,
        shares=1,
        by=gov.admin,
    )
    resolution = services.resolution_circulate(
        federation=gov.federation,
        title="Adopt new articles",
        text="That the articles be adopted.",
        kind="special",
        mode="written",
        circulated_on=today,
        by=gov.admin,
    )
    [need] = governance_needs(gov.voter, today)
    assert need.title == "Resolution waiting for your vote: Adopt new articles"
    assert need.due == resolution.lapses_on and need.severity == "soon"
    assert "Practice 1 has not voted" in need.detail
    assert need.url == reverse("governance:resolution", args=[resolution.pk])
    assert titles(gov.staff) == []  # not a nominated voter
    # two days before it lapses it is urgent; once lapsed it is gone; once voted, gone
    assert governance_needs(gov.voter, resolution.lapses_on - timedelta(days=2))[0].severity == (
        "urgent"
    )
    assert titles(gov.voter, resolution.lapses_on + timedelta(days=1)) == []
    services.vote_cast(
        resolution=resolution, practice=gov.practices["A00001"], choice="for", by=gov.voter
    )
    assert titles(gov.voter) == []


def test_on_the_home_page_and_in_the_api(client, gov):
    services.member_set(
        federation=gov.federation,
        practice=gov.practices["A00001"],
        nominated_voter=gov.voter,
        shares=1,
        by=gov.admin,
    )
    services.resolution_circulate(
        federation=gov.federation,
        title="Adopt new articles",
        text="That the articles be adopted.",
        kind="ordinary",
        mode="written",
        circulated_on=timezone.localdate(),
        by=gov.admin,
    )
    assert "governance" in {n.area for n in needs_for(gov.voter)}
    sign_in_verified(client, gov.voter)
    assert (
        "Resolution waiting for your vote: Adopt new articles" in client.get("/").content.decode()
    )
    got = client.get("/api/v1/me/needs").json()["needs"]
    assert any(n["area"] == "governance" for n in got)


def test_a_board_member_is_asked_to_declare_on_appointment_and_in_the_round(board):
    gov, member = board.gov, board.directors[1]
    seat_day = timezone.localdate() - timedelta(days=3)
    newcomer = board.directors[2]
    from governance.models import Seat

    Seat.objects.filter(user=newcomer).update(start_date=seat_day)
    assert "Declare your interests on appointment" in titles(newcomer)
    assert "Declare your interests on appointment" not in titles(member)  # seated in January
    interests.interest_declare(
        federation=gov.federation,
        user=newcomer,
        kind="financial",
        party="Acme",
        description="Director",
        start_date=date(2025, 1, 1),
        occasion="appointment",
        by=newcomer,
    )
    assert "Declare your interests on appointment" not in titles(newcomer)
    interests.round_open(
        federation=gov.federation,
        year=2099,
        due_on=timezone.localdate() + timedelta(days=28),
        by=gov.secretary,
    )
    assert "Declarations of interest: your 2099 return" in titles(member)
    assert titles(gov.staff) == []
    interests.return_make(
        round_=gov.federation.interest_rounds.get(), user=member, nil=True, by=member
    )
    assert "Declarations of interest: your 2099 return" not in titles(member)


def test_a_board_pack_to_read_for_a_meeting_in_the_next_fortnight(board):
    gov, member = board.gov, board.directors[1]
    assert not [t for t in titles(member) if t.startswith("Board pack")]  # no agenda yet
    soon = board.next_meeting
    soon.starts_at = timezone.now() + timedelta(days=5)
    soon.ends_at = soon.starts_at + timedelta(hours=2)
    soon.save()
    meetings.item_add(meeting=soon, title="Budget", by=gov.admin)
    assert "Board pack to read: Board meeting (next)" in titles(member)
    assert not [t for t in titles(gov.staff) if t.startswith("Board pack")]


def test_the_company_secretary_sees_minutes_actions_and_risks_waiting(board):
    gov = board.gov
    assert titles(gov.secretary) == []
    meetings.minutes_draft(meeting=board.meeting, text="Draft", by=gov.secretary)
    meetings.action_add(
        meeting=board.meeting,
        text="Write to the ICB",
        owner=board.directors[0],
        due_on=timezone.localdate() + timedelta(days=1),
        by=None,
    )
    risk = risks.risk_add(
        federation=gov.federation,
        title="Cash flow",
        description="Late payments",
        owner=gov.admin,
        review_on=timezone.localdate() + timedelta(days=30),
        likelihood_before=3,
        impact_before=4,
        likelihood_after=2,
        impact_after=3,
        by=gov.admin,
    )
    assert titles(gov.secretary) == ["Minutes awaiting approval: 1 meeting"]
    later = timezone.localdate() + timedelta(days=40)
    assert set(titles(gov.secretary, later)) == {
        "Minutes awaiting approval: 1 meeting",
        "Actions overdue: 1 action",
        "Risks overdue for review: 1 risk",
    }
    assert titles(gov.admin, later) == titles(gov.secretary, later)
    assert titles(board.directors[1], later) == []  # not theirs to chase
    assert titles(gov.other_admin, later) == []
    Risk.objects.filter(pk=risk.pk).update(status="closed")
    assert "Risks overdue for review: 1 risk" not in titles(gov.secretary, later)
