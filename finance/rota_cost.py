"""The Enhanced Access rota's cost in the books (issue 14): reads for the service page and the
federation's finance page. A service that takes its cost of delivery from the rota costs, each
month, what the rota's sessions starting that month cost (``rota.selectors``); these pages set
that cost beside the income the service brought each PCN's practices.

Reads only, in a fixed number of queries: one for the rota, one each for settlements, their
rows, who takes part and the practices' PCNs, and a settlement preview per month not posted.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import Q, Sum

from finance.inputs import add_months, month_end, month_start
from finance.models import Service, ServiceParticipation, Settlement, SettlementRow
from finance.services import settlement_preview
from registry.models import PCN, Federation, PracticePCN
from rota.models import RotaSession
from rota.selectors import rota_cost_by_month


def rota_months(federation: Federation, last: date, count: int = 6) -> list[dict]:
    """The rota's cost in each of the ``count`` months to ``last``, latest first, each with
    ``empty`` when the rota has no sessions that month (its cost is then £0)."""
    last = month_start(last)
    first = add_months(last, -(count - 1))
    costs = rota_cost_by_month([federation.pk], first, month_end(last))
    out = []
    for i in range(count):
        month = add_months(last, -i)
        by_pcn = costs.get((federation.pk, month))
        out.append(
            {
                "month": month,
                "cost_pence": sum(by_pcn.values()) if by_pcn else 0,
                "empty": by_pcn is None,
            }
        )
    return out


def _pcn_on(spells: list[tuple[int, date, date | None]], day: date) -> int | None:
    for pcn, start, end in spells:
        if start <= day and (end is None or end >= day):
            return pcn
    return None


# Long: one report table, column by column.
def rota_cost_against_income(federation: Federation, months: list[date]) -> dict | None:
    """For the months asked for, each PCN's rota cost beside the income the services taking
    their cost from the rota brought its practices: from the posted settlement rows, or for a
    month not posted from its settlement preview. A practice counts under the PCN it belonged
    to at the month's end. None when no active service takes its cost from the rota."""
    services = list(
        Service.objects.filter(federation=federation, active=True, costs_from_rota=True)
    )
    if not services:
        return None
    service_ids = {s.pk for s in services}
    months = sorted({month_start(m) for m in months})
    first, last = months[0], month_end(months[-1])
    rota = rota_cost_by_month([federation.pk], first, last)
    posted = set(
        Settlement.objects.filter(federation=federation, month__in=months).values_list(
            "month", flat=True
        )
    )

    income: dict[tuple[date, int], int] = defaultdict(int)  # (month, practice) -> pence
    for month, practice, pence in (
        SettlementRow.objects.filter(
            federation=federation, month__in=posted, service_id__in=service_ids
        )
        .values_list("month", "practice_id")
        .annotate(pence=Sum("income_pence"))
    ):
        income[(month, practice)] += pence
    for month in months:
        if month not in posted:
            for row in settlement_preview(federation, month).rows:
                if row.service_id in service_ids:
                    income[(month, row.practice_id)] += row.income_pence

    spells = defaultdict(list)
    for practice, pcn, start, end in PracticePCN.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=first),
        practice_id__in={practice for _month, practice in income},
        start_date__lte=last,
    ).values_list("practice_id", "pcn_id", "start_date", "end_date"):
        spells[practice].append((pcn, start, end))
    by_pcn_income: dict[int | None, int] = defaultdict(int)
    month_income: dict[date, int] = defaultdict(int)
    for (month, practice), pence in income.items():
        by_pcn_income[_pcn_on(spells[practice], month_end(month))] += pence
        month_income[month] += pence

    by_pcn_cost: dict[int, int] = defaultdict(int)
    for (_fed, _month), costs in rota.items():
        for pcn, pence in costs.items():
            by_pcn_cost[pcn] += pence
    taking_part = set(
        ServiceParticipation.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=first),
            service_id__in=service_ids,
            pcn__isnull=False,
            start_date__lte=last,
        ).values_list("pcn_id", flat=True)
    )
    pcn_ids = taking_part | set(by_pcn_cost) | {p for p in by_pcn_income if p is not None}
    pcns = []
    for pcn in PCN.objects.filter(pk__in=pcn_ids).order_by("name"):
        cost, got = by_pcn_cost.get(pcn.pk, 0), by_pcn_income.get(pcn.pk, 0)
        pcns.append(
            {
                "pcn": pcn,
                "taking_part": pcn.pk in taking_part,
                "rota_pence": cost,
                "income_pence": got,
                "difference_pence": got - cost,
            }
        )
    month_rows = []
    for month in months:
        costs = rota.get((federation.pk, month))
        month_rows.append(
            {
                "month": month,
                "posted": month in posted,
                "rota_pence": sum(costs.values()) if costs else 0,
                "empty": costs is None,
                "income_pence": month_income.get(month, 0),
            }
        )
    rota_total = sum(by_pcn_cost.values())
    income_total = sum(by_pcn_income.values())
    return {
        "services": services,
        "first": months[0],
        "last": months[-1],
        "months": month_rows,
        "pcns": pcns,
        "no_pcn_income_pence": by_pcn_income.get(None, 0),
        "rota_pence": rota_total,
        "income_pence": income_total,
        "difference_pence": income_total - rota_total,
    }


def has_rota(federation: Federation) -> bool:
    """Whether the federation has planned any Enhanced Access sessions."""
    return RotaSession.objects.filter(federation=federation).exists()
