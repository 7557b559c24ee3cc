"""The figures the DES pays on: a PCN's care-home beds and IIF points, a federation's own
or the national ones."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts import permissions as perms
from finance import forms, services
from finance.views._shared import _form_page
from registry.models import PCN
from registry.views import posted


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
