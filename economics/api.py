"""The modeller's saved scenarios as JSON: a federation's scenarios, and a version's results
(in the format ``gpfed economics run --format json`` prints, docs/economics.md). A practice
manager gets the scenarios shared with members, and in a version's results their own
practice's line alone (the levels' totals, but no paragraph and no list of who is worse off,
which name other practices)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from economics import selectors
from economics.access import can_open, can_read_all, economics_federations, own_practice_codes
from economics.models import ScenarioVersion

router = Router(tags=["economics"])


class VersionSummary(Schema):
    id: int
    number: int
    created_at: str
    shared_with_members: bool
    recommended_level: str | None
    breakeven_overhead_percent: float | None


class ScenarioSummary(Schema):
    id: int
    name: str
    service: str | None
    versions: list[VersionSummary]


class VersionResults(Schema):
    id: int
    scenario: str
    number: int
    shared_with_members: bool
    computed_at: str | None
    out_of_date: bool
    basis: str
    inputs: dict
    results: dict | None


def _summary(version: ScenarioVersion) -> dict:
    results = version.results or {}
    return {
        "id": version.pk,
        "number": version.number,
        "created_at": version.created_at.isoformat(),
        "shared_with_members": version.shared_with_members,
        "recommended_level": results.get("recommended_level"),
        "breakeven_overhead_percent": results.get("breakeven_overhead_percent"),
    }


@router.get(
    "/economics/federations/{slug}/scenarios",
    response=list[ScenarioSummary],
    url_name="economics_scenarios",
    summary="A federation's saved scenarios with their versions (a practice manager: those "
    "shared with members)",
)
def scenario_list(request, slug: str):
    federation = get_object_or_404(economics_federations(request.user), slug=slug)
    if not can_open(request.user, federation):
        raise Http404("No such federation")
    shared_only = not can_read_all(request.user, federation)
    return [
        {
            "id": s.pk,
            "name": s.name,
            "service": s.service.name if s.service else None,
            "versions": [
                _summary(v) for v in selectors.scenario_versions(s, shared_only=shared_only)
            ],
        }
        for s in selectors.federation_scenarios(federation, shared_only=shared_only)
    ]


@router.get(
    "/economics/versions/{pk}",
    response=VersionResults,
    url_name="economics_version",
    summary="A version's inputs and results (money as pounds in text, two decimals)",
)
def version_results(request, pk: int):
    version = get_object_or_404(
        ScenarioVersion.objects.select_related("scenario__federation"), pk=pk
    )
    federation = version.scenario.federation
    if not economics_federations(request.user).filter(pk=federation.pk).exists():
        raise Http404("No such scenario")
    whole = can_read_all(request.user, federation)
    if not whole and not (version.shared_with_members and can_open(request.user, federation)):
        raise Http404("No such scenario")
    results = version.results
    if results is not None and not whole:
        codes = own_practice_codes(request.user, federation)
        results = {
            **{k: v for k, v in results.items() if k not in ("summary", "levels")},
            "levels": {
                level: {"total_net": figures["total_net"]}
                for level, figures in results["levels"].items()
            },
            "practices": selectors.practice_lines(results, codes),
        }
    freshness = selectors.version_freshness(version)
    return {
        "id": version.pk,
        "scenario": version.scenario.name,
        "number": version.number,
        "shared_with_members": version.shared_with_members,
        "computed_at": version.computed_at.isoformat() if version.computed_at else None,
        "out_of_date": not freshness.current,
        "basis": version.results_basis_text,
        "inputs": version.inputs,
        "results": results,
    }
