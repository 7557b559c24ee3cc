"""Events: the list, an event's page (registering, cancelling, the waiting list, attendance),
adding one, and its materials."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts import permissions as perms
from comms import events, forms, selectors
from comms.models import Event, Registration
from comms.services import CommsError
from comms.text import to_html
from comms.views._shared import _kind, _sender
from kernel.documents import document_response
from kernel.formats import counted
from registry.models import Network
from registry.views import posted


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
            "agenda": event.agenda_items(),
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


def event_edit(request, pk):
    """Change an event (whoever may add one): those registered are told by email, with their
    calendar entry updated; a cancelled event cannot be changed."""
    event = _event(request, pk, organise=True)
    if event.is_cancelled:
        messages.error(request, "The event is cancelled: it cannot be changed.")
        return redirect("comms:event", pk)
    sequence_before, title = event.sequence, event.title
    form = forms.EventForm(*posted(request), instance=event, sender=event.sender)
    if request.method == "POST" and form.is_valid():
        changed = form.save(commit=False)
        try:
            events.event_save(changed, by=request.user, audience=form.audience())
        except CommsError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            told = changed.registrations.filter(status__in=["registered", "waiting"]).count()
            messages.success(
                request,
                "Event changed."
                + (
                    f" {counted(told, 'person', 'people')} registered or waiting "
                    f"{'is' if told == 1 else 'are'} being told by email."
                    if told and changed.sequence != sequence_before
                    else ""
                ),
            )
            return redirect("comms:event", pk)
    return render(
        request,
        "comms/form.html",
        {
            "form": form,
            "sender": event.sender,
            "title": f"Change “{title}”",
            "intro": "If you change the time, place, link, title, description or agenda, "
            "everyone registered or waiting is emailed, with an updated calendar entry.",
            "back": reverse("comms:event", args=[pk]),
        },
    )


@require_http_methods(["GET", "POST"])
def event_cancel(request, pk):
    """Cancelling an event confirms first: the GET says what will happen; the POST does it."""
    event = _event(request, pk, organise=True)
    if event.is_cancelled:
        messages.info(request, "The event is already cancelled.")
        return redirect("comms:event", pk)
    if request.method == "POST":
        try:
            told = events.event_cancel(event, by=request.user)
        except CommsError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                "Event cancelled."
                + (f" {counted(told, 'person', 'people')} will be told by email." if told else ""),
            )
        return redirect("comms:event", pk)
    held = event.registrations.filter(status__in=["registered", "waiting"])
    registered_count = held.filter(status="registered").count()
    waiting_count = held.filter(status="waiting").count()
    return render(
        request,
        "comms/event_cancel.html",
        {
            "event": event,
            "registered": counted(registered_count, "person", "people"),
            "waiting": counted(waiting_count, "person", "people"),
            "registered_count": registered_count,
            "waiting_count": waiting_count,
            "past": event.ends_at <= timezone.now(),
        },
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
    return document_response(  # a material added before SHA-256s were recorded has none
        request,
        found.file,
        sha256=found.sha256 or None,
        filename=found.file_name or found.file.name.rsplit("/", 1)[-1],
    )
