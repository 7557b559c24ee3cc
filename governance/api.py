"""Governance as JSON: a federation's members' resolutions with their results, the register
of members, the register of interests, the meetings of the bodies the person may see with
their agenda and decisions, and the risk register. The same rules as the pages
(``governance/access.py``): the federation's people see the registers and resolutions; a
body's meetings are for those who may see the body; the risks for those who run governance
and the board's members and decision-makers; anyone else gets 404."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from governance import board_selectors as board
from governance import register_selectors as registers
from governance import selectors
from governance.access import (
    can_see_body,
    can_see_governance,
    can_see_risks,
    governance_federations,
)
from governance.models import AgendaItem, Meeting
from governance.risk_matrix import band
from registry.models import Federation

router = Router(tags=["governance"])


def _federation(request, slug: str) -> Federation:
    federation = get_object_or_404(governance_federations(request.user), slug=slug)
    if not can_see_governance(request.user, federation):
        raise Http404("No such federation")
    return federation


def _name(user) -> str | None:
    return (user.full_name or user.email) if user else None


class VoteOut(Schema):
    practice: str = Field(description="ODS code")
    name: str
    choice: str = Field(description="for, against or abstain")
    cast_on: date
    on_paper: bool


class ResolutionOut(Schema):
    id: int
    title: str
    text: str
    kind: str = Field(description="ordinary or special")
    mode: str = Field(description="meeting or written")
    weighting: str
    circulated_on: date
    lapses_on: date | None
    meeting_on: date | None
    status: str = Field(description="open, passed, not passed or lapsed")
    passed_on: date | None
    result: dict = Field(description="by count and by weight, as `gpfed resolution tally`")
    votes: list[VoteOut]


@router.get(
    "/governance/federations/{slug}/resolutions",
    response=list[ResolutionOut],
    url_name="governance_resolutions",
    summary="A federation's members' resolutions, each with its result and who voted how",
)
def resolution_list(request, slug: str):
    federation = _federation(request, slug)
    out = []
    for resolution in selectors.resolutions_of(federation):
        result = selectors.resolution_result(resolution)
        out.append(
            {
                **{
                    f: getattr(resolution, f)
                    for f in (
                        "id",
                        "title",
                        "text",
                        "kind",
                        "mode",
                        "weighting",
                        "circulated_on",
                        "lapses_on",
                        "meeting_on",
                    )
                },
                "status": result.status,
                "passed_on": result.passed_on,
                "result": result.tally.as_dict(),
                "votes": [
                    {
                        "practice": v.practice.code,
                        "name": v.practice.name,
                        "choice": v.choice,
                        "cast_on": v.cast_on,
                        "on_paper": v.on_paper,
                    }
                    for v in result.votes
                ],
            }
        )
    return out


class MemberOut(Schema):
    practice: str = Field(description="ODS code")
    name: str
    joined: date
    left: date | None
    liability: str | None = Field(description="shares or guarantee; none if not recorded")
    share_class: str | None
    shares: int | None
    guarantee_pence: int | None
    nominated_voter: str | None


@router.get(
    "/governance/federations/{slug}/members",
    response=list[MemberOut],
    url_name="governance_members",
    summary="The register of members: every practice that is or was a member",
)
def member_list(request, slug: str):
    federation = _federation(request, slug)
    return [
        {
            "practice": r.practice.code,
            "name": r.practice.name,
            "joined": r.joined,
            "left": r.left,
            "liability": r.entry.liability if r.entry else None,
            "share_class": r.entry.share_class if r.entry else None,
            "shares": r.entry.shares if r.entry else None,
            "guarantee_pence": r.entry.guarantee_pence if r.entry else None,
            "nominated_voter": _name(r.entry.nominated_voter) if r.entry else None,
        }
        for r in selectors.register_of_members(federation)
    ]


class InterestOut(Schema):
    name: str
    kind: str
    party: str
    description: str
    start_date: date
    end_date: date | None
    declared_on: date
    occasion: str


@router.get(
    "/governance/federations/{slug}/interests",
    response=list[InterestOut],
    url_name="governance_interests",
    summary="The register of interests of the board's members and decision-makers",
)
def interest_list(request, slug: str):
    federation = _federation(request, slug)
    return [
        {
            "name": _name(i.user),
            "kind": i.kind,
            "party": i.party,
            "description": i.description,
            "start_date": i.start_date,
            "end_date": i.end_date,
            "declared_on": i.declared_on,
            "occasion": i.occasion,
        }
        for i in board.register_of_interests(federation)
    ]


class ItemOut(Schema):
    number: int
    title: str
    owner: str | None
    for_decision: bool
    paper: str | None = Field(description="The library document and the version circulated")
    risks: list[str] = Field(description="The risks cited for review, as R<number> <title>")


class DecisionOut(Schema):
    item: int | None = Field(description="The agenda item's number")
    text: str


class MeetingOut(Schema):
    id: int
    body: str
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    online_link: str
    items: list[ItemOut]
    decisions: list[DecisionOut]


def _item(item: AgendaItem) -> dict:
    paper = item.paper
    return {
        "number": item.number,
        "title": item.title,
        "owner": _name(item.owner),
        "for_decision": item.for_decision,
        "paper": f"{paper.resource.title}, version {paper.number}" if paper else None,
        "risks": [str(c.risk) for c in item.risk_citations.all()],
    }


@router.get(
    "/governance/federations/{slug}/meetings",
    response=list[MeetingOut],
    url_name="governance_meetings",
    summary="The meetings of the bodies you may see, newest first, with agenda and decisions",
)
def meeting_list(request, slug: str):
    federation = _federation(request, slug)
    bodies = [b.pk for b in board.bodies_of(federation) if can_see_body(request.user, b)]
    meetings = (
        Meeting.objects.filter(body_id__in=bodies)
        .select_related("body")
        .prefetch_related(
            Prefetch(
                "items",
                queryset=AgendaItem.objects.select_related("owner", "paper__resource")
                .prefetch_related("risk_citations__risk")
                .order_by("number"),
            ),
            "decisions__item",
        )
        .order_by("-starts_at")
    )
    return [
        {
            "id": m.pk,
            "body": m.body.name,
            "title": m.title,
            "starts_at": m.starts_at,
            "ends_at": m.ends_at,
            "place": m.place,
            "online_link": m.online_link,
            "items": [_item(i) for i in m.items.all()],
            "decisions": [
                {"item": d.item.number if d.item else None, "text": d.text}
                for d in m.decisions.all()
            ],
        }
        for m in meetings
    ]


class ScoreOut(Schema):
    likelihood: int
    impact: int
    score: int
    band: str = Field(description="low, moderate, high or extreme")
    rag: str = Field(description="red, amber or green")


class RiskOut(Schema):
    number: int
    title: str
    description: str
    owner: str
    controls: str
    status: str
    review_on: date
    overdue: bool
    assessed_on: date | None
    before_controls: ScoreOut | None
    after_controls: ScoreOut | None


def _score(likelihood: int, impact: int) -> dict:
    b = band(likelihood, impact)
    return {
        "likelihood": likelihood,
        "impact": impact,
        "score": b.score,
        "band": b.label,
        "rag": b.rag,
    }


@router.get(
    "/governance/federations/{slug}/risks",
    response=list[RiskOut],
    url_name="governance_risks",
    summary="The risk register: each risk with its current scores before and after controls",
)
def risk_list(request, slug: str):
    federation = _federation(request, slug)
    if not can_see_risks(request.user, federation):
        raise Http404("No such federation")
    out = []
    for row in registers.risk_register(federation):
        s = row.score
        out.append(
            {
                "number": row.risk.number,
                "title": row.risk.title,
                "description": row.risk.description,
                "owner": _name(row.risk.owner),
                "controls": row.risk.controls,
                "status": row.risk.status,
                "review_on": row.risk.review_on,
                "overdue": row.overdue,
                "assessed_on": s.assessed_on if s else None,
                "before_controls": _score(s.likelihood_before, s.impact_before) if s else None,
                "after_controls": _score(s.likelihood_after, s.impact_after) if s else None,
            }
        )
    return out
