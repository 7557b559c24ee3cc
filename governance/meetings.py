"""Writes of the board side: bodies and their seats (clinical directors' seats filled from the
PCN clinical director roles gpfed holds), meetings, agenda items with their papers,
attendance, minutes (drafted, approved at a later meeting of the body, then fixed), the
decisions and actions logs, and the invitations (sent by the worker with a calendar entry).
Each takes ``by=``, runs in one transaction, audits, and refuses with a ``GovernanceError``."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.db.models import Max, Q

from accounts.models import Role, RoleGrant
from audit.services import audit_record, snapshot
from comms.models import ResourceVersion
from governance import board_selectors as board
from governance.errors import GovernanceError, refuse_nhs_numbers
from governance.models import (
    Action,
    AgendaItem,
    Attendance,
    Body,
    Decision,
    Meeting,
    Minutes,
    MinutesApproval,
    Resolution,
    Seat,
)
from governance.tasks import meeting_invitation
from kernel.headers import has_line_break, refusal
from registry.models import PCN, Federation
from registry.selectors import today

SEAT_FIELDS = ["user", "office", "reserved_for", "pcn", "start_date", "end_date"]
MEETING_FIELDS = ["title", "starts_at", "ends_at", "place", "online_link"]


def _one_line(text: str, what: str, field: str) -> str:
    text = (text or "").strip()
    if not text:
        raise GovernanceError(f"Enter {what}.", field=field)
    if has_line_break(text):
        raise GovernanceError(refusal(what), field=field)
    return text


def _audit(by, action: str, obj, federation, *, before=None, after=None):
    audit_record(by=by, action=action, obj=obj, before=before, after=after, federation=federation)


# --- bodies and seats ------------------------------------------------------------------------


@transaction.atomic
def body_create(*, federation: Federation, name: str, kind: str, quorum: int, by) -> Body:
    name = _one_line(name, "the body's name", "name")
    if kind not in Body.Kind.values:
        raise GovernanceError("Choose what kind of body it is.", field="kind")
    if quorum < 1:
        raise GovernanceError("A quorum is at least one member present.", field="quorum")
    if Body.objects.filter(federation=federation, name__iexact=name).exists():
        raise GovernanceError(f"{federation.name} already has a body called {name}.", "name")
    body = Body.objects.create(federation=federation, name=name, kind=kind, quorum=quorum)
    _audit(by, "governance.body.create", body, federation, after={"name": name, "kind": kind})
    return body


def _holds_cd_role(user, pcn: PCN, federation: Federation, day: date) -> bool:
    return RoleGrant.objects.filter(
        board.current(day),
        user=user,
        role=Role.PCN_CLINICAL_DIRECTOR,
        pcn=pcn,
        through=federation,
    ).exists()


def _overlaps(body: Body, start: date, end: date | None):
    seats = body.seats.filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
    return seats.filter(start_date__lte=end) if end else seats


@transaction.atomic
def seat_add(
    *,
    body: Body,
    user,
    office: str = Seat.Office.MEMBER,
    reserved_for: str = Seat.Reserved.OPEN,
    pcn: PCN | None = None,
    start_date: date,
    end_date: date | None = None,
    by,
) -> Seat:
    """A seat for a term. A chair or vice-chair is one at a time; a person holds one seat on a
    body at a time; a clinical director's seat goes to someone holding that PCN's clinical
    director role within the federation on the day the term starts."""
    Body.objects.select_for_update().get(pk=body.pk)
    if office not in Seat.Office.values:
        raise GovernanceError("Choose chair, vice-chair or member.", field="office")
    if reserved_for not in Seat.Reserved.values:
        raise GovernanceError("Choose who the seat is for.", field="reserved_for")
    if end_date is not None and end_date < start_date:
        raise GovernanceError("A term ends on or after the day it starts.", field="end_date")
    if reserved_for == Seat.Reserved.PCN_CD:
        if pcn is None:
            raise GovernanceError("Name the PCN whose clinical director sits.", field="pcn")
        if not _holds_cd_role(user, pcn, body.federation, start_date):
            raise GovernanceError(
                f"{user.full_name or user.email} is not {pcn.name}'s clinical director within "
                f"{body.federation.name} on {start_date:%-d %B %Y}: a clinical director's seat "
                "is filled from the PCN's clinical director role.",
                field="user",
            )
    else:
        pcn = None
    overlapping = _overlaps(body, start_date, end_date)
    if overlapping.filter(user=user).exists():
        raise GovernanceError(
            f"{user.full_name or user.email} already has a seat on {body.name} in that term.",
            field="user",
        )
    if office != Seat.Office.MEMBER and overlapping.filter(office=office).exists():
        label = Seat.Office(office).label.lower()
        raise GovernanceError(f"{body.name} already has a {label} in that term.", "office")
    seat = Seat.objects.create(
        body=body,
        user=user,
        office=office,
        reserved_for=reserved_for,
        pcn=pcn,
        start_date=start_date,
        end_date=end_date,
    )
    _audit(by, "governance.seat.add", seat, body.federation, after=snapshot(seat, SEAT_FIELDS))
    return seat


@transaction.atomic
def seat_end(*, seat: Seat, end_date: date, by) -> Seat:
    if end_date < seat.start_date:
        raise GovernanceError("A term ends on or after the day it starts.", field="end_date")
    before = snapshot(seat, SEAT_FIELDS)
    seat.end_date = end_date
    seat.save(update_fields=["end_date"])
    _audit(by, "governance.seat.end", seat, seat.body.federation, before=before)
    return seat


def seats_fill_clinical_directors(*, body: Body, by, day: date | None = None) -> int:
    """A clinical director's seat for each PCN clinical director within the federation today
    who has none on the body. Returns how many seats were added."""
    day = day or today()
    added = 0
    with transaction.atomic():
        seated = board.seat_holder_ids(body, day)
        for grant in board.clinical_directors(body.federation, day):
            if grant.user_id in seated:
                continue
            seat_add(
                body=body,
                user=grant.user,
                reserved_for=Seat.Reserved.PCN_CD,
                pcn=grant.pcn,
                start_date=day,
                by=by,
            )
            seated.add(grant.user_id)
            added += 1
    return added


# --- meetings, agenda and attendance ---------------------------------------------------------


@transaction.atomic
def meeting_schedule(
    *,
    body: Body,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    place: str = "",
    online_link: str = "",
    by,
) -> Meeting:
    title = _one_line(title, "the meeting's title", "title")
    refuse_nhs_numbers(title=title)
    if ends_at <= starts_at:
        raise GovernanceError("A meeting ends after it starts.", field="ends_at")
    if has_line_break(place):
        raise GovernanceError(refusal("the place"), field="place")
    if not (place.strip() or online_link.strip()):
        raise GovernanceError("Give the place, or the link to join online.", field="place")
    meeting = Meeting.objects.create(
        body=body,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place.strip(),
        online_link=online_link.strip(),
        created_by=by if getattr(by, "pk", None) else None,
    )
    _audit(
        by,
        "governance.meeting.schedule",
        meeting,
        body.federation,
        after=snapshot(meeting, MEETING_FIELDS),
    )
    return meeting


@transaction.atomic
def item_add(
    *,
    meeting: Meeting,
    title: str,
    owner=None,
    paper: ResourceVersion | None = None,
    for_decision: bool = False,
    by,
) -> AgendaItem:
    """The next item on the agenda; its paper is one version of a document in the
    federation's own library, fixed so everyone reads the version circulated."""
    Meeting.objects.select_for_update().get(pk=meeting.pk)
    title = _one_line(title, "the item's title", "title")
    refuse_nhs_numbers(title=title)
    federation = meeting.body.federation
    if paper is not None and paper.resource.federation_id != federation.pk:
        raise GovernanceError(
            f"That document is not in {federation.name}'s library.", field="paper"
        )
    number = (meeting.items.aggregate(n=Max("number"))["n"] or 0) + 1
    item = AgendaItem.objects.create(
        meeting=meeting,
        number=number,
        title=title,
        owner=owner,
        paper=paper,
        for_decision=for_decision,
    )
    _audit(
        by,
        "governance.item.add",
        item,
        federation,
        after={
            "meeting": meeting.pk,
            "number": number,
            "title": title,
            "paper": f"{paper.resource.title} v{paper.number}" if paper else None,
        },
    )
    return item


