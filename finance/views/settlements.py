"""A month's settlement: the preview or the posted figures, its income lines (add, change,
remove, accrue from contracts), posting it after confirming the warnings, and its
remittance and journal files."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts import permissions as perms
from finance import exports, forms, services
from finance.models import IncomeEntry, Settlement
from finance.services import FinanceError
from finance.views._shared import _federation, _form_page, _month
from kernel.exports import csv_response
from kernel.formats import counted
from registry.models import Practice
from registry.views import posted


def _paid_by_practice(rows) -> list[tuple[Practice, dict]]:
    """A settlement's rows (previewed or posted) summed for each practice, in code order."""
    totals: dict[int, dict] = {}
    for r in rows:
        found = totals.setdefault(r.practice_id, dict.fromkeys(("income", "costs", "net"), 0))
        found["income"] += r.income_pence
        found["costs"] += r.costs_pence + r.overhead_pence
        found["net"] += r.net_pence
    practices = Practice.objects.filter(pk__in=totals).order_by("code")
    return [(p, totals[p.pk]) for p in practices if any(totals[p.pk].values())]


def settlement(request, slug: str, month: str):
    federation = _federation(request, slug)
    day = _month(month)
    done = Settlement.objects.filter(federation=federation, month=day).first()
    can_manage = perms.can_manage_finance(request.user, federation)
    context = {
        "federation": federation,
        "month": day,
        "settlement": done,
        "can_manage": can_manage,
    }
    if done:
        context["pairs"] = [
            (line.entry, line) for line in done.lines.select_related("entry", "corrects")
        ]
        context["by_practice"] = _paid_by_practice(done.rows.all())
        context["corrections"] = done.corrections.all()
        return render(request, "finance/settlement_posted.html", context)
    preview = services.settlement_preview(federation, day)
    entries = {
        e.pk: e
        for e in IncomeEntry.objects.filter(federation=federation, month=day).select_related(
            "service", "contract", "corrects"
        )
    }
    context.update(
        {
            "preview": preview,
            "stale": preview.stale,
            "entries": [(entries[line.key], line) for line in preview.lines],
            "by_practice": _paid_by_practice(preview.rows),
        }
    )
    return render(request, "finance/settlement_preview.html", context)


@require_http_methods(["GET", "POST"])
def income_add(request, slug: str, month: str):
    federation = _federation(request, slug, manage=True)
    day = _month(month)
    return _form_page(
        request,
        forms.IncomeForm(*posted(request), federation=federation),
        save=lambda data: services.income_entry_create(
            federation=federation, month=day, by=request.user, **data
        ),
        done=lambda entry: (
            f"Income line “{entry.description}” added.",
            reverse("finance:settlement", args=[slug, month]),
        ),
        title=f"Add income for {day:%B %Y}",
        button="Add income",
        federation=federation,
    )


def income_edit(request, slug: str, month: str, pk: int):
    """Change an income line before its month is settled."""
    federation = _federation(request, slug, manage=True)
    entry = get_object_or_404(
        IncomeEntry.objects.prefetch_related("shares__practice"), federation=federation, pk=pk
    )
    if entry.settlement_id:
        messages.error(request, "A posted income line cannot change; post an adjusting entry.")
        return redirect("finance:settlement", slug=slug, month=month)
    initial = {
        "description": entry.description,
        "amount_pence": entry.amount_pence,
        "status": entry.status,
        "service": entry.service_id,
        "rule": entry.rule,
        "corrects": entry.corrects_id,
        "top_slice": "1" if entry.top_slice else "0",
        "shares": "\n".join(
            f"{s.practice.code} {s.value.normalize():f}" for s in entry.shares.all()
        ),
    }
    return _form_page(
        request,
        forms.IncomeForm(*posted(request), federation=federation, initial=initial),
        save=lambda data: services.income_entry_update(entry=entry, by=request.user, **data),
        done=lambda saved: (
            f"Income line “{saved.description}” changed.",
            reverse("finance:settlement", args=[slug, month]),
        ),
        title=f"Change “{entry.description}”",
        button="Save the line",
        federation=federation,
        back=reverse("finance:settlement", args=[slug, month]),
    )


