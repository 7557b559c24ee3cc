"""Pages for the federation's money. Each view checks access in accounts.permissions, validates,
calls a selector or a service, and renders."""

# Over 500 lines: every finance page; to become a views package by section.

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Sum
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts import permissions as perms
from finance import exports, forms, rota_cost, selectors, services
from finance.inputs import add_months, financial_year_of, last_month, month_start, parse_month
from finance.models import (
    Activity,
    ActivityUpload,
    Contract,
    ContractDocument,
    IncomeEntry,
    Service,
    ServiceParticipation,
    Settlement,
)
from finance.services import FinanceError
from kernel.exports import csv_response
from kernel.pages import BadQuery, form_page, query_value, refuse
from registry import charts
from registry.models import PCN, Federation, Practice
from registry.views import is_htmx, posted


def _federation(request, slug: str, *, manage: bool = False) -> Federation:
    federation = get_object_or_404(perms.finance_federations(request.user), slug=slug)
    if manage:
        perms.require(perms.can_manage_finance(request.user, federation))
    return federation


def _error(form, error: FinanceError) -> None:
    refuse(form, error)


def _form_page(request, form, *, save, done, title: str, button: str, **context):
    return form_page(
        request,
        form,
        save=save,
        done=done,
        title=title,
        button=button,
        errors=FinanceError,
        template="finance/form.html",
        **context,
    )


def _organisation(organisation) -> dict:
    """A cleaned practice-or-PCN code as the keyword a service takes."""
    return {"pcn": organisation} if isinstance(organisation, PCN) else {"practice": organisation}


def _month(text: str) -> date:
    try:
        return parse_month(text)
    except ValueError:
        raise Http404("No such month") from None


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


# --- services --------------------------------------------------------------------------------


def service_list(request, slug: str):
    federation = _federation(request, slug)
    today = timezone.localdate()
    rows = []
    for service in Service.objects.filter(federation=federation).prefetch_related("participations"):
        current = [
            p
            for p in service.participations.all()
            if p.start_date <= today and (p.end_date is None or p.end_date >= today)
        ]
        rows.append({"service": service, "taking_part": len(current)})
    return render(
        request,
        "finance/service_list.html",
        {
            "federation": federation,
            "rows": rows,
            "can_manage": perms.can_manage_finance(request.user, federation),
        },
    )


@require_http_methods(["GET", "POST"])
def service_edit(request, slug: str, code: str | None = None):
    federation = _federation(request, slug, manage=True)
    service = get_object_or_404(Service, federation=federation, code=code) if code else None
    initial = {f: getattr(service, f) for f in services.SERVICE_FIELDS} if service else None
    return _form_page(
        request,
        forms.ServiceForm(*posted(request), initial=initial),
        save=lambda data: services.service_save(
            federation=federation, by=request.user, instance=service, **data
        ),
        done=lambda saved: (
            f"{saved.name} saved.",
            reverse("finance:service", args=[slug, saved.code]),
        ),
        title=f"Change {service.name}" if service else "Add a service",
        button="Save service",
        federation=federation,
    )


def service_detail(request, slug: str, code: str):
    federation = _federation(request, slug)
    service = get_object_or_404(Service, federation=federation, code=code)
    return render(
        request,
        "finance/service_detail.html",
        {
            "federation": federation,
            "service": service,
            "rota_months": (
                rota_cost.rota_months(federation, month_start(timezone.localdate()))
                if service.costs_from_rota
                else None
            ),
            "participations": service.participations.select_related("practice", "pcn"),
            "funded_by": service.funded_by.select_related("contract"),
            "can_manage": perms.can_manage_finance(request.user, federation),
            "form": forms.ParticipationForm(),
        },
    )


@require_http_methods(["GET", "POST"])
def participation_add(request, slug: str, code: str):
    federation = _federation(request, slug, manage=True)
    service = get_object_or_404(Service, federation=federation, code=code)

    def save(data):
        return services.participation_add(
            service=service,
            start_date=data["start_date"],
            by=request.user,
            **_organisation(data["organisation"]),
        )

    return _form_page(
        request,
        forms.ParticipationForm(*posted(request)),
        save=save,
        done=lambda spell: (
            f"{spell.organisation.name} now takes part in {service.name}.",
            reverse("finance:service", args=[slug, code]),
        ),
        title=f"Add a practice or PCN to {service.name}",
        button="Add",
        federation=federation,
    )


