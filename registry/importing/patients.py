"""Registered patients: each practice's list size."""

from __future__ import annotations

from kernel.formats import counted
from registry.importers import patients
from registry.importers.base import Problems
from registry.importing.base import BATCH, Outcome, _resolve_practices
from registry.models import (
    ListSize,
)


def _apply_patients(parsed: patients.PatientsFile, outcome: Outcome) -> None:
    counts = outcome.counts
    counts["read"] += len(parsed.counts) - parsed.derived_totals + parsed.skipped_other_types
    if parsed.derived_totals:
        outcome.note(
            "The file gives no all-ages total: "
            f"{counted(parsed.derived_totals, 'practice total')} added up from its age bands"
        )
    counts["skipped"] += parsed.skipped_other_types
    problems = Problems()
    code_column = "CODE"
    practices = _resolve_practices(
        [(c.row, c.practice_code, code_column) for c in parsed.counts], problems, outcome
    )
    problems.raise_if_any()
    existing = {
        (ls.practice_id, ls.extract_date, ls.sex, ls.age_band): ls
        for ls in ListSize.objects.filter(extract_date__in=parsed.extract_dates).only(
            "id", "practice_id", "extract_date", "sex", "age_band", "patients"
        )
    }
    new: list[ListSize] = []
    dirty: list[ListSize] = []
    not_practice = 0
    for c in parsed.counts:
        practice = practices.get(c.practice_code)
        if practice is None:
            not_practice += 1
            continue
        current = existing.get((practice.pk, c.extract_date, c.sex, c.age_band))
        if current is None:
            new.append(
                ListSize(
                    practice_id=practice.pk,
                    extract_date=c.extract_date,
                    sex=c.sex,
                    age_band=c.age_band,
                    age_from=c.age_from,
                    age_to=c.age_to,
                    patients=c.patients,
                )
            )
        elif current.patients != c.patients:
            current.patients = c.patients
            dirty.append(current)
        else:
            counts["unchanged"] += 1
    ListSize.objects.bulk_create(new, batch_size=5000)
    if dirty:
        ListSize.objects.bulk_update(dirty, ["patients"], batch_size=BATCH)
    counts["created"] += len(new)
    counts["updated"] += len(dirty)
    counts["skipped"] += not_practice
    if not_practice:
        outcome.note(
            f"Skipped {counted(not_practice, 'row')} for organisations that are not GP practices"
        )
    outcome.note(
        f"Extract {', '.join(d.isoformat() for d in parsed.extract_dates)} "
        f"({parsed.breakdown}, {parsed.era.upper()}-era columns)"
    )
