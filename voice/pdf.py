"""A consultation's summary as a PDF, laid out by WeasyPrint from a template made for print,
the house way (``finance.pdf``)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from finance.pdf import PANGO_HINT, PdfUnavailable
from voice import rollup

__all__ = ["PdfUnavailable", "summary_pdf"]


def summary_pdf(consultation, results: rollup.Rollup, *, asked: int) -> bytes:
    try:
        from weasyprint import HTML
    except OSError as error:  # the shared library is missing
        raise PdfUnavailable(PANGO_HINT) from error

    html = render_to_string(
        "voice/summary_pdf.html",
        {
            "c": consultation,
            "results": results,
            "asked": asked,
            "dimensions": rollup.DIMENSIONS,
            "generated": timezone.localtime(),
        },
    )
    # No base URL: the template carries everything it needs, so nothing is fetched.
    return HTML(string=html, base_url=None).write_pdf()
