"""Import services: apply a parsed publication to the registry.

``import_file`` is the one path for every import (command line, upload page, demo loader). It
records an ``ImportRun``, parses the file completely (nothing written yet), resolves every code
the file refers to (still nothing written), then writes set-based in one transaction. A dry run
does all of that and rolls back, so its counts are exactly what a real import would do.

Counts: ``read`` data rows; ``created``/``updated``/``unchanged`` organisations, relationships
and figures; ``closed`` memberships or organisations the file shows have ended; ``skipped`` rows
that are not for gpfed (other organisation types, practices in no PCN). Fields a person corrected
by hand are never overwritten: each is reported in the run's notes.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record, snapshot
from registry.importers import epcn, epraccur, mapping, patients, populations
from registry.importers.base import ImportFileError, Problem, Problems
from registry.importers.detect import Kind, detect, month_from_file_name
from registry.importers.screening import admit
from registry.models import (
    PCN,
    AnnualPopulation,
    Commissioner,
    Federation,
    ImportRun,
    ListSize,
    OtherOrganisation,
    Practice,
    PracticeCommissioner,
    PracticePCN,
)
from registry.models.organisations import Spell, practice_search_key
from registry.models.populations import financial_year_label
from registry.selectors import federation_held_in_year

logger = logging.getLogger(__name__)
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


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


NATIONAL_ONLY = (
    "{label} is a national NHS file: national NHS files are imported by the installation's "
    "operators, for every federation. A federation imports only its own adjusted and weighted "
    "populations (gpfed's populations CSV)"
)


def national_only(kind: str) -> str:
    """Why a federation may not import a file of this kind, or "" if it may."""
    if kind == Kind.POPULATIONS:
        return ""
    return NATIONAL_ONLY.format(label=Kind.LABELS.get(kind, kind))


def import_run_create(
    *,
    data: bytes,
    file_name: str,
    by,
    kind: str = "",
    dry_run: bool = False,
    origin: str = "",
    federation: Federation | None = None,
) -> ImportRun:
    """Record an upload for the worker to import (the web path): national (``federation``
    None, the installation's operators) or one federation's own populations."""
    return ImportRun.objects.create(
        federation=federation,
        requested_kind=kind or "",
        file_name=file_name[:255],
        sha256=sha256_of(data),
        size=len(data),
        dry_run=dry_run,
        created_by=by if getattr(by, "pk", None) else None,
        origin=origin,
        upload=data,
    )


def import_file(
    *,
    data: bytes,
    file_name: str,
    by,
    kind: str | None = None,
    dry_run: bool = False,
    as_at: date | None = None,
    origin: str = "",
    run: ImportRun | None = None,
    federation: Federation | None = None,
) -> ImportRun:
    """Import one publication file. Raises ``ImportFileError`` (nothing written) if it is bad;
    the failure is recorded on the returned run either way.

    With no ``federation`` (or a run without one) it is a national import, updating the
    registry every federation shares: the command line, the demo loader and the
    installation's operators. With one, only a populations file is taken, and it writes that
    federation's own figures, for the practices and PCNs it holds, and nothing else."""
    if run is not None:
        federation = run.federation
    else:
        run = ImportRun.objects.create(
            federation=federation,
            requested_kind=kind or "",
            file_name=file_name[:255],
            sha256=sha256_of(data),
            size=len(data),
            dry_run=dry_run,
            created_by=by if getattr(by, "pk", None) else None,
            origin=origin,
        )
    run.status = ImportRun.Status.RUNNING
    run.started_at = timezone.now()
    if run.lease_until is None:  # the command line's: if it is killed, the worker says so
        run.lease_until = run.started_at + timedelta(seconds=settings.GPFED_UPLOAD_LEASE_SECONDS)
    run.save(update_fields=["status", "started_at", "lease_until"])
    try:
        admit("import", data, file_name)  # the upload policy: size, safe to open, NHS numbers
        chosen = kind or detect(data, file_name)
        if chosen not in Kind.LABELS:
            raise ImportFileError([Problem(None, None, f"unknown kind {chosen!r}")])
        run.kind = chosen
        if federation is not None and national_only(chosen):
            raise ImportFileError([Problem(None, None, national_only(chosen))])
        outcome = _parse_and_apply(
            chosen,
            data,
            file_name=file_name,
            dry_run=dry_run,
            as_at=as_at,
            run=run,
            by=by,
            federation=federation,
        )
    except ImportFileError as exc:
        _fail(run, exc.problems, exc.total)
        raise
    except Exception:
        # A fault in gpfed, not in the file: nothing was written (the transaction rolled back);
        # say so on the run rather than leave it "running" for ever.
        logger.exception("import %s of %s failed unexpectedly", run.pk, file_name)
        _fail(
            run,
            [
                Problem(
                    None,
                    None,
                    "gpfed failed while importing this file; nothing was "
                    "written. The error has been logged for the operators.",
                )
            ],
            1,
        )
        raise
    run.status = ImportRun.Status.CHECKED if dry_run else ImportRun.Status.SUCCEEDED
    run.counts = dict(outcome.counts)
    run.notes = outcome.notes
    run.as_at = outcome.as_at
    run.finished_at = timezone.now()
    run.upload = None
    run.lease_until = None
    run.save()
    return run


def _fail(run: ImportRun, problems, total: int) -> None:
    run.status = ImportRun.Status.FAILED
    run.problems = [p.as_dict() for p in problems]
    run.problem_total = total
    run.finished_at = timezone.now()
    run.upload = None
    run.lease_until = None
    run.save()


def _parse_and_apply(kind, data, *, file_name, dry_run, as_at, run, by, federation) -> Outcome:
    outcome = Outcome()
    if kind == Kind.EPRACCUR:
        parsed = epraccur.parse(data)
        outcome.as_at = as_at or month_from_file_name(file_name) or timezone.localdate()
        apply = lambda: _apply_epraccur(parsed, outcome, run)  # noqa: E731
    elif kind == Kind.EPCN:
        parsed = epcn.parse(data)
        outcome.as_at = as_at or month_from_file_name(file_name) or timezone.localdate()
        apply = lambda: _apply_epcn(parsed, outcome, run)  # noqa: E731
    elif kind in (Kind.PATIENTS_MAP, Kind.GPAD_MAPPING):
        when = as_at or (month_from_file_name(file_name) if kind == Kind.GPAD_MAPPING else None)
        parsed = mapping.parse(data, as_at=when)
        outcome.as_at = parsed.as_at_dates[-1]
        apply = lambda: _apply_mapping(parsed, outcome, run)  # noqa: E731
    elif kind == Kind.PATIENTS:
        parsed = patients.parse(data)
        outcome.as_at = parsed.extract_dates[-1]
        apply = lambda: _apply_patients(parsed, outcome)  # noqa: E731
    else:
        parsed = populations.parse(data)
        apply = lambda: _apply_populations(parsed, outcome, run, federation, by)  # noqa: E731
    try:
        with transaction.atomic():
            apply()
            if not dry_run:
                audit_record(
                    by=by,
                    action="registry.import",
                    obj=run,
                    after={"kind": kind, "sha256": run.sha256, **dict(outcome.counts)},
                    federation=federation,
                )
            else:
                raise ImportAborted
    except ImportAborted:
        pass
    return outcome


# --- shared pieces -----------------------------------------------------------------------


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


# --- epraccur ----------------------------------------------------------------------------

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


def _apply_epraccur(parsed: epraccur.EpraccurFile, outcome: Outcome, run: ImportRun) -> None:
    counts = outcome.counts
    counts["read"] += len(parsed.practices) + len(parsed.others)
    counts["skipped"] += len(parsed.others)
    if parsed.others:
        outcome.note(f"{len(parsed.others):,} organisations that are not GP practices were skipped")
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


# --- ePCN --------------------------------------------------------------------------------

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
        outcome.note(f"{skipped} PCN partners that are not GP practices were skipped")


# --- mapping files -----------------------------------------------------------------------


def _apply_mapping(parsed: mapping.MappingFile, outcome: Outcome, run: ImportRun) -> None:
    counts = outcome.counts
    counts["read"] += len(parsed.records) + parsed.duplicates
    counts["skipped"] += parsed.duplicates
    if parsed.duplicates:
        outcome.note(
            f"{parsed.duplicates} repeated rows for the same practice and PCN were skipped"
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
            f"{len(new_pcns)} PCNs not in the ePCN workbook were created from this file: "
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
            f"{not_practice} rows for organisations that are not GP practices were skipped"
        )
    if no_pcn:
        outcome.note(f"{no_pcn} practices were in no PCN on this date")


# --- registered patients -----------------------------------------------------------------


def _apply_patients(parsed: patients.PatientsFile, outcome: Outcome) -> None:
    counts = outcome.counts
    counts["read"] += len(parsed.counts) - parsed.derived_totals + parsed.skipped_other_types
    if parsed.derived_totals:
        outcome.note(
            f"The file gives no all-ages total: {parsed.derived_totals} practice totals were "
            "added up from its age bands"
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
            f"{not_practice} rows for organisations that are not GP practices were skipped"
        )
    outcome.note(
        f"Extract {', '.join(d.isoformat() for d in parsed.extract_dates)} "
        f"({parsed.breakdown}, {parsed.era.upper()}-era columns)"
    )


# --- adjusted and weighted populations ---------------------------------------------------


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
