"""A value statement as a PDF, laid out by WeasyPrint from an HTML template made for print
(A4, a header repeated on every page, tables that do not split a row)."""

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


def statement_pdf(statement: dict) -> bytes:
    try:
        from weasyprint import HTML
    except OSError as error:  # the shared library is missing
        raise PdfUnavailable(PANGO_HINT) from error

    chart = charts.diverging_bar_chart(
        "Better or worse off than doing it alone, by month (£)",
        [(t["month"], t["difference_pence"]) for t in statement["trend"]],
    )
    html = render_to_string(
        "finance/statement_pdf.html",
        {"statement": statement, "chart": chart, "generated": timezone.localtime()},
    )
    # No base URL: the template carries everything it needs, so nothing is fetched.
    return HTML(string=html, base_url=None).write_pdf()
