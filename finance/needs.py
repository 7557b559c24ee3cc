"""What needs a person today in finance: the items the home page (home/needs.py) and
``GET /api/v1/me/needs`` list, each naming only what the person may open."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import Max, Min, Q
from django.urls import reverse

from accounts import permissions as perms
from accounts.models import Role
from finance.inputs import add_months, month_end, month_start
from finance.models import (
    Activity,
    Contract,
    IncomeEntry,
    Service,
    Settlement,
    SettlementRow,
)
from finance.services.accruals import accruals_due, accruals_missing, accruals_out_of_date
from kernel.needs import INFO, SOON, URGENT, Need, count_text, date_text
from registry.models import Federation

# How far back the home page looks for a month not settled, and how far ahead for a notice date.
NEEDS_MONTHS_BACK = 12
NOTICE_AHEAD_DAYS = 90
NOTICE_URGENT_DAYS = 14
# Working out what contracts pay now loads a month's inputs: the home page checks this many
# months with income lines following their contracts, newest first.
ACCRUAL_MONTHS_CHECKED = 3


def finance_needs(user, today: date) -> list[Need]:
    """What needs this person in the money of the federations their roles act on, newest
    risk first: each ended month (of the last twelve, since the federation began keeping its money
    in gpfed) with no posted settlement; in such a month, a service measured by activity with
    none recorded; a contract whose last day to give notice is within 90 days (or has passed
    and it has not ended); income lines that no longer match their contracts. For a practice's
    manager and staff: the practice's latest posted statement. Every link opens for them."""
    # The person's own roles, not all an installation administrator may open: not every
    # federation's month-end is theirs to do.
    scope = perms.scope_for(user)
    record = list(
        Federation.objects.filter(
            pk__in=scope.federation_ids(
                Role.FEDERATION_ADMIN, Role.FINANCE_LEAD, Role.OPERATIONS_LEAD
            )
        ).order_by("name")
    )
    managing = scope.federation_ids(Role.FEDERATION_ADMIN, Role.FINANCE_LEAD)
    manage = [f for f in record if f.pk in managing]
    needs: list[Need] = []
    if record:
        needs += _months_needs(manage, record, today)
    if manage:
        needs += _contract_needs(manage, today)
        needs += _accrual_needs(manage, today)
    needs += _statement_needs(user, today)
    return needs


def _month_severity(month: date, today: date) -> str:
    return SOON if month >= add_months(month_start(today), -1) else URGENT


def _months_needs(manage: list, record: list, today: date) -> list[Need]:
    """Months ended and not settled, and activity missing in them: a handful of queries for
    every federation at once."""
    ids = {f.pk for f in record}
    last = add_months(month_start(today), -1)
    earliest = add_months(last, -(NEEDS_MONTHS_BACK - 1))
    began: dict[int, date] = {}
    for model in (Settlement, Activity, IncomeEntry):
        for fed, first in (
            model.objects.filter(federation_id__in=ids)
            .values("federation_id")
            .annotate(first=Min("month"))
            .values_list("federation_id", "first")
        ):
            began[fed] = min(began.get(fed, first), first)
    settled = set(
        Settlement.objects.filter(
            federation_id__in=ids, month__gte=earliest, month__lte=last
        ).values_list("federation_id", "month")
    )
    recorded: dict[tuple[int, int], set[date]] = defaultdict(set)
    for fed, service, when in (
        Activity.objects.filter(
            federation_id__in=ids, month__gte=add_months(earliest, -6), month__lte=last
        )
        .values_list("federation_id", "service_id", "month")
        .distinct()
    ):
        recorded[(fed, service)].add(when)
    services = {
        s.pk: s for s in Service.objects.filter(federation_id__in=ids, active=True).order_by("name")
    }
    needs = []
    manage_ids = {f.pk for f in manage}
    for federation in record:
        if federation.pk not in began:
            continue  # keeps no money in gpfed
        month = max(earliest, month_start(began[federation.pk]))
        while month <= last:
            if (federation.pk, month) not in settled:
                severity = _month_severity(month, today)
                if federation.pk in manage_ids:
                    needs.append(
                        Need(
                            area="finance",
                            title=f"Settle {month:%B %Y}",
                            detail=(
                                f"{federation.name}: {month:%B %Y} has ended and no settlement "
                                "is posted for it."
                            ),
                            url=reverse(
                                "finance:settlement", args=[federation.slug, f"{month:%Y-%m}"]
                            ),
                            due=month_end(month),
                            severity=severity,
                        )
                    )
                for service in services.values():
                    if service.federation_id != federation.pk:
                        continue
                    months = recorded.get((federation.pk, service.pk), set())
                    since = add_months(month, -6)
                    measured = any(since <= when < month for when in months)
                    if measured and month not in months:
                        needs.append(
                            Need(
                                area="finance",
                                title=f"Record {service.name} activity for {month:%B %Y}",
                                detail=(
                                    f"{federation.name}: {service.name} is measured by activity "
                                    f"and none is recorded for {month:%B %Y}."
                                ),
                                url=reverse("finance:activity", args=[federation.slug])
                                + f"?month={month:%Y-%m}",
                                due=month_end(month),
                                severity=severity,
                            )
                        )
            month = add_months(month, 1)
    return needs


