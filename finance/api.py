"""The federation's money as JSON: value statements, returns and settlement previews."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from accounts import permissions as perms
from finance import selectors, services
from finance.inputs import parse_month
from registry.models import Federation

router = Router(tags=["finance"])


class ServiceFigures(Schema):
    service: str
    code: str
    unit: str
    corrects: str | None = None
    line: str
    alone_source: str
    alone_basis: str
    alone_fixed_standing: bool
    activity_units: int
    income_pence: int
    costs_pence: int
    overhead_pence: int
    net_pence: int
    alone_cost_pence: int
    alone_net_pence: int
    difference_pence: int
    difference_per_patient: str | None


class Totals(Schema):
    activity_units: int
    income_pence: int
    costs_pence: int
    overhead_pence: int
    net_pence: int
    alone_cost_pence: int
    alone_net_pence: int
    difference_pence: int


class TrendPoint(Schema):
    month: str
    net_pence: int
    alone_net_pence: int
    difference_pence: int


class Statement(Schema):
    practice: dict
    federation: dict
    period: dict
    registered_patients: int | None
    registered_extract_date: str | None
    small_list: bool
    services: list[ServiceFigures]
    service_count: int
    totals: Totals
    difference_per_patient: str | None
    trend: list[TrendPoint]
    settlements: list[str]
    corrections: list[str]
    assumptions: list[str]
    summary: str


class PracticeReturn(Schema):
    code: str
    name: str
    registered_patients: int | None
    small_list: bool
    income_pence: int
    costs_pence: int
    overhead_pence: int
    net_pence: int
    alone_cost_pence: int
    alone_net_pence: int
    difference_pence: int
    difference_per_patient: str | None


class Line(Schema):
    key: int
    description: str
    rule: str
    gross_pence: int
    overhead_pence: int
    costs_pence: int
    paid_pence: int
    kept_pence: int
    note: str


class Preview(Schema):
    month: str
    posted: bool
    income_pence: int
    overhead_pence: int
    costs_pence: int
    paid_pence: int
    kept_pence: int
    can_post: bool
    fingerprint: str
    problems: list[str]
    warnings: list[str]
    lines: list[Line]


def _period(text: str) -> selectors.Period:
    """The period asked for; last month when none is given."""
    try:
        return selectors.parse_period(text)
    except ValueError as error:
        from ninja.errors import HttpError

        raise HttpError(422, str(error)) from None


def _stringify(figures: dict) -> dict:
    value = figures.get("difference_per_patient")
    return {**figures, "difference_per_patient": None if value is None else str(value)}


@router.get(
    "/practices/{code}/statement",
    response=Statement,
    summary="A practice's value statement through one federation for a month (2026-10), "
    "quarter (2026-27-Q3) or year (2026-27)",
    description="Only that federation's settlements, for the time the practice was its member. "
    "Name the federation by its slug when you may read the statement through more than one. "
    "Every read is recorded in the federation's audit trail.",
)
def practice_statement(request, code: str, period: str = "", federation: str = ""):
    from ninja.errors import HttpError

    practice = get_object_or_404(perms.statement_practices(request.user), code=code.upper())
    try:
        chosen, through, choices = selectors.statement_through(
            practice,
            lambda **dates: perms.statement_federations(request.user, practice, **dates),
            period=period,
            federation=federation,
        )
    except ValueError as error:
        raise HttpError(422, str(error)) from None
    if not choices:
        raise Http404("No such statement")
    if through is None:
        raise HttpError(
            422,
            f"{practice.code}'s statement for {chosen.label} can be read through "
            f"{len(choices)} federations: name one with federation "
            f"({', '.join(f.slug for f in choices)})",
        )
    data = selectors.statement_export(
        practice=practice, federation=through, period=chosen, by=request.user, form="api"
    )
    data["services"] = [_stringify(s) for s in data["services"]]
    return _stringify(data)


@router.get(
    "/federations/{slug}/returns",
    response=list[PracticeReturn],
    summary="Every practice's net return against doing it alone, least first",
    description=f"A list under {selectors.SMALL_LIST:,} registered patients is marked "
    "small_list: its per-patient figures mislead. Every read is recorded in the "
    "federation's audit trail.",
)
def federation_returns(request, slug: str, period: str = ""):
    federation = get_object_or_404(perms.finance_federations(request.user), slug=slug)
    report = selectors.returns_export(
        federation=federation, period=_period(period), by=request.user, form="api"
    )
    return [_stringify(r) for r in report["practices"]]


@router.get(
    "/federations/{slug}/settlements/{month}",
    response=Preview,
    summary="A month's settlement: the posted figures, or a preview of what posting would do",
)
def settlement(request, slug: str, month: str):
    federation: Federation = get_object_or_404(perms.finance_federations(request.user), slug=slug)
    try:
        day = parse_month(month)
    except ValueError:
        raise Http404("No such month") from None
    done = federation.settlements.filter(month=day).first()
    if done:
        return {
            "month": month,
            "posted": True,
            "income_pence": done.income_pence,
            "overhead_pence": done.overhead_pence,
            "costs_pence": done.costs_pence,
            "paid_pence": done.paid_pence,
            "kept_pence": done.kept_pence,
            "can_post": False,
            "fingerprint": done.fingerprint,
            "problems": [],
            "warnings": [],
            "lines": [
                {
                    "key": line.entry_id,
                    "description": line.description,
                    "rule": line.rule,
                    "gross_pence": line.gross_pence,
                    "overhead_pence": line.overhead_pence,
                    "costs_pence": line.costs_pence,
                    "paid_pence": line.paid_pence,
                    "kept_pence": line.kept_pence,
                    "note": line.note,
                }
                for line in done.lines.all()
            ],
        }
    result = services.settlement_preview(federation, day)
    return {**result.as_dict(), "month": month, "posted": False}
