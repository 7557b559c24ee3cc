"""Value statements and returns to practices as PDFs, laid out by WeasyPrint from HTML
templates made for print (A4, a header repeated on every page, tables that do not split a
row)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from registry import charts


class PdfUnavailable(Exception):
    """WeasyPrint cannot find the Pango library it lays text out with."""


PANGO_HINT = (
    "PDF statements need the Pango library: on Debian or Ubuntu, "
    "apt install libpango-1.0-0 libpangoft2-1.0-0"
)


def _pdf(template: str, context: dict) -> bytes:
    try:
        from weasyprint import HTML
    except OSError as error:  # the shared library is missing
        raise PdfUnavailable(PANGO_HINT) from error

    html = render_to_string(template, {**context, "generated": timezone.localtime()})
    # No base URL: the template carries everything it needs, so nothing is fetched.
    return HTML(string=html, base_url=None).write_pdf()


def statement_pdf(statement: dict) -> bytes:
    chart = charts.diverging_bar_chart(
        "Better or worse off than doing it alone, by month (£)",
        [(t["month"], t["difference_pence"]) for t in statement["trend"]],
    )
    return _pdf("finance/statement_pdf.html", {"statement": statement, "chart": chart})


def returns_pdf(report: dict) -> bytes:
    """Returns to practices for a board pack: every practice, the totals and the costs the
    federation carried (``finance.selectors.returns_report``)."""
    return _pdf("finance/returns_pdf.html", {"report": report})
