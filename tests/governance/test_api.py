"""Governance's JSON API: resolutions with results, the register of members, the register of
interests, the meetings of the bodies a person may see with agenda and decisions, and the
risk register, each with the pages' access rules (404 outside them)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from governance import interests, meetings, risks, services
from tests.conftest import sign_in_verified

pytestmark = pytest.mark.django_db
BASE = "/api/v1/governance/federations/gov-fed"


def _resolution(gov):
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
        kind="ordinary",
        mode="written",
        circulated_on=timezone.localdate(),
        by=gov.admin,
    )
    services.vote_cast(
        resolution=resolution, practice=gov.practices["A00001"], choice="for", by=gov.voter
    )
    return resolution


def test_resolutions_with_their_results_and_who_voted_how(client, gov):
    _resolution(gov)
    sign_in_verified(client, gov.staff)
    [got] = client.get(f"{BASE}/resolutions").json()
    assert got["title"] == "Adopt new articles" and got["status"] == "open"
    assert got["result"]["for"] == {"count": 1, "weight": 1}
    assert got["result"]["eligible"]["count"] == 4
    assert got["votes"] == [
        {
            "practice": "A00001",
            "name": "Practice 1",
            "choice": "for",
            "cast_on": timezone.localdate().isoformat(),
            "on_paper": False,
        }
    ]


def test_the_register_of_members(client, gov):
    _resolution(gov)
    sign_in_verified(client, gov.voter)
    rows = {r["practice"]: r for r in client.get(f"{BASE}/members").json()}
    assert set(rows) == {"A00001", "A00002", "A00003", "A00004"}
    assert rows["A00001"]["nominated_voter"] == "Vera Voter" and rows["A00001"]["shares"] == 1
    assert rows["A00004"]["joined"] == "2026-06-01" and rows["A00002"]["liability"] is None


def test_the_register_of_interests_and_the_board_meetings_with_agenda_and_decisions(client, board):
    gov = board.gov
    interests.interest_declare(
        federation=gov.federation,
        user=board.cd,
        kind="financial",
        party="Harbour Health Ltd",
        description="Shareholder",
        start_date=date(2025, 1, 1),
        by=board.cd,
    )
    item = meetings.item_add(
        meeting=board.meeting,
        title="Budget",
        for_decision=True,
        owner=board.directors[0],
        by=gov.admin,
    )
    meetings.decision_record(meeting=board.meeting, item=item, text="Budget agreed", by=gov.admin)
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
    risks.item_risk_cite(item=item, risk=risk, by=gov.admin)
    sign_in_verified(client, gov.staff)
    [declared] = client.get(f"{BASE}/interests").json()
    assert declared["party"] == "Harbour Health Ltd" and declared["name"] == "Clara Director"
    assert client.get(f"{BASE}/meetings").json() == []  # no seat, not a board member
    sign_in_verified(client, board.directors[1])
    got = client.get(f"{BASE}/meetings").json()
    assert [m["title"] for m in got] == ["Board meeting (next)", "Board meeting (past)"]
    past = got[1]
    assert past["items"] == [
        {
            "number": 1,
            "title": "Budget",
            "owner": "Ada Chair",
            "for_decision": True,
            "paper": None,
            "risks": ["R1 Cash flow"],
        }
    ]
    assert past["decisions"] == [{"item": 1, "text": "Budget agreed"}]


def test_the_risk_register_for_the_board_not_the_practices(client, board):
    gov = board.gov
    risks.risk_add(
        federation=gov.federation,
        title="Cash flow",
        description="Late payments",
        owner=gov.admin,
        review_on=timezone.localdate() + timedelta(days=30),
        likelihood_before=5,
        impact_before=4,
        likelihood_after=2,
        impact_after=3,
        by=gov.admin,
    )
    sign_in_verified(client, gov.staff)
    assert client.get(f"{BASE}/risks").status_code == 404
    sign_in_verified(client, board.cd)
    [got] = client.get(f"{BASE}/risks").json()
    assert got["before_controls"] == {
        "likelihood": 5,
        "impact": 4,
        "score": 20,
        "band": "extreme",
        "rag": "red",
    }
    assert got["after_controls"]["band"] == "moderate" and not got["overdue"]


@pytest.mark.parametrize("what", ["resolutions", "members", "interests", "meetings", "risks"])
def test_anyone_outside_the_federation_gets_404(client, gov, what):
    sign_in_verified(client, gov.other_admin)
    assert client.get(f"{BASE}/{what}").status_code == 404
    assert client.get(f"/api/v1/governance/federations/other-fed/{what}").status_code == 200
    client.logout()
    assert client.get(f"{BASE}/{what}").status_code == 401
