"""Loading what settlements need, set-based: a fixed handful of queries for any number of
federations and months (never a query per practice or per row)."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import CharField, F, Q
from django.db.models.functions import Cast

from finance.engine import EntryInput, MonthInputs, ServiceInput
from finance.models import Activity, FinanceSettings, IncomeEntry, IncomeShare, Service
from finance.models import ServiceParticipation as Participation

# The month helpers and the one month parser are kernel.dates'; finance's callers find them here.
from kernel.dates import add_months as add_months
from kernel.dates import financial_year_of as financial_year_of
from kernel.dates import last_month as last_month
from kernel.dates import month_end, month_start
from kernel.dates import parse_month as parse_month
from registry.models import AnnualPopulation, FederationMembership, ListSize, Practice, PracticePCN
from rota.selectors import rota_cost_by_month


def _overlaps(start: date, end: date | None, first: date, last: date) -> bool:
    return start <= last and (end is None or end >= first)


def load(federation_ids: list[int], months: list[date]) -> dict:
    """MonthInputs for every (federation id, month) asked for, with the month's unposted
    income entries. A fixed number of queries whatever the number of federations, practices
    and rows (never one per practice or per row; two a month for who takes part and the
    activity), a few for each kind of input below; each federation-month is then put
    together in memory."""
    months = sorted({month_start(m) for m in months})
    first, last = months[0], month_end(months[-1])
    overhead = _overheads(federation_ids)
    memberships, member_ids, codes = _memberships(federation_ids, first, last)
    extracts = _list_sizes(member_ids, last)
    figures = _populations(federation_ids, member_ids, months)
    services_of, rota_costs = _services(federation_ids, first, last)
    taking_part, activity, pcn_activity, pcn_ids = _participation_and_activity(
        federation_ids, months
    )
    measured = _measured(federation_ids, months)
    pcn_on = _pcn_members(pcn_ids, first, last, codes)
    loaded = _Loaded(
        overhead=overhead,
        memberships=memberships,
        codes=codes,
        extracts=extracts,
        figures=figures,
        services_of=services_of,
        rota_costs=rota_costs,
        taking_part=taking_part,
        activity=activity,
        pcn_activity=pcn_activity,
        measured=measured,
        pcn_on=pcn_on,
        entries=_entries(federation_ids, months),
    )
    return {
        (fed, month): _month_inputs(loaded, fed, month)
        for fed in federation_ids
        for month in months
    }


@dataclass(frozen=True)
class _Loaded:
    """Everything load queried, for every federation and month asked for."""

    overhead: dict[int, Decimal]
    memberships: dict[int, list[tuple[int, date, date | None]]]
    codes: dict[int, str]
    extracts: dict[int, list[tuple[str, int]]]
    figures: Callable[[int, int, str], dict[int, Decimal]]
    services_of: dict[int, list[tuple]]
    rota_costs: dict
    taking_part: dict[date, dict[int, tuple[set, set]]]
    activity: dict[tuple[int, date], dict[tuple[int, int], int]]
    pcn_activity: dict[tuple[int, date], dict[tuple[int, int], int]]
    measured: Callable[[int, int, date], bool]
    pcn_on: Callable[[int, date], list[int]]
    entries: dict[tuple[int, date], list[EntryInput]]


def _overheads(federation_ids: list[int]) -> dict[int, Decimal]:
    """Each federation's overhead top-slice percentage, where it has set one."""
    return dict(
        FinanceSettings.objects.filter(federation_id__in=federation_ids).values_list(
            "federation_id", "overhead_percent"
        )
    )


def _memberships(federation_ids: list[int], first: date, last: date):
    """Each federation's membership spells overlapping the months; the member practices as a
    subquery (an IN list of thousands of ids costs more to build than the query takes to
    run); and their ODS codes."""
    memberships = defaultdict(list)
    for fed, practice, start, end in FederationMembership.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=first),
        federation_id__in=federation_ids,
        start_date__lte=last,
    ).values_list("federation_id", "practice_id", "start_date", "end_date"):
        memberships[fed].append((practice, start, end))
    member_ids = FederationMembership.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=first),
        federation_id__in=federation_ids,
        start_date__lte=last,
    ).values("practice_id")
    codes = dict(Practice.objects.filter(pk__in=member_ids).values_list("pk", "code"))
    return memberships, member_ids, codes


