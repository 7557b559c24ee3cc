"""Activity: the units each practice or PCN received, recorded by hand or imported from a file."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import audit_record
from finance import activity_file
from finance.inputs import (
    month_end,
    month_start,
)
from finance.models import (
    Activity,
    ActivityUpload,
    Service,
    ServiceParticipation,
    Settlement,
)
from finance.services.accruals import accruals_follow
from finance.services.base import FinanceError, month_end_lock
from finance.tasks import import_activity
from registry.importers.base import ImportFileError, Problems
from registry.models import PCN, Federation, FederationMembership, Practice


@dataclass
class ActivityOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    months: list[str] = field(default_factory=list)
    followed: list[str] = field(default_factory=list)  # accrued lines worked out again

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "months": self.months,
            "followed": self.followed,
        }


def _participating(service_ids, first: date, last: date) -> dict:
    """(service id, 'practice'|'pcn', id) -> list of (start, end)."""
    spells: dict = {}
    for service, practice, pcn, start, end in (
        ServiceParticipation.objects.filter(service_id__in=service_ids, start_date__lte=last)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
        .values_list("service_id", "practice_id", "pcn_id", "start_date", "end_date")
    ):
        key = (service, "practice", practice) if practice else (service, "pcn", pcn)
        spells.setdefault(key, []).append((start, end))
    return spells


def _covers(spells, first: date, last: date) -> bool:
    return any(start <= last and (end is None or end >= first) for start, end in spells)


def _posted_months(federation: Federation, months) -> set[date]:
    return set(
        Settlement.objects.filter(federation=federation, month__in=months).values_list(
            "month", flat=True
        )
    )


def _settled(problems: Problems, record) -> None:
    problems.add(
        record.row,
        "Month",
        f"{record.month:%B %Y} is already settled; correct it with an adjusting entry in a "
        "later month",
    )


# Long: checks every row, then writes under the month-end lock in one transaction.
def activity_import(
    *, federation: Federation, data: bytes, file_name: str, by, dry_run: bool = False
) -> ActivityOutcome:
    """Check a whole activity file against the federation, then write it in one transaction.
    Any problem in any row writes nothing and raises ImportFileError listing them all. The
    transaction takes the federation's month-end lock first and checks again that no month
    of the file has been posted meanwhile, so activity never lands in a settled month."""
    records, problems = activity_file.parse(data, file_name)
    services = {s.code: s for s in Service.objects.filter(federation=federation)}
    months = sorted({r.month for r in records})
    if records:
        first, last = months[0], month_end(months[-1])
        practices = dict(
            Practice.objects.filter(code__in={r.code for r in records}).values_list("code", "pk")
        )
        pcns = dict(
            PCN.objects.filter(code__in={r.code for r in records}).values_list("code", "pk")
        )
        posted = _posted_months(federation, months)
        spells = _participating([s.pk for s in services.values()], first, last)
        members: dict[int, list] = {}
        for practice, start, end in FederationMembership.objects.filter(
            federation=federation, start_date__lte=last
        ).values_list("practice_id", "start_date", "end_date"):
            members.setdefault(practice, []).append((start, end))
        this_month = month_start(timezone.localdate())
    for r in records:
        service = services.get(r.service)
        practice_id, pcn_id = practices.get(r.code), pcns.get(r.code)
        first, last = r.month, month_end(r.month)
        if practice_id is None and pcn_id is None:
            problems.add(r.row, "ODS code", f"{r.code} is not a practice or PCN gpfed knows")
        elif practice_id and not _covers(members.get(practice_id, ()), first, last):
            problems.add(
                r.row,
                "ODS code",
                f"{r.code} is not a member of {federation} in {r.month:%B %Y}",
            )
        if service is None:
            known = ", ".join(sorted(services)) or "none yet"
            problems.add(
                r.row, "Service", f"{r.service!r} is not one of the federation's services ({known})"
            )
        elif practice_id or pcn_id:
            key = (
                (service.pk, "practice", practice_id)
                if practice_id
                else (
                    service.pk,
                    "pcn",
                    pcn_id,
                )
            )
            if not _covers(spells.get(key, ()), first, last):
                problems.add(
                    r.row,
                    "Service",
                    f"{r.code} does not take part in {service.name} in {r.month:%B %Y}",
                )
        if r.month in posted:
            _settled(problems, r)
        elif r.month > this_month:
            problems.add(r.row, "Month", f"{r.month:%B %Y} has not happened yet")
    # the file's own problems were found first, the federation's after: list them by row
    problems.items.sort(key=lambda p: -1 if p.row is None else p.row)
    problems.raise_if_any()
    outcome = ActivityOutcome(months=[f"{m:%Y-%m}" for m in months])
    with transaction.atomic():
        # Activity decides what a month settles to: wait for any accrual, income change or
        # posting of the federation's months, then look again at which are posted (one may
        # have been while the file was checked); a settled month refuses the whole file.
        month_end_lock(federation)
        posted = _posted_months(federation, months)
        if posted:
            settled = Problems()
            for r in records:
                if r.month in posted:
                    _settled(settled, r)
            settled.raise_if_any()
        existing = {
            (a.service_id, a.practice_id, a.pcn_id, a.month): a
            for a in Activity.objects.select_for_update().filter(
                federation=federation, month__in=months
            )
        }
        create, update = [], []
        source = f"{file_name} ({hashlib.sha256(data).hexdigest()[:12]})"
        for r in records:
            service = services[r.service]
            practice_id, pcn_id = practices.get(r.code), pcns.get(r.code)
            if practice_id:
                pcn_id = None
            found = existing.get((service.pk, practice_id, pcn_id, r.month))
            if found is None:
                create.append(
                    Activity(
                        federation=federation,
                        service=service,
                        practice_id=practice_id,
                        pcn_id=pcn_id,
                        month=r.month,
                        units=r.units,
                        source=source[:200],
                        entered_by=by if getattr(by, "pk", None) else None,
                    )
                )
            elif found.units != r.units:
                found.units = r.units
                found.source = source[:200]
                update.append(found)
            else:
                outcome.unchanged += 1
        outcome.created, outcome.updated = len(create), len(update)
        if not dry_run:
            Activity.objects.bulk_create(create, batch_size=2000)
            Activity.objects.bulk_update(update, ["units", "source"], batch_size=2000)
            outcome.followed = accruals_follow(
                federation=federation, by=by, reason="activity changed", months=months
            )
            audit_record(
                by=by,
                action="finance.activity.import",
                obj=federation,
                after={"file": file_name, "sha256": hashlib.sha256(data).hexdigest()}
                | outcome.as_dict(),
                federation=federation,
            )
        else:
            transaction.set_rollback(True)
    return outcome


def activity_record(
    *,
    federation: Federation,
    service: Service,
    month: date,
    units: int,
    by,
    practice: Practice | None = None,
    pcn: PCN | None = None,
) -> Activity:
    """One figure entered by hand: checked exactly as an imported row is."""
    code = (practice or pcn).code
    body = f"ODS code,Service,Month,Units\n{code},{service.code},{month:%Y-%m},{units}\n"
    try:
        activity_import(
            federation=federation, data=body.encode(), file_name="entered by hand", by=by
        )
    except ImportFileError as error:
        raise FinanceError(error.problems[0].message) from None
    return Activity.objects.get(
        service=service, month=month_start(month), practice=practice, pcn=pcn
    )


@transaction.atomic
def activity_upload_queue(
    *, federation: Federation, file_name: str, data: bytes, by, origin: str = "web"
) -> ActivityUpload:
    """Keep an uploaded activity file for the task worker, which checks and imports it
    (``activity_import``); it is queued once the upload is saved."""
    queued = ActivityUpload.objects.create(
        federation=federation,
        file_name=file_name,
        size=len(data),
        upload=data,
        created_by=by if getattr(by, "pk", None) else None,
        origin=origin,
    )
    transaction.on_commit(lambda: import_activity.enqueue(queued.pk))
    return queued
