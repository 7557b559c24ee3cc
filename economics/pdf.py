"""A version's results as a PDF for the board paper and the members' meeting, laid out by
WeasyPrint from a print template (finance.pdf's way: A4, nothing fetched)."""

from __future__ import annotations

from economics.models import ScenarioVersion
from economics.report import LEVEL_NAMES
from finance.pdf import _pdf


def results_pdf(version: ScenarioVersion, charts: dict) -> bytes:
    return _pdf(
        "economics/results_pdf.html",
        {
            "version": version,
            "scenario": version.scenario,
            "federation": version.scenario.federation,
            "results": version.results,
            "inputs": version.inputs,
            "charts": charts,
            "level_names": LEVEL_NAMES,
        },
    )
