"""Bulletins: the inbox, reading one, writing, sending and correcting them, their images and
files, the sender's archive with read rates, and email preferences."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import permissions as perms
from comms import forms, selectors, services
from comms.models import Bulletin, Delivery
from comms.services import CommsError
from comms.text import to_html
from comms.views._shared import _kind, _sender
from registry.models import Network
from registry.views import posted


def _bulletin(request, pk, *, send=False) -> Bulletin:
    bulletin = get_object_or_404(
        Bulletin.objects.select_related("federation", "network", "corrects"), pk=pk
    )
    allowed = (
        perms.can_send_bulletins(request.user, bulletin.sender)
        if send
        else perms.can_read_bulletin(request.user, bulletin)
    )
    if not allowed:
        raise Http404("No such bulletin")
    return bulletin


def inbox(request):
    copies = selectors.inbox(request.user)
    query = request.GET.get("q", "").strip()
    if query:
        copies = copies.filter(
            Q(bulletin__title__icontains=query) | Q(bulletin__body__icontains=query)
        )
    return render(
        request,
        "comms/inbox.html",
        {
            "copies": copies[:200],
            "query": query,
            "senders": [
                {"kind": _kind(s), "slug": s.slug, "name": s.name}
                for s in perms.bulletin_senders(request.user)
            ],
        },
    )


def bulletin_detail(request, pk):
    bulletin = _bulletin(request, pk)
    services.mark_read(bulletin, request.user)
    can_send = perms.can_send_bulletins(request.user, bulletin.sender)
    stats = None
    if can_send and bulletin.is_sent:
        stats = bulletin.deliveries.aggregate(
            total=Count("pk"),
            sent=Count("pk", filter=Q(status=Delivery.Status.SENT)),
            queued=Count("pk", filter=Q(status__in=["queued", "sending"])),
            failed=Count("pk", filter=Q(status=Delivery.Status.FAILED)),
            waiting=Count("pk", filter=Q(status__in=["digest", "inbox"])),
            read=Count("pk", filter=Q(read_at__isnull=False)),
        )
        stats["read_rate"] = f"{stats['read'] / stats['total']:.0%}" if stats["total"] else "–"
    return render(
        request,
        "comms/bulletin.html",
        {
            "bulletin": bulletin,
            "html_body": to_html(bulletin.body, selectors.file_urls(bulletin)),
            "files": list(bulletin.files.all()),
            "file_form": forms.BulletinFileForm()
            if can_send and bulletin.status == Bulletin.Status.DRAFT
            else None,
            "can_send": can_send,
            "stats": stats,
            "failures": bulletin.deliveries.filter(status="failed")[:50] if can_send else [],
            "corrections": bulletin.corrections.exclude(status="draft"),
            "send_form": forms.SendForm(),
            "recipients": len(selectors.recipients(bulletin))
            if can_send and not bulletin.is_sent
            else None,
        },
    )


def archive(request, kind, slug):
    sender = _sender(request, kind, slug)
    bulletins = Bulletin.objects.filter(**{_kind(sender)[:-1]: sender}).annotate(
        total=Count("deliveries"),
        read=Count("deliveries", filter=Q(deliveries__read_at__isnull=False)),
        failed=Count("deliveries", filter=Q(deliveries__status="failed")),
    )
    query = request.GET.get("q", "").strip()
    if query:
        bulletins = bulletins.filter(Q(title__icontains=query) | Q(body__icontains=query))
    return render(
        request,
        "comms/archive.html",
        {"sender": sender, "kind": _kind(sender), "bulletins": bulletins, "query": query},
    )


def _edit_page(request, sender, bulletin: Bulletin | None):
    form = forms.BulletinForm(*posted(request), instance=bulletin, sender=sender)
    if request.method == "POST" and form.is_valid():
        draft = form.save(commit=False)
        if isinstance(sender, Network):
            draft.network = sender
        else:
            draft.federation = sender
        draft.created_by = draft.created_by or request.user
        try:
            saved = services.bulletin_save(draft, by=request.user, audience=form.audience())
        except CommsError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, "Draft saved. Check it, then send it or schedule it.")
            return redirect("comms:bulletin", saved.pk)
    return render(
        request,
        "comms/form.html",
        {
            "form": form,
            "sender": sender,
            "bulletin": bulletin,
            "title": "Change the draft" if bulletin else f"Write a bulletin from {sender.name}",
        },
    )


def bulletin_new(request, kind, slug):
    sender = _sender(request, kind, slug)
    return _edit_page(request, sender, None)


def bulletin_edit(request, pk):
    bulletin = _bulletin(request, pk, send=True)
    if bulletin.status != Bulletin.Status.DRAFT:
        messages.error(
            request, "A sent or scheduled bulletin cannot be changed: send a correction."
        )
        return redirect("comms:bulletin", pk)
    return _edit_page(request, bulletin.sender, bulletin)


@require_POST
def bulletin_send(request, pk):
    bulletin = _bulletin(request, pk, send=True)
    form = forms.SendForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("comms:bulletin", pk)
    try:
        count = services.bulletin_send(bulletin, by=request.user, at=form.cleaned_data["send_at"])
    except CommsError as error:
        messages.error(request, error.message)
    else:
        if count:
            messages.success(request, f"Sending to {count} people: the worker is delivering it.")
        else:
            messages.success(request, "Scheduled.")
    return redirect("comms:bulletin", pk)


def bulletin_correct(request, pk):
    bulletin = _bulletin(request, pk, send=True)
    form = forms.CorrectionForm(*posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            draft = services.correction_start(
                bulletin, by=request.user, change_note=form.cleaned_data["change_note"]
            )
        except CommsError as error:
            form.add_error("change_note", error.message)
        else:
            messages.success(request, "A new version to correct it: change it, then send it.")
            return redirect("comms:edit", draft.pk)
    return render(
        request,
        "comms/form.html",
        {
            "form": form,
            "sender": bulletin.sender,
            "bulletin": bulletin,
            "title": f"Correct “{bulletin}”",
        },
    )


@require_POST
def bulletin_file_add(request, pk):
    bulletin = _bulletin(request, pk, send=True)
    form = forms.BulletinFileForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            attached = services.bulletin_file_add(
                bulletin, file_name=upload.name, data=upload.read(), by=request.user
            )
        except CommsError as error:
            messages.error(request, error.message)
        else:
            if attached.is_image and f"]({attached.file_name})" in bulletin.body:
                messages.success(
                    request, f"{attached.file_name} added: it shows where the body names it."
                )
            elif attached.is_image:
                messages.success(
                    request,
                    f"{attached.file_name} added. To show it, write "
                    f"![What the picture shows]({attached.file_name}) in the body.",
                )
            else:
                messages.success(request, f"{attached.file_name} will be sent with the bulletin.")
    else:
        messages.error(request, "Choose a file to add.")
    return redirect("comms:bulletin", pk)


def bulletin_file(request, pk, file):
    bulletin = _bulletin(request, pk)
    attached = get_object_or_404(bulletin.files, pk=file)
    return FileResponse(
        attached.file.open("rb"),
        as_attachment=not attached.is_image,
        filename=attached.file_name,
        content_type=attached.content_type,
    )


@require_POST
def bulletin_file_remove(request, pk, file):
    bulletin = _bulletin(request, pk, send=True)
    attached = get_object_or_404(bulletin.files, pk=file)
    try:
        services.bulletin_file_remove(attached, by=request.user)
    except CommsError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{attached.file_name} removed.")
    return redirect("comms:bulletin", pk)


def preferences(request):
    form = forms.PreferencesForm(*posted(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        services.preferences_save(request.user, form.cleaned_data, by=request.user)
        messages.success(request, "Your email preferences are saved.")
        return redirect("comms:preferences")
    return render(request, "comms/preferences.html", {"form": form})
