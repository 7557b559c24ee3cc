"""The contracts register, a contract's page, its parts (funded services, KPIs,
subcontracts, documents) and its documents' downloads."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts import permissions as perms
from finance import forms, selectors, services
from finance.models import Contract, ContractDocument
from finance.views._shared import _federation, _form_page, _organisation
from kernel.documents import document_response
from registry.views import posted


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
    return document_response(
        request,
        document.file,
        sha256=document.sha256,
        filename=document.file_name,
        content_type=document.content_type,
    )
