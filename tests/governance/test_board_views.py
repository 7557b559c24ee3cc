"""The board's pages and the register of interests, through the client: the company
secretary runs a meeting end to end; a board member sees its papers and pack; the
federation's people see the registers and not the meetings; minutes once approved are
fixed on the page too."""

from datetime import date

import pytest
from django.urls import reverse

from governance import board_selectors as reads
from governance import interests, meetings
from governance.models import Interest, ItemDeclaration, Minutes
from tests.conftest import sign_in_verified

pytestmark = pytest.mark.django_db


def test_the_company_secretary_runs_a_meeting_through_the_pages(client, board):
    b = board
    sign_in_verified(client, b.gov.secretary)
    meeting = reverse("governance:meeting", args=[b.next_meeting.pk])
    assert client.get(reverse("governance:body", args=[b.body.pk])).status_code == 200
    response = client.post(
        reverse("governance:item_new", args=[b.next_meeting.pk]),
        {"title": "Enhanced Access contract", "owner": b.directors[0].pk, "for_decision": "on"},
    )
    assert response.status_code == 302
    item = b.next_meeting.items.get()
    statuses = {f"u{u.pk}": "present" for u in [*b.directors, b.cd]}
    statuses[f"u{b.directors[2].pk}"] = "apologies"
    assert (
        client.post(
            reverse("governance:attendance", args=[b.next_meeting.pk]), statuses
        ).status_code
        == 302
    )
    assert (
        client.post(
            reverse("governance:declare", args=[b.next_meeting.pk]),
            {"item": item.pk, "user": b.cd.pk, "note": "Partner at a bidder", "conflicted": "on"},
        ).status_code
        == 302
    )
    assert ItemDeclaration.objects.get(item=item).user == b.cd
    page = client.get(meeting).content.decode()
    assert "2 of 3 needed: <strong>not quorate</strong>" in page
    assert "Clara Director: Partner at a bidder (conflicted)" in page
    # minutes of the earlier meeting, approved at this one, then fixed
    assert (
        client.post(
            reverse("governance:minutes", args=[b.meeting.pk]), {"text": "We met."}
        ).status_code
        == 302
    )
    draft = Minutes.objects.get(meeting=b.meeting)
    assert (
        client.post(
            reverse("governance:minutes_approve", args=[draft.pk]),
            {"at_meeting": b.next_meeting.pk},
        ).status_code
        == 302
    )
    assert reads.approved_minutes(b.meeting) == draft
    response = client.post(
        reverse("governance:minutes", args=[b.meeting.pk]), {"text": "For 'we' read 'the board'."}
    )
    assert response.status_code == 302
    assert Minutes.objects.get(pk=draft.pk).text == "We met."
    assert Minutes.objects.filter(corrects=draft).count() == 1
    pack = client.get(reverse("governance:pack", args=[b.next_meeting.pk]))
    assert pack.status_code == 200 and pack["Content-Type"] == "application/pdf"
    assert pack.content.startswith(b"%PDF")


def test_a_board_member_sees_the_meeting_and_votes_for_herself_only(client, board):
    b = board
    item = meetings.item_add(meeting=b.meeting, title="Budget", for_decision=True, by=None)
    meetings.attendance_record(
        meeting=b.meeting, statuses={u.pk: "present" for u in [*b.directors, b.cd]}, by=None
    )
    from governance.board_votes import board_resolution_put

    resolution = board_resolution_put(item=item, title="Budget", text="Adopt it.", by=None)
    sign_in_verified(client, b.directors[1])
    assert client.get(reverse("governance:meeting", args=[b.meeting.pk])).status_code == 200
    vote = reverse("governance:board_vote", args=[resolution.pk])
    # another director's vote is not hers to cast: the choice is refused
    response = client.post(vote, {"director": b.directors[0].pk, "choice": "for"})
    assert response.status_code == 200 and not resolution.votes.exists()
    assert client.post(vote, {"director": b.directors[1].pk, "choice": "for"}).status_code == 302
    assert resolution.votes.get().director == b.directors[1]
    assert client.get(vote).status_code == 404  # she has voted: nothing left to cast


def test_the_federations_people_see_the_registers_not_the_meetings(client, board):
    b = board
    interests.interest_declare(
        federation=b.gov.federation,
        user=b.cd,
        kind="financial",
        party="Harbour Health Ltd",
        description="Shareholder",
        start_date=date(2025, 1, 1),
        occasion="appointment",
        by=b.cd,
    )
    sign_in_verified(client, b.gov.staff)
    assert client.get(reverse("governance:bodies", args=["gov-fed"])).status_code == 200
    page = client.get(reverse("governance:interests", args=["gov-fed"]))
    assert "Harbour Health Ltd" in page.content.decode()
    csv = client.get(reverse("governance:interests_csv", args=["gov-fed"]))
    assert b"Clara Director,Financial,Harbour Health Ltd" in csv.content
    for url in [
        reverse("governance:body", args=[b.body.pk]),
        reverse("governance:meeting", args=[b.meeting.pk]),
        reverse("governance:pack", args=[b.meeting.pk]),
        reverse("governance:interest_new", args=["gov-fed"]),
    ]:
        assert client.get(url).status_code == 404, url


def test_a_decision_maker_declares_and_makes_a_nil_return(
    client, board, django_capture_on_commit_callbacks, mailoutbox
):
    b = board
    with django_capture_on_commit_callbacks(execute=True):
        interests.round_open(
            federation=b.gov.federation, year=2026, due_on=date(2099, 1, 31), by=b.gov.secretary
        )
    assert {m.to[0] for m in mailoutbox} >= {u.email for u in [*b.directors, b.cd]}
    sign_in_verified(client, b.directors[2])
    url = reverse("governance:interest_return", args=["gov-fed"])
    assert client.post(url, {"nil": "nil"}).status_code == 302
    sign_in_verified(client, b.cd)
    response = client.post(
        reverse("governance:interest_new", args=["gov-fed"]),
        {
            "user": b.cd.pk,
            "kind": "indirect",
            "party": "Spouse's pharmacy",
            "description": "Spouse owns a pharmacy",
            "start_date": "2024-04-01",
            "occasion": "appointment",
        },
    )
    assert response.status_code == 302
    # with a current interest, a nil return is refused
    response = client.post(url, {"nil": "nil"})
    assert response.status_code == 200 and "current interest" in response.content.decode()
    assert Interest.objects.filter(user=b.cd).count() == 1