@require_http_methods(["GET", "POST"])
def participation_end(request, slug: str, code: str, pk: int):
    federation = _federation(request, slug, manage=True)
    participation = get_object_or_404(
        ServiceParticipation, pk=pk, service__federation=federation, service__code=code
    )
    name = participation.organisation.name
    return _form_page(
        request,
        forms.EndDateForm(*posted(request)),
        save=lambda data: services.participation_end(
            participation=participation, end_date=data["end_date"], by=request.user
        ),
        done=lambda _: (
            f"{name}'s part has been ended.",
            reverse("finance:service", args=[slug, code]),
        ),
        title=f"End {name}'s part in {participation.service.name}",
        button="End",
        federation=federation,
    )


# --- contracts -------------------------------------------------------------------------------


def contract_list(request, slug: str):
    federation = _federation(request, slug)
    register = selectors.contracts_register(federation)
    window = request.GET.get("within", "")
    if window in ("3", "6", "12"):
        register = [
            r
            for r in register
            if r["notice_passed"] or (r["window"] and r["window"] <= int(window))
        ]
    return render(
        request,
        "finance/contract_list.html",
        {
            "federation": federation,
            "register": register,
            "within": window,
            "can_manage": perms.can_manage_finance(request.user, federation),
        },
    )


@require_http_methods(["GET", "POST"])
def contract_edit(request, slug: str, pk: int | None = None):
    federation = _federation(request, slug, manage=True)
    contract = get_object_or_404(Contract, federation=federation, pk=pk) if pk else None
    initial = None
    if contract:
        initial = {f: getattr(contract, f) for f in services.CONTRACT_FIELDS}
        initial["commissioner"] = contract.commissioner.code if contract.commissioner else ""
    return _form_page(
        request,
        forms.ContractForm(*posted(request), initial=initial),
        save=lambda data: services.contract_save(
            federation=federation, by=request.user, instance=contract, **data
        ),
        done=lambda saved: (
            f"Contract {saved.reference} saved.",
            reverse("finance:contract", args=[slug, saved.pk]),
        ),
        title=f"Change contract {contract.reference}" if contract else "Add a contract",
        button="Save contract",
        federation=federation,
    )


def contract_detail(request, slug: str, pk: int):
    federation = _federation(request, slug)
    contract = get_object_or_404(
        Contract.objects.select_related("commissioner"), federation=federation, pk=pk
    )
    can_manage = perms.can_manage_finance(request.user, federation)
    return render(
        request,
        "finance/contract_detail.html",
        {
            "federation": federation,
            "contract": contract,
            "funded": contract.funded.select_related("service"),
            "kpis": contract.kpis.all(),
            "subcontracts": contract.subcontracts.select_related("practice", "pcn"),
            "documents": contract.documents.all(),
            "can_manage": can_manage,
            "funded_form": forms.FundedServiceForm(federation=federation),
            "kpi_form": forms.KpiForm(),
            "subcontract_form": forms.SubcontractForm(),
            "document_form": forms.DocumentForm(),
        },
    )


@require_http_methods(["GET", "POST"])
def contract_part(request, slug: str, pk: int, part: str):
    """Add a funded service, a KPI, a subcontract or a document to a contract."""
    federation = _federation(request, slug, manage=True)
    contract = get_object_or_404(Contract, federation=federation, pk=pk)
    by = request.user

    def subcontract(data):
        data = dict(data)
        return services.subcontract_add(
            contract=contract, by=by, **_organisation(data.pop("organisation")), **data
        )

    def document(data):
        upload = data["file"]
        return services.document_add(
            contract=contract, by=by, title=data["title"], file_name=upload.name, data=upload.read()
        )

    kinds = {
        "services": (
            forms.FundedServiceForm,
            {"federation": federation},
            "a funded service",
            lambda data: services.contract_service_set(contract=contract, by=by, **data),
        ),
        "kpis": (
            forms.KpiForm,
            {},
            "a KPI",
            lambda data: services.kpi_add(contract=contract, by=by, **data),
        ),
        "subcontracts": (forms.SubcontractForm, {}, "a subcontract", subcontract),
        "documents": (forms.DocumentForm, {}, "a document", document),
    }
    if part not in kinds:
        raise Http404("No such part of a contract")
    form_class, extra, what, save = kinds[part]
    return _form_page(
        request,
        form_class(*posted(request, files=True), **extra),
        save=save,
        done=lambda _: (
            f"{what[0].upper()}{what[1:]} added to {contract.reference}.",
            reverse("finance:contract", args=[slug, pk]),
        ),
        title=f"{'Upload' if part == 'documents' else 'Add'} {what} to {contract.reference}",
        button="Add",
        federation=federation,
        multipart=part == "documents",
    )


