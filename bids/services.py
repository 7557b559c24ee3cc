"""Writes of the bids pipeline: an opportunity entered or edited, its criteria and documents,
an import of OCDS notices, stage changes (won makes the contract in finance's register through
finance's own service; lost keeps the reason and feedback scores), the bid/no-bid decision and
member practices' commitment. Each takes the acting user as ``by=``, runs in one transaction,
records an audit event and raises ``BidsError`` with a message a person can act on."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from audit.services import audit_record, snapshot
from bids import reminders
from bids.errors import BidsError
from bids.models import (
    CLOSED,
    Commitment,
    Criterion,
    Document,
    Opportunity,
    Route,
    Stage,
    StageChange,
)
from finance.services import FinanceError, contract_save
from kernel.formats import counted
from kernel.headers import has_line_break
from registry.models import Federation, Practice
from registry.selectors import federation_member_ids_on, latest_patients, today

FIELDS = [
    "ocid",
    "buyer",
    "title",
    "description",
    "value_pence",
    "term_months",
    "extension_months",
    "route",
    "cpv_codes",
    "clarification_deadline",
    "submission_deadline",
    "standstill_end",
]
# Moves by hand from each open stage; won, lost and withdrawn each have their own service.
MOVES = {
    Stage.IDENTIFIED: {Stage.BID_NO_BID},
    Stage.BID_NO_BID: {Stage.IDENTIFIED},
    Stage.PREPARING: {Stage.SUBMITTED},
    Stage.SUBMITTED: {Stage.PREPARING},
}


def _check(values: dict) -> None:
    title = (values.get("title") or "").strip()
    if not title:
        raise BidsError("Enter the opportunity's title.", "title")
    if has_line_break(title):
        raise BidsError("The title is one line.", "title")
    if not (values.get("buyer") or "").strip():
        raise BidsError("Enter the buyer (the commissioner running the procurement).", "buyer")
    if (values.get("value_pence") or 0) < 0:
        raise BidsError("The value cannot be negative.", "value_pence")
    if values.get("route", Route.OTHER) not in Route.values:
        raise BidsError(f"Unknown route {values.get('route')!r}.", "route")
    codes = (values.get("cpv_codes") or "").split()
    if any(not (c.isdigit() and len(c) == 8) for c in codes):
        raise BidsError("CPV codes are eight digits each, separated by spaces.", "cpv_codes")
    clarify, submit = values.get("clarification_deadline"), values.get("submission_deadline")
    if clarify and submit and clarify > submit:
        raise BidsError(
            "Clarification questions close before the submission deadline.",
            "clarification_deadline",
        )


def _stage(opportunity: Opportunity, stage: str, *, on: date, note: str, by) -> None:
    opportunity.stage = stage
    StageChange.objects.create(
        opportunity=opportunity, stage=stage, changed_on=on, note=note[:300], changed_by=by
    )


@transaction.atomic
def opportunity_save(
    *, federation: Federation, by, instance: Opportunity | None = None, **values
) -> Opportunity:
    """Enter an opportunity by hand, or change one (its stage is changed apart)."""
    if instance is not None:
        instance = Opportunity.objects.select_for_update().get(pk=instance.pk)
    opportunity = instance or Opportunity(federation=federation)
    before = snapshot(opportunity, FIELDS) if instance else None
    merged = {f: values.get(f, getattr(opportunity, f)) for f in FIELDS}
    merged["cpv_codes"] = " ".join((merged["cpv_codes"] or "").split())
    merged["ocid"] = (merged["ocid"] or "").strip()
    _check(merged)
    if merged["ocid"]:
        clash = Opportunity.objects.filter(federation=federation, ocid=merged["ocid"])
        if clash.exclude(pk=opportunity.pk).exists():
            raise BidsError(f"There is already an opportunity {merged['ocid']}.", "ocid")
    for name, value in merged.items():
        setattr(opportunity, name, value)
    opportunity.save()
    if instance is None:
        StageChange.objects.create(
            opportunity=opportunity,
            stage=Stage.IDENTIFIED,
            changed_on=today(),
            note="Entered by hand",
            changed_by=by,
        )
    audit_record(
        by=by,
        action=f"bids.opportunity.{'update' if instance else 'create'}",
        obj=opportunity,
        before=before,
        after=snapshot(opportunity, FIELDS),
        federation=federation,
    )
    reminders.schedule(opportunity)
    return opportunity


@transaction.atomic
def criteria_set(*, opportunity: Opportunity, criteria: list[tuple[str, int]], by) -> None:
    """Replace the evaluation criteria: their weights add up to 100 (or there are none)."""
    names = [name.strip() for name, _ in criteria]
    if any(not name for name in names):
        raise BidsError("Each criterion needs its name.", "criteria")
    if len(set(n.lower() for n in names)) != len(names):
        raise BidsError("Two criteria have the same name.", "criteria")
    if any(not 1 <= weight <= 100 for _, weight in criteria):
        raise BidsError("Each weight is a whole percent from 1 to 100.", "criteria")
    total = sum(weight for _, weight in criteria)
    if criteria and total != 100:
        raise BidsError(f"The weights add up to {total}%, not 100%.", "criteria")
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    before = {"criteria": [str(c) for c in opportunity.criteria.all()]}
    opportunity.criteria.all().delete()
    Criterion.objects.bulk_create(
        Criterion(opportunity=opportunity, name=name, weight=weight)
        for name, weight in zip(names, (w for _, w in criteria), strict=True)
    )
    audit_record(
        by=by,
        action="bids.criteria.set",
        obj=opportunity,
        before=before,
        after={"criteria": [str(c) for c in opportunity.criteria.all()]},
        federation=opportunity.federation,
    )


@transaction.atomic
def document_add(*, opportunity: Opportunity, title: str, url: str, by) -> Document:
    if not title.strip():
        raise BidsError("Enter the document's title.", "title")
    if not url.startswith(("https://", "http://")):
        raise BidsError("Enter the document's web address (https://...).", "url")
    document = Document.objects.create(opportunity=opportunity, title=title.strip(), url=url)
    audit_record(
        by=by,
        action="bids.document.add",
        obj=opportunity,
        after={"document": f"{document.title} {document.url}"},
        federation=opportunity.federation,
    )
    return document


def _open(opportunity: Opportunity) -> Opportunity:
    locked = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    if locked.stage in CLOSED:
        raise BidsError(
            f"This opportunity is already {locked.get_stage_display().lower()}.", "stage"
        )
    return locked


@transaction.atomic
def stage_move(*, opportunity: Opportunity, stage: str, on: date, note: str = "", by):
    """Move an open opportunity along (identified, bid/no-bid, preparing, submitted). The
    bid/no-bid decision, winning, losing and withdrawing each have their own service."""
    opportunity = _open(opportunity)
    if stage not in MOVES.get(opportunity.stage, set()):
        allowed = ", ".join(Stage(s).label.lower() for s in MOVES.get(opportunity.stage, ()))
        raise BidsError(
            f"From {opportunity.get_stage_display().lower()} it can move to {allowed}.", "stage"
        )
    before = opportunity.stage
    _stage(opportunity, stage, on=on, note=note, by=by)
    opportunity.save(update_fields=["stage", "updated_at"])
    audit_record(
        by=by,
        action="bids.stage.move",
        obj=opportunity,
        before={"stage": before},
        after={"stage": stage, "on": on},
        federation=opportunity.federation,
    )
    return opportunity


@transaction.atomic
def decision_record(
    *, opportunity: Opportunity, decision: str, reason: str, on: date, scenario=None, by
) -> Opportunity:
    """The bid/no-bid decision, its reason and the economics scenario it rests on: a bid goes
    on to preparing; no bid closes the opportunity as withdrawn."""
    opportunity = _open(opportunity)
    if decision not in (Opportunity.Decision.BID, Opportunity.Decision.NO_BID):
        raise BidsError("Choose bid or do not bid.", "decision")
    if not reason.strip():
        raise BidsError("Give the reason for the decision.", "reason")
    if scenario is not None and scenario.scenario.federation_id != opportunity.federation_id:
        raise BidsError("Choose one of this federation's scenarios.", "scenario")
    before = snapshot(opportunity, ["stage", "decision", "decision_reason", "scenario"])
    opportunity.decision = decision
    opportunity.decision_reason = reason.strip()
    opportunity.decided_on = on
    opportunity.scenario = scenario
    bid = decision == Opportunity.Decision.BID
    _stage(
        opportunity,
        Stage.PREPARING if bid else Stage.WITHDRAWN,
        on=on,
        note=("Bid: " if bid else "No bid: ") + reason.strip(),
        by=by,
    )
    if not bid:
        opportunity.outcome_reason = reason.strip()
    opportunity.save()
    audit_record(
        by=by,
        action="bids.decision.record",
        obj=opportunity,
        before=before,
        after=snapshot(opportunity, ["stage", "decision", "decision_reason", "scenario"]),
        federation=opportunity.federation,
    )
    return opportunity


@transaction.atomic
def opportunity_withdraw(*, opportunity: Opportunity, reason: str, on: date, by) -> Opportunity:
    opportunity = _open(opportunity)
    if not reason.strip():
        raise BidsError("Give the reason for withdrawing.", "reason")
    before = opportunity.stage
    opportunity.outcome_reason = reason.strip()
    _stage(opportunity, Stage.WITHDRAWN, on=on, note=reason, by=by)
    opportunity.save()
    audit_record(
        by=by,
        action="bids.opportunity.withdraw",
        obj=opportunity,
        before={"stage": before},
        after={"stage": Stage.WITHDRAWN, "reason": reason.strip()},
        federation=opportunity.federation,
    )
    return opportunity


def _submitted(opportunity: Opportunity) -> Opportunity:
    opportunity = _open(opportunity)
    if opportunity.stage != Stage.SUBMITTED:
        raise BidsError("Only a submitted bid is won or lost.", "stage")
    return opportunity


@transaction.atomic
def opportunity_lost(
    *, opportunity: Opportunity, reason: str, scores: dict[int, Decimal], on: date, by
) -> Opportunity:
    """Lost: the reason and the buyer's feedback score on each criterion (percent)."""
    opportunity = _submitted(opportunity)
    if not reason.strip():
        raise BidsError("Give the reason the buyer gave.", "reason")
    criteria = {c.pk: c for c in opportunity.criteria.all()}
    if set(scores) - set(criteria):
        raise BidsError("A score is for a criterion of another opportunity.", "scores")
    for pk, score in scores.items():
        if score is not None and not 0 <= score <= 100:
            raise BidsError(f"{criteria[pk].name}: a score is from 0 to 100%.", "scores")
    for pk, score in scores.items():
        criteria[pk].feedback_score = score
    Criterion.objects.bulk_update(list(criteria.values()), ["feedback_score"])
    opportunity.outcome_reason = reason.strip()
    _stage(opportunity, Stage.LOST, on=on, note=reason, by=by)
    opportunity.save()
    audit_record(
        by=by,
        action="bids.opportunity.lost",
        obj=opportunity,
        before={"stage": Stage.SUBMITTED},
        after={
            "stage": Stage.LOST,
            "reason": opportunity.outcome_reason,
            "scores": {criteria[pk].name: str(scores[pk]) for pk in scores},
        },
        federation=opportunity.federation,
    )
    return opportunity


