"""The modeller's pages: a federation's saved scenarios, the build form (a new scenario, perhaps
pre-filled from a catalogue service, or a new version of one), a version's results with its
charts, tables and paragraph, working results out again, sharing a version with the members,
and the PDF for the board. A practice manager sees the versions shared with members, and in
them their own practice's line alone."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from economics import charts, selectors, services
from economics.access import (
    can_build,
    can_open,
    can_read_all,
    economics_federations,
    own_practice_codes,
)
from economics.engine import AT_SCALE
from economics.forms import ScenarioForm, field_for, initial_from_inputs
from economics.models import Scenario, ScenarioVersion
from economics.report import LEVEL_NAMES
from kernel.pages import refuse
from registry.models import Federation
from registry.views import posted


def _federation(request, slug: str, *, build: bool = False) -> Federation:
    federation = get_object_or_404(economics_federations(request.user), slug=slug)
    if not can_open(request.user, federation):
        raise Http404("No such federation")
    if build and not can_build(request.user, federation):
        raise Http404("No such page")
    return federation


def _version(request, pk: int, *, build: bool = False, whole: bool = False) -> ScenarioVersion:
    """The version if this person may open it: builders and readers any; a practice manager
    only one shared with members (and never ``whole``, every practice's line)."""
    version = get_object_or_404(
        ScenarioVersion.objects.select_related("scenario__federation", "scenario__service"), pk=pk
    )
    federation = _federation(request, version.scenario.federation.slug, build=build)
    if not can_read_all(request.user, federation) and (whole or not version.shared_with_members):
        raise Http404("No such scenario")
    return version


def index(request):
    federations = [f for f in economics_federations(request.user) if can_open(request.user, f)]
    if not federations:
        raise Http404("No scenarios to show")
    if len(federations) == 1:
        return redirect("economics:list", slug=federations[0].slug)
    return render(request, "economics/index.html", {"federations": federations})


def scenario_list(request, slug):
    federation = _federation(request, slug)
    whole = can_read_all(request.user, federation)
    scenarios = selectors.federation_scenarios(federation, shared_only=not whole)
    return render(
        request,
        "economics/list.html",
        {
            "federation": federation,
            "scenarios": scenarios,
            "build": can_build(request.user, federation),
            "whole": whole,
            "services": selectors.catalogue_services(federation),
        },
    )


def _save(request, form, federation, *, scenario: Scenario | None):
    """Save the form's scenario (a new one, or a new version); the version, or None with the
    service's refusal shown on the form."""
    d = form.cleaned_data
    try:
        if scenario is None:
            return services.scenario_create(
                federation=federation,
                name=d["name"],
                service=d["service"],
                inputs=form.inputs(),
                note=d["note"],
                by=request.user,
            )
        return services.version_save(
            scenario=scenario,
            inputs=form.inputs(),
            note=d["note"],
            by=request.user,
        )
    except services.EconomicsError as error:
        error.field = field_for(error.field)
        refuse(form, error)
        return None


def _build_page(request, form, federation, *, scenario: Scenario | None, title: str, back: str):
    if request.method == "POST" and form.is_valid():
        version = _save(request, form, federation, scenario=scenario)
        if version is not None:
            messages.success(request, f"Saved as version {version.number}")
            return redirect("economics:version", pk=version.pk)
    return render(
        request,
        "economics/build.html",
        {"form": form, "federation": federation, "title": title, "back": back},
    )


def scenario_new(request, slug):
    federation = _federation(request, slug, build=True)
    initial = {"seed": 1, "as_of": timezone.localdate().strftime("%d/%m/%Y")}
    service_id = request.GET.get("service", "")
    if service_id.isdigit():
        service = get_object_or_404(selectors.catalogue_services(federation), pk=service_id)
        inputs = selectors.service_prefill(service, timezone.localdate())
        initial |= initial_from_inputs(inputs)
        initial |= {"service": service.pk, "name": f"{service.name} at scale"}
    form = ScenarioForm(*posted(request), initial=initial, federation=federation)
    return _build_page(
        request,
        form,
        federation,
        scenario=None,
        title="Build a scenario",
        back=reverse("economics:list", args=[slug]),
    )


def version_new(request, pk):
    scenario = get_object_or_404(Scenario.objects.select_related("federation", "service"), pk=pk)
    federation = _federation(request, scenario.federation.slug, build=True)
    latest = selectors.latest_version(scenario)
    initial = initial_from_inputs(latest.inputs) if latest else {}
    form = ScenarioForm(
        *posted(request),
        initial=initial,
        federation=federation,
        new=False,
        service=scenario.service,
    )
    return _build_page(
        request,
        form,
        federation,
        scenario=scenario,
        title=f"{scenario.name}: a new version",
        back=reverse("economics:version", args=[latest.pk]) if latest else "",
    )


def scenario_latest(request, pk):
    scenario = get_object_or_404(Scenario.objects.select_related("federation"), pk=pk)
    federation = _federation(request, scenario.federation.slug)
    shared_only = not can_read_all(request.user, federation)
    latest = selectors.scenario_versions(scenario, shared_only=shared_only).first()
    if latest is None:
        raise Http404("No such scenario")
    return redirect("economics:version", pk=latest.pk)


def _charts(results: dict, codes: set[str] | None = None) -> dict:
    if not results:
        return {}
    tornado = charts.tornado_chart(results)
    return {
        "totals": charts.totals_chart(results),
        "practices": [charts.practices_chart(results, level, codes) for level in AT_SCALE],
        "tornado": tornado,
        "tornado_rows": list(zip(results["sensitivity"], tornado.rows, strict=True))
        if tornado
        else [],
    }


def version_page(request, pk):
    version = _version(request, pk)
    scenario = version.scenario
    federation = scenario.federation
    whole = can_read_all(request.user, federation)
    freshness = selectors.version_freshness(version)
    results = version.results or {}
    context = {
        "version": version,
        "scenario": scenario,
        "federation": federation,
        "freshness": freshness,
        "build": can_build(request.user, federation),
        "level_names": LEVEL_NAMES,
        "versions": selectors.scenario_versions(scenario, shared_only=not whole),
        "inputs": version.inputs,
    }
    if whole:
        return render(
            request,
            "economics/version.html",
            {**context, "results": results, "charts": _charts(results)},
        )
    codes = own_practice_codes(request.user, federation)
    lines = selectors.practice_lines(results, codes)
    return render(
        request,
        "economics/member.html",
        {**context, "results": results, "lines": lines, "charts": _charts(results, codes)},
    )


@require_POST
def recompute(request, pk):
    version = _version(request, pk, build=True)
    try:
        services.version_recompute(version=version, by=request.user)
    except services.EconomicsError as error:
        messages.error(request, f"The results could not be worked out: {error.message}")
    else:
        messages.success(request, "Results worked out again from the registry as it is now")
    return redirect("economics:version", pk=version.pk)


@require_POST
def share(request, pk):
    version = _version(request, pk, build=True)
    shared = request.POST.get("shared", "1") != "0"
    services.version_share(version=version, shared=shared, by=request.user)
    messages.success(
        request,
        "Shared with the member practices: each practice manager sees their own practice's line"
        if shared
        else "No longer shared with the member practices",
    )
    return redirect("economics:version", pk=version.pk)


def version_pdf(request, pk):
    version = _version(request, pk, whole=True)
    if version.results is None:
        raise Http404("No results")
    # imported on first use: WeasyPrint is slow to load, and a PDF is seldom asked for
    from economics.pdf import results_pdf
    from finance.pdf import PdfUnavailable

    try:
        pdf = results_pdf(version, _charts(version.results))
    except PdfUnavailable as error:
        return HttpResponse(str(error), status=503, content_type="text/plain")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="scenario-{version.scenario.pk}-v{version.number}.pdf"'
    )
    return response
