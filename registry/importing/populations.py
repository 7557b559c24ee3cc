"""Adjusted and weighted populations: the figures the DES and contracts pay on."""

from __future__ import annotations

from audit.services import audit_record, snapshot
from registry.importers.base import Problems
from registry.importing.base import Outcome
from registry.models import (
    PCN,
    AnnualPopulation,
    Federation,
    ImportRun,
    Practice,
)
from registry.models.populations import financial_year_label
from registry.selectors import federation_held_in_year


# Long: resolve every code, then write set-based, in one pass over the file.
def _apply_populations(
    records, outcome: Outcome, run: ImportRun, federation: Federation | None = None, by=None
) -> None:
    """The national figures, or (``federation`` given) that federation's own figures, only for
    the practices and PCNs it held in each row's year: any other row is refused by row and
    column, and nothing is written. Each of a federation's own figures set is audited against
    it, with the value before and after."""
    counts = outcome.counts
    counts["read"] += len(records)
    problems = Problems()
    practices = {
        p.code: p
        for p in Practice.objects.filter(code__in={r.code for r in records if not r.is_pcn})
    }
    pcns = {p.code: p for p in PCN.objects.filter(code__in={r.code for r in records if r.is_pcn})}
    held = {}
    for r in records:
        if (r.is_pcn and r.code not in pcns) or (not r.is_pcn and r.code not in practices):
            what = "PCN" if r.is_pcn else "practice"
            problems.add(r.row, "CODE", f"{r.code} is not a {what} gpfed knows")
            continue
        if federation is None:
            continue
        if r.financial_year not in held:
            held[r.financial_year] = federation_held_in_year(federation, r.financial_year)
        held_practices, held_pcns = held[r.financial_year]
        org = pcns[r.code] if r.is_pcn else practices[r.code]
        if org.pk not in (held_pcns if r.is_pcn else held_practices):
            what = "a practice of PCN" if r.is_pcn else "practice"
            problems.add(
                r.row,
                "CODE",
                f"{federation.name} does not hold {what} {r.code} in "
                f"{financial_year_label(r.financial_year)}: a federation imports figures only "
                "for the practices and PCNs it holds; the national figures are imported by the "
                "installation's operators",
            )
    problems.raise_if_any()
    for r in records:
        owner = {"pcn": pcns[r.code]} if r.is_pcn else {"practice": practices[r.code]}
        for measure, value in (
            (AnnualPopulation.Measure.ADJUSTED, r.adjusted),
            (AnnualPopulation.Measure.WEIGHTED, r.weighted),
        ):
            if value is None:
                continue
            current = AnnualPopulation.objects.filter(
                financial_year=r.financial_year, measure=measure, federation=federation, **owner
            ).first()
            before = snapshot(current, POPULATION_FIELDS) if current else {}
            if current is None:
                current = AnnualPopulation.objects.create(
                    financial_year=r.financial_year,
                    measure=measure,
                    value=value,
                    source=r.source[:300] or run.file_name,
                    import_run=run,
                    federation=federation,
                    **owner,
                )
                counts["created"] += 1
            elif current.value == value:
                counts["unchanged"] += 1
                continue
            elif current.import_run_id is None and current.entered_by_id is not None:
                counts["kept_manual"] += 1
                outcome.note(
                    f"{r.code} {measure} {r.financial_year}: kept {current.value} entered by hand "
                    f"(the file says {value})"
                )
                continue
            else:
                current.value = value
                current.source = r.source[:300] or run.file_name
                current.import_run = run
                current.save()
                counts["updated"] += 1
            if federation is not None:
                audit_record(
                    by=by,
                    action="population.set",
                    obj=current,
                    before=before,
                    after=snapshot(current, POPULATION_FIELDS),
                    federation=federation,
                )


POPULATION_FIELDS = ["value", "source", "financial_year", "measure", "federation"]
