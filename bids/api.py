"""The bids pipeline as JSON: the open opportunities of a federation, by stage, with their
value and next deadline (the same rows as the pipeline page)."""

from __future__ import annotations

from datetime import datetime

from django.http import Http404
from ninja import Router, Schema

from bids import selectors
from bids.access import bids_federations, can_read_bids, managed_practice_ids

router = Router(tags=["bids"])


class PipelineItem(Schema):
    id: int
    ocid: str
    title: str
    buyer: str
    stage: str
    route: str
    value_pence: int
    clarification_deadline: datetime | None
    submission_deadline: datetime | None
    next_deadline: datetime | None


class Pipeline(Schema):
    federation: str
    items: list[PipelineItem]


@router.get(
    "/federations/{slug}/bids",
    response=Pipeline,
    summary="A federation's bids pipeline: the open opportunities, by stage",
)
def bids_pipeline(request, slug: str):
    federation = bids_federations(request.user).filter(slug=slug).first()
    if federation is None:
        raise Http404("No such federation")
    if can_read_bids(request.user, federation):
        practice_ids = None
    else:
        practice_ids = managed_practice_ids(request.user, federation)
        if not practice_ids:
            raise Http404("No such federation")
    rows = selectors.pipeline_rows(federation, practice_ids=practice_ids)
    return {"federation": federation.slug, "items": rows}
