"""A practice's value statement (the page, JSON or PDF) and a federation's returns to its
practices for a period (the page, CSV or PDF)."""

from __future__ import annotations

from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render

from accounts import permissions as perms
from finance import exports, selectors
from finance.forms import PeriodForm
from finance.views._shared import _federation
from kernel.exports import csv_response
from kernel.pages import BadQuery, query_value
from registry import charts


def _period(request) -> selectors.Period:
    return query_value(request, "period", selectors.parse_period) or selectors.parse_period("")


def _period_box(request) -> tuple[PeriodForm, selectors.Period | None]:
    """The page's period box, and the period it names (None when it is empty or names none:
    the page's own default, with the box's error shown on the page, never a 400)."""
    form = PeriodForm(request)
    return form, form.cleaned_data.get("period") if form.is_valid() else None


def statement(request, code: str, fmt: str = "html"):
    """A practice's value statement through one federation: the page, or a download (JSON,
    PDF) recorded in the audit trail against that federation."""
    practice = get_object_or_404(perms.statement_practices(request.user), code=code.upper())
    box, _ = _period_box(request)
    typed = request.GET.get("period", "")
    if box.errors and fmt == "html":
        typed = ""  # the page for the default period, the box showing what was typed and why
    try:
        period, federation, choices = selectors.statement_through(
            practice,
            lambda **dates: perms.statement_federations(request.user, practice, **dates),
            period=typed,
            federation=request.GET.get("federation", ""),
        )
    except ValueError as error:  # not a period, or not one in the years gpfed works with
        raise BadQuery(f"period: {error}") from None
    if not choices:
        raise Http404("No such statement")
    if not box.errors:
        box = PeriodForm.showing(period)
    context = {"practice": practice, "period": period, "federation": federation, "box": box}
    if federation is None:
        if fmt != "html":
            return HttpResponse(
                f"{practice.code}'s statement for {period.label} can be read through "
                f"{len(choices)} federations: name one with ?federation= "
                f"({', '.join(f.slug for f in choices)}).",
                status=400,
                content_type="text/plain",
            )
        return render(request, "finance/statement.html", {**context, "choices": choices})
    if fmt == "json":
        return JsonResponse(
            selectors.statement_export(
                practice=practice, federation=federation, period=period, by=request.user, form=fmt
            )
        )
    if fmt == "pdf":
        # imported on first use: WeasyPrint is slow to load, and a PDF is seldom asked for
        from finance.pdf import PdfUnavailable, statement_pdf

        try:
            with transaction.atomic():  # a PDF that cannot be made is not recorded as sent
                pdf = statement_pdf(
                    selectors.statement_export(
                        practice=practice,
                        federation=federation,
                        period=period,
                        by=request.user,
                        form=fmt,
                    )
                )
        except PdfUnavailable as error:
            return HttpResponse(str(error), status=503, content_type="text/plain")
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="value-statement-{practice.code}-{federation.slug}-'
            f'{period.key}.pdf"'
        )
        return response
    data = selectors.practice_statement(practice, period, federation=federation)
    chart = charts.diverging_bar_chart(
        "Better or worse off than doing it alone, by month (£)",
        [(t["month"], t["difference_pence"]) for t in data["trend"]],
    )
    return render(request, "finance/statement.html", {**context, "statement": data, "chart": chart})


RETURNS_FORMATS = ("csv", "pdf")


def returns(request, slug: str):
    """Returns to practices for a period: the page, or a download for board packs (CSV or
    PDF, ``?format=``) recorded in the federation's audit trail."""
    federation = _federation(request, slug)
    fmt = request.GET.get("format", "")
    if fmt and fmt not in RETURNS_FORMATS:
        raise BadQuery(f"format: {fmt!r} is not one of {', '.join(RETURNS_FORMATS)}")
    if not fmt:
        box, period = _period_box(request)
        period = period or selectors.parse_period("")
        report = selectors.returns_report(federation, period)
        return render(
            request,
            "finance/returns.html",
            {
                "federation": federation,
                "period": period,
                "report": report,
                "box": box if box.errors else PeriodForm.showing(period),
            },
        )
    period = _period(request)
    name = f"returns-{federation.slug}-{period.key}"
    if fmt == "csv":
        with transaction.atomic():
            export = selectors.returns_export(
                federation=federation, period=period, by=request.user, form=fmt
            )
            header, rows = exports.returns(export)
        return csv_response(f"{name}.csv", header, rows)
    # imported on first use: WeasyPrint is slow to load, and a PDF is seldom asked for
    from finance.pdf import PdfUnavailable, returns_pdf

    try:
        with transaction.atomic():  # a PDF that cannot be made is not recorded as sent
            pdf = returns_pdf(
                selectors.returns_export(
                    federation=federation, period=period, by=request.user, form=fmt
                )
            )
    except PdfUnavailable as error:
        return HttpResponse(str(error), status=503, content_type="text/plain")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response
