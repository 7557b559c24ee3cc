"""What every publication's import shares: the outcome it counts into, copying published fields
without overwriting corrections, and the books that resolve commissioners and spells."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from registry.importers.base import Problems
from registry.models import (
    Commissioner,
    ImportRun,
    OtherOrganisation,
    Practice,
)
from registry.models.organisations import Spell

BATCH = 1000


class ImportAborted(Exception):
    """Raised inside the transaction to roll back a dry run."""


@dataclass
class Outcome:
    counts: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    as_at: date | None = None

    def note(self, message: str) -> None:
        if len(self.notes) < 500:
            self.notes.append(message)


def _set_fields(obj, values: dict, outcome: Outcome, *, label: str) -> bool:
    """Copy published values onto obj, except fields corrected by hand. True if anything changed."""
    changed = False
    manual = set(obj.manual_fields or [])
    for name, value in values.items():
        current = getattr(obj, name)
        if current == value:
            continue
        if name in manual:
            outcome.counts["kept_manual"] += 1
            outcome.note(
                f"{label}: kept {name.replace('_', ' ')} {current!r} corrected by hand "
                f"(the file says {value!r})"
            )
            continue
        setattr(obj, name, value)
        changed = True
    return changed


def _address(values: tuple[str, ...]) -> dict:
    return {f"address_{i}": values[i - 1][:100] for i in range(1, 6)}


class CommissionerBook:
    """Every commissioner by code, creating and updating them in bulk."""

    def __init__(self, outcome: Outcome, as_at: date):
        self.outcome = outcome
        self.as_at = as_at
        self.by_code = {c.code: c for c in Commissioner.objects.all()}
        self.new: dict[str, Commissioner] = {}
        self.dirty: set[str] = set()

    def ensure(
        self,
        code: str,
        kind: str,
        *,
        name: str = "",
        ons: str = "",
        parent: str = "",
        as_at: date | None = None,
    ) -> Commissioner | None:
        if not code:
            return None
        when = as_at or self.as_at
        obj = self.by_code.get(code)
        if obj is None:
            obj = Commissioner(
                code=code, kind=kind, name=name[:200], ons_code=ons, as_at=when if name else None
            )
            self.by_code[code] = obj
            self.new[code] = obj
            obj._parent_code = parent
            return obj
        # ``as_at`` dates the name: a name from an older publication never replaces a newer one.
        newer = obj.as_at is None or when >= obj.as_at
        values = {}
        if name and (newer or not obj.name):
            values["name"] = name[:200]
            values["as_at"] = max(when, obj.as_at) if obj.as_at else when
        if ons and (newer or not obj.ons_code):
            values["ons_code"] = ons
        if kind and not obj.kind:
            values["kind"] = kind
        if _set_fields(obj, values, self.outcome, label=code) and code not in self.new:
            self.dirty.add(code)
        if parent and (newer or obj.parent_id is None):
            obj._parent_code = parent
        return obj

    def save(self) -> None:
        if self.new:
            Commissioner.objects.bulk_create(self.new.values(), batch_size=BATCH)
            self.outcome.counts["created"] += len(self.new)
            fresh = Commissioner.objects.filter(code__in=list(self.new))
            for obj in fresh:
                obj._parent_code = getattr(self.new[obj.code], "_parent_code", "")
                self.by_code[obj.code] = obj
        for obj in self.by_code.values():
            parent_code = getattr(obj, "_parent_code", "")
            parent = self.by_code.get(parent_code) if parent_code else None
            if parent is not None and parent.pk and obj.parent_id != parent.pk:
                obj.parent_id = parent.pk
                self.dirty.add(obj.code)
        dirty = [self.by_code[c] for c in self.dirty]
        if dirty:
            Commissioner.objects.bulk_update(
                dirty, ["name", "ons_code", "kind", "as_at", "parent"], batch_size=BATCH
            )
            self.outcome.counts["updated"] += len([c for c in self.dirty if c not in self.new])


def _resolve_practices(
    codes_by_row: list[tuple[int, str, str]], problems: Problems, outcome: Outcome
) -> dict[str, Practice]:
    """Look up every practice code a file refers to. Codes of organisations that are not GP
    practices are skipped; codes gpfed has never seen are problems."""
    codes = {code for _, code, _ in codes_by_row}
    found = {p.code: p for p in Practice.objects.filter(code__in=codes)}
    missing = codes - set(found)
    others = set(OtherOrganisation.objects.filter(code__in=missing).values_list("code", flat=True))
    for row, code, column in codes_by_row:
        if code in found or code in others:
            continue
        problems.add(
            row,
            column,
            f"{code} is not a practice gpfed knows: import the ODS epraccur file that lists it "
            "first",
        )
    return found


class SpellBook:
    """Dated memberships of one kind (practice->PCN or practice->commissioner), applied from a
    publication that states them with dates (ePCN, epraccur) or as a snapshot on a date."""

    def __init__(self, model, target_field: str, outcome: Outcome, run: ImportRun, source: str):
        self.as_at = outcome.as_at
        self.model = model
        self.target = f"{target_field}_id"
        self.outcome = outcome
        self.run = run
        self.source = source
        self.by_practice: dict[int, list[Spell]] = defaultdict(list)
        for spell in model.objects.all().order_by("start_date"):
            self.by_practice[spell.practice_id].append(spell)
        self.created: list[Spell] = []
        self.changed: dict[int, Spell] = {}
        self.deleted: set[int] = set()

    def _new(self, practice_id: int, target_id: int, start: date, end: date | None) -> Spell:
        spell = self.model(
            practice_id=practice_id,
            start_date=start,
            end_date=end,
            source=self.source,
            import_run=self.run,
        )
        setattr(spell, self.target, target_id)
        self.created.append(spell)
        spells = self.by_practice[practice_id]
        spells.append(spell)
        spells.sort(key=lambda s: s.start_date)
        self.outcome.counts["created"] += 1
        return spell

    def _close(self, spell: Spell, end: date) -> None:
        spell.end_date = end
        if spell.pk:
            self.changed[spell.pk] = spell
        self.outcome.counts["closed"] += 1

    def dated(
        self, practice_id: int, target_id: int, start: date, end: date | None, *, label: str
    ) -> None:
        """A spell the publication states with its own dates."""
        spells = self.by_practice[practice_id]
        same = [
            s
            for s in spells
            if getattr(s, self.target) == target_id
            and s.start_date == start
            and s.pk not in self.deleted
        ]
        if same:
            spell = same[0]
            if spell.end_date == end:
                self.outcome.counts["unchanged"] += 1
            elif end is None and self.as_at and spell.end_date >= self.as_at:
                # Still open when this file was published, closed by later evidence: keep.
                self.outcome.counts["unchanged"] += 1
            elif spell.source == Spell.Source.MANUAL:
                self.outcome.counts["kept_manual"] += 1
                self.outcome.note(f"{label}: kept the membership entered by hand")
            elif end is not None and spell.end_date is None:
                self._close(spell, end)
            else:
                spell.end_date = end
                if spell.pk:
                    self.changed[spell.pk] = spell
                self.outcome.counts["updated"] += 1
            return
        # A dated record supersedes snapshot observations of the same membership it covers.
        for s in list(spells):
            if (
                s.pk
                and getattr(s, self.target) == target_id
                and s.source in (Spell.Source.PATIENTS_MAP, Spell.Source.GPAD_MAPPING)
                and s.start_date >= start
                and (end is None or s.start_date <= end)
            ):
                self.deleted.add(s.pk)
                spells.remove(s)
        # Close an open spell elsewhere that this one follows.
        for s in spells:
            if (
                s.end_date is None
                and s.start_date < start
                and getattr(s, self.target) != target_id
                and s.source != Spell.Source.MANUAL
            ):
                self._close(s, start - timedelta(days=1))
        self._new(practice_id, target_id, start, end)

    def observed(self, practice_id: int, target_id: int, day: date, *, label: str) -> None:
        """A snapshot: on ``day`` the practice belonged to target."""
        spells = [s for s in self.by_practice[practice_id] if s.pk not in self.deleted]
        covering = [s for s in spells if s.covers(day)]
        if covering:
            spell = covering[-1]
            if getattr(spell, self.target) == target_id:
                self.outcome.counts["unchanged"] += 1
                return
            if spell.source == Spell.Source.MANUAL:
                self.outcome.counts["kept_manual"] += 1
                self.outcome.note(f"{label}: kept the membership entered by hand")
                return
            if spell.end_date is None and spell.start_date < day:
                self._close(spell, day - timedelta(days=1))
                self._new(practice_id, target_id, day, None)
                return
            self.outcome.counts["skipped"] += 1
            self.outcome.note(
                f"{label}: the file shows a different membership on {day} than the dated "
                f"record from {spell.start_date}; the dated record was kept"
            )
            return
        later = [s for s in spells if s.start_date > day]
        end = later[0].start_date - timedelta(days=1) if later else None
        self._new(practice_id, target_id, day, end)

    def save(self) -> None:
        if self.deleted:
            self.model.objects.filter(pk__in=self.deleted).delete()
        if self.created:
            self.model.objects.bulk_create(self.created, batch_size=BATCH)
        if self.changed:
            self.model.objects.bulk_update(
                list(self.changed.values()), ["end_date"], batch_size=BATCH
            )
