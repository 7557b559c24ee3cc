"""Figures the DES pays on: each PCN's care home beds and IIF points for a financial year."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from audit.services import audit_record, snapshot
from finance.models import (
    PcnFigures,
)
from finance.services.base import FinanceError
from registry import selectors as registry
from registry.models import PCN, Federation
from registry.models.populations import financial_year_label
from registry.services import federation_of_practices

PCN_FIGURES_FIELDS = ["care_home_beds", "iif_points", "source", "financial_year", "federation"]


@transaction.atomic
def pcn_figures_set(
    *,
    pcn: PCN,
    financial_year: int,
    federation: Federation | None,
    by,
    care_home_beds: int | None,
    iif_points: Decimal | None,
    source: str,
) -> PcnFigures:
    """Enter a PCN's care-home beds and IIF points for a financial year: ``federation``'s own
    figures, used in its entitlements alone, for a PCN it held a practice of that year; or,
    with no federation, the national figures every federation without its own uses (the
    installation's operators alone, which the caller checks). Audited against the federation
    with the figures before and after."""
    if care_home_beds is not None and care_home_beds < 0:
        raise FinanceError("Beds cannot be negative.", "care_home_beds")
    if iif_points is not None and iif_points < 0:
        raise FinanceError("Points cannot be negative.", "iif_points")
    # Lock the PCN: two people entering its figures at once take turns.
    PCN.objects.select_for_update().filter(pk=pcn.pk).first()
    if federation is not None:
        _, pcns = registry.federation_held_in_year(federation, financial_year)
        if pcn.pk not in pcns:
            raise FinanceError(
                f"{federation.name} did not hold a practice of {pcn.name} ({pcn.code}) in "
                f"{financial_year_label(financial_year)}: a federation keeps its own "
                "figures only for the PCNs it holds practices of.",
                "financial_year",
            )
    figures = (
        PcnFigures.objects.select_for_update()
        .filter(pcn=pcn, financial_year=financial_year, federation=federation)
        .first()
    )
    before = snapshot(figures, PCN_FIGURES_FIELDS) if figures else {}
    if figures is None:
        figures = PcnFigures(pcn=pcn, financial_year=financial_year, federation=federation)
    figures.care_home_beds = care_home_beds
    figures.iif_points = iif_points
    figures.source = source
    figures.entered_by = by if getattr(by, "pk", None) else None
    figures.save()
    told = federation
    if told is None:  # national: reported as a national population is (registry.services)
        told = federation_of_practices(
            pcn.practice_spells.filter(end_date__isnull=True).values_list("practice_id", flat=True)
        )
    audit_record(
        by=by,
        action="finance.pcn_figures",
        obj=figures,
        before=before,
        after=snapshot(figures, PCN_FIGURES_FIELDS),
        federation=told,
    )
    return figures
