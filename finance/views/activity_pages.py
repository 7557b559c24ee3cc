"""Activity: a month's recorded units, recording a row by hand, and uploading a file (queued
for the worker, then its outcome)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts import permissions as perms
from finance import forms, services
from finance.inputs import add_months, last_month, parse_month
from finance.models import Activity, ActivityUpload
from finance.views._shared import _federation, _form_page, _organisation
from kernel.pages import query_value
from registry.views import is_htmx, posted


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
