"""The rota and ARRS claims as JSON: the same figures as ``gpfed rota show`` and
``gpfed arrs claim``."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from accounts import permissions as perms
from kernel.dates import parse_month
from registry.models import PCN, Federation
from rota import arrs, selectors, services
from rota.models import PlanRun
from rota.services import RotaError

router = Router(tags=["rota"])


class AgreedHour(Schema):
    weekday: int  # 0 is Monday
    start: str  # "07:00"
    end: str


class RotaPcn(Schema):
    code: str
    name: str
    adjusted_population: float
    population_is_estimate: bool
    required_minutes_per_week: int
    agreed_hours: list[AgreedHour]


class RotaSite(Schema):
    id: int
    name: str
    rooms: int
    pcns: list[str]


class RotaStaff(Schema):
    id: int
    name: str
    role: str


class RotaSession(Schema):
    id: int
    staff: int
    site: int
    pcn: str
    start: str
    end: str
    role: str
    locked: bool
    edited: bool


class Compliance(Schema):
    pcn: str
    week_start: str
    required_minutes: int
    planned_minutes: int
    covered: bool
    gp_present: bool
    met: bool


class Rota(Schema):
    federation: str
    start: str
    weeks: int
    status: str
    cost_pence: int
    lower_bound_pence: int | None
    gap: float | None
    greedy_cost_pence: int | None
    pcns: list[RotaPcn]
    bank_holidays: list[str]
    sites: list[RotaSite]
    staff: list[RotaStaff]
    sessions: list[RotaSession]
    compliance: list[Compliance]
    cost_by_pcn_pence: dict[str, int]
    shortfalls: list[dict]


@router.get(
    "/federations/{slug}/rota",
    response=Rota,
    summary="The rota from a Monday for some weeks, with compliance per PCN per week",
)
def rota(request, slug: str, start: str, weeks: int = 4):
    federation = get_object_or_404(perms.rota_federations(request.user), slug=slug)
    try:
        monday = services.parse_start(start)
    except RotaError as error:
        raise Http404(error.message) from None
    weeks = max(1, min(12, weeks))
    run = (
        PlanRun.objects.filter(
            federation=federation, start=monday, weeks=weeks, status=PlanRun.Status.DONE
        )
        .order_by("-finished_at")
        .first()
    )
    return selectors.plan_json(federation, monday, weeks, run)


@router.get(
    "/federations/{slug}/arrs/{code}/{month}",
    response=dict,
    summary="A PCN's ARRS claim for a month: as submitted, or as it stands",
)
def arrs_claim(request, slug: str, code: str, month: str):
    federation = get_object_or_404(Federation, slug=slug)
    pcn = get_object_or_404(PCN, code=code.upper())
    if not perms.can_view_arrs(request.user, federation, pcn):
        raise Http404("No such claim")
    try:
        day = parse_month(month)
    except ValueError:
        raise Http404("No such month") from None
    try:
        return arrs.claim(federation, pcn, day)
    except arrs.NoMaxima:
        raise Http404("No such claim") from None
