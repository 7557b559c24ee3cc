"""Writes of the register of interests: a board member's or decision-maker's declaration (on
appointment, on a change, in the yearly round) and its end, the yearly round with its
reminders (a nil return allowed), declarations on an agenda item at a meeting (a conflicted
member is left out of the item's quorum and vote), and the register's CSV, audited."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from audit.services import audit_record, snapshot
from governance import board_selectors as board
from governance.errors import GovernanceError, refuse_nhs_numbers
from governance.models import (
    AgendaItem,
    Interest,
    InterestReturn,
    InterestRound,
    ItemDeclaration,
    Vote,
)
from governance.tasks import interest_reminder
from kernel.headers import has_line_break, refusal
from registry.models import Federation
from registry.selectors import today

INTEREST_FIELDS = ["user", "kind", "party", "description", "start_date", "end_date", "occasion"]


def _name(user) -> str:
    return user.full_name or user.email


@transaction.atomic
def interest_declare(
    *,
    federation: Federation,
    user,
    kind: str,
    party: str,
    description: str,
    start_date: date,
    end_date: date | None = None,
    occasion: str = Interest.Occasion.CHANGE,
    by,
) -> Interest:
    refuse_nhs_numbers(party=party, description=description)
    if user.pk not in board.decision_makers(federation):
        raise GovernanceError(
            f"{_name(user)} has no seat on a body of {federation.name} and is not a board "
            "member: only board members and decision-makers declare here.",
            field="user",
        )
    if kind not in Interest.Kind.values:
        raise GovernanceError("Choose the type of interest.", field="kind")
    if occasion not in Interest.Occasion.values:
        raise GovernanceError("Choose when it is declared.", field="occasion")
    party, description = party.strip(), description.strip()
    if not party:
        raise GovernanceError("Name the company, body or person.", field="party")
    if not description:
        raise GovernanceError("Describe the interest.", field="description")
    for value, what, field in ((party, "the party", "party"), (description, "it", "description")):
        if has_line_break(value):
            raise GovernanceError(refusal(what), field=field)
    if end_date is not None and end_date < start_date:
        raise GovernanceError("An interest ends on or after it starts.", field="end_date")
    interest = Interest.objects.create(
        federation=federation,
        user=user,
        kind=kind,
        party=party,
        description=description,
        start_date=start_date,
        end_date=end_date,
        occasion=occasion,
        declared_on=today(),
        recorded_by=by if getattr(by, "pk", None) else None,
    )
    audit_record(
        by=by,
        action="governance.interest.declare",
        obj=interest,
        after=snapshot(interest, INTEREST_FIELDS),
        federation=federation,
    )
    return interest


@transaction.atomic
def interest_end(*, interest: Interest, end_date: date, by) -> Interest:
    if end_date < interest.start_date:
        raise GovernanceError("An interest ends on or after it starts.", field="end_date")
    before = snapshot(interest, INTEREST_FIELDS)
    interest.end_date = end_date
    interest.save(update_fields=["end_date"])
    audit_record(
        by=by,
        action="governance.interest.end",
        obj=interest,
        before=before,
        after=snapshot(interest, INTEREST_FIELDS),
        federation=interest.federation,
    )
    return interest


@transaction.atomic
def round_open(*, federation: Federation, year: int, due_on: date, by) -> InterestRound:
    """Open the yearly round: each board member and decision-maker is reminded by email (on
    the worker) to confirm their interests or make a nil return by ``due_on``."""
    opened_on = today()
    if due_on < opened_on:
        raise GovernanceError("The returns are due on a day still to come.", field="due_on")
    if InterestRound.objects.filter(federation=federation, year=year).exists():
        raise GovernanceError(f"The {year} round is already open.", field="year")
    round_ = InterestRound.objects.create(
        federation=federation,
        year=year,
        opened_on=opened_on,
        due_on=due_on,
        opened_by=by if getattr(by, "pk", None) else None,
    )
    people = sorted(board.decision_makers(federation))
    for user_id in people:
        transaction.on_commit(lambda uid=user_id: interest_reminder.enqueue(round_.pk, uid))
    audit_record(
        by=by,
        action="governance.interests.round",
        obj=round_,
        after={"year": year, "due_on": due_on, "reminded": len(people)},
        federation=federation,
    )
    return round_


@transaction.atomic
def return_make(*, round_: InterestRound, user, nil: bool, by) -> InterestReturn:
    """A person's return for the round: their interests as the register shows them, or nil.
    A nil return is refused while the register shows a current interest of theirs."""
    if user.pk not in board.decision_makers(round_.federation):
        raise GovernanceError("Only board members and decision-makers make a return.", "user")
    if round_.returns.filter(user=user).exists():
        raise GovernanceError(f"{_name(user)} has made this round's return.", field="nil")
    if nil and round_.federation.interests.filter(board.current(today()), user=user).exists():
        raise GovernanceError(
            "The register shows a current interest of yours: end it first, or confirm your "
            "interests instead of a nil return.",
            field="nil",
        )
    made = InterestReturn.objects.create(round=round_, user=user, nil=nil, returned_on=today())
    audit_record(
        by=by,
        action="governance.interests.return",
        obj=made,
        after={"year": round_.year, "user": user.pk, "nil": nil},
        federation=round_.federation,
    )
    return made


@transaction.atomic
def item_declare(
    *,
    item: AgendaItem,
    user,
    note: str,
    conflicted: bool = True,
    interest: Interest | None = None,
    by,
) -> ItemDeclaration:
    """An interest declared on an agenda item, recorded in the minutes; a conflicted member is
    left out of the item's quorum and its vote. Declared before voting: a member who has
    voted on the item's resolution cannot then be excluded from it."""
    meeting = item.meeting
    if user.pk not in board.seat_holder_ids(meeting.body, board.meeting_day(meeting)):
        raise GovernanceError(f"{_name(user)} has no seat on {meeting.body.name}.", "user")
    if interest is not None and interest.user_id != user.pk:
        raise GovernanceError("That interest is someone else's.", field="interest")
    if not note.strip():
        raise GovernanceError("Say what the interest is.", field="note")
    refuse_nhs_numbers(note=note)
    if has_line_break(note):
        raise GovernanceError(refusal("the declaration"), field="note")
    if ItemDeclaration.objects.filter(item=item, user=user).exists():
        raise GovernanceError(f"{_name(user)} has already declared on this item.", "user")
    if Vote.objects.filter(resolution__item=item, director=user).exists():
        raise GovernanceError(
            f"{_name(user)} has voted on this item: a declaration comes before the vote.",
            field="user",
        )
    declaration = ItemDeclaration.objects.create(
        item=item,
        user=user,
        interest=interest,
        note=note.strip(),
        conflicted=conflicted,
        recorded_by=by if getattr(by, "pk", None) else None,
    )
    audit_record(
        by=by,
        action="governance.item.declare",
        obj=declaration,
        after={"item": item.pk, "user": user.pk, "conflicted": conflicted},
        federation=meeting.body.federation,
    )
    return declaration


def interests_export(federation: Federation, *, by) -> list[list]:
    """The register of interests as CSV rows, recorded in the audit trail."""
    rows = board.interests_csv_rows(board.register_of_interests(federation))
    audit_record(
        by=by,
        action="governance.interests.export",
        obj=federation,
        after={"rows": len(rows)},
        federation=federation,
    )
    return rows
