"""Board resolutions: the members' resolution machinery (``Resolution``, its eligible voters
fixed when it is put, ``Vote`` written once, the tally in ``tally.py``) with one vote per
director: the body's seat holders on the meeting's day, less any conflicted on the item."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from audit.services import audit_record
from governance import board_selectors as board
from governance import tally as rules
from governance.errors import GovernanceError
from governance.models import AgendaItem, EligibleMember, Resolution, Vote
from registry.selectors import today


@transaction.atomic
def board_resolution_put(*, item: AgendaItem, title: str, text: str, by) -> Resolution:
    item = AgendaItem.objects.select_for_update().select_related("meeting__body").get(pk=item.pk)
    meeting = item.meeting
    title = title.strip()
    if not title or not text.strip():
        raise GovernanceError("Enter the resolution's title and text.", field="title")
    if item.resolutions.exists():
        raise GovernanceError("This item already has a resolution.", field="title")
    day = board.meeting_day(meeting)
    directors = board.seat_holder_ids(meeting.body, day) - board.conflicted_ids(item)
    if not directors:
        raise GovernanceError("Nobody on the body may vote on this item.", field="title")
    resolution = Resolution.objects.create(
        federation=meeting.body.federation,
        title=title,
        text=text.strip(),
        kind=Resolution.Kind.BOARD,
        mode=rules.MEETING,
        weighting=rules.PRACTICE,
        circulated_on=min(today(), day),
        meeting_on=day,
        quorum_members=meeting.body.quorum,
        item=item,
        created_by=by if getattr(by, "pk", None) else None,
    )
    EligibleMember.objects.bulk_create(
        EligibleMember(resolution=resolution, director_id=uid, weight=1, basis="director")
        for uid in sorted(directors)
    )
    audit_record(
        by=by,
        action="governance.board_resolution.put",
        obj=resolution,
        after={"item": item.pk, "title": title, "eligible": len(directors)},
        federation=resolution.federation,
    )
    return resolution


@transaction.atomic
def board_vote_cast(*, resolution: Resolution, director, choice: str, by) -> Vote:
    """A director's vote: cast by the director, or recorded at the meeting by the company
    secretary or administrator (``by`` someone else). Present, not conflicted, once."""
    resolution = Resolution.objects.select_for_update().get(pk=resolution.pk)
    if resolution.kind != Resolution.Kind.BOARD:
        raise GovernanceError("That is a members' resolution.", field="choice")
    item = resolution.item
    name = director.full_name or director.email
    if choice not in rules.CHOICES:
        raise GovernanceError("Choose for, against or abstain.", field="choice")
    if not resolution.eligible_members.filter(director=director).exists():
        raise GovernanceError(f"{name} has no vote on this resolution.", field="director")
    if director.pk in board.conflicted_ids(item):
        raise GovernanceError(
            f"{name} declared a conflict on this item and takes no part in its vote.",
            field="director",
        )
    if director.pk not in board.present_ids(item.meeting):
        raise GovernanceError(f"{name} is not recorded present at the meeting.", "director")
    if board.approved_minutes(item.meeting) is not None:
        raise GovernanceError("The meeting's minutes are approved: voting is closed.", "choice")
    existing = Vote.objects.filter(resolution=resolution, director=director).first()
    if existing is not None:
        raise GovernanceError(f"{name} has already voted: a vote is never changed.", "choice")
    try:
        with transaction.atomic():
            vote = Vote.objects.create(
                resolution=resolution,
                director=director,
                choice=choice,
                cast_on=today(),
                on_paper=getattr(by, "pk", None) != director.pk,
                cast_by=by if getattr(by, "pk", None) else None,
            )
    except IntegrityError:
        raise GovernanceError(f"{name} has already voted.", field="choice") from None
    audit_record(
        by=by,
        action="governance.board_vote",
        obj=vote,
        after={"resolution": resolution.pk, "director": director.pk, "choice": choice},
        federation=resolution.federation,
    )
    return vote
