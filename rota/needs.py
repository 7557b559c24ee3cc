"""What needs a person today in rota: the items the home page (home/needs.py) and
``GET /api/v1/me/needs`` list, each naming only what the person may open."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.urls import reverse

from accounts import permissions as perms
from kernel.dates import add_months, monday_of, month_end, month_start
from kernel.needs import INFO, SOON, URGENT, Need, count_text, date_text, duration_text
from registry.models import PCN, Federation
from rota.models import (
    AccessPcn,
    ArrsClaim,
    PlanRun,
    Staff,
)
from rota.selectors import assessment, aware, local

NEEDS_WEEKS = 4  # the weeks ahead the home page checks, as the rota page shows by default
NEEDS_URGENT_DAYS = 14  # a week starting within this many days that is not ready is urgent
FAILED_RUNS_SINCE_DAYS = 14  # a failed plan run this recent, not followed by one that worked


def rota_needs(user, today: date) -> list[Need]:
    """What needs this person in the rota, newest risk first. For those who plan it (a
    federation's administrators and operations lead): each of the next four weeks with no
    session planned, or planned short of the DES rules for a PCN (as the rota's compliance
    shows it), and a plan run that failed. For a PCN's clinical director: his PCN, linked,
    with its compliance over the same weeks, and his PCN's ARRS claim for last month while
    it is not submitted. Each federation's weeks are assessed once, with a bounded number of
    queries; a federation that keeps no rota (no PCN on its Enhanced Access) has no weeks."""
    scope = perms.scope_for(user)
    planners = scope.federation_ids(perms.Role.FEDERATION_ADMIN, perms.Role.OPERATIONS_LEAD)
    directing = scope.pcn_pairs(perms.Role.PCN_CLINICAL_DIRECTOR)
    if not planners and not directing:
        return []
    start = monday_of(today)
    kept = set(
        AccessPcn.objects.filter(
            federation_id__in=planners | {f for _p, f in directing}
        ).values_list("federation_id", "pcn_id")
    )
    rota_kept = {f for f, _p in kept}
    federations = {
        f.pk: f for f in Federation.objects.filter(pk__in=planners | {f for _p, f in directing})
    }
    assessed = {
        pk: assessment(federations[pk], start, NEEDS_WEEKS)
        for pk in sorted(rota_kept & (planners | {f for p, f in directing if (f, p) in kept}))
    }
    needs: list[Need] = []
    for pk in sorted(planners & rota_kept, key=lambda pk: federations[pk].name):
        needs += _week_needs(federations[pk], assessed[pk], today)
    needs += _failed_run_needs([federations[pk] for pk in planners if pk in federations], today)
    needs += _director_needs(directing, federations, assessed, kept, today)
    return needs


def _week_severity(week: date, today: date) -> str:
    return URGENT if week <= today + timedelta(days=NEEDS_URGENT_DAYS) else SOON


def _week_needs(federation: Federation, found: dict, today: date) -> list[Need]:
    names = {p.code: p.name or p.code for p in found["loaded"].problem.pcns}
    planned = {r["week_start"] for r in found["compliance"] if r["planned_minutes"]}
    weeks = sorted({r["week_start"] for r in found["compliance"]})
    needs = []
    for key in weeks:
        week = date.fromisoformat(key)  # written by the planner from a date: never outside
        url = reverse("rota:federation", args=[federation.slug]) + f"?start={key}"
        if key not in planned:
            needs.append(
                Need(
                    area="rota",
                    title=f"Plan the week of {date_text(week)}",
                    detail=f"{federation.name}: no Enhanced Access session is planned that week.",
                    url=url,
                    due=week,
                    severity=_week_severity(week, today),
                )
            )
            continue
        short = [s for s in found["shortfalls"] if s["week_start"] == key]
        if short:
            shown = ", ".join(sorted(names.get(s["pcn"], s["pcn"]) for s in short)[:4])
            more = f" and {len(short) - 4} more" if len(short) > 4 else ""
            minutes = sum(s["minutes_short"] for s in short)
            needs.append(
                Need(
                    area="rota",
                    title=(
                        f"The week of {date_text(week)} falls short of the DES rules for "
                        f"{count_text(len(short), 'PCN')}"
                    ),
                    detail=(
                        f"{federation.name}: {shown}{more}"
                        + (f"; {duration_text(minutes)} short in all" if minutes else "")
                        + "."
                    ),
                    url=url,
                    due=week,
                    severity=_week_severity(week, today),
                )
            )
    return needs


def _failed_run_needs(federations: list, today: date) -> list[Need]:
    """The latest plan run of each federation, when it failed recently: one query."""
    since = aware(datetime.combine(today - timedelta(days=FAILED_RUNS_SINCE_DAYS), time()))
    latest: dict[int, PlanRun] = {}
    for run in PlanRun.objects.filter(federation__in=federations, created_at__gte=since).order_by(
        "-created_at", "-pk"
    ):
        latest.setdefault(run.federation_id, run)
    by_pk = {f.pk: f for f in federations}
    needs = []
    for pk, run in latest.items():
        if run.status != PlanRun.Status.FAILED:
            continue
        federation = by_pk[pk]
        needs.append(
            Need(
                area="rota",
                title=f"Planning the rota from {date_text(run.start)} failed",
                detail=(
                    f"{federation.name}: the planner run of "
                    f"{date_text(local(run.created_at).date())} for "
                    f"{count_text(run.weeks, 'week')} did not finish"
                    + (f" ({run.error.splitlines()[0][:200]})" if run.error.strip() else "")
                    + ". Plan again."
                ),
                url=reverse("rota:federation", args=[federation.slug])
                + f"?start={run.start:%Y-%m-%d}&weeks={run.weeks}",
                due=run.start,
                severity=URGENT,
            )
        )
    return needs


def _director_needs(directing, federations, assessed, kept, today: date) -> list[Need]:
    if not directing:
        return []
    pcns = {p.pk: p for p in PCN.objects.filter(pk__in={p for p, _f in directing})}
    month = add_months(month_start(today), -1)
    employing = set(
        Staff.objects.filter(
            Q(*[Q(pcn_id=p, federation_id=f) for p, f in directing], _connector=Q.OR),
            arrs_funded=True,
        ).values_list("pcn_id", "federation_id")
    )
    claimed = set(
        ArrsClaim.objects.filter(
            pcn_id__in=pcns, federation_id__in={f for _p, f in directing}, month=month
        ).values_list("pcn_id", "federation_id")
    )
    needs = []
    for pcn_id, fed in sorted(directing, key=lambda pf: (pcns[pf[0]].name, pf[1])):
        pcn, federation = pcns[pcn_id], federations[fed]
        said = f"{pcn.name} ({pcn.code}), through {federation.name}."
        severity = INFO
        due = None
        if (fed, pcn_id) in kept and fed in assessed:
            said, severity, due = _director_compliance(pcn, federation, assessed[fed], today)
        needs.append(
            Need(
                area="rota",
                title=f"Your PCN: {pcn.name}",
                detail=said,
                # his PCN's weeks where the federation runs its Enhanced Access, else the PCN
                url=reverse("rota:pcn_access", args=[federation.slug, pcn.code])
                if (fed, pcn_id) in kept
                else reverse("registry:pcn", args=[pcn.code]),
                due=due,
                severity=severity,
            )
        )
        if (pcn_id, fed) in employing and (pcn_id, fed) not in claimed:
            needs.append(
                Need(
                    area="rota",
                    title=f"Submit {pcn.name}'s ARRS claim for {month:%B %Y}",
                    detail=(
                        f"{federation.name} employs ARRS-funded posts for {pcn.name}: the claim "
                        f"for {month:%B %Y} is not submitted yet."
                    ),
                    url=reverse("rota:arrs", args=[federation.slug, pcn.code])
                    + f"?month={month:%Y-%m}",
                    due=month_end(month),
                    severity=SOON,
                )
            )
    return needs


def _director_compliance(pcn, federation, found: dict, today: date):
    """One PCN's Enhanced Access over the weeks assessed, in a sentence, with how pressing it
    is and the first week short."""
    planned = {r["week_start"] for r in found["compliance"] if r["planned_minutes"]}
    rows = [r for r in found["compliance"] if r["pcn"] == pcn.code]
    met = [r for r in rows if r["met"]]
    short = [r for r in rows if not r["met"] and r["week_start"] in planned]
    unplanned = [r for r in rows if r["week_start"] not in planned]
    said = (
        f"{federation.name}'s Enhanced Access rota meets the DES rules for {pcn.name} in "
        f"{len(met)} of the next {count_text(len(rows), 'week')}"
    )
    if short:
        first = date.fromisoformat(short[0]["week_start"])
        said += f"; the week of {date_text(first)} falls short"
    if unplanned:
        said += f"; {count_text(len(unplanned), 'week')} not planned yet"
    said += "."
    if not short:
        return said, INFO, None
    first = date.fromisoformat(short[0]["week_start"])
    return said, _week_severity(first, today), first
