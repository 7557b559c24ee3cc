"""Another federation's administrator, after running a board of her own (a body, a seat, a
meeting with an item, minutes, an interest), gets 404 on every board and register-of-interests
address of this federation, whatever she sends, and changes nothing."""

from datetime import date

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from governance import board_votes, interests, meetings
from governance.models import Body, Interest, Meeting, Minutes
from governance.urls import urlpatterns
from tests.conftest import sign_in_verified
from tests.governance.test_register_tenancy import REGISTER_ADDRESSES
from tests.governance.test_tenancy import MEMBERS_ADDRESSES

pytestmark = pytest.mark.django_db


def test_another_federations_administrator_gets_404_on_every_board_address(client, board):
    b = board
    item = meetings.item_add(meeting=b.meeting, title="Contract", for_decision=True, by=None)
    meetings.attendance_record(
        meeting=b.meeting, statuses={u.pk: "present" for u in [*b.directors, b.cd]}, by=None
    )
    draft = meetings.minutes_draft(meeting=b.meeting, text="Ours", by=None)
    action = meetings.action_add(
        meeting=b.meeting, text="Ours", owner=b.directors[0], due_on=date(2099, 1, 1), by=None
    )
    resolution = board_votes.board_resolution_put(item=item, title="X", text="X", by=None)
    interest = interests.interest_declare(
        federation=b.gov.federation,
        user=b.cd,
        kind="financial",
        party="P",
        description="D",
        start_date=date(2025, 1, 1),
        by=None,
    )
    other = b.gov.other_admin
    sign_in_verified(client, other)
    # her own board, through the pages
    assert (
        client.post(
            "/governance/other-fed/bodies/new/",
            {"name": "Our board", "kind": "board", "quorum": "1"},
        ).status_code
        == 302
    )
    own = Body.objects.get(federation=b.gov.other)
    assert (
        client.post(
            reverse("governance:seat_new", args=[own.pk]),
            {
                "user": other.pk,
                "office": "chair",
                "reserved_for": "open",
                "start_date": "2026-01-01",
            },
        ).status_code
        == 302
    )
    assert (
        client.post(
            reverse("governance:meeting_new", args=[own.pk]),
            {
                "title": "Our meeting",
                "starts_at": "2026-01-05 18:00",
                "ends_at": "2026-01-05 20:00",
                "place": "Our office",
            },
        ).status_code
        == 302
    )
    mine = Meeting.objects.get(body=own)
    assert (
        client.post(
            reverse("governance:minutes", args=[mine.pk]), {"text": "Our minutes"}
        ).status_code
        == 302
    )
    assert client.get(reverse("governance:pack", args=[mine.pk])).status_code == 200

    counts = lambda: (  # noqa: E731
        AuditEvent.objects.filter(federation=b.gov.federation).count(),
        Minutes.objects.filter(meeting__body=b.body).count(),
        Interest.objects.filter(federation=b.gov.federation).count(),
        resolution.votes.count(),
    )
    before = counts()
    slug = "gov-fed"
    addresses = [
        reverse("governance:bodies", args=[slug]),
        reverse("governance:body_new", args=[slug]),
        reverse("governance:body", args=[b.body.pk]),
        reverse("governance:seat_new", args=[b.body.pk]),
        reverse("governance:seats_fill", args=[b.body.pk]),
        reverse("governance:meeting_new", args=[b.body.pk]),
        reverse("governance:meeting", args=[b.meeting.pk]),
        reverse("governance:item_new", args=[b.meeting.pk]),
        reverse("governance:attendance", args=[b.meeting.pk]),
        reverse("governance:declare", args=[b.meeting.pk]),
        reverse("governance:minutes", args=[b.meeting.pk]),
        reverse("governance:decision_new", args=[b.meeting.pk]),
        reverse("governance:action_new", args=[b.meeting.pk]),
        reverse("governance:invite", args=[b.meeting.pk]),
        reverse("governance:pack", args=[b.meeting.pk]),
        reverse("governance:minutes_approve", args=[draft.pk]),
        reverse("governance:action", args=[action.pk]),
        reverse("governance:board_resolution", args=[item.pk]),
        reverse("governance:board_vote", args=[resolution.pk]),
        reverse("governance:interests", args=[slug]),
        reverse("governance:interests_csv", args=[slug]),
        reverse("governance:interest_new", args=[slug]),
        reverse("governance:round_new", args=[slug]),
        reverse("governance:interest_return", args=[slug]),
        reverse("governance:interest_end", args=[interest.pk]),
        reverse("governance:resolution", args=[resolution.pk]),  # a board one, by the members' door
    ]
    assert len(addresses) - 1 + MEMBERS_ADDRESSES + REGISTER_ADDRESSES == len(urlpatterns) - 1
    posts = {
        "name": "Hostile",
        "kind": "board",
        "quorum": "1",
        "user": str(other.pk),
        "office": "member",
        "reserved_for": "open",
        "start_date": "2026-01-01",
        "title": "Hostile",
        "starts_at": "2026-01-05 18:00",
        "ends_at": "2026-01-05 20:00",
        "place": "x",
        "text": "Hostile",
        "at_meeting": str(mine.pk),
        "status": "done",
        "director": str(other.pk),
        "choice": "for",
        "party": "x",
        "description": "x",
        "occasion": "change",
        "year": "2026",
        "due_on": "2099-01-01",
        "nil": "nil",
        "end_date": "2026-01-02",
        "note": "x",
        "item": str(item.pk),
        "due_on_": "",
    }
    for url in addresses:
        assert client.get(url).status_code in (404, 405), url
        assert client.post(url, posts).status_code == 404, url
    assert counts() == before