def months_after(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def contract_terms(opportunity: Opportunity, start: date) -> dict:
    """The contract pre-filled from the opportunity: its buyer, title, term and value (a block
    a year: the whole value over the term)."""
    months = opportunity.term_months or 12
    annual = opportunity.value_pence * 12 // months if months else opportunity.value_pence
    return {
        "reference": (opportunity.ocid or f"BID-{opportunity.pk}")[-60:],
        "title": opportunity.title[:200],
        "other_body": opportunity.buyer[:200],
        "start_date": start,
        "end_date": months_after(start, months) - timedelta(days=1),
        "annual_value_pence": annual,
        "block_annual_pence": annual,
    }


@transaction.atomic
def opportunity_won(
    *,
    opportunity: Opportunity,
    reference: str,
    start_date: date,
    end_date: date | None,
    annual_value_pence: int,
    on: date,
    by,
) -> Opportunity:
    """Won: the contract goes into finance's register (through finance's service, which
    checks and audits it) and the opportunity points at it."""
    opportunity = _submitted(opportunity)
    if opportunity.decision != Opportunity.Decision.BID:
        raise BidsError("Record the decision to bid first.", "stage")
    try:
        contract = contract_save(
            federation=opportunity.federation,
            by=by,
            reference=reference.strip(),
            title=opportunity.title[:200],
            other_body=opportunity.buyer[:200],
            start_date=start_date,
            end_date=end_date,
            annual_value_pence=annual_value_pence,
            basis="block",
            block_annual_pence=annual_value_pence,
            notes=f"Won through the bids pipeline: {opportunity.ocid or opportunity.title}",
        )
    except FinanceError as refused:
        field = {"block_annual_pence": "annual_value_pence"}.get(refused.field, refused.field)
        raise BidsError(refused.message, field) from None
    opportunity.contract = contract
    _stage(opportunity, Stage.WON, on=on, note=f"Contract {contract.reference}", by=by)
    opportunity.save()
    audit_record(
        by=by,
        action="bids.opportunity.won",
        obj=opportunity,
        before={"stage": Stage.SUBMITTED},
        after={"stage": Stage.WON, "contract": contract.reference},
        federation=opportunity.federation,
    )
    return opportunity


@transaction.atomic
def commitment_ask(
    *, opportunity: Opportunity, by, practices: list[Practice] | None = None, day=None
) -> int:
    """Ask member practices (all the federation's members on ``day`` unless named) to commit;
    each one's registered list is the registry's latest on that day. Returns how many were
    asked now (a practice already asked keeps its answer)."""
    day = day or today()
    opportunity = _open(opportunity)
    members = set(federation_member_ids_on(opportunity.federation, day))
    ids = members if practices is None else {p.pk for p in practices}
    if ids - members:
        raise BidsError("Only the federation's member practices are asked.", "practices")
    asked = set(opportunity.commitments.values_list("practice_id", flat=True))
    new = sorted(ids - asked)
    lists = latest_patients(new, day)
    Commitment.objects.bulk_create(
        Commitment(opportunity=opportunity, practice_id=pk, list_size=lists.get(pk, (0,))[0])
        for pk in new
    )
    audit_record(
        by=by,
        action="bids.commitment.ask",
        obj=opportunity,
        after={"asked": counted(len(new), "practice")},
        federation=opportunity.federation,
    )
    return len(new)


@transaction.atomic
def commitment_answer(*, commitment: Commitment, answer: str, note: str = "", by) -> Commitment:
    commitment = (
        Commitment.objects.select_for_update().select_related("opportunity").get(pk=commitment.pk)
    )
    if commitment.opportunity.stage in CLOSED:
        raise BidsError("The opportunity is closed; its commitments are kept as they were.")
    if answer not in (Commitment.Answer.SIGNED_UP, Commitment.Answer.DECLINED):
        raise BidsError("Choose sign up or decline.", "answer")
    if has_line_break(note):
        raise BidsError("The note is one line.", "note")
    before = snapshot(commitment, ["answer", "note"])
    commitment.answer = answer
    commitment.note = note.strip()[:300]
    commitment.answered_by = by
    commitment.answered_at = timezone.now()
    commitment.save()
    audit_record(
        by=by,
        action="bids.commitment.answer",
        obj=commitment,
        before=before,
        after=snapshot(commitment, ["answer", "note"]),
        federation=commitment.opportunity.federation,
    )
    return commitment
