"""Reads of the board side: who sits on a body on a day, the quorum of each agenda item
(attendance less those conflicted on it), the actions carried from meeting to meeting, the
minutes and their approval, a board resolution's result (by ``tally.py``), the register of
interests, and everything the board pack prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch, Q
from django.utils import timezone

from accounts.models import Role, RoleGrant, User
from governance import tally as rules
from governance.models import (
    Action,
    AgendaItem,
    Attendance,
    Body,
    Decision,
    Interest,
    InterestRound,
    ItemDeclaration,
    Meeting,
    Minutes,
    Resolution,
    Seat,
    Vote,
)
from registry.models import Federation
from registry.selectors import today

INTEREST_COLUMNS = ["name", "type", "party", "description", "from", "to", "declared on", "when"]


def current(day: date) -> Q:
    return Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day))


def seats_on(body: Body, day: date | None = None) -> list[Seat]:
    day = day or today()
    return list(
        body.seats.filter(current(day)).select_related("user", "pcn").order_by("office", "id")
    )


def seat_holder_ids(body: Body, day: date | None = None) -> set[int]:
    day = day or today()
    return set(body.seats.filter(current(day)).values_list("user_id", flat=True))


def decision_makers(federation: Federation, day: date | None = None) -> set[int]:
    """Those who must declare their interests: anyone with a seat on one of the federation's
    bodies, and its board members and company secretary by role."""
    day = day or today()
    seated = Seat.objects.filter(current(day), body__federation=federation).values_list(
        "user_id", flat=True
    )
    roles = RoleGrant.objects.filter(
        current(day),
        federation=federation,
        role__in=[Role.BOARD_MEMBER, Role.COMPANY_SECRETARY],
    ).values_list("user_id", flat=True)
    return set(seated) | set(roles)


def bodies_of(federation: Federation):
    return federation.governance_bodies.order_by("name")


def clinical_directors(federation: Federation, day: date | None = None) -> list[RoleGrant]:
    """The PCN clinical director roles granted within the federation, current on ``day``."""
    day = day or today()
    return list(
        RoleGrant.objects.filter(
            current(day), role=Role.PCN_CLINICAL_DIRECTOR, through=federation
        ).select_related("user", "pcn")
    )


# --- a meeting ------------------------------------------------------------------------------


@dataclass
class ItemQuorum:
    item: AgendaItem
    present: int  # seat holders recorded present
    conflicted: list[ItemDeclaration]
    counted: int  # present and not conflicted
    quorum: int

    @property
    def quorate(self) -> bool:
        return self.counted >= self.quorum


def meeting_day(meeting: Meeting) -> date:
    return timezone.localtime(meeting.starts_at).date()


def present_ids(meeting: Meeting) -> set[int]:
    """Seat holders on the meeting's day recorded present."""
    seated = seat_holder_ids(meeting.body, meeting_day(meeting))
    return {
        uid
        for uid in meeting.attendance.filter(status=Attendance.Status.PRESENT).values_list(
            "user_id", flat=True
        )
        if uid in seated
    }


def item_quorums(meeting: Meeting) -> list[ItemQuorum]:
    """Each item's quorum: the body's seat holders present, less those who declared a
    conflict on that item; in two queries and the items'."""
    present = present_ids(meeting)
    items = list(
        meeting.items.prefetch_related(
            Prefetch(
                "declarations",
                queryset=ItemDeclaration.objects.select_related("user", "interest"),
            )
        ).order_by("number")
    )
    out = []
    for item in items:
        conflicted = [d for d in item.declarations.all() if d.conflicted]
        counted = len(present - {d.user_id for d in conflicted})
        out.append(ItemQuorum(item, len(present), conflicted, counted, meeting.body.quorum))
    return out


def item_quorum(item: AgendaItem) -> ItemQuorum:
    return next(q for q in item_quorums(item.meeting) if q.item.pk == item.pk)


def conflicted_ids(item: AgendaItem) -> set[int]:
    return set(item.declarations.filter(conflicted=True).values_list("user_id", flat=True))


def previous_meeting(meeting: Meeting) -> Meeting | None:
    return (
        Meeting.objects.filter(body=meeting.body, starts_at__lt=meeting.starts_at)
        .order_by("-starts_at")
        .first()
    )


def latest_minutes(meeting: Meeting) -> Minutes | None:
    """The meeting's minutes as they stand: the latest draft or approved version (a
    correction is listed with them, not instead)."""
    return (
        meeting.minutes.filter(corrects__isnull=True)
        .select_related("written_by")
        .order_by("-number")
        .first()
    )


def approved_minutes(meeting: Meeting) -> Minutes | None:
    return (
        meeting.minutes.filter(approval__isnull=False, corrects__isnull=True)
        .select_related("approval__at_meeting")
        .first()
    )