@transaction.atomic
def attendance_record(*, meeting: Meeting, statuses: dict[int, str], by) -> int:
    """Who was present, who sent apologies, who was absent: for the body's seat holders on
    the meeting's day only. Returns how many were present."""
    seated = board.seat_holder_ids(meeting.body, board.meeting_day(meeting))
    strangers = set(statuses) - seated
    if strangers:
        raise GovernanceError(
            "Attendance is recorded for the body's members only.", field="attendance"
        )
    for status in statuses.values():
        if status not in Attendance.Status.values:
            raise GovernanceError(f"Unknown attendance {status!r}.", field="attendance")
    for user_id, status in statuses.items():
        Attendance.objects.update_or_create(
            meeting=meeting, user_id=user_id, defaults={"status": status}
        )
    present = sum(1 for s in statuses.values() if s == Attendance.Status.PRESENT)
    _audit(
        by,
        "governance.attendance",
        meeting,
        meeting.body.federation,
        after={str(k): v for k, v in sorted(statuses.items())},
    )
    return present


# --- minutes ---------------------------------------------------------------------------------


def _next_number(meeting: Meeting) -> int:
    return (meeting.minutes.aggregate(n=Max("number"))["n"] or 0) + 1


@transaction.atomic
def minutes_draft(*, meeting: Meeting, text: str, by) -> Minutes:
    """A new draft of the minutes (earlier drafts are kept). Once approved, minutes are
    fixed: a change is a correction (``minutes_correct``)."""
    Meeting.objects.select_for_update().get(pk=meeting.pk)
    if not text.strip():
        raise GovernanceError("Write the minutes.", field="text")
    refuse_nhs_numbers(text=text)
    if board.approved_minutes(meeting) is not None:
        raise GovernanceError(
            "These minutes were approved and are fixed: record a correction instead.",
            field="text",
        )
    minutes = Minutes.objects.create(
        meeting=meeting,
        number=_next_number(meeting),
        text=text.strip(),
        written_by=by if getattr(by, "pk", None) else None,
    )
    _audit(
        by,
        "governance.minutes.draft",
        minutes,
        meeting.body.federation,
        after={"meeting": meeting.pk, "number": minutes.number},
    )
    return minutes


