"""Writes for the rota: planning a federation's weeks, hand edits and locks, availability.

Every write validates first, runs in one transaction and is audited. The planner itself is
pure (rota.planner); this module turns the database into its Problem and its Plan back into
sessions. The reads it rests on (loading the planner's Problem, the assessment, the JSON)
are in rota.selectors.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, time

from django.db import transaction
from django.utils import timezone

from audit.services import audit_record, save_audited, snapshot
from kernel.dates import monday_of, parse_day
from kernel.errors import DomainError
from registry.importers.base import ImportFileError, Problem, read_csv
from registry.importers.screening import admit
from rota import planner
from rota.models import (
    AccessPcn,
    AgreedHours,
    Availability,
    AvailabilityChange,
    PlanRun,
    RotaSession,
    Staff,
)

# The reads moved to rota.selectors; these names stay importable from here for their callers.
from rota.selectors import Loaded as Loaded
from rota.selectors import _booking as _booking
from rota.selectors import assessment as assessment
from rota.selectors import availability_windows as availability_windows
from rota.selectors import aware, local
from rota.selectors import load as load
from rota.selectors import plan_json as plan_json
from rota.selectors import sessions_between as sessions_between

SESSION_FIELDS = ["staff", "site", "pcn", "start", "end", "locked"]


class RotaError(DomainError):
    """A rota change refused; ``rule`` names the DES rule it would break, if that is why."""

    def __init__(self, message: str, field: str | None = None, rule: str | None = None):
        super().__init__(message, field)
        self.rule = rule


def parse_start(text: str) -> date:
    try:
        day = parse_day(text)
    except ValueError as error:
        raise RotaError(str(error), field="start") from None
    if day.weekday() != 0:
        raise RotaError(f"{day:%A %-d %B %Y} is not a Monday: a rota starts on a Monday", "start")
    return day


# --- planning ----------------------------------------------------------------------------


def plan_request(federation, start: date, weeks: int, *, by, seconds: int = 60) -> PlanRun:
    """Queue a plan; the worker runs it (``run_plan``)."""
    if not 1 <= weeks <= 12:
        raise RotaError("plan between 1 and 12 weeks at a time", field="weeks")
    if not AccessPcn.objects.filter(federation=federation).exists():
        raise RotaError("the federation runs Enhanced Access for no PCN yet: add one first")
    with transaction.atomic():
        run = PlanRun.objects.create(
            federation=federation, start=start, weeks=weeks, seconds=seconds, requested_by=by
        )
        audit_record(
            by=by,
            action="rota.plan.request",
            obj=run,
            after={"start": start, "weeks": weeks},
            federation=federation,
        )
    return run


def run_plan(run: PlanRun) -> PlanRun:
    """Plan the run's weeks and replace the sessions the planner made before (sessions locked
    or edited by hand stay, and the new plan is built around them)."""
    PlanRun.objects.filter(pk=run.pk).update(status=PlanRun.Status.RUNNING)
    run.refresh_from_db()
    try:
        loaded = load(run.federation, run.start, run.weeks)
        result = planner.plan(loaded.problem, seconds=run.seconds)
        greedy = planner.greedy(loaded.problem)
    except ValueError as error:
        PlanRun.objects.filter(pk=run.pk).update(
            status=PlanRun.Status.FAILED, error=str(error), finished_at=timezone.now()
        )
        run.refresh_from_db()
        return run
    kept = set(loaded.problem.locked)
    with transaction.atomic():
        old = [s for s in sessions_between(run.federation, run.start, run.weeks) if not s.kept]
        RotaSession.objects.filter(pk__in=[s.pk for s in old]).delete()
        RotaSession.objects.bulk_create(
            [
                RotaSession(
                    federation=run.federation,
                    staff_id=b.person,
                    site_id=b.site,
                    pcn=loaded.pcns[b.pcn],
                    start=aware(b.start),
                    end=aware(b.end),
                    run=run,
                )
                for b in result.sessions
                if b not in kept
            ]
        )
        run.status = PlanRun.Status.DONE
        run.solver_status = result.status
        run.cost_pence = result.cost_pence
        run.lower_bound_pence = result.lower_bound_pence
        run.greedy_cost_pence = greedy.cost_pence
        run.solve_seconds = result.seconds
        run.shortfalls = result.shortfalls
        run.finished_at = timezone.now()
        run.save()
        audit_record(
            by=run.requested_by,
            action="rota.plan.done",
            obj=run,
            after={
                "sessions": len(result.sessions),
                "replaced": len(old),
                "cost_pence": result.cost_pence,
                "lower_bound_pence": result.lower_bound_pence,
                "status": result.status,
            },
            federation=run.federation,
        )
    return run


# --- hand edits ---------------------------------------------------------------------------


def session_save(
    federation, session: RotaSession | None, *, staff, site, pcn, start, end, by, locked=None
) -> RotaSession:
    """Add or move a session by hand. Refused, with the rule named, if it would break one."""
    if end <= start:
        raise RotaError("a session ends after it starts", field="end")
    if staff.federation_id != federation.pk or site.federation_id != federation.pk:
        raise RotaError("the person and site must belong to this federation")
    naive_start, naive_end = local(start), local(end)
    week = monday_of(naive_start.date())
    with transaction.atomic():
        loaded = load(federation, week, 1, keep=False)
        if pcn.code not in loaded.pcns:
            raise RotaError(f"the federation does not run Enhanced Access for {pcn.code}", "pcn")
        others = [
            _booking(s)
            for s in sessions_between(federation, week, 1)
            if session is None or s.pk != session.pk
        ]
        proposed = planner.Booking(staff.pk, site.pk, pcn.code, naive_start, naive_end)
        vacated = {session.site_id} if session and session.site_id != site.pk else set()
        if session and local(session.start).date() != naive_start.date():
            vacated.add(session.site_id)
        breaks = planner.rule_breaks(loaded.problem, [proposed], others, vacated=vacated)
        if session and monday_of(local(session.start).date()) != week:
            # the week it leaves must still have a GP wherever it is open
            old_week = monday_of(local(session.start).date())
            old = load(federation, old_week, 1, keep=False)
            rest = [
                _booking(s) for s in sessions_between(federation, old_week, 1) if s.pk != session.pk
            ]
            breaks += [b for b in planner.rule_breaks(old.problem, [], rest, {session.site_id})]
        if breaks:
            rule, message = breaks[0]
            raise RotaError(f"Refused ({planner.RULES[rule]}): {message}", rule=rule)
        session = session or RotaSession(federation=federation)
        session.staff, session.site, session.pcn = staff, site, pcn
        session.start, session.end = start, end
        if locked is not None:
            session.locked = locked
        session.edited_by, session.edited_at = by, timezone.now()
        save_audited(
            session, action="rota.session", fields=SESSION_FIELDS, by=by, federation=federation
        )
    return session


def session_lock(session: RotaSession, locked: bool, *, by) -> RotaSession:
    with transaction.atomic():
        before = snapshot(session, ["locked"])
        session.locked = locked
        session.save(update_fields=["locked"])
        audit_record(
            by=by,
            action="rota.session.lock" if locked else "rota.session.unlock",
            obj=session,
            before=before,
            after=snapshot(session, ["locked"]),
            federation=session.federation,
        )
    return session


def session_delete(session: RotaSession, *, by) -> None:
    week = monday_of(local(session.start).date())
    loaded = load(session.federation, week, 1, keep=False)
    rest = [
        _booking(s) for s in sessions_between(session.federation, week, 1) if s.pk != session.pk
    ]
    breaks = planner.rule_breaks(loaded.problem, [], rest, {session.site_id})
    if breaks:
        rule, message = breaks[0]
        raise RotaError(f"Refused ({planner.RULES[rule]}): {message}", rule=rule)
    with transaction.atomic():
        audit_record(
            by=by,
            action="rota.session.delete",
            obj=session,
            before=snapshot(session, SESSION_FIELDS),
            federation=session.federation,
        )
        session.delete()


# --- availability -------------------------------------------------------------------------

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
AVAILABILITY_COLUMNS = ["staff", "weekday", "start", "end"]


def _time(text: str) -> time | None:
    try:
        return time.fromisoformat(text.strip())
    except ValueError:
        return None


def availability_import(federation, data: bytes, *, by, replace: bool = True) -> dict:
    """Weekly availability from CSV: ``staff,weekday,start,end`` (staff by email or exact
    name). The whole file is checked first; any problem writes nothing. Each person named gets
    exactly the windows in the file when ``replace``."""
    admit("availability", data, "availability.csv")  # size, safe to open, NHS numbers
    rows = read_csv(data)
    if not rows:
        raise ImportFileError([Problem(None, None, "the file is empty")])
    header = [str(h or "").strip().lower() for h in rows[0]]
    if header != AVAILABILITY_COLUMNS:
        raise ImportFileError(
            [Problem(1, None, f"the columns must be {', '.join(AVAILABILITY_COLUMNS)}")]
        )
    people = list(Staff.objects.filter(federation=federation))
    by_key = {p.email.lower(): p for p in people if p.email}
    names = defaultdict(list)
    for p in people:
        names[p.name.lower()].append(p)
    found, problems = [], []
    for number, row in enumerate(rows[1:], start=2):
        cells = [str(c or "").strip() for c in row] + [""] * 4
        who, weekday, start_text, end_text = cells[:4]
        if not any(cells[:4]):
            continue
        person = by_key.get(who.lower())
        if person is None:
            matches = names.get(who.lower(), [])
            person = matches[0] if len(matches) == 1 else None
            if len(matches) > 1:
                problems.append(Problem(number, "staff", f"{who!r} names two people: use email"))
                continue
        if person is None:
            problems.append(Problem(number, "staff", f"no staff member {who!r} in {federation}"))
            continue
        if weekday.lower() not in WEEKDAYS:
            problems.append(Problem(number, "weekday", f"{weekday!r} is not a day of the week"))
            continue
        start, end = _time(start_text), _time(end_text)
        if start is None:
            problems.append(Problem(number, "start", f"{start_text!r} is not a time (HH:MM)"))
            continue
        if end is None:
            problems.append(Problem(number, "end", f"{end_text!r} is not a time (HH:MM)"))
            continue
        if end <= start:
            problems.append(Problem(number, "end", "the window ends before it starts"))
            continue
        found.append((person, WEEKDAYS.index(weekday.lower()), start, end))
    if problems:
        raise ImportFileError(problems)
    with transaction.atomic():
        touched = {p.pk for p, *_ in found}
        if replace:
            Availability.objects.filter(staff_id__in=touched).delete()
        Availability.objects.bulk_create(
            [Availability(staff=p, weekday=d, start=a, end=b) for p, d, a, b in found]
        )
        audit_record(
            by=by,
            action="rota.availability.import",
            obj=federation,
            after={"windows": len(found), "staff": len(touched)},
            federation=federation,
        )
    return {"windows": len(found), "staff": len(touched)}


def availability_add(staff: Staff, *, weekday, start, end, by) -> Availability:
    with transaction.atomic():
        window = Availability.objects.create(staff=staff, weekday=weekday, start=start, end=end)
        audit_record(
            by=by,
            action="rota.availability.create",
            obj=window,
            after=snapshot(window, ["staff", "weekday", "start", "end"]),
            federation=staff.federation,
        )
    return window


def change_add(staff: Staff, *, by, **fields) -> AvailabilityChange:
    if fields["date_to"] < fields["date_from"]:
        raise RotaError("the change ends before it starts", field="date_to")
    if (fields.get("start") is None) != (fields.get("end") is None):
        raise RotaError("give both times, or neither for whole days", field="end")
    if fields.get("start") and fields["end"] <= fields["start"]:
        raise RotaError("the window ends before it starts", field="end")
    with transaction.atomic():
        change = AvailabilityChange.objects.create(staff=staff, **fields)
        audit_record(
            by=by,
            action="rota.availability.change",
            obj=change,
            after=snapshot(change, ["staff", "date_from", "date_to", "start", "end", "available"]),
            federation=staff.federation,
        )
    return change


SESSIONS_HEADER = [
    "Date",
    "Start",
    "End",
    "Site",
    "PCN",
    "Person",
    "Role",
    "Minutes",
    "Cost",
    "Locked",
    "Edited by hand",
]


@transaction.atomic
def sessions_export(federation, start: date, weeks: int, *, by) -> tuple[list[str], list[list]]:
    """The rota's sessions for the weeks as rows of a CSV, audited (``rota.export.csv``) here
    so every door that gives them out records it."""
    rows = []
    for s in sessions_between(federation, start, weeks):
        minutes = int((s.end - s.start).total_seconds() // 60)
        rows.append(
            [
                local(s.start).date().isoformat(),
                f"{local(s.start):%H:%M}",
                f"{local(s.end):%H:%M}",
                s.site.name,
                s.pcn.code,
                s.staff.name,
                s.staff.get_role_display(),
                minutes,
                f"{planner.cost_of(s.staff.pence_per_hour, minutes) / 100:.2f}",
                "yes" if s.locked else "",
                "yes" if s.edited_at else "",
            ]
        )
    audit_record(
        by=by,
        action="rota.export.csv",
        obj=federation,
        after={"start": start, "weeks": weeks, "rows": len(rows)},
        federation=federation,
    )
    return SESSIONS_HEADER, rows


@transaction.atomic
def record_save(*, obj, federation, noun: str, fields: list[str], by, save_related=None):
    """Save a member of staff or a site the federation keeps (new or changed), audited as
    ``rota.<noun>``; ``save_related`` saves what the form holds beside it (sites, PCNs)."""
    obj.federation = federation
    save_audited(obj, action=f"rota.{noun}", fields=fields, by=by, federation=federation)
    if save_related is not None:
        save_related()
    return obj


@transaction.atomic
def access_pcn_add(*, federation, pcn, by) -> AccessPcn:
    """The federation runs Enhanced Access for the PCN (once: adding it again changes
    nothing)."""
    access, created = AccessPcn.objects.get_or_create(federation=federation, pcn=pcn)
    if created:
        audit_record(
            by=by, action="rota.pcn.add", obj=access, after={"pcn": pcn.code}, federation=federation
        )
    return access


@transaction.atomic
def agreed_hours_add(*, access: AccessPcn, block: AgreedHours, by) -> AgreedHours:
    """A block of hours agreed with the PCN it is for."""
    block.access_pcn = access
    block.save()
    audit_record(
        by=by,
        action="rota.agreed.create",
        obj=block,
        after={"pcn": access.pcn.code, "block": str(block)},
        federation=access.federation,
    )
    return block