def open_actions(body: Body, before: Meeting | None = None):
    """The actions carried to a meeting: every action of the body still open (raised at this
    meeting or an earlier one)."""
    actions = body.actions.filter(status=Action.Status.OPEN).select_related(
        "owner", "raised_at", "item"
    )
    if before is not None:
        actions = actions.filter(raised_at__starts_at__lte=before.starts_at)
    return list(actions.order_by("due_on", "id"))


def minutes_awaiting_approval(federation: Federation, day: date | None = None) -> list[Meeting]:
    """Meetings of the federation's bodies held by ``day`` whose minutes are drafted and not
    yet approved."""
    day = day or today()
    return list(
        Meeting.objects.filter(
            body__federation=federation,
            starts_at__date__lte=day,
            minutes__isnull=False,
            minutes__corrects__isnull=True,
        )
        .exclude(minutes__approval__isnull=False)
        .distinct()
        .order_by("starts_at")
    )


@dataclass
class MeetingView:
    meeting: Meeting
    quorums: list[ItemQuorum]
    attendance: list[Attendance]
    seats: list[Seat]
    minutes: list[Minutes]
    decisions: list[Decision]
    actions: list[Action]
    previous: Meeting | None
    previous_minutes: Minutes | None
    resolutions: dict[int, Resolution] = field(default_factory=dict)


def meeting_view(meeting: Meeting) -> MeetingView:
    previous = previous_meeting(meeting)
    return MeetingView(
        meeting=meeting,
        quorums=item_quorums(meeting),
        attendance=list(meeting.attendance.select_related("user").order_by("user__full_name")),
        seats=seats_on(meeting.body, meeting_day(meeting)),
        minutes=list(
            meeting.minutes.select_related("written_by", "approval__at_meeting", "corrects")
        ),
        decisions=list(meeting.decisions.select_related("item", "resolution")),
        actions=open_actions(meeting.body, meeting),
        previous=previous,
        previous_minutes=latest_minutes(previous) if previous else None,
        resolutions={
            r.item_id: r
            for r in Resolution.objects.filter(item__meeting=meeting, kind=Resolution.Kind.BOARD)
        },
    )


# --- board resolutions ----------------------------------------------------------------------


@dataclass
class BoardResult:
    resolution: Resolution
    tally: rules.Tally
    status: str  # open, passed, not passed
    votes: list[Vote]
    excluded: list[int]  # directors conflicted on the item

    @property
    def status_text(self) -> str:
        return {"open": "Open", "passed": "Passed", "not passed": "Not passed"}[self.status]


def board_result(resolution: Resolution) -> BoardResult:
    """One vote per director: those with a seat on the meeting's day, less any conflicted on
    the item (their vote, if recorded before the declaration, does not count); more than
    half of the votes cast, with the body's quorum of directors present and not conflicted."""
    item = resolution.item
    conflicted = conflicted_ids(item)
    eligible = {
        str(e.director_id): 1
        for e in resolution.eligible_members.all()
        if e.director_id not in conflicted
    }
    votes = list(resolution.votes.select_related("director", "cast_by").order_by("id"))
    cast = {str(v.director_id): v.choice for v in votes if str(v.director_id) in eligible}
    result = rules.tally(
        eligible=eligible,
        votes=cast,
        kind=rules.ORDINARY,
        mode=rules.MEETING,
        quorum=item.meeting.body.quorum,
        present=len(present_ids(item.meeting) - conflicted),
    )
    if today() <= resolution.meeting_on:
        status = "open"
    else:
        status = "passed" if result.passed else "not passed"
    return BoardResult(resolution, result, status, votes, sorted(conflicted))


# --- the register of interests --------------------------------------------------------------


def register_of_interests(federation: Federation) -> list[Interest]:
    return list(
        federation.interests.select_related("user").order_by(
            "user__full_name", "user__email", "start_date", "id"
        )
    )


def interests_csv_rows(interests: list[Interest]) -> list[list]:
    return [
        [
            i.user.full_name or i.user.email,
            i.get_kind_display(),
            i.party,
            i.description,
            i.start_date.isoformat(),
            i.end_date.isoformat() if i.end_date else "",
            i.declared_on.isoformat(),
            i.get_occasion_display(),
        ]
        for i in interests
    ]


def current_round(federation: Federation) -> InterestRound | None:
    return federation.interest_rounds.order_by("-year").first()


def round_outstanding(round_: InterestRound) -> list[int]:
    """Decision-makers who have not made this round's return."""
    returned = set(round_.returns.values_list("user_id", flat=True))
    return sorted(decision_makers(round_.federation) - returned)


def directors_to_vote(resolution: Resolution, user, *, run: bool):
    """The directors whose vote on a board resolution this person may record: any eligible
    director who has not voted for those who run governance, else themselves if so."""
    eligible = resolution.eligible_members.exclude(
        director_id__in=resolution.votes.values("director_id")
    ).values("director_id")
    directors = User.objects.filter(pk__in=eligible)
    return directors if run else directors.filter(pk=user.pk)
