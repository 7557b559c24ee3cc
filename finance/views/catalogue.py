"""The federation's services, and the practices and PCNs taking part in each."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts import permissions as perms
from finance import forms, rota_cost, services
from finance.inputs import month_start
from finance.models import Service, ServiceParticipation
from finance.views._shared import _federation, _form_page, _organisation
from registry.views import posted


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