def document_download(request, slug: str, pk: int):
    federation = _federation(request, slug)
    document = get_object_or_404(ContractDocument, pk=pk, contract__federation=federation)
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.file_name,
        content_type=document.content_type,
    )


# --- activity --------------------------------------------------------------------------------


def activity_upload(request, slug: str, pk: int):
    """An uploaded activity file as the worker deals with it: waiting, then imported (on to
    the month, with what changed) or refused with every problem by row and column."""
    federation = _federation(request, slug)
    perms.require(perms.can_record_activity(request.user, federation))
    upload = get_object_or_404(ActivityUpload.objects.defer("upload"), pk=pk, federation=federation)
    if upload.status == ActivityUpload.Status.SUCCEEDED:
        counts = upload.counts
        messages.success(
            request,
            f"Activity imported from {upload.file_name}: {counts['created']} new, "
            f"{counts['updated']} changed, {counts['unchanged']} unchanged."
            + (
                " Accrued income worked out again: " + "; ".join(counts["followed"]) + "."
                if counts.get("followed")
                else ""
            ),
        )
        months = counts.get("months") or [f"{last_month():%Y-%m}"]
        target = f"{reverse('finance:activity', args=[slug])}?month={months[0]}"
        if is_htmx(request):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)
    context = {
        "federation": federation,
        "upload": upload,
        "form": forms.ActivityUploadForm(),
    }
    if is_htmx(request):
        return render(request, "finance/_activity_upload.html", context)
    return render(request, "finance/activity_upload.html", context)


@require_http_methods(["GET", "POST"])
def activity(request, slug: str):
    federation = _federation(request, slug)
    can_record = perms.can_record_activity(request.user, federation)
    month = query_value(request, "month", parse_month, last_month())
    upload = forms.ActivityUploadForm(*posted(request, files=True))
    if request.method == "POST":
        perms.require(can_record)
        if upload.is_valid():
            file = upload.cleaned_data["file"]
            data = file.read()
            queued = services.activity_upload_queue(
                federation=federation,
                file_name=file.name,
                data=data,
                by=request.user,
                origin=request.META.get("REMOTE_ADDR", "web"),
            )
            return redirect("finance:activity-upload", slug, queued.pk)
    rows = (
        Activity.objects.filter(federation=federation, month=month)
        .select_related("service", "practice", "pcn")
        .order_by("service__name", "practice__code", "pcn__code")
    )
    return render(
        request,
        "finance/activity.html",
        {
            "federation": federation,
            "month": month,
            "previous": add_months(month, -1),
            "next": add_months(month, 1),
            "rows": rows,
            "total": sum(r.units for r in rows),
            "upload": upload,
            "posted": services.is_posted(federation, month),
            "can_record": can_record,
        },
    )


@require_http_methods(["GET", "POST"])
def activity_entry(request, slug: str):
    federation = _federation(request, slug)
    perms.require(perms.can_record_activity(request.user, federation))

    def save(data):
        data = dict(data)
        organisation = data.pop("organisation")
        return services.activity_record(
            federation=federation, by=request.user, **_organisation(organisation), **data
        )

    return _form_page(
        request,
        forms.ActivityEntryForm(*posted(request), federation=federation),
        save=save,
        done=lambda row: (
            "Activity recorded.",
            f"{reverse('finance:activity', args=[slug])}?month={row.month:%Y-%m}",
        ),
        title="Record activity",
        button="Record",
        federation=federation,
    )


# --- settlements -----------------------------------------------------------------------------


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
        extra = f" ({'; '.join(notes)})" if notes else ""
        messages.success(request, f"{len(created)} contract income line(s) accrued{extra}.")
    return redirect("finance:settlement", slug=slug, month=month)


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


# --- statements and returns ------------------------------------------------------------------


def _period(request) -> selectors.Period:
    return query_value(request, "period", selectors.parse_period) or selectors.parse_period("")


