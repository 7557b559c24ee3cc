"""Staff, sites, PCNs and availability: the lists, their forms, the hours a commissioner
agreed, a person's weekly windows and leave, and the availability import."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from accounts import permissions as perms
from kernel.formats import counted
from registry.importers.base import ImportFileError
from registry.models import PCN
from registry.selectors import federation_pcns_on
from registry.views import posted
from rota import forms, services
from rota import selectors as rota_selectors
from rota.models import AccessPcn, Site, Staff
from rota.services import RotaError
from rota.views._shared import _can_edit_availability, _federation, _pcn_ids, _person


def staff_list(request, slug):
    federation = _federation(request, slug)
    people = Staff.objects.filter(federation=federation).select_related("pcn")
    return render(
        request,
        "rota/staff_list.html",
        {
            "federation": federation,
            "people": people,
            "can_manage": perms.can_manage_rota(request.user, federation),
        },
    )


def _record_form(request, federation, form, *, noun, title, done):
    if request.method == "POST" and form.is_valid():
        obj = services.record_save(
            obj=form.save(commit=False),
            federation=federation,
            noun=noun,
            fields=[f for f in form.Meta.fields if f not in ("sites", "pcns")],
            by=request.user,
            save_related=form.save_m2m,
        )
        messages.success(request, f"{obj} saved.")
        return redirect(done(obj))
    return render(
        request,
        "rota/form.html",
        {"federation": federation, "form": form, "title": title, "button": "Save"},
    )


def staff_edit(request, slug, pk=None):
    federation = _federation(request, slug, manage=True)
    person = get_object_or_404(Staff, federation=federation, pk=pk) if pk else None
    form = forms.StaffForm(*posted(request), instance=person, federation=federation)
    return _record_form(
        request,
        federation,
        form,
        noun="staff",
        title=f"Change {person.name}" if person else "Add a member of staff",
        done=lambda p: reverse("rota:person", args=[slug, p.pk]),
    )


def site_list(request, slug):
    federation = _federation(request, slug)
    return render(
        request,
        "rota/site_list.html",
        {
            "federation": federation,
            "sites": Site.objects.filter(federation=federation).prefetch_related("pcns"),
            "can_manage": perms.can_manage_rota(request.user, federation),
        },
    )


def site_edit(request, slug, pk=None):
    federation = _federation(request, slug, manage=True)
    site = get_object_or_404(Site, federation=federation, pk=pk) if pk else None
    form = forms.SiteForm(*posted(request), instance=site, pcn_ids=_pcn_ids(federation))
    return _record_form(
        request,
        federation,
        form,
        noun="site",
        title=f"Change {site.name}" if site else "Add a site",
        done=lambda s: reverse("rota:sites", args=[slug]),
    )


def pcn_list(request, slug):

    federation = _federation(request, slug)
    can_manage = perms.can_manage_rota(request.user, federation)
    if request.method == "POST":
        perms.require(can_manage)
        pcn = get_object_or_404(PCN, code=request.POST.get("pcn", ""))
        services.access_pcn_add(federation=federation, pcn=pcn, by=request.user)
        messages.success(request, f"The federation runs Enhanced Access for {pcn.code}.")
        return redirect("rota:pcns", slug)
    accesses = AccessPcn.objects.filter(federation=federation).select_related("pcn")
    held = {a.pcn_id for a in accesses}
    found = rota_selectors.load(federation, date.today(), 1, keep=False)
    return render(
        request,
        "rota/pcns.html",
        {
            "federation": federation,
            "rows": [
                {
                    "access": a,
                    "pcn": next(p for p in found.problem.pcns if p.code == a.pcn.code),
                    "source": found.population_source[a.pcn.code].basis,
                    "own": found.population_source[a.pcn.code].is_override,
                }
                for a in accesses
            ],
            "others": [e["pcn"] for e in federation_pcns_on(federation) if e["pcn"].pk not in held],
            "can_manage": can_manage,
        },
    )


def agreed_add(request, slug, pk):
    federation = _federation(request, slug, manage=True)
    access = get_object_or_404(AccessPcn, federation=federation, pk=pk)
    form = forms.AgreedHoursForm(*posted(request))
    if request.method == "POST" and form.is_valid():
        block = services.agreed_hours_add(
            access=access, block=form.save(commit=False), by=request.user
        )
        messages.success(request, f"Agreed hours added for {access.pcn.code}: {block}.")
        return redirect("rota:pcns", slug)
    return render(
        request,
        "rota/form.html",
        {
            "federation": federation,
            "form": form,
            "button": "Add",
            "title": f"Add hours the commissioner agreed for {access.pcn.code}",
        },
    )


def _person_form(request, slug, pk, form_class, *, save, title: str, button: str, done: str):
    """A form about one person's availability: theirs to fill in, or operations'."""
    federation, person = _person(request, slug, pk)
    perms.require(_can_edit_availability(request.user, person))
    form = form_class(*posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            save(person, by=request.user, **form.cleaned_data)
        except RotaError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, done)
            return redirect("rota:person", slug, pk)
    return render(
        request,
        "rota/form.html",
        {"federation": federation, "form": form, "button": button, "title": title % person.name},
    )


def availability_add(request, slug, pk):
    return _person_form(
        request,
        slug,
        pk,
        forms.AvailabilityForm,
        save=services.availability_add,
        title="Add a weekly window when %s can work",
        button="Add",
        done="Weekly availability added.",
    )


def change_add(request, slug, pk):
    return _person_form(
        request,
        slug,
        pk,
        forms.ChangeForm,
        save=services.change_add,
        title="Record leave or a one-off change for %s",
        button="Save",
        done="Leave or change recorded.",
    )


def availability_import(request, slug):
    federation = _federation(request, slug, manage=True)
    form = forms.UploadForm(*posted(request, files=True))
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services.availability_import(
                federation, form.cleaned_data["file"].read(), by=request.user
            )
        except ImportFileError as error:
            problems = error.problems
            form.add_error(
                "file",
                f"The file has {error.total} problem"
                f"{'s' * (error.total != 1)}. Nothing was imported.",
            )
        else:
            messages.success(
                request,
                f"Imported {counted(outcome['windows'], 'weekly window')} for "
                f"{counted(outcome['staff'], 'person', 'people')}.",
            )
            return redirect("rota:staff", slug)
    return render(
        request, "rota/import.html", {"federation": federation, "form": form, "problems": problems}
    )