def _list_sizes(member_ids, last: date) -> dict[int, list[tuple[str, int]]]:
    """Registered lists: each practice's all-persons extracts on or before the last month's
    end, oldest first. Dates come back as ISO text (cast), which compares correctly and skips
    converting tens of thousands of values to date objects."""
    extracts: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for practice, day, patients in (
        ListSize.objects.filter(
            practice_id__in=member_ids, sex="ALL", age_band="ALL", extract_date__lte=last
        )
        .annotate(day=Cast("extract_date", CharField()))
        .order_by("extract_date")
        .values_list("practice_id", "day", "patients")
    ):
        extracts[practice].append((day, patients))
    return extracts


def _populations(federation_ids: list[int], member_ids, months: list[date]):
    """Yearly populations: the national figures, and each federation's own where it keeps
    them, which stand in for the national ones in its settlements alone. Returns the look-up
    of a federation's figures for a year and measure."""
    years = {financial_year_of(m) for m in months}
    populations: dict[tuple[int, str], dict[int, Decimal]] = defaultdict(dict)
    own: dict[tuple[int, int, str], dict[int, Decimal]] = defaultdict(dict)
    for fed, practice, year, measure, value in AnnualPopulation.objects.filter(
        Q(federation__isnull=True) | Q(federation_id__in=federation_ids),
        practice_id__in=member_ids,
        financial_year__in=years,
    ).values_list("federation_id", "practice_id", "financial_year", "measure", "value"):
        if fed is None:
            populations[(year, measure)][practice] = value
        else:
            own[(fed, year, measure)][practice] = value

    merged: dict[tuple[int, int, str], dict[int, Decimal]] = {}

    def figures(fed: int, year: int, measure: str) -> dict[int, Decimal]:
        """The federation's figures for the year: shared with the national ones unless it
        keeps its own (merged once per federation and year, not per month)."""
        national = populations.get((year, measure), {})
        key = (fed, year, measure)
        if key not in own:
            return national
        if key not in merged:
            merged[key] = {**national, **own[key]}
        return merged[key]

    return figures


def _services(federation_ids: list[int], first: date, last: date):
    """Each active service's cost of delivery a month: the typed figures, or None for one that
    takes it from the rota, whose cost each month comes from one query for all the months (and
    none when no service asks for it)."""
    services_of: dict[int, list[tuple]] = defaultdict(list)
    for pk, fed, typed, *alone, from_rota in Service.objects.filter(
        federation_id__in=federation_ids, active=True
    ).values_list(
        "pk",
        "federation_id",
        F("staff_monthly_pence") + F("premises_monthly_pence") + F("management_monthly_pence"),
        "cost_per_unit_pence",
        "alone_fixed_monthly_pence",
        "alone_per_unit_pence",
        "alone_fixed_standing",
        "costs_from_rota",
    ):
        services_of[fed].append((pk, fed, None if from_rota else typed, *alone))
    rota_feds = [fed for fed, rows in services_of.items() if any(r[2] is None for r in rows)]
    rota_costs = rota_cost_by_month(rota_feds, first, last) if rota_feds else {}
    return services_of, rota_costs