def statement(request, code: str, fmt: str = "html"):
    """A practice's value statement through one federation: the page, or a download (JSON,
    PDF) recorded in the audit trail against that federation."""
    practice = get_object_or_404(perms.statement_practices(request.user), code=code.upper())
    try:
        period, federation, choices = selectors.statement_through(
            practice,
            lambda **dates: perms.statement_federations(request.user, practice, **dates),
            period=request.GET.get("period", ""),
            federation=request.GET.get("federation", ""),
        )
    except ValueError as error:  # not a period, or not one in the years gpfed works with
        raise BadQuery(f"period: {error}") from None
    if not choices:
        raise Http404("No such statement")
    context = {"practice": practice, "period": period, "federation": federation}
    if federation is None:
        if fmt != "html":
            return HttpResponse(
                f"{practice.code}'s statement for {period.label} can be read through "
                f"{len(choices)} federations: name one with ?federation= "
                f"({', '.join(f.slug for f in choices)}).",
                status=400,
                content_type="text/plain",
            )
        return render(request, "finance/statement.html", {**context, "choices": choices})
    if fmt == "json":
        return JsonResponse(
            selectors.statement_export(
                practice=practice, federation=federation, period=period, by=request.user, form=fmt
            )
        )
    if fmt == "pdf":
        # imported on first use: WeasyPrint is slow to load, and a PDF is seldom asked for
        from finance.pdf import PdfUnavailable, statement_pdf

        try:
            with transaction.atomic():  # a PDF that cannot be made is not recorded as sent
                pdf = statement_pdf(
                    selectors.statement_export(
                        practice=practice,
                        federation=federation,
                        period=period,
                        by=request.user,
                        form=fmt,
                    )
                )
        except PdfUnavailable as error:
            return HttpResponse(str(error), status=503, content_type="text/plain")
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="value-statement-{practice.code}-{federation.slug}-'
            f'{period.key}.pdf"'
        )
        return response
    data = selectors.practice_statement(practice, period, federation=federation)
    chart = charts.diverging_bar_chart(
        "Better or worse off than doing it alone, by month (£)",
        [(t["month"], t["difference_pence"]) for t in data["trend"]],
    )
    return render(request, "finance/statement.html", {**context, "statement": data, "chart": chart})


RETURNS_FORMATS = ("csv", "pdf")


def returns(request, slug: str):
    """Returns to practices for a period: the page, or a download for board packs (CSV or
    PDF, ``?format=``) recorded in the federation's audit trail."""
    federation = _federation(request, slug)
    period = _period(request)
    fmt = request.GET.get("format", "")
    if fmt and fmt not in RETURNS_FORMATS:
        raise BadQuery(f"format: {fmt!r} is not one of {', '.join(RETURNS_FORMATS)}")
    if not fmt:
        report = selectors.returns_report(federation, period)
        return render(
            request,
            "finance/returns.html",
            {"federation": federation, "period": period, "report": report},
        )
    name = f"returns-{federation.slug}-{period.key}"
    if fmt == "csv":
        with transaction.atomic():
            export = selectors.returns_export(
                federation=federation, period=period, by=request.user, form=fmt
            )
            header, rows = exports.returns(export)
        return csv_response(f"{name}.csv", header, rows)
    # imported on first use: WeasyPrint is slow to load, and a PDF is seldom asked for
    from finance.pdf import PdfUnavailable, returns_pdf

    try:
        with transaction.atomic():  # a PDF that cannot be made is not recorded as sent
            pdf = returns_pdf(
                selectors.returns_export(
                    federation=federation, period=period, by=request.user, form=fmt
                )
            )
    except PdfUnavailable as error:
        return HttpResponse(str(error), status=503, content_type="text/plain")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response


# --- figures the DES pays on -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def pcn_figures(request, code: str):
    pcn = get_object_or_404(PCN, code=code.upper())
    perms.require(perms.can_set_population(request.user, pcn))
    return _form_page(
        request,
        forms.PcnFiguresForm(
            *posted(request),
            federations=perms.population_federations(request.user, pcn),
            national=perms.can_set_national_population(request.user),
        ),
        save=lambda data: services.pcn_figures_set(pcn=pcn, by=request.user, **data),
        done=lambda _: (
            f"Figures saved for {pcn.name}.",
            reverse("registry:pcn", args=[pcn.code]),
        ),
        title=f"Care-home beds and IIF points for {pcn.name}",
        intro="A federation's own figures are used in its entitlements alone, in place of the "
        "national ones, and change nothing for any other federation. The national figures are "
        "changed by the installation's operators alone.",
        button="Save figures",
        back=reverse("registry:pcn", args=[pcn.code]),
    )
