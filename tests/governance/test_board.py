"""The board side: seats (a clinical director's from the PCN role), attendance and quorum less
those conflicted on an item, minutes fixed once approved, actions carried, board resolutions
one vote per director with the conflicted left out, invitations with a calendar entry."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar

from audit.models import AuditEvent
from governance import board_selectors as reads
from governance import board_votes, interests, meetings
from governance.errors import GovernanceError
from governance.models import Minutes, MinutesApproval
from tests.factories import PCNFactory, UserFactory

pytestmark = pytest.mark.django_db


def all_present(b, meeting=None):
    meeting = meeting or b.meeting
    people = [*b.directors, b.cd]
    meetings.attendance_record(
        meeting=meeting, statuses={u.pk: "present" for u in people}, by=b.gov.secretary
    )


def test_a_clinical_directors_seat_needs_the_pcn_role(board):
    other_pcn = PCNFactory()
    with pytest.raises(GovernanceError, match=r"is not .*clinical director"):
        meetings.seat_add(
            body=board.body,
            user=board.gov.voter,
            reserved_for="pcn_clinical_director",
            pcn=other_pcn,
            start_date=date(2026, 2, 1),
            by=board.gov.admin,
        )


def test_a_second_chair_in_the_same_term_is_refused(board):
    with pytest.raises(GovernanceError, match="already has a chair"):
        meetings.seat_add(
            body=board.body,
            user=board.gov.secretary,
            office="chair",
            start_date=date(2026, 3, 1),
            by=board.gov.admin,
        )


def test_clinical_director_seats_are_filled_from_the_roles(gov):
    from accounts.services import role_grant
    from tests.factories import PracticePCNFactory

    body = meetings.body_create(
        federation=gov.federation, name="PCN forum", kind="pcn_forum", quorum=1, by=gov.admin
    )
    pcn = PCNFactory()
    PracticePCNFactory(practice=gov.practices["A00002"], pcn=pcn)
    cd = UserFactory()
    role_grant(
        user=cd, role="pcn_clinical_director", organisation=pcn, by=None, federation=gov.federation
    )
    assert meetings.seats_fill_clinical_directors(body=body, by=gov.admin) == 1
    assert meetings.seats_fill_clinical_directors(body=body, by=gov.admin) == 0
    seat = body.seats.get()
    assert (seat.user, seat.pcn, seat.reserved_for) == (cd, pcn, "pcn_clinical_director")


def test_quorum_counts_those_present_less_those_conflicted_on_the_item(board):
    item = meetings.item_add(
        meeting=board.meeting,
        title="Award the Enhanced Access contract",
        for_decision=True,
        by=board.gov.admin,
    )
    other = meetings.item_add(meeting=board.meeting, title="Finance report", by=board.gov.admin)
    meetings.attendance_record(
        meeting=board.meeting,
        statuses={
            board.directors[0].pk: "present",
            board.directors[1].pk: "present",
            board.directors[2].pk: "apologies",
            board.cd.pk: "present",
        },
        by=board.gov.secretary,
    )
    interests.item_declare(
        item=item, user=board.cd, note="Partner at a bidding practice", by=board.gov.secretary
    )
    quorums = {q.item.pk: q for q in reads.item_quorums(board.meeting)}
    assert (quorums[other.pk].counted, quorums[other.pk].quorate) == (3, True)
    assert (quorums[item.pk].counted, quorums[item.pk].quorate) == (2, False)
    assert [d.user for d in quorums[item.pk].conflicted] == [board.cd]


def test_attendance_only_for_the_bodys_members(board):
    with pytest.raises(GovernanceError, match="members only"):
        meetings.attendance_record(
            meeting=board.meeting, statuses={board.gov.voter.pk: "present"}, by=board.gov.admin
        )


def test_minutes_are_approved_at_a_later_quorate_meeting_then_fixed(board):
    first = meetings.minutes_draft(meeting=board.meeting, text="Draft one", by=board.gov.secretary)
    second = meetings.minutes_draft(meeting=board.meeting, text="Draft two", by=board.gov.secretary)
    assert reads.latest_minutes(board.meeting) == second
    with pytest.raises(GovernanceError, match="later meeting"):
        meetings.minutes_approve(minutes=second, at_meeting=board.meeting, by=board.gov.secretary)
    with pytest.raises(GovernanceError, match="not quorate"):
        meetings.minutes_approve(
            minutes=second, at_meeting=board.next_meeting, by=board.gov.secretary
        )
    all_present(board, board.next_meeting)
    with pytest.raises(GovernanceError, match="latest draft"):
        meetings.minutes_approve(
            minutes=first, at_meeting=board.next_meeting, by=board.gov.secretary
        )
    meetings.minutes_approve(minutes=second, at_meeting=board.next_meeting, by=board.gov.secretary)
    # fixed: no new draft, no edit, no delete; a correction is a new record
    with pytest.raises(GovernanceError, match="record a correction"):
        meetings.minutes_draft(meeting=board.meeting, text="Draft three", by=board.gov.secretary)
    second.text = "Edited"
    with pytest.raises(ValueError, match="never changed"):
        second.save()
    with pytest.raises(ValueError, match="never deleted"):
        second.delete()
    with pytest.raises(ValueError, match="never changed"):
        MinutesApproval.objects.get(minutes=second).save()
    correction = meetings.minutes_correct(
        meeting=board.meeting, text="Item 2: for 'March' read 'May'.", by=board.gov.secretary
    )
    assert correction.corrects == second
    assert Minutes.objects.get(pk=second.pk).text == "Draft two"
    assert reads.approved_minutes(board.meeting) == second


def test_open_actions_are_carried_to_the_next_meeting_until_done(board):
    action = meetings.action_add(
        meeting=board.meeting,
        text="Circulate the risk appetite statement",
        owner=board.directors[1],
        due_on=date(2026, 12, 31),
        by=board.gov.secretary,
    )
    assert reads.open_actions(board.body, board.next_meeting) == [action]
    meetings.action_update(
        action=action, status="done", at_meeting=board.next_meeting, by=board.gov.secretary
    )
    assert reads.open_actions(board.body, board.next_meeting) == []


def test_a_board_resolution_is_one_vote_a_director_with_the_conflicted_left_out(board):
    item = meetings.item_add(
        meeting=board.meeting, title="Award the contract", for_decision=True, by=board.gov.admin
    )
    all_present(board)
    interests.item_declare(
        item=item, user=board.cd, note="Partner at a bidding practice", by=board.gov.secretary
    )
    resolution = board_votes.board_resolution_put(
        item=item,
        title="Award the contract",
        text="That the contract be awarded.",
        by=board.gov.secretary,
    )
    assert set(resolution.eligible_members.values_list("director_id", flat=True)) == {
        d.pk for d in board.directors
    }
    with pytest.raises(GovernanceError, match=r"no vote|conflict"):
        board_votes.board_vote_cast(
            resolution=resolution, director=board.cd, choice="for", by=board.cd
        )
    board_votes.board_vote_cast(
        resolution=resolution, director=board.directors[0], choice="for", by=board.directors[0]
    )
    board_votes.board_vote_cast(
        resolution=resolution, director=board.directors[1], choice="for", by=board.gov.secretary
    )
    with pytest.raises(GovernanceError, match="already voted"):
        board_votes.board_vote_cast(
            resolution=resolution,
            director=board.directors[1],
            choice="against",
            by=board.directors[1],
        )
    board_votes.board_vote_cast(
        resolution=resolution,
        director=board.directors[2],
        choice="against",
        by=board.directors[2],
    )
    result = reads.board_result(resolution)
    assert (result.tally.for_count, result.tally.against_count) == (2, 1)
    assert result.tally.present == 3 and result.tally.quorate
    assert result.status == "passed"
    assert result.excluded == [board.cd.pk]
    # it is not a members' resolution: their list and page leave it out
    from governance.selectors import resolutions_of

    assert resolution not in list(resolutions_of(board.gov.federation))


def test_a_board_resolution_without_a_quorum_of_the_unconflicted_fails(board):
    item = meetings.item_add(
        meeting=board.meeting, title="Merger", for_decision=True, by=board.gov.admin
    )
    meetings.attendance_record(
        meeting=board.meeting,
        statuses={
            board.directors[0].pk: "present",
            board.directors[1].pk: "present",
            board.cd.pk: "present",
        },
        by=board.gov.secretary,
    )
    interests.item_declare(item=item, user=board.cd, note="Conflicted", by=board.gov.secretary)
    resolution = board_votes.board_resolution_put(
        item=item, title="Merger", text="That we merge.", by=board.gov.secretary
    )
    for director in board.directors[:2]:
        board_votes.board_vote_cast(
            resolution=resolution, director=director, choice="for", by=director
        )
    result = reads.board_result(resolution)
    assert result.tally.for_count == 2 and not result.tally.quorate
    assert result.status == "not passed"


def test_a_declaration_after_voting_is_refused(board):
    item = meetings.item_add(
        meeting=board.meeting, title="X", for_decision=True, by=board.gov.admin
    )
    all_present(board)
    resolution = board_votes.board_resolution_put(item=item, title="X", text="X", by=None)
    board_votes.board_vote_cast(resolution=resolution, director=board.cd, choice="for", by=board.cd)
    with pytest.raises(GovernanceError, match="comes before the vote"):
        interests.item_declare(item=item, user=board.cd, note="Late", by=board.gov.secretary)


def test_invitations_carry_a_calendar_entry_over_smtp(
    board, smtp_server, django_capture_on_commit_callbacks
):
    meetings.item_add(meeting=board.next_meeting, title="Strategy", by=board.gov.admin)
    with django_capture_on_commit_callbacks(execute=True):
        sent = meetings.meeting_invite(meeting=board.next_meeting, by=board.gov.secretary)
    assert sent == 4
    assert sorted(m["To"] for m in smtp_server) == sorted(
        u.email for u in [*board.directors, board.cd]
    )
    mail = smtp_server[0]
    assert mail["Subject"] == "Invitation: Board meeting (next)"
    invite = next(p for p in mail.walk() if p.get_content_type() == "text/calendar")
    entry = next(iter(Calendar.from_ical(invite.get_payload(decode=True)).walk("VEVENT")))
    assert str(entry["summary"]) == "Board meeting (next)"
    assert str(entry["uid"]) == f"governance-meeting-{board.next_meeting.pk}@gpfed"
    assert entry.decoded("dtstart") == timezone.localtime(board.next_meeting.starts_at)
    assert "1. Strategy" in str(entry["description"])
    assert int(entry["sequence"]) == 1
    assert AuditEvent.objects.filter(action="governance.meeting.invite").count() == 1


def test_a_paper_must_be_in_the_federations_own_library(board):
    from comms.models import Folder, Resource, ResourceVersion

    folder = Folder.objects.create(name="Other papers", federation=board.gov.other)
    resource = Resource.objects.create(
        folder=folder, title="Their paper", federation=board.gov.other
    )
    version = ResourceVersion.objects.create(
        resource=resource, number=1, file="x.pdf", file_name="x.pdf", size=1, sha256="0" * 64
    )
    with pytest.raises(GovernanceError, match="library"):
        meetings.item_add(meeting=board.meeting, title="Paper", paper=version, by=None)


def test_the_board_pack_is_one_pdf_with_its_parts(board):
    from io import BytesIO

    from pypdf import PdfReader

    from governance.pack import board_pack

    meetings.minutes_draft(
        meeting=board.meeting, text="The board met and agreed the budget.", by=board.gov.secretary
    )
    meetings.item_add(meeting=board.next_meeting, title="Budget 2027/28", by=board.gov.admin)
    meetings.action_add(
        meeting=board.meeting,
        text="Write the budget",
        owner=board.directors[1],
        due_on=date.today() + timedelta(days=10),
        by=None,
    )
    interests.interest_declare(
        federation=board.gov.federation,
        user=board.cd,
        kind="financial",
        party="Harbour Health Ltd",
        description="Shareholder",
        start_date=date(2025, 1, 1),
        occasion="appointment",
        by=board.cd,
    )
    text = "".join(
        page.extract_text() for page in PdfReader(BytesIO(board_pack(board.next_meeting))).pages
    )
    for expected in [
        "Board pack: Board meeting (next)",
        "Budget 2027/28",
        "The board met and agreed the budget.",
        "Write the budget",
        "Harbour Health Ltd",
    ]:
        assert expected in text, expected