def _participation_and_activity(federation_ids: list[int], months: list[date]):
    """Who takes part, and the activity, month by month: one query each per month, selecting
    no dates (converting hundreds of thousands of dates costs more than the query). Also the
    PCNs either names, whose practices are looked up next."""
    taking_part: dict[date, dict[int, tuple[set, set]]] = {}
    activity = defaultdict(dict)
    pcn_activity = defaultdict(dict)
    pcn_ids = set()
    for month in months:
        end = month_end(month)
        by_service: dict[int, tuple[set, set]] = defaultdict(lambda: (set(), set()))
        for service, practice, pcn in Participation.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=month),
            service__federation_id__in=federation_ids,
            service__active=True,
            start_date__lte=end,
        ).values_list("service_id", "practice_id", "pcn_id"):
            if practice:
                by_service[service][0].add(practice)
            else:
                by_service[service][1].add(pcn)
                pcn_ids.add(pcn)
        taking_part[month] = by_service
        for fed, service, practice, pcn, units in Activity.objects.filter(
            federation_id__in=federation_ids, month=month
        ).values_list("federation_id", "service_id", "practice_id", "pcn_id", "units"):
            if practice:
                activity[(fed, month)][(service, practice)] = units
            else:
                pcn_activity[(fed, month)][(service, pcn)] = units
                pcn_ids.add(pcn)
    return taking_part, activity, pcn_activity, pcn_ids


def _measured(federation_ids: list[int], months: list[date]):
    """Which services were measured by activity, month by month: any recorded for the service
    that month or in the six before (so a month whose activity is not in yet still counts as
    measured, and doing it alone would have cost only those who had some)."""
    recorded_months: dict[tuple[int, int], list[date]] = defaultdict(list)
    for fed, service, when in (
        Activity.objects.filter(
            federation_id__in=federation_ids,
            month__gte=add_months(months[0], -6),
            month__lte=months[-1],
        )
        .values_list("federation_id", "service_id", "month")
        .distinct()
    ):
        recorded_months[(fed, service)].append(when)

    def measured(fed: int, service: int, month: date) -> bool:
        since = add_months(month, -6)
        return any(since <= when <= month for when in recorded_months.get((fed, service), ()))

    return measured


def _pcn_members(pcn_ids: set[int], first: date, last: date, codes: dict[int, str]):
    """The practices in each PCN taking part or with activity, on a day, in ODS code order
    (worked out once per PCN and day)."""
    pcn_spells = defaultdict(list)
    for pcn, practice, start, end in PracticePCN.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=first),
        pcn_id__in=pcn_ids,
        start_date__lte=last,
    ).values_list("pcn_id", "practice_id", "start_date", "end_date"):
        pcn_spells[pcn].append((practice, start, end))

    pcn_cache: dict[tuple[int, date], list[int]] = {}

    def pcn_on(pcn: int, day: date) -> list[int]:
        found = pcn_cache.get((pcn, day))
        if found is None:
            found = pcn_cache[(pcn, day)] = sorted(
                {
                    p
                    for p, start, stop in pcn_spells.get(pcn, ())
                    if _overlaps(start, stop, day, day)
                },
                key=lambda p: codes.get(p, ""),
            )
        return found

    return pcn_on


def _entries(federation_ids: list[int], months: list[date]) -> dict:
    """The months' unposted income entries with their shares (the shares' query only when
    there are entries)."""
    entries = defaultdict(list)
    shares = defaultdict(dict)
    entry_rows = list(
        IncomeEntry.objects.filter(
            federation_id__in=federation_ids, month__in=months, settlement__isnull=True
        )
        .order_by("pk")
        .values_list(
            "pk",
            "federation_id",
            "month",
            "description",
            "amount_pence",
            "rule",
            "service_id",
            "corrects_id",
            "top_slice",
        )
    )
    if entry_rows:
        for entry, practice, value in IncomeShare.objects.filter(
            entry_id__in=[e[0] for e in entry_rows]
        ).values_list("entry_id", "practice_id", "value"):
            shares[entry][practice] = value
        for pk, fed, month, description, amount, rule, service, corrects, top in entry_rows:
            entries[(fed, month)].append(
                EntryInput(
                    key=pk,
                    description=description,
                    amount_pence=amount,
                    rule=rule,
                    service_id=service,
                    shares=shares.get(pk, {}),
                    corrects_id=corrects,
                    top_slice=top,
                )
            )
    return entries


