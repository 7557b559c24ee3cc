"""Writes of the risk register: a risk added with its first scores, its details changed, a
review (new scores, a new row: the history is kept, and the next review date), and a risk
cited on a meeting's agenda item so the meeting reviews it and its board pack lists it."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Max

from audit.services import audit_record, snapshot
from governance import register_selectors as reads
from governance import risk_matrix
from governance.errors import GovernanceError, refuse_nhs_numbers
from governance.models import AgendaItem, ItemRisk, Risk, RiskScore
from kernel.headers import has_line_break, refusal
from registry.models import Federation
from registry.selectors import today

RISK_FIELDS = ["title", "description", "owner", "controls", "review_on", "status"]
SCORES = ["likelihood_before", "impact_before", "likelihood_after", "impact_after"]


def _check_details(federation: Federation, *, title: str, description: str, owner) -> tuple:
    title, description = (title or "").strip(), (description or "").strip()
    refuse_nhs_numbers(title=title, description=description)
    if not title:
        raise GovernanceError("Enter the risk's title.", field="title")
    if has_line_break(title):
        raise GovernanceError(refusal("the title"), field="title")
    if not description:
        raise GovernanceError("Describe the risk.", field="description")
    if not reads.federation_people(federation).filter(pk=owner.pk).exists():
        raise GovernanceError(
            f"{owner.full_name or owner.email} has no role in {federation.name}.", field="owner"
        )
    return title, description


def _check_scores(scores: dict[str, int]) -> None:
    for name in SCORES:
        if scores[name] not in risk_matrix.LIKELIHOOD:
            raise GovernanceError("Choose a score from 1 to 5.", field=name)
    before = scores["likelihood_before"] * scores["impact_before"]
    after = scores["likelihood_after"] * scores["impact_after"]
    if after > before:
        raise GovernanceError(
            f"Controls never raise a risk: the score after them ({after}) is more than the "
            f"score before ({before}).",
            field="likelihood_after",
        )


def _score(risk: Risk, scores: dict[str, int], note: str, by) -> RiskScore:
    return RiskScore.objects.create(
        risk=risk,
        assessed_on=today(),
        note=note,
        assessed_by=by if getattr(by, "pk", None) else None,
        **scores,
    )


@transaction.atomic
def risk_add(
    *,
    federation: Federation,
    title: str,
    description: str,
    owner,
    review_on: date,
    likelihood_before: int,
    impact_before: int,
    likelihood_after: int,
    impact_after: int,
    controls: str = "",
    by,
) -> Risk:
    title, description = _check_details(
        federation, title=title, description=description, owner=owner
    )
    scores = dict(
        zip(SCORES, (likelihood_before, impact_before, likelihood_after, impact_after), strict=True)
    )
    _check_scores(scores)
    if review_on < today():
        raise GovernanceError("The next review is today or later.", field="review_on")
    Federation.objects.select_for_update().get(pk=federation.pk)  # numbers one at a time
    number = (federation.risks.aggregate(n=Max("number"))["n"] or 0) + 1
    risk = Risk.objects.create(
        federation=federation,
        number=number,
        title=title,
        description=description,
        owner=owner,
        controls=(controls or "").strip(),
        review_on=review_on,
    )
    score = _score(risk, scores, "First assessment", by)
    audit_record(
        by=by,
        action="governance.risk.add",
        obj=risk,
        after={**snapshot(risk, RISK_FIELDS), **snapshot(score, SCORES)},
        federation=federation,
    )
    return risk


@transaction.atomic
def risk_update(
    *,
    risk: Risk,
    title: str,
    description: str,
    owner,
    controls: str,
    review_on: date,
    status: str,
    by,
) -> Risk:
    risk = Risk.objects.select_for_update().get(pk=risk.pk)
    title, description = _check_details(
        risk.federation, title=title, description=description, owner=owner
    )
    if status not in Risk.Status.values:
        raise GovernanceError("Choose the risk's status.", field="status")
    before = snapshot(risk, RISK_FIELDS)
    risk.title, risk.description, risk.owner = title, description, owner
    risk.controls, risk.review_on, risk.status = (controls or "").strip(), review_on, status
    risk.save()
    audit_record(
        by=by,
        action="governance.risk.update",
        obj=risk,
        before=before,
        after=snapshot(risk, RISK_FIELDS),
        federation=risk.federation,
    )
    return risk


@transaction.atomic
def risk_review(
    *,
    risk: Risk,
    likelihood_before: int,
    impact_before: int,
    likelihood_after: int,
    impact_after: int,
    review_on: date,
    note: str = "",
    by,
) -> RiskScore:
    """A review: the scores as they stand today (a new row; the earlier ones stay as its
    history) and the date of the next review."""
    risk = Risk.objects.select_for_update().get(pk=risk.pk)
    scores = dict(
        zip(SCORES, (likelihood_before, impact_before, likelihood_after, impact_after), strict=True)
    )
    _check_scores(scores)
    if review_on <= today():
        raise GovernanceError("The next review is after today.", field="review_on")
    note = (note or "").strip()
    if has_line_break(note):
        raise GovernanceError(refusal("the note"), field="note")
    refuse_nhs_numbers(note=note)
    previous = reads.risk_row(risk).score
    score = _score(risk, scores, note, by)
    before_review = risk.review_on
    risk.review_on = review_on
    risk.save(update_fields=["review_on"])
    audit_record(
        by=by,
        action="governance.risk.review",
        obj=risk,
        before={**(snapshot(previous, SCORES) if previous else {}), "review_on": before_review},
        after={**snapshot(score, SCORES), "review_on": review_on},
        federation=risk.federation,
    )
    return score


@transaction.atomic
def item_risk_cite(*, item: AgendaItem, risk: Risk, by) -> ItemRisk:
    """Cite a risk on an agenda item: the meeting reviews it, and its board pack lists it."""
    federation = item.meeting.body.federation
    if risk.federation_id != federation.pk:
        raise GovernanceError("That risk is not in this federation's register.", field="risk")
    if ItemRisk.objects.filter(item=item, risk=risk).exists():
        raise GovernanceError(f"{risk} is already cited on item {item.number}.", field="risk")
    cited = ItemRisk.objects.create(
        item=item, risk=risk, cited_by=by if getattr(by, "pk", None) else None
    )
    audit_record(
        by=by,
        action="governance.risk.cite",
        obj=cited,
        after={"item": item.pk, "risk": risk.pk, "meeting": item.meeting_id},
        federation=federation,
    )
    return cited
