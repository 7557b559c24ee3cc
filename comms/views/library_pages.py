"""The shared library: every document a person may see, a document and its versions, and
adding documents and folders."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from accounts import permissions as perms
from comms import forms, library
from comms.models import Resource
from comms.services import CommsError
from comms.views._shared import _kind, _sender
from kernel.documents import document_response
from registry.models import Network
from registry.views import posted


def library_index(request):
    """Every document this person may see, by owner and folder; and for those who manage a
    library, a way in to add to it."""
    resources = library.visible(
        request.user,
        Resource.objects.select_related("folder", "federation", "network", "updated_by"),
    )
    return render(
        request,
        "comms/library.html",
        {
            "resources": resources,
            "senders": [
                {"kind": _kind(s), "slug": s.slug, "name": s.name}
                for s in perms.bulletin_senders(request.user)
            ],
        },
    )


def _resource(request, pk, *, manage=False) -> Resource:
    resource = get_object_or_404(
        Resource.objects.select_related("folder", "federation", "network"), pk=pk
    )
    allowed = (
        perms.can_send_bulletins(request.user, resource.sender)
        if manage
        else library.may_see(request.user, resource)
    )
    if not allowed:
        raise Http404("No such document")
    return resource


def resource_detail(request, pk):
    resource = _resource(request, pk)
    manage = perms.can_send_bulletins(request.user, resource.sender)
    form = forms.VersionForm(*posted(request, files=True))
    if request.method == "POST":
        perms.require(manage)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                version = library.version_add(
                    resource,
                    file_name=upload.name,
                    data=upload.read(),
                    note=form.cleaned_data["note"],
                    by=request.user,
                )
            except CommsError as error:
                form.add_error("file", error.message)
            else:
                messages.success(request, f"Version {version.number} added.")
                return redirect("comms:resource", pk)
    return render(
        request,
        "comms/resource.html",
        {
            "resource": resource,
            "versions": resource.versions.select_related("uploaded_by"),
            "manage": manage,
            "form": form,
        },
    )


def resource_download(request, pk, number):
    resource = _resource(request, pk)
    version = get_object_or_404(resource.versions, number=number)
    return document_response(
        request, version.file, sha256=version.sha256, filename=version.file_name
    )


def resource_new(request, kind, slug):
    sender = _sender(request, kind, slug)
    form = forms.ResourceForm(*posted(request, files=True), sender=sender)
    folder_form = forms.FolderForm(request.POST if "name" in request.POST else None)
    if request.method == "POST" and "name" in request.POST:
        if folder_form.is_valid():
            library.folder_add(sender, folder_form.cleaned_data["name"], by=request.user)
            messages.success(request, "Folder added.")
            return redirect("comms:resource_new", kind, slug)
    elif request.method == "POST" and form.is_valid():
        resource = form.save(commit=False)
        if isinstance(sender, Network):
            resource.network = sender
        else:
            resource.federation = sender
        upload = form.cleaned_data["file"]
        try:
            with transaction.atomic():
                saved = library.resource_add(
                    resource,
                    file_name=upload.name,
                    data=upload.read(),
                    by=request.user,
                    audience=form.audience(),
                )
        except CommsError as error:
            form.add_error("file", error.message)
        else:
            messages.success(request, "Document added to the library.")
            return redirect("comms:resource", saved.pk)
    return render(
        request,
        "comms/resource_new.html",
        {"form": form, "folder_form": folder_form, "sender": sender},
    )