@transaction.atomic
def minutes_correct(*, meeting: Meeting, text: str, by) -> Minutes:
    """A correction of approved minutes: a record of its own, approved like minutes at a
    later meeting; the approved minutes are never edited."""
    Meeting.objects.select_for_update().get(pk=meeting.pk)
    approved = board.approved_minutes(meeting)
    if approved is None:
        raise GovernanceError(
            "These minutes are still a draft: write a new draft instead.", field="text"
        )
    if not text.strip():
        raise GovernanceError("Write the correction.", field="text")
    refuse_nhs_numbers(text=text)
    minutes = Minutes.objects.create(
        meeting=meeting,
        number=_next_number(meeting),
        text=text.strip(),
        corrects=approved,
        written_by=by if getattr(by, "pk", None) else None,
    )
    _audit(
        by,
        "governance.minutes.correct",
        minutes,
        meeting.body.federation,
        after={"meeting": meeting.pk, "number": minutes.number, "corrects": approved.pk},
    )
    return minutes


@transaction.atomic
def minutes_approve(*, minutes: Minutes, at_meeting: Meeting, by) -> MinutesApproval:
    """Approve minutes (or a correction) as a true record at a later, quorate meeting of the
    same body. Only the latest draft can be approved; from then on it is fixed."""
    meeting = Meeting.objects.select_for_update().get(pk=minutes.meeting_id)
    if at_meeting.body_id != meeting.body_id or at_meeting.starts_at <= meeting.starts_at:
        raise GovernanceError(
            "Minutes are approved at a later meeting of the same body.", field="at_meeting"
        )
    if MinutesApproval.objects.filter(minutes=minutes).exists():
        raise GovernanceError("These minutes are already approved.", field="at_meeting")
    if minutes.corrects_id is None:
        if board.approved_minutes(meeting) is not None:
            raise GovernanceError("This meeting's minutes are already approved.", "at_meeting")
        if board.latest_minutes(meeting).pk != minutes.pk:
            raise GovernanceError(
                "A later draft exists: approve the latest draft.", field="at_meeting"
            )
    present = len(board.present_ids(at_meeting))
    if present < at_meeting.body.quorum:
        raise GovernanceError(
            f"{at_meeting} was not quorate ({present} present, {at_meeting.body.quorum} "
            "needed): record its attendance first.",
            field="at_meeting",
        )
    approval = MinutesApproval.objects.create(
        minutes=minutes,
        at_meeting=at_meeting,
        approved_on=board.meeting_day(at_meeting),
        approved_by=by if getattr(by, "pk", None) else None,
    )
    _audit(
        by,
        "governance.minutes.approve",
        minutes,
        meeting.body.federation,
        after={"at_meeting": at_meeting.pk, "approved_on": approval.approved_on},
    )
    return approval


