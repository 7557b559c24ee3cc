"""epraccur: the practices (and other organisations) NHS England publishes."""

from __future__ import annotations

from kernel.formats import counted
from registry.importers import epraccur
from registry.importing.base import (
    BATCH,
    CommissionerBook,
    Outcome,
    SpellBook,
    _address,
    _set_fields,
)
from registry.models import (
    Commissioner,
    ImportRun,
    OtherOrganisation,
    Practice,
    PracticeCommissioner,
)
from registry.models.organisations import Spell, practice_search_key

PRACTICE_FIELDS = [
    "name",
    "address_1",
    "address_2",
    "address_3",
    "address_4",
    "address_5",
    "postcode",
    "postcode_key",
    "search_key",
    "open_date",
    "close_date",
    "status",
    "phone",
    "national_grouping",
    "high_level_health_geography",
]


# Long: resolve every code, then write set-based, in one pass over the file.
def _apply_epraccur(parsed: epraccur.EpraccurFile, outcome: Outcome, run: ImportRun) -> None:
    counts = outcome.counts
    counts["read"] += len(parsed.practices) + len(parsed.others)
    counts["skipped"] += len(parsed.others)
    if parsed.others:
        outcome.note(
            f"Skipped {counted(len(parsed.others), 'organisation')} that "
            + ("is not a GP practice" if len(parsed.others) == 1 else "are not GP practices")
        )
    commissioners = CommissionerBook(outcome, outcome.as_at)
    for rec in parsed.practices:
        if rec.status == "A":
            commissioners.ensure(rec.national_grouping, Commissioner.Kind.REGION)
            commissioners.ensure(
                rec.high_level_health_geography,
                Commissioner.Kind.ICB,
                parent=rec.national_grouping,
            )
            commissioners.ensure(
                rec.commissioner, Commissioner.Kind.SUB_ICB, parent=rec.high_level_health_geography
            )
        else:
            commissioners.ensure(rec.commissioner, Commissioner.Kind.SUB_ICB)
    commissioners.save()

    existing = {p.code: p for p in Practice.objects.all()}
    new: list[Practice] = []
    dirty: list[Practice] = []
    for rec in parsed.practices:
        values = {
            "name": rec.name[:200],
            **_address(rec.address),
            "postcode": rec.postcode[:10],
            "postcode_key": rec.postcode.replace(" ", "")[:10],
            "search_key": practice_search_key(rec.name, list(rec.address), rec.postcode),
            "open_date": rec.open_date,
            "close_date": rec.close_date,
            "status": rec.status,
            "phone": rec.phone[:40],
            "national_grouping": rec.national_grouping[:10],
            "high_level_health_geography": rec.high_level_health_geography[:10],
        }
        practice = existing.get(rec.code)
        if practice is None:
            new.append(Practice(code=rec.code, **values))
            continue
        was_open = practice.status != Practice.Status.CLOSED
        if _set_fields(practice, values, outcome, label=rec.code):
            dirty.append(practice)
            if was_open and practice.status == Practice.Status.CLOSED:
                counts["closed"] += 1
            else:
                counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    Practice.objects.bulk_create(new, batch_size=BATCH)
    counts["created"] += len(new)
    if dirty:
        Practice.objects.bulk_update(dirty, PRACTICE_FIELDS, batch_size=BATCH)

    ids = dict(Practice.objects.values_list("code", "id"))
    spells = SpellBook(PracticeCommissioner, "commissioner", outcome, run, Spell.Source.EPRACCUR)
    for rec in parsed.practices:
        target = commissioners.by_code.get(rec.commissioner)
        start = rec.join_date or rec.open_date
        if target is None or start is None:
            continue
        end = rec.left_date
        if end is not None and end < start:
            end = start
        spells.dated(ids[rec.code], target.pk, start, end, label=rec.code)
    spells.save()

    others = {o.code: o for o in OtherOrganisation.objects.all()}
    new_others = []
    changed_others = []
    for rec in parsed.others:
        obj = others.get(rec.code)
        if obj is None:
            new_others.append(
                OtherOrganisation(code=rec.code, name=rec.name[:200], setting=rec.setting)
            )
        elif (obj.name, obj.setting) != (rec.name[:200], rec.setting):
            obj.name, obj.setting = rec.name[:200], rec.setting
            changed_others.append(obj)
    OtherOrganisation.objects.bulk_create(new_others, batch_size=BATCH)
    if changed_others:
        OtherOrganisation.objects.bulk_update(changed_others, ["name", "setting"], batch_size=BATCH)
    # An organisation that has become a GP practice is no longer "other".
    OtherOrganisation.objects.filter(code__in=[r.code for r in parsed.practices]).delete()
