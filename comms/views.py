"""Pages for bulletins: the inbox, reading one, writing, sending and correcting them, the
sender's archive with read rates, and email preferences."""

# Over 500 lines: the bulletin, event and library pages; to become a views package.

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import permissions as perms
from comms import events, forms, library, selectors, services
from comms.models import Bulletin, Delivery, Event, Registration, Resource
from comms.services import CommsError
from comms.text import to_html
from registry.models import Federation, Network
from registry.views import posted


def _sender(request, kind: str, slug: str):
    model = {"federations": Federation, "networks": Network}.get(kind)
    if model is None:
        raise Http404("No such sender")
    sender = get_object_or_404(model, slug=slug)
    if not perms.can_send_bulletins(request.user, sender):
        raise Http404("No such sender")
    return sender


def _kind(sender) -> str:
    return "networks" if isinstance(sender, Network) else "federations"


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


# --- events ---------------------------------------------------------------------------------


def _event(request, pk, *, organise=False) -> Event:
    event = get_object_or_404(Event.objects.select_related("federation", "network"), pk=pk)
    organiser = perms.can_send_bulletins(request.user, event.sender)
    if organise and not organiser:
        raise Http404("No such event")
    if not organiser and not events.may_register(event, request.user):
        raise Http404("No such event")
    return event


def event_list(request):
    mine = Registration.objects.filter(user=request.user).exclude(status="cancelled")
    status = dict(mine.values_list("event_id", "status"))
    upcoming = [
        e
        for e in Event.objects.filter(ends_at__gte=timezone.now()).select_related(
            "federation", "network"
        )
        if e.pk in status
        or perms.can_send_bulletins(request.user, e.sender)
        or events.may_register(e, request.user)
    ]
    return render(
        request,
        "comms/event_list.html",
        {
            "events": [{"event": e, "status": status.get(e.pk)} for e in upcoming],
            "senders": [
                {"kind": _kind(s), "slug": s.slug, "name": s.name}
                for s in perms.bulletin_senders(request.user)
            ],
        },
    )


def event_detail(request, pk):
    event = _event(request, pk)
    organiser = perms.can_send_bulletins(request.user, event.sender)
    mine = Registration.objects.filter(event=event, user=request.user).first()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "register":
                mine = events.register(event, request.user)
                messages.success(
                    request,
                    "You are registered: an invite is on its way."
                    if mine.status == "registered"
                    else "The event is full: you are on the waiting list.",
                )
            elif action == "cancel" and mine:
                events.cancel(mine, by=request.user)
                messages.success(request, "Your place is cancelled.")
            elif action == "attendance" and organiser:
                ids = {int(x) for x in request.POST.getlist("attended") if x.isdigit()}
                count = events.record_attendance(event, ids, by=request.user)
                messages.success(request, f"Attendance recorded: {count} attended.")
            elif action == "remove":
                perms.require(organiser)
                chosen = request.POST.get("registration", "")
                registration = get_object_or_404(
                    event.registrations.select_related("user"),
                    pk=int(chosen) if chosen.isdigit() else 0,
                )
                promoted = events.registration_remove(registration, by=request.user)
                messages.success(
                    request,
                    f"{registration.user.full_name or registration.user.email} removed."
                    + (
                        f" {promoted.user.full_name or promoted.user.email} has the place."
                        if promoted
                        else ""
                    ),
                )
        except CommsError as error:
            messages.error(request, error.message)
        return redirect("comms:event", pk)
    registrations = (
        event.registrations.exclude(status="cancelled").select_related("user") if organiser else []
    )
    if organiser:
        reached = selectors.recipients(event)
        for registration in registrations:
            registration.reached = registration.user_id in reached
    waiting_position = None
    if mine and mine.status == "waiting":
        waiting_position = event.registrations.filter(
            status="waiting", created_at__lte=mine.created_at
        ).count()
    return render(
        request,
        "comms/event.html",
        {
            "event": event,
            "description": to_html(event.description),
            "agenda": to_html(event.agenda),
            "mine": mine if mine and mine.status != "cancelled" else None,
            "waiting_position": waiting_position,
            "organiser": organiser,
            "registrations": registrations,
            "taken": event.registrations.filter(status="registered").count(),
            "past": event.ends_at < timezone.now(),
            "materials": event.materials.all(),
            "material_form": forms.MaterialForm(),
        },
    )


def event_new(request, kind, slug):
    sender = _sender(request, kind, slug)
    form = forms.EventForm(*posted(request), sender=sender)
    if request.method == "POST" and form.is_valid():
        event = form.save(commit=False)
        if isinstance(sender, Network):
            event.network = sender
        else:
            event.federation = sender
        event.created_by = request.user
        try:
            saved = events.event_save(event, by=request.user, audience=form.audience())
        except CommsError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, "Event saved: people in its audience can now register.")
            return redirect("comms:event", saved.pk)
    return render(
        request,
        "comms/form.html",
        {"form": form, "sender": sender, "title": f"Add an event from {sender.name}"},
    )


@require_POST
def material_add(request, pk):
    event = _event(request, pk, organise=True)
    form = forms.MaterialForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            events.material_add(
                event,
                title=form.cleaned_data["title"],
                file_name=upload.name,
                data=upload.read(),
                by=request.user,
            )
        except CommsError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Material added.")
    else:
        messages.error(request, "Give the material a title and choose a file.")
    return redirect("comms:event", pk)


def material_download(request, pk, material):
    event = _event(request, pk)
    found = get_object_or_404(event.materials, pk=material)
    return FileResponse(
        found.file.open("rb"), as_attachment=True, filename=found.file.name.rsplit("/", 1)[-1]
    )


# --- the shared library ---------------------------------------------------------------------


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
    return FileResponse(version.file.open("rb"), as_attachment=True, filename=version.file_name)


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
