"""ARRS claims: a PCN's claim for a month, its CSV, and submitting it."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

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
            "fingerprint": arrs.fingerprint(figures),
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


@require_POST
def arrs_submit(request, slug, code):
    federation, pcn = _arrs_pcn(request, slug, code)
    perms.require(perms.can_submit_arrs(request.user, federation, pcn))
    month = _claim_month(request)
    try:
        found = arrs.submit(
            federation, pcn, month, by=request.user, expected=request.POST.get("fingerprint")
        )
    except arrs.ClaimError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Claim {found.reference} submitted and locked.")
    return redirect(f"{reverse('rota:arrs', args=[slug, pcn.code])}?month={month:%Y-%m}")
