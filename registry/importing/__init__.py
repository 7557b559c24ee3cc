"""Import services: apply a parsed publication to the registry.

``import_file`` is the one path for every import (command line, upload page, demo loader). It
records an ``ImportRun``, parses the file completely (nothing written yet), resolves every code
the file refers to (still nothing written), then writes set-based in one transaction. A dry run
does all of that and rolls back, so its counts are exactly what a real import would do.

Counts: ``read`` data rows; ``created``/``updated``/``unchanged`` organisations, relationships
and figures; ``closed`` memberships or organisations the file shows have ended; ``skipped`` rows
that are not for gpfed (other organisation types, practices in no PCN). Fields a person corrected
by hand are never overwritten: each is reported in the run's notes.

This module is the door (``import_file``) and hands each publication to its own module, matching
``registry/importers/``: ``epraccur``, ``epcn``, ``mapping``, ``patients`` and ``populations``;
``base`` holds the outcome and the books they share."""

from __future__ import annotations

import hashlib
import logging
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from registry.importers import epcn as epcn_file
from registry.importers import epraccur as epraccur_file
from registry.importers import mapping as mapping_file
from registry.importers import patients as patients_file
from registry.importers import populations as populations_file
from registry.importers.base import ImportFileError, Problem
from registry.importers.detect import Kind, detect, month_from_file_name
from registry.importers.screening import admit
from registry.importing.base import (
    BATCH,
    CommissionerBook,
    ImportAborted,
    Outcome,
    SpellBook,
)
from registry.importing.epcn import PCN_FIELDS, _apply_epcn
from registry.importing.epraccur import PRACTICE_FIELDS, _apply_epraccur
from registry.importing.mapping import _apply_mapping
from registry.importing.patients import _apply_patients
from registry.importing.populations import POPULATION_FIELDS, _apply_populations
from registry.models import Federation, ImportRun

__all__ = [
    "BATCH",
    "NATIONAL_ONLY",
    "PCN_FIELDS",
    "POPULATION_FIELDS",
    "PRACTICE_FIELDS",
    "CommissionerBook",
    "ImportAborted",
    "Outcome",
    "SpellBook",
    "import_file",
    "import_run_create",
    "national_only",
    "sha256_of",
]

logger = logging.getLogger(__name__)


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


# Long: the one door: the run, its lease, parsing, applying and failing, in order.
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
        parsed = epraccur_file.parse(data)
        outcome.as_at = as_at or month_from_file_name(file_name) or timezone.localdate()
        apply = lambda: _apply_epraccur(parsed, outcome, run)  # noqa: E731
    elif kind == Kind.EPCN:
        parsed = epcn_file.parse(data)
        outcome.as_at = as_at or month_from_file_name(file_name) or timezone.localdate()
        apply = lambda: _apply_epcn(parsed, outcome, run)  # noqa: E731
    elif kind in (Kind.PATIENTS_MAP, Kind.GPAD_MAPPING):
        when = as_at or (month_from_file_name(file_name) if kind == Kind.GPAD_MAPPING else None)
        parsed = mapping_file.parse(data, as_at=when)
        outcome.as_at = parsed.as_at_dates[-1]
        apply = lambda: _apply_mapping(parsed, outcome, run)  # noqa: E731
    elif kind == Kind.PATIENTS:
        parsed = patients_file.parse(data)
        outcome.as_at = parsed.extract_dates[-1]
        apply = lambda: _apply_patients(parsed, outcome)  # noqa: E731
    else:
        parsed = populations_file.parse(data)
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
