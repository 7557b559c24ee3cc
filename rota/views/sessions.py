"""Sessions by hand: adding, changing, locking and removing one."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from registry.views import posted
from rota import forms, services
from rota.models import RotaSession
from rota.planner import cost_of
from rota.services import RotaError, local, monday_of
from rota.views._shared import _federation, _pcn_ids


def session_cost_of(s: RotaSession) -> int:
    return cost_of(s.staff.pence_per_hour, int((s.end - s.start).total_seconds() // 60))


def _session_page(request, federation, session: RotaSession | None):
    initial = {}
    if session:
        initial = {
            "staff": session.staff_id,
            "site": session.site_id,
            "pcn": session.pcn_id,
            "day": local(session.start).date(),
            "start": f"{local(session.start):%H:%M}",
            "end": f"{local(session.end):%H:%M}",
            "locked": session.locked,
        }
    elif request.GET.get("day"):
        initial = {"day": request.GET["day"]}
    form = forms.SessionForm(
        *posted(request), federation=federation, pcn_ids=_pcn_ids(federation), initial=initial
    )
    refused = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.session_save(
                federation,
                session,
                staff=data["staff"],
                site=data["site"],
                pcn=data["pcn"],
                start=services.aware(data["start_at"]),
                end=services.aware(data["end_at"]),
                by=request.user,
                locked=data["locked"],
            )
        except RotaError as error:
            refused = error
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                f"Session saved: {saved.staff.name} at {saved.site.name}, "
                f"{local(saved.start):%A %-d %B %H:%M}-{local(saved.end):%H:%M}. "
                "Compliance below reflects the change.",
            )
            week = monday_of(local(saved.start).date())
            return redirect(f"{reverse('rota:federation', args=[federation.slug])}?start={week}")
    return render(
        request,
        "rota/session_form.html",
        {"federation": federation, "form": form, "session": session, "refused": refused},
    )


def session_edit(request, slug, pk):
    federation = _federation(request, slug, manage=True)
    session = get_object_or_404(RotaSession, federation=federation, pk=pk)
    return _session_page(request, federation, session)


def session_add(request, slug):
    federation = _federation(request, slug, manage=True)
    return _session_page(request, federation, None)


@require_POST
def session_lock(request, slug, pk):
    federation = _federation(request, slug, manage=True)
    session = get_object_or_404(RotaSession, federation=federation, pk=pk)
    locked = request.POST.get("locked") == "1"
    services.session_lock(session, locked, by=request.user)
    messages.success(request, f"Session {'locked' if locked else 'unlocked'}.")
    week = monday_of(local(session.start).date())
    return redirect(f"{reverse('rota:site', args=[slug, session.site_id])}?week={week}")


@require_POST
def session_delete(request, slug, pk):
    federation = _federation(request, slug, manage=True)
    session = get_object_or_404(RotaSession, federation=federation, pk=pk)
    week = monday_of(local(session.start).date())
    try:
        services.session_delete(session, by=request.user)
    except RotaError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Session removed.")
    return redirect(f"{reverse('rota:site', args=[slug, session.site_id])}?week={week}")