# --- decisions and actions -------------------------------------------------------------------


@transaction.atomic
def decision_record(
    *,
    meeting: Meeting,
    text: str,
    item: AgendaItem | None = None,
    resolution: Resolution | None = None,
    by,
) -> Decision:
    if not text.strip():
        raise GovernanceError("Write what was decided.", field="text")
    refuse_nhs_numbers(text=text)
    if item is not None and item.meeting_id != meeting.pk:
        raise GovernanceError("That item is on another meeting's agenda.", field="item")
    if resolution is not None and (item is None or resolution.item_id != item.pk):
        raise GovernanceError("That resolution was not on this item.", field="resolution")
    decision = Decision.objects.create(
        meeting=meeting,
        item=item,
        text=text.strip(),
        resolution=resolution,
        recorded_by=by if getattr(by, "pk", None) else None,
    )
    _audit(
        by,
        "governance.decision",
        decision,
        meeting.body.federation,
        after={"meeting": meeting.pk, "text": decision.text},
    )
    return decision


@transaction.atomic
def action_add(
    *, meeting: Meeting, text: str, owner, due_on: date, item: AgendaItem | None = None, by
) -> Action:
    text = _one_line(text, "the action", "text")
    refuse_nhs_numbers(text=text)
    if item is not None and item.meeting_id != meeting.pk:
        raise GovernanceError("That item is on another meeting's agenda.", field="item")
    action = Action.objects.create(
        body=meeting.body, raised_at=meeting, item=item, text=text, owner=owner, due_on=due_on
    )
    _audit(
        by,
        "governance.action.add",
        action,
        meeting.body.federation,
        after={"text": text, "owner": getattr(owner, "pk", None), "due_on": due_on},
    )
    return action


@transaction.atomic
def action_update(*, action: Action, status: str, at_meeting: Meeting | None = None, by):
    action = Action.objects.select_for_update().get(pk=action.pk)
    if status not in Action.Status.values:
        raise GovernanceError("Choose open, done or dropped.", field="status")
    if at_meeting is not None and at_meeting.body_id != action.body_id:
        raise GovernanceError("That meeting is another body's.", field="at_meeting")
    before = {"status": action.status}
    action.status = status
    action.closed_at = at_meeting if status != Action.Status.OPEN else None
    action.save(update_fields=["status", "closed_at", "updated_at"])
    _audit(
        by,
        "governance.action.update",
        action,
        action.body.federation,
        before=before,
        after={"status": status},
    )
    return action


# --- invitations -----------------------------------------------------------------------------


@transaction.atomic
def meeting_invite(*, meeting: Meeting, by) -> int:
    """Invite the body's seat holders on the meeting's day: each is sent an email with the
    calendar entry by the worker once this commits (a second sending is an update: the
    entry's sequence goes up). Returns how many were invited."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    users = sorted(board.seat_holder_ids(meeting.body, board.meeting_day(meeting)))
    if not users:
        raise GovernanceError(f"{meeting.body.name} has nobody to invite.", field="meeting")
    meeting.sequence += 1
    meeting.save(update_fields=["sequence"])
    for user_id in users:
        transaction.on_commit(lambda uid=user_id: meeting_invitation.enqueue(meeting.pk, uid))
    _audit(
        by,
        "governance.meeting.invite",
        meeting,
        meeting.body.federation,
        after={"invited": len(users), "sequence": meeting.sequence},
    )
    return len(users)
