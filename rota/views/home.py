"""The rota's front pages: the list of rotas and claims, a federation's rota home (compliance,
shortfalls and cost for the weeks shown), one PCN's Enhanced Access for its clinical director,
the audited CSV of those weeks' sessions, asking the planner for a plan, and a plan run's
progress."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import permissions as perms
from kernel.dates import last_month, parse_week
from kernel.exports import csv_response
from kernel.needs import duration_text
from kernel.pages import query_value
from registry.models import Federation
from rota import forms, services, tasks
from rota import selectors as rota_selectors
from rota.models import AccessPcn, PlanRun, Site, Staff
from rota.services import RotaError, monday_of
from rota.views._shared import _federation


def _window(request) -> tuple[date, int]:
    start = query_value(request, "start", parse_week, monday_of(date.today()))
    try:
        weeks = max(1, min(12, int(request.GET.get("weeks", 4))))
    except ValueError:
        weeks = 4
    return start, weeks


def index(request):
    federations = perms.rota_federations(request.user)
    claims = rota_selectors.arrs_pcns(request.user)
    mine = Staff.objects.filter(user=request.user).select_related("federation")
    if federations.count() == 1 and not claims and not mine:
        return redirect("rota:federation", federations.get().slug)
    return render(
        request, "rota/index.html", {"federations": federations, "claims": claims, "mine": mine}
    )


def federation_home(request, slug):
    federation = _federation(request, slug)
    start, weeks = _window(request)
    found = rota_selectors.assessment(federation, start, weeks)
    loaded = found["loaded"]
    runs = PlanRun.objects.filter(federation=federation)[:5]
    can_manage = perms.can_manage_rota(request.user, federation)
    form = forms.PlanForm(initial={"start": start, "weeks": weeks})
    # A week with no session at all is not planned yet (or is being planned): say so, rather
    # than "not met" with a reason for every PCN.
    planned = {r["week_start"] for r in found["compliance"] if r["planned_minutes"]}
    labels = {p.code: _pcn_label(p) for p in loaded.problem.pcns}
    compliance = [
        {
            **r,
            "planned": r["week_start"] in planned,
            "pcn_label": labels.get(r["pcn"], r["pcn"]),
            "week": date.fromisoformat(r["week_start"]),  # the planner's own ISO date
            "required_text": duration_text(r["required_minutes"]),
            "planned_text": duration_text(r["planned_minutes"]),
        }
        for r in found["compliance"]
    ]
    unplanned = sorted({r["week"] for r in compliance if not r["planned"]})
    shortfalls = [
        {
            **s,
            "pcn_label": labels.get(s["pcn"], s["pcn"]),
            "week": date.fromisoformat(s["week_start"]),
            "short_text": duration_text(s["minutes_short"]),
        }
        for s in found["shortfalls"]
        if s["week_start"] in planned
    ]
    costs = []
    for p in loaded.problem.pcns:
        minutes = sum(r["planned_minutes"] for r in found["compliance"] if r["pcn"] == p.code)
        costs.append(
            {
                "pcn": p,
                "cost": found["cost_by_pcn"].get(p.code, 0),
                "minutes": minutes,
                "minutes_text": duration_text(minutes),
            }
        )
    # While a plan runs, the result region asks for itself every 2 seconds: it alone is sent.
    polled = request.headers.get("HX-Request") and request.headers.get("HX-Target") == "rota-result"
    return render(
        request,
        "rota/_result.html" if polled else "rota/federation.html",
        {
            "federation": federation,
            "start": start,
            "weeks": weeks,
            "end": start + timedelta(weeks=weeks, days=-1),
            "previous": start - timedelta(weeks=weeks),
            "next": start + timedelta(weeks=weeks),
            "compliance": compliance,
            "shortfalls": shortfalls,
            "unplanned": unplanned,
            "costs": costs,
            "cost_pence": found["cost_pence"],
            "pcns": loaded.problem.pcns,
            "session_count": len(found["sessions"]),
            "sites": Site.objects.filter(federation=federation),
            "runs": runs,
            "busy": any(r.status in (PlanRun.Status.QUEUED, PlanRun.Status.RUNNING) for r in runs),
            "form": form,
            "can_manage": can_manage,
            "month": last_month(),
        },
    )


def pcn_access(request, slug, code):
    """One PCN's Enhanced Access from a federation, for its clinical director as well as the
    federation's rota viewers: each week's required and planned time, whether the DES rules
    are met, where they are not and why, and the hours outside Network Standard Hours the
    commissioner agreed. The weeks are those of the federation's rota page."""
    federation = get_object_or_404(Federation, slug=slug)
    access = AccessPcn.objects.filter(federation=federation, pcn__code=code.upper()).first()
    if access is None or not perms.can_view_pcn_access(request.user, federation, access.pcn):
        raise Http404("No such PCN")
    pcn = access.pcn
    start, weeks = _window(request)
    found = rota_selectors.assessment(federation, start, weeks)
    planned = {r["week_start"] for r in found["compliance"] if r["planned_minutes"]}
    rows = [
        {
            **r,
            "planned": r["week_start"] in planned,
            "week": date.fromisoformat(r["week_start"]),
            "required_text": duration_text(r["required_minutes"]),
            "planned_text": duration_text(r["planned_minutes"]),
        }
        for r in found["compliance"]
        if r["pcn"] == pcn.code
    ]
    shortfalls = [
        {
            **s,
            "week": date.fromisoformat(s["week_start"]),
            "short_text": duration_text(s["minutes_short"]),
        }
        for s in found["shortfalls"]
        if s["pcn"] == pcn.code and s["week_start"] in planned
    ]
    return render(
        request,
        "rota/pcn_access.html",
        {
            "federation": federation,
            "pcn": pcn,
            "rows": rows,
            "shortfalls": shortfalls,
            "agreed": access.agreed.order_by("weekday", "start"),
            "start": start,
            "weeks": weeks,
            "end": start + timedelta(weeks=weeks, days=-1),
            "previous": start - timedelta(weeks=weeks),
            "next": start + timedelta(weeks=weeks),
            "cost_pence": found["cost_by_pcn"].get(pcn.code, 0),
            "can_see_rota": perms.can_view_rota(request.user, federation),
            "can_see_claim": perms.can_view_arrs(request.user, federation, pcn),
            "month": last_month(),
        },
    )


