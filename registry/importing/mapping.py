"""Mapping files: which PCN and commissioner each practice belongs to, month by month."""

from __future__ import annotations

from kernel.formats import counted
from registry.importers import mapping
from registry.importers.base import Problems
from registry.importing.base import BATCH, CommissionerBook, Outcome, SpellBook, _resolve_practices
from registry.models import (
    PCN,
    Commissioner,
    ImportRun,
    PracticeCommissioner,
    PracticePCN,
)
from registry.models.organisations import Spell


# Long: resolve every code, then write set-based, in one pass over the file.
def _apply_mapping(parsed: mapping.MappingFile, outcome: Outcome, run: ImportRun) -> None:
    counts = outcome.counts
    counts["read"] += len(parsed.records) + parsed.duplicates
    counts["skipped"] += parsed.duplicates
    if parsed.duplicates:
        outcome.note(
            f"Skipped {counted(parsed.duplicates, 'repeated row')} for the same practice and PCN"
        )
    problems = Problems()
    practices = _resolve_practices(
        [
            (
                r.row,
                r.practice_code,
                "GP_CODE" if parsed.publication == "gpad-mapping" else "PRACTICE_CODE",
            )
            for r in parsed.records
        ],
        problems,
        outcome,
    )
    problems.raise_if_any()

    commissioners = CommissionerBook(outcome, outcome.as_at)
    for r in parsed.records:
        commissioners.ensure(
            r.region_code,
            Commissioner.Kind.REGION,
            name=r.region_name,
            ons=r.region_ons,
            as_at=r.as_at,
        )
        commissioners.ensure(
            r.icb_code,
            Commissioner.Kind.ICB,
            name=r.icb_name,
            ons=r.icb_ons,
            parent=r.region_code,
            as_at=r.as_at,
        )
        commissioners.ensure(
            r.sub_icb_code,
            Commissioner.Kind.SUB_ICB,
            name=r.sub_icb_name,
            ons=r.sub_icb_ons,
            parent=r.icb_code,
            as_at=r.as_at,
        )
    commissioners.save()

    pcns = {p.code: p for p in PCN.objects.all()}
    new_pcns: dict[str, PCN] = {}
    for r in parsed.records:
        if r.pcn_code and r.pcn_code not in pcns and r.pcn_code not in new_pcns:
            sub_icb = commissioners.by_code.get(r.sub_icb_code)
            new_pcns[r.pcn_code] = PCN(
                code=r.pcn_code,
                name=r.pcn_name[:200] or r.pcn_code,
                name_key=(r.pcn_name or r.pcn_code).upper()[:200],
                sub_icb_id=sub_icb.pk if sub_icb else None,
            )
    if new_pcns:
        PCN.objects.bulk_create(new_pcns.values(), batch_size=BATCH)
        counts["created"] += len(new_pcns)
        outcome.note(
            f"Created {counted(len(new_pcns), 'PCN')} not in the ePCN workbook from this file: "
            + ", ".join(sorted(new_pcns)[:20])
        )
    pcn_ids = dict(PCN.objects.values_list("code", "id"))

    source = (
        Spell.Source.GPAD_MAPPING
        if parsed.publication == "gpad-mapping"
        else Spell.Source.PATIENTS_MAP
    )
    pcn_spells = SpellBook(PracticePCN, "pcn", outcome, run, source)
    sub_icb_spells = SpellBook(PracticeCommissioner, "commissioner", outcome, run, source)
    no_pcn = not_practice = 0
    for r in parsed.records:
        practice = practices.get(r.practice_code)
        if practice is None:
            not_practice += 1
            continue
        if r.pcn_code:
            pcn_spells.observed(practice.pk, pcn_ids[r.pcn_code], r.as_at, label=r.practice_code)
        else:
            no_pcn += 1
        sub_icb = commissioners.by_code.get(r.sub_icb_code)
        if sub_icb is not None:
            sub_icb_spells.observed(practice.pk, sub_icb.pk, r.as_at, label=r.practice_code)
    pcn_spells.save()
    sub_icb_spells.save()
    counts["skipped"] += not_practice
    if not_practice:
        outcome.note(
            f"Skipped {counted(not_practice, 'row')} for organisations that are not GP practices"
        )
    if no_pcn:
        outcome.note(
            f"{counted(no_pcn, 'practice')} {'was' if no_pcn == 1 else 'were'} in no PCN on "
            "this date"
        )
