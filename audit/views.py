from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render

from accounts import permissions as perms
from accounts.permissions import audit_events_for, audit_trails
from audit.selectors import audit_filter, change_lines
from audit.services import TRAIL_COLUMNS, trail_export
from kernel.exports import csv_response
from registry.forms import NhsDateField


class AuditFilterForm(forms.Form):
    trail = forms.ChoiceField(label="Federation or network", required=False)
    person = forms.CharField(label="Person (email)", required=False, max_length=254)
    obj = forms.CharField(label="Object", required=False, max_length=100)
    action = forms.CharField(
        label="Action",
        required=False,
        max_length=60,
        help_text="Any part of its name, for example membership or role.grant",
    )
    date_from = NhsDateField(label="From", required=False, help_text="")
    date_to = NhsDateField(label="To", required=False, help_text="")

    def __init__(self, *args, trails: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        if len(trails) > 1:  # someone who reads several trails may look at one
            self.fields["trail"].choices = [("", "All you may read"), *trails]
        else:
            del self.fields["trail"]


def _events(request):
    perms.require(perms.can_read_audit(request.user))
    form = AuditFilterForm(request.GET or None, trails=audit_trails(request.user))
    qs = audit_events_for(request.user).select_related("federation", "network")
    if form.is_bound:
        form.is_valid()  # a box with an error is shown as such; the others still filter
        qs = audit_filter(qs, **form.cleaned_data)
    return form, qs


def events(request):
    form, qs = _events(request)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    trails = [] if perms.scope_for(request.user).superuser else audit_trails(request.user)
    changes = change_lines(page.object_list)
    rows = [(e, changes[e.pk]) for e in page.object_list]
    filters = request.GET.copy()
    filters.pop("page", None)
    return render(
        request,
        "audit/events.html",
        {"form": form, "page": page, "rows": rows, "trails": trails, "filters": filters},
    )


def export(request):
    form, qs = _events(request)
    cleaned = form.cleaned_data if form.is_bound else {}
    rows = trail_export(
        qs,
        by=request.user,
        filters={k: str(v) for k, v in cleaned.items() if v},
        federation=perms.managed_federations(request.user).first(),
        network=perms.audit_networks(request.user).first(),
    )
    return csv_response("gpfed-audit.csv", TRAIL_COLUMNS, rows)
