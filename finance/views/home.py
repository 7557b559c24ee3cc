"""The finance front pages: the list of federations and statements, a federation's finance
home (its months, the rota's cost against income, contracts needing attention, costs
carried this year) and its finance settings."""

from __future__ import annotations

from django.db.models import Count, Sum
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts import permissions as perms
from finance import forms, rota_cost, selectors, services
from finance.inputs import add_months, financial_year_of, last_month, month_start, parse_month
from finance.models import Activity, IncomeEntry, Settlement
from finance.views._shared import _federation, _form_page
from kernel.pages import query_value
from registry.views import posted


def index(request):
    federations = perms.finance_federations(request.user)
    practices = perms.statement_practices(request.user)
    if not federations.exists() and practices.count() == 1:
        return redirect("finance:statement", code=practices.get().code)
    return render(
        request,
        "finance/index.html",
        {"federations": federations, "practices": practices.order_by("name")[:200]},
    )


def federation_home(request, slug: str):
    federation = _federation(request, slug)
    today = month_start(timezone.localdate())
    posted_months = {s.month: s for s in Settlement.objects.filter(federation=federation)}
    open_entries = dict(
        IncomeEntry.objects.filter(federation=federation, settlement__isnull=True)
        .values_list("month")
        .annotate(n=Count("pk"))
    )
    activity_months = dict(
        Activity.objects.filter(federation=federation).values_list("month").annotate(n=Sum("units"))
    )
    months = []
    for i in range(0, 13):
        month = add_months(today, -i)
        months.append(
            {
                "month": month,
                "settlement": posted_months.get(month),
                "open_entries": open_entries.get(month, 0),
                "units": activity_months.get(month, 0),
            }
        )
    rota_last = query_value(request, "rota", parse_month, today)  # the month being closed
    against = rota_cost.rota_cost_against_income(
        federation, [add_months(rota_last, -i) for i in range(3)]
    )
    return render(
        request,
        "finance/federation_home.html",
        {
            "federation": federation,
            "months": months,
            "rota_cost": against,
            "rota_earlier": add_months(rota_last, -3),
            "rota_later": add_months(rota_last, 3) if rota_last < today else None,
            "has_rota": against is not None or rota_cost.has_rota(federation),
            "settings": services.finance_settings(federation),
            "register": [r for r in selectors.contracts_register(federation) if r["attention"]],
            "carried": selectors.carried_costs(federation, _this_year()),
            "can_manage": perms.can_manage_finance(request.user, federation),
            "can_record": perms.can_record_activity(request.user, federation),
        },
    )


def _this_year() -> selectors.Period:
    """The financial year last month is in: what the federation has carried so far."""
    year = financial_year_of(last_month())
    return selectors.parse_period(f"{year}-{(year + 1) % 100:02d}")


@require_http_methods(["GET", "POST"])
def settings_edit(request, slug: str):
    federation = _federation(request, slug, manage=True)
    current = services.finance_settings(federation)
    form = forms.SettingsForm(
        *posted(request), initial={f: getattr(current, f) for f in services.SETTINGS_FIELDS}
    )
    return _form_page(
        request,
        form,
        save=lambda data: services.finance_settings_update(
            federation=federation, by=request.user, **data
        ),
        done=lambda _: ("Finance settings saved.", reverse("finance:federation", args=[slug])),
        title="Finance settings",
        button="Save settings",
        federation=federation,
    )
