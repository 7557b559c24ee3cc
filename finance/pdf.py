"""A value statement as a PDF, laid out by WeasyPrint from an HTML template made for print
(A4, a header repeated on every page, tables that do not split a row)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from registry import charts


def statement_pdf(statement: dict) -> bytes:
    from weasyprint import HTML

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