def _contract_needs(manage: list, today: date) -> list[Need]:
    """Contracts whose last day to give notice is within ``NOTICE_AHEAD_DAYS`` (urgent within
    ``NOTICE_URGENT_DAYS``), or has passed while the contract runs on: one query."""
    needs = []
    ahead = today + timedelta(days=NOTICE_AHEAD_DAYS)
    for contract in (
        Contract.objects.filter(federation__in=manage, end_date__isnull=False, end_date__gte=today)
        .select_related("federation")
        .order_by("end_date", "reference")
    ):
        notice = contract.notice_date
        url = reverse("finance:contract", args=[contract.federation.slug, contract.pk])
        name = f"{contract.reference} {contract.title}"
        if notice < today:
            needs.append(
                # Overdue comes first: the notice date has passed and the contract runs on.
                Need(
                    area="finance",
                    title=(
                        f"The notice date for {contract.title} ({contract.reference}) passed on "
                        f"{date_text(notice)}"
                    ),
                    detail=(
                        f"{contract.federation.name}: {name} ends on "
                        f"{date_text(contract.end_date)}: renew, replace or plan its end."
                    ),
                    url=url,
                    due=notice,
                    severity=URGENT,
                )
            )
        elif notice <= ahead:
            needs.append(
                Need(
                    area="finance",
                    title=(
                        f"Give notice on {contract.title} ({contract.reference}) by "
                        f"{date_text(notice)}"
                    ),
                    detail=(
                        f"{contract.federation.name}: {name} ends on "
                        f"{date_text(contract.end_date)}, with "
                        f"{_months_notice(contract.notice_months)}."
                    ),
                    url=url,
                    due=notice,
                    severity=URGENT
                    if notice <= today + timedelta(days=NOTICE_URGENT_DAYS)
                    else SOON,
                )
            )
    return needs


def _months_notice(months: int) -> str:
    """1 month's notice, 6 months' notice."""
    possessive = "'s" if months == 1 else "'"
    return f"{count_text(months, 'month')}{possessive} notice"


def _accrual_needs(manage: list, today: date) -> list[Need]:
    """Months not yet settled whose income lines follow their contracts and no longer match
    what the contracts pay now (lists and populations change after Accrue), or lack a line a
    contract now pays. Each month checked loads its inputs: at most
    ``ACCRUAL_MONTHS_CHECKED`` months, newest first."""
    by_pk = {f.pk: f for f in manage}
    months = list(
        IncomeEntry.objects.filter(
            federation__in=manage,
            follows_contract=True,
            settlement__isnull=True,
            month__lte=month_start(today),
        )
        .values_list("federation_id", "month")
        .distinct()
        .order_by("-month", "federation_id")[:ACCRUAL_MONTHS_CHECKED]
    )
    needs = []
    for fed, month in months:
        federation = by_pk[fed]
        due, _notes = accruals_due(federation, month)
        stale = accruals_out_of_date(federation, month, due=due)
        missing = accruals_missing(federation, month, due)
        if not stale and not missing:
            continue
        said = []
        if stale:
            said.append(
                f"{count_text(len(stale), 'line')} no longer "
                f"{'matches' if len(stale) == 1 else 'match'} what its contract pays now"
            )
        if missing:
            said.append(
                f"{count_text(len(missing), 'payment')} due from contracts "
                f"{'has' if len(missing) == 1 else 'have'} no line"
            )
        needs.append(
            Need(
                area="finance",
                title=f"Income for {month:%B %Y} is out of date",
                detail=f"{federation.name}: {' and '.join(said)}. Accrue again before posting.",
                url=reverse("finance:settlement", args=[federation.slug, f"{month:%Y-%m}"]),
                due=month_end(month),
                severity=_month_severity(month, today),
            )
        )
    return needs


def _statement_needs(user, today: date) -> list[Need]:
    """A practice manager's or staff member's practice: its latest posted statement through
    each federation that granted their role on it (one query)."""
    pairs = {
        (g.practice_id, g.through_id)
        for g in perms.scope_for(user).grants
        if g.practice_id and g.role in perms.STATEMENT_READERS
    }
    if not pairs:
        return []
    within = Q()
    for practice_id, federation_id in pairs:
        within |= Q(practice_id=practice_id, federation_id=federation_id)
    needs = []
    for code, name, slug, fed_name, latest in (
        SettlementRow.objects.filter(within, month__lte=month_start(today))
        .values("practice__code", "practice__name", "federation__slug", "federation__name")
        .annotate(latest=Max("month"))
        .values_list(
            "practice__code", "practice__name", "federation__slug", "federation__name", "latest"
        )
        .order_by("practice__name", "federation__name")
    ):
        needs.append(
            Need(
                area="finance",
                title=f"{name}'s statement for {latest:%B %Y}",
                detail=(
                    f"What {fed_name} paid {name} in {latest:%B %Y}, beside the cost of doing "
                    "the same alone."
                ),
                url=reverse("finance:statement", args=[code])
                + f"?period={latest:%Y-%m}&federation={slug}",
                severity=INFO,
            )
        )
    return needs
