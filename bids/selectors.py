"""Reads of the bids pipeline: the pipeline by stage with its value and next deadlines, an
opportunity with its criteria, documents, history and commitments (each practice's share of
the tender's population), the opportunities a practice is asked to commit to, and the win/loss
history. Each is a bounded number of queries, whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from bids.models import CLOSED, Commitment, Opportunity, Stage, StageChange
from economics.models import ScenarioVersion

OPEN_STAGES = [s for s in Stage if s not in CLOSED]


def opportunities_of(federation) -> QuerySet[Opportunity]:
    return Opportunity.objects.filter(federation=federation)


def next_deadline(opportunity: Opportunity, now: datetime | None = None):
    """(what, when) of the next deadline still to come, or None."""
    now = now or timezone.now()
    coming = [
        (when, what)
        for what, when in (
            ("Clarification", opportunity.clarification_deadline),
            ("Submission", opportunity.submission_deadline),
        )
        if when and when > now
    ]
    if not coming:
        return None
    when, what = min(coming)
    return what, when


@dataclass
class StageRow:
    stage: str
    label: str
    opportunities: list = field(default_factory=list)

    @property
    def value_pence(self) -> int:
        return sum(o.value_pence for o in self.opportunities)


def pipeline(federation, *, practice_ids: set[int] | None = None) -> list[StageRow]:
    """The open opportunities by stage, each with its next deadline (``o.next``); with
    ``practice_ids``, only those those practices are asked to commit to."""
    qs = opportunities_of(federation).exclude(stage__in=CLOSED)
    if practice_ids is not None:
        qs = qs.filter(commitments__practice_id__in=practice_ids).distinct()
    rows = {s: StageRow(s, Stage(s).label) for s in OPEN_STAGES}
    now = timezone.now()
    for opportunity in qs.order_by("submission_deadline", "pk"):
        opportunity.next = next_deadline(opportunity, now)
        rows[opportunity.stage].opportunities.append(opportunity)
    return list(rows.values())


def opportunity_in(federation, pk: int) -> Opportunity | None:
    return (
        opportunities_of(federation)
        .select_related("contract", "scenario__scenario")
        .prefetch_related(
            "criteria",
            "documents",
            Prefetch(
                "stage_changes",
                queryset=StageChange.objects.select_related("changed_by").order_by(
                    "changed_at", "pk"
                ),
            ),
        )
        .filter(pk=pk)
        .first()
    )


def share(part: int, whole: int) -> Decimal:
    """A percentage to one decimal place, rounded half up."""
    if not whole:
        return Decimal(0)
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Commitments:
    rows: list
    population: int
    signed_up: int
    declined: int
    waiting: int

    @property
    def signed_up_share(self) -> Decimal:
        return share(self.signed_up, self.population)

    @property
    def declined_share(self) -> Decimal:
        return share(self.declined, self.population)


def commitments(opportunity: Opportunity, *, practice_ids: set[int] | None = None) -> Commitments:
    """The practices asked, each with its share of the tender's population (the registered
    lists of all the practices asked); with ``practice_ids``, only those practices' rows (the
    totals stay the whole tender's)."""
    rows = list(
        Commitment.objects.filter(opportunity=opportunity)
        .select_related("practice")
        .order_by("practice__name")
    )
    population = sum(c.list_size for c in rows)
    totals = {a: 0 for a in Commitment.Answer.values}
    for c in rows:
        c.share = share(c.list_size, population)
        totals[c.answer] += c.list_size
    if practice_ids is not None:
        rows = [c for c in rows if c.practice_id in practice_ids]
    return Commitments(
        rows=rows,
        population=population,
        signed_up=totals[Commitment.Answer.SIGNED_UP],
        declined=totals[Commitment.Answer.DECLINED],
        waiting=totals[Commitment.Answer.ASKED],
    )


def is_asked(opportunity: Opportunity, practice_ids: set[int]) -> bool:
    return opportunity.commitments.filter(practice_id__in=practice_ids).exists()


@dataclass
class History:
    rows: list
    won: int
    lost: int
    withdrawn: int
    won_value_pence: int

    @property
    def win_rate(self) -> Decimal:
        return share(self.won, self.won + self.lost)


def history(federation) -> History:
    """Closed opportunities, latest first, each with the day it closed (``o.closed_on``)."""
    rows = list(
        opportunities_of(federation)
        .filter(stage__in=CLOSED)
        .select_related("contract")
        .prefetch_related("criteria", "stage_changes")
    )
    for o in rows:
        changes = [c for c in o.stage_changes.all() if c.stage == o.stage]
        o.closed_on = changes[-1].changed_on if changes else None
    rows.sort(key=lambda o: (o.closed_on is not None, o.closed_on, o.pk), reverse=True)
    count = {s: sum(1 for o in rows if o.stage == s) for s in CLOSED}
    return History(
        rows=rows,
        won=count[Stage.WON],
        lost=count[Stage.LOST],
        withdrawn=count[Stage.WITHDRAWN],
        won_value_pence=sum(o.value_pence for o in rows if o.stage == Stage.WON),
    )


def scenario_choices(federation) -> list:
    """The federation's economics scenario versions a bid/no-bid decision may rest on."""
    return list(
        ScenarioVersion.objects.filter(scenario__federation=federation)
        .select_related("scenario")
        .order_by("scenario__name", "-number")
    )


def pipeline_rows(federation, *, practice_ids: set[int] | None = None) -> list[dict]:
    """The open pipeline for the API."""
    return [
        {
            "id": o.pk,
            "ocid": o.ocid,
            "title": o.title,
            "buyer": o.buyer,
            "stage": o.stage,
            "route": o.route,
            "value_pence": o.value_pence,
            "clarification_deadline": o.clarification_deadline,
            "submission_deadline": o.submission_deadline,
            "next_deadline": o.next[1] if o.next else None,
        }
        for row in pipeline(federation, practice_ids=practice_ids)
        for o in row.opportunities
    ]
