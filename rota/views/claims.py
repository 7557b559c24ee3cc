"""ARRS claims: a PCN's claim for a month, its CSV, and submitting it."""

from __future__ import annotations

from collections import Counter
from datetime import date

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts import permissions as perms
from kernel.dates import add_months, last_month, parse_month
from kernel.exports import csv_response
from kernel.pages import BadQuery, query_value
from registry.models import PCN, Federation
from rota import arrs


def _arrs_pcn(request, slug, code):
    federation = get_object_or_404(Federation, slug=slug)
    pcn = get_object_or_404(PCN, code=code.upper())
    if not perms.can_view_arrs(request.user, federation, pcn):
        raise Http404("No such claim")
    return federation, pcn


def _claim_month(request) -> date:
    return query_value(request, "month", parse_month, last_month())


def _claim(federation, pcn, month: date) -> dict:
    try:
        return arrs.claim(federation, pcn, month)
    except arrs.NoMaxima as error:
        raise BadQuery(f"month: {error}") from None


def arrs_claim(request, slug, code):
    federation, pcn = _arrs_pcn(request, slug, code)
    month = _claim_month(request)
    figures = _claim(federation, pcn, month)
    return render(
        request,
        "rota/arrs.html",
        {
            "federation": federation,
            "pcn": pcn,
            "month": month,
            "previous": add_months(month, -1),
            "next": add_months(month, 1),
            "figures": figures,
            "can_submit": perms.can_submit_arrs(request.user, federation, pcn),
        },
    )


def arrs_csv(request, slug, code):
    federation, pcn = _arrs_pcn(request, slug, code)
    month = _claim_month(request)
    try:
        rows = arrs.claim_export(federation, pcn, month, by=request.user)
    except arrs.NoMaxima as error:
        raise BadQuery(f"month: {error}") from None
    return csv_response(f"arrs-{pcn.code}-{month:%Y-%m}.csv", rows[0], rows[1:])


@require_http_methods(["GET", "POST"])
def arrs_submit(request, slug, code):
    """Submitting confirms first: a GET shows what will be claimed (the PCN, the month, each
    post and role, the amount) and the button; only its POST, carrying the fingerprint of the
    figures shown, submits and locks the claim. If the figures changed since, nothing is
    submitted and the page says so."""
    federation, pcn = _arrs_pcn(request, slug, code)
    perms.require(perms.can_submit_arrs(request.user, federation, pcn))
    month = _claim_month(request)
    back = f"{reverse('rota:arrs', args=[slug, pcn.code])}?month={month:%Y-%m}"
    if request.method == "POST" and not request.POST.get("fingerprint"):
        messages.error(request, "Nothing was submitted: check the claim below, then submit it.")
        return redirect(request.get_full_path())
    if request.method == "POST":
        try:
            found = arrs.submit(
                federation,
                pcn,
                month,
                by=request.user,
                expected=request.POST["fingerprint"],
            )
        except arrs.ClaimError as error:
            messages.error(request, f"Nothing was submitted, because {error}.")
        else:
            messages.success(request, f"Claim {found.reference} submitted and locked.")
        return redirect(back)
    figures = _claim(federation, pcn, month)
    if figures.get("submitted"):
        messages.info(
            request, f"{pcn.name}'s claim for {month:%B %Y} is already submitted and locked."
        )
        return redirect(back)
    if not figures["lines"]:
        messages.error(request, f"{pcn.name} has no ARRS-funded posts in {month:%B %Y} to claim.")
        return redirect(back)
    roles = Counter(line["role"] for line in figures["lines"])
    return render(
        request,
        "rota/arrs_confirm.html",
        {
            "federation": federation,
            "pcn": pcn,
            "month": month,
            "figures": figures,
            "roles": sorted(roles.items()),
            "fingerprint": arrs.fingerprint(figures),
            "back": back,
        },
    )