def _month_inputs(loaded: _Loaded, fed: int, month: date) -> MonthInputs:
    """One federation-month's inputs, from what load queried."""
    end = month_end(month)
    codes = loaded.codes
    members = [
        p
        for p, start, stop in loaded.memberships.get(fed, ())
        if _overlaps(start, stop, month, end)
    ]
    members = sorted(set(members), key=lambda p: codes[p])
    member_set = set(members)
    registered = _registered(members, loaded.extracts, end)
    parts = loaded.taking_part[month]
    wanted = {
        pcn
        for service in loaded.services_of.get(fed, [])
        for pcn in parts.get(service[0], ((), ()))[1]
    }
    wanted |= {pcn for _service, pcn in loaded.pcn_activity.get((fed, month), {})}
    pcn_practices = {pcn: [p for p in loaded.pcn_on(pcn, end) if p in member_set] for pcn in wanted}
    year = financial_year_of(month)
    return MonthInputs(
        federation_id=fed,
        month=f"{month:%Y-%m}",
        overhead_percent=loaded.overhead.get(fed, Decimal(0)),
        members=members,
        codes={p: codes[p] for p in members},
        registered=registered,
        adjusted=loaded.figures(fed, year, AnnualPopulation.Measure.ADJUSTED),
        weighted=loaded.figures(fed, year, AnnualPopulation.Measure.WEIGHTED),
        activity=loaded.activity.get((fed, month), {}),
        pcn_activity=loaded.pcn_activity.get((fed, month), {}),
        pcn_practices=pcn_practices,
        services=_service_inputs(loaded, fed, month, member_set, pcn_practices),
        entries=loaded.entries.get((fed, month), []),
    )


def _registered(members: list[int], extracts: dict, end: date) -> dict[int, int]:
    """Each member's registered list: its latest extract on or before the month end."""
    registered = {}
    for practice in members:
        history = extracts.get(practice)
        if history:
            i = bisect.bisect_right(history, (end.isoformat(), 10**12)) - 1
            if i >= 0:
                registered[practice] = history[i][1]
    return registered


def _service_inputs(
    loaded: _Loaded, fed: int, month: date, member_set: set[int], pcn_practices: dict
) -> dict[int, ServiceInput]:
    """The federation's services that month: their costs (a rota-costed service's fixed cost
    is the rota's cost that month) and the members taking part, directly or through a PCN."""
    parts = loaded.taking_part[month]
    rota_cost = sum(loaded.rota_costs.get((fed, month), {}).values())
    service_inputs = {}
    for pk, _fed, fixed, per_unit, alone_fixed, alone_per_unit, standing in loaded.services_of.get(
        fed, []
    ):
        practices, pcns = parts.get(pk, ((), ()))
        taking = set(practices)
        for pcn in pcns:
            taking.update(pcn_practices.get(pcn, ()))
        service_inputs[pk] = ServiceInput(
            id=pk,
            fixed_monthly_pence=rota_cost if fixed is None else fixed,
            cost_per_unit_pence=per_unit,
            alone_fixed_monthly_pence=alone_fixed,
            alone_per_unit_pence=alone_per_unit,
            alone_fixed_standing=standing,
            measured=loaded.measured(fed, pk, month),
            participants=frozenset(taking & member_set),
        )
    return service_inputs


def load_one(federation, month: date) -> MonthInputs:
    return load([federation.pk], [month])[(federation.pk, month_start(month))]


def rota_empty(federation_ids: list[int], months: list[date]) -> dict[tuple[int, date], set[int]]:
    """For each (federation id, first day of the month) asked for, the active services that
    take their cost of delivery from the rota though the rota has no sessions that month: the
    cost they would carry is £0, which should not pass unremarked. Pairs with none are left
    out. Two queries, whatever the months."""
    months = sorted({month_start(m) for m in months})
    from_rota = defaultdict(set)
    for pk, fed in Service.objects.filter(
        federation_id__in=federation_ids, active=True, costs_from_rota=True
    ).values_list("pk", "federation_id"):
        from_rota[fed].add(pk)
    if not from_rota or not months:
        return {}
    costs = rota_cost_by_month(list(from_rota), months[0], month_end(months[-1]))
    return {
        (fed, month): set(services)
        for fed, services in from_rota.items()
        for month in months
        if (fed, month) not in costs
    }