@require_http_methods(["GET", "POST"])
def income_delete(request, slug: str, month: str, pk: int):
    """Removing an income line confirms first: a page says what goes, works without
    JavaScript, and only its POST removes the line."""
    federation = _federation(request, slug, manage=True)
    entry = get_object_or_404(
        IncomeEntry.objects.select_related("service", "contract", "corrects"),
        federation=federation,
        pk=pk,
    )
    if request.method == "GET":
        if entry.settlement_id:
            messages.error(request, "A posted income line cannot be removed.")
            return redirect("finance:settlement", slug=slug, month=month)
        return render(
            request,
            "finance/income_delete.html",
            {"federation": federation, "month": entry.month, "entry": entry},
        )
    try:
        services.income_entry_delete(entry=entry, by=request.user)
    except FinanceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Income line “{entry.description}” removed.")
    return redirect("finance:settlement", slug=slug, month=month)


@require_POST
def income_accrue(request, slug: str, month: str):
    federation = _federation(request, slug, manage=True)
    try:
        created, notes = services.contract_income_accrue(
            federation=federation, month=_month(month), by=request.user
        )
    except FinanceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _accrued_text(created, notes))
        for note in notes:
            if not note.endswith(ALREADY):
                messages.warning(request, f"{note}.")
    return redirect("finance:settlement", slug=slug, month=month)


ALREADY = ": already accrued"


def _accrued_text(created: list, notes: list[str]) -> str:
    """What accruing did, in one sentence: the lines accrued, and the contracts' lines that
    were there already and left as they were, by name. Anything else worth reading (a line
    changed by hand, one removed because nothing is due) is its own message."""
    said = (
        f"{counted(len(created), 'contract income line')} accrued"
        if created
        else "No contract income lines accrued"
    )
    already = [note.removesuffix(ALREADY) for note in notes if note.endswith(ALREADY)]
    if already:
        said += (
            f"; {counted(len(already), 'line')} accrued before "
            f"{'was' if len(already) == 1 else 'were'} left as "
            f"{'it was' if len(already) == 1 else 'they were'} ({', '.join(already)})"
        )
    return said + "."


@require_http_methods(["GET", "POST"])
def settlement_post(request, slug: str, month: str):
    """Posting confirms first: a page saying what will be paid, to whom, and every warning,
    which must be confirmed by ticking a box. The post is of the figures confirmed (their
    fingerprint) and of those warnings, or nothing is posted."""
    federation = _federation(request, slug, manage=True)
    day = _month(month)
    if request.method == "GET" and Settlement.objects.filter(federation=federation, month=day):
        messages.info(request, services.ALREADY_POSTED.format(month=day, federation=federation))
        return redirect("finance:settlement", slug=slug, month=month)
    error = ""
    preview = services.settlement_preview(federation, day)
    if request.method == "POST":
        warnings = preview.warnings
        if warnings and request.POST.get("warnings") != services.warnings_digest(warnings):
            error = "The warnings have changed since this page was shown: check them again."
        elif warnings and request.POST.get("confirm") != "yes":
            error = "Tick the box to confirm you have checked each warning, or go back."
        else:
            try:
                done = services.settlement_post(
                    federation=federation,
                    month=day,
                    by=request.user,
                    fingerprint=request.POST.get("fingerprint", "") or "missing",
                    confirmed_warnings=warnings,
                )
            except FinanceError as failure:
                messages.error(request, failure.message)
            else:
                messages.success(request, f"Settlement {done.reference} posted.")
            return redirect("finance:settlement", slug=slug, month=month)
    if not preview.can_post:
        messages.error(request, "This settlement cannot be posted yet: see the problems below.")
        return redirect("finance:settlement", slug=slug, month=month)
    paid_to = {r.practice_id for r in preview.rows if r.net_pence}
    return render(
        request,
        "finance/settlement_confirm.html",
        {
            "federation": federation,
            "month": day,
            "preview": preview,
            "practices": len(paid_to),
            "digest": services.warnings_digest(preview.warnings),
            "error": error,
        },
        status=400 if error else 200,
    )


def settlement_export(request, slug: str, month: str, kind: str):
    federation = _federation(request, slug)
    done = get_object_or_404(Settlement, federation=federation, month=_month(month))
    header, rows = exports.settlement_file(done, kind, by=request.user)
    return csv_response(f"{done.reference}-{kind}.csv", header, rows)