@require_POST
def plan(request, slug):
    federation = _federation(request, slug, manage=True)
    form = forms.PlanForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("rota:federation", slug)
    start, weeks = form.cleaned_data["start"], form.cleaned_data["weeks"]
    try:
        run = services.plan_request(federation, start, weeks, by=request.user, seconds=_seconds())
    except RotaError as error:
        messages.error(request, error.message)
        return redirect("rota:federation", slug)
    transaction.on_commit(lambda: tasks.plan_rota.enqueue(run.pk))
    messages.success(
        request,
        f"Planning {weeks} week{'s' * (weeks != 1)} from {start:%-d %B %Y}: the rota below "
        "updates when the planner finishes.",
    )
    return redirect(f"{reverse('rota:federation', args=[slug])}?start={start}&weeks={weeks}")


def _pcn_label(pcn) -> str:
    """A PCN as people know it, with its ODS code: Cross Counties PCN (U30213)."""
    return f"{pcn.name} ({pcn.code})" if pcn.name else pcn.code


def _seconds() -> int:
    return settings.GPFED_ROTA_SECONDS


def run_status(request, slug, pk):
    federation = _federation(request, slug)
    run = get_object_or_404(PlanRun, federation=federation, pk=pk)
    return render(request, "rota/_run.html", {"run": run, "federation": federation})


def sessions_csv(request, slug):
    federation = _federation(request, slug)
    start, weeks = _window(request)
    header, rows = services.sessions_export(federation, start, weeks, by=request.user)
    return csv_response(f"rota-{federation.slug}-{start}.csv", header, rows)
