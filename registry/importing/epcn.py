"""ePCN: the primary care networks and the practices in each."""

from __future__ import annotations

from kernel.formats import counted
from registry.importers import epcn
from registry.importers.base import Problems
from registry.importing.base import (
    BATCH,
    CommissionerBook,
    Outcome,
    SpellBook,
    _address,
    _resolve_practices,
    _set_fields,
)
from registry.models import (
    PCN,
    Commissioner,
    ImportRun,
    PracticePCN,
)
from registry.models.organisations import Spell

PCN_FIELDS = [
    "name",
    "name_key",
    "sub_icb",
    "open_date",
    "close_date",
    "address_1",
    "address_2",
    "address_3",
    "address_4",
    "address_5",
    "postcode",
    "postcode_key",
]


def _apply_epcn(parsed: epcn.EpcnFile, outcome: Outcome, run: ImportRun) -> None:
    counts = outcome.counts
    counts["read"] += len(parsed.pcns) + len(parsed.partners)
    problems = Problems()
    practices = _resolve_practices(
        [
            (r.row, r.practice_code, f"{epcn.PARTNERS_SHEET}!Partner Organisation Code")
            for r in parsed.partners
        ],
        problems,
        outcome,
    )
    problems.raise_if_any()

    commissioners = CommissionerBook(outcome, outcome.as_at)
    for rec in parsed.pcns:
        commissioners.ensure(rec.sub_icb_code, Commissioner.Kind.SUB_ICB, name=rec.sub_icb_name)
    commissioners.save()

    existing = {p.code: p for p in PCN.objects.all()}
    new: list[PCN] = []
    dirty: list[PCN] = []
    for rec in parsed.pcns:
        sub_icb = commissioners.by_code.get(rec.sub_icb_code)
        values = {
            "name": rec.name[:200],
            "name_key": rec.name.upper()[:200],
            "sub_icb_id": sub_icb.pk if sub_icb else None,
            "open_date": rec.open_date,
            "close_date": rec.close_date,
            **_address(rec.address),
            "postcode": rec.postcode[:10],
            "postcode_key": rec.postcode.replace(" ", "")[:10],
        }
        pcn = existing.get(rec.code)
        if pcn is None:
            new.append(PCN(code=rec.code, **values))
            continue
        was_open = pcn.close_date is None
        if _set_fields(pcn, values, outcome, label=rec.code):
            dirty.append(pcn)
            if was_open and pcn.close_date is not None:
                counts["closed"] += 1
            else:
                counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    PCN.objects.bulk_create(new, batch_size=BATCH)
    counts["created"] += len(new)
    if dirty:
        PCN.objects.bulk_update(dirty, PCN_FIELDS, batch_size=BATCH)

    pcn_ids = dict(PCN.objects.values_list("code", "id"))
    spells = SpellBook(PracticePCN, "pcn", outcome, run, Spell.Source.EPCN)
    skipped = 0
    for rec in parsed.partners:
        practice = practices.get(rec.practice_code)
        if practice is None:
            skipped += 1
            continue
        spells.dated(
            practice.pk,
            pcn_ids[rec.pcn_code],
            rec.start_date,
            rec.end_date,
            label=f"{rec.practice_code} in {rec.pcn_code}",
        )
    spells.save()
    if skipped:
        counts["skipped"] += skipped
        outcome.note(
            f"Skipped {counted(skipped, 'PCN partner')} that "
            + ("is not a GP practice" if skipped == 1 else "are not GP practices")
        )
