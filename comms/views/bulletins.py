"""Bulletins: the inbox, reading one, writing, sending and correcting them, their images and
files, the sender's archive with read rates, and email preferences."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts import permissions as perms
from comms import forms, selectors, services
from comms.models import Bulletin, Delivery, MailSettings
from comms.services import CommsError
from comms.text import to_html
from comms.views._shared import _kind, _sender
from kernel.documents import document_response
from kernel.formats import counted
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
            contacts=Count("pk", filter=Q(user__isnull=True)),
        )
        stats["read_rate"] = f"{stats['read'] / stats['total']:.0%}" if stats["total"] else "–"
    people = selectors.recipients(bulletin) if can_send and not bulletin.is_sent else None
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
            "recipients": len(people) if people is not None else None,
            "contacts": len(selectors.contact_recipients(bulletin, people))
            if people is not None
            else None,
        },
    )


def archive(request, kind, slug):
    sender = _sender(request, kind, slug)
    bulletins = (
        Bulletin.objects.filter(**{_kind(sender)[:-1]: sender})
        .annotate(
            total=Count("deliveries"),
            read=Count("deliveries", filter=Q(deliveries__read_at__isnull=False)),
            failed=Count("deliveries", filter=Q(deliveries__status="failed")),
        )
        .order_by(*selectors.NEWEST_FIRST)
    )
    query = request.GET.get("q", "").strip()
    if query:
        bulletins = bulletins.filter(Q(title__icontains=query) | Q(body__icontains=query))
    return render(
        request,
        "comms/archive.html",
        {
            "sender": sender,
            "kind": _kind(sender),
            "bulletins": bulletins,
            "query": query,
            "reply_to": selectors.reply_to(sender),
        },
    )


def mail_settings(request, kind, slug):
    """Where replies to the sender's bulletins and event emails go (Reply-To); they come from
    the site's address. Its administrators and communications lead set it."""
    sender = _sender(request, kind, slug)
    stored = MailSettings.objects.filter(**{_kind(sender)[:-1]: sender}).first()
    form = forms.MailSettingsForm(*posted(request), instance=stored)
    if request.method == "POST" and form.is_valid():
        try:
            services.reply_to_save(sender, form.cleaned_data["reply_to"], by=request.user)
        except CommsError as error:
            form.add_error("reply_to", error.message)
        else:
            address = form.cleaned_data["reply_to"]
            messages.success(
                request,
                f"Replies to {sender.name}'s bulletins and event emails now go to {address}."
                if address
                else f"{sender.name}'s bulletins and event emails now have no reply-to address.",
            )
            return redirect("comms:archive", _kind(sender), sender.slug)
    return render(
        request,
        "comms/form.html",
        {
            "form": form,
            "sender": sender,
            "title": f"Email settings for {sender.name}",
            "intro": f"Bulletins and event emails come from {settings.DEFAULT_FROM_EMAIL}. "
            "Give the address replies should reach.",
            "back": reverse("comms:archive", args=[_kind(sender), sender.slug]),
        },
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


@require_http_methods(["GET", "POST"])
def bulletin_send(request, pk):
    """Sending confirms first: a GET (the draft page's Send button, a plain form) shows what
    will happen, to how many people and which audiences, with which files; only the POST from
    that page sends it or schedules it. No JavaScript is needed."""
    bulletin = _bulletin(request, pk, send=True)
    form = forms.SendForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("comms:bulletin", pk)
    at = form.cleaned_data["send_at"]
    if bulletin.status != Bulletin.Status.DRAFT:
        messages.error(request, f"“{bulletin}” has already been sent or scheduled.")
        return redirect("comms:bulletin", pk)
    if request.method == "GET":
        preview = selectors.send_preview(bulletin)
        return render(
            request,
            "comms/send_confirm.html",
            {
                "bulletin": bulletin,
                "preview": preview,
                "people": counted(preview["people"], "person", "people"),
                "contacts": counted(preview["contacts"], "directory contact"),
                "total": counted(preview["total"], "person", "people"),
                "files": list(bulletin.files.all()),
                "send_at": at,
                "send_at_value": request.GET.get("send_at", "").strip() if at else "",
                "later": at is not None and at > timezone.now(),
            },
        )
    try:
        count = services.bulletin_send(bulletin, by=request.user, at=at)
    except CommsError as error:
        messages.error(request, error.message)
    else:
        if count:
            messages.success(
                request,
                f"Sending to {counted(count, 'person', 'people')}: the worker is delivering it.",
            )
        else:
            messages.success(request, f"Scheduled for {at:%-d %B %Y at %H:%M}.")
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
    return document_response(
        request,
        attached.file,
        sha256=attached.sha256,
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


@login_not_required  # the link in a contact's email: they have no gpfed account
@csrf_exempt  # RFC 8058's one-click POST comes from the mail program; the signed token is the key
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """A directory contact stops a federation's bulletins: the GET (the link in the email)
    asks with a button, the POST (that button, or the mail program's one-click unsubscribe)
    records it. The signed token names the one contact and the one federation."""
    try:
        contact = services.unsubscribe_target(token)
    except CommsError as error:
        return render(request, "comms/unsubscribe.html", {"refused": error.message}, status=400)
    done = contact is None or services.is_unsubscribed(contact)
    if request.method == "POST" and contact is not None:
        services.unsubscribe(contact)
        done = True
    return render(request, "comms/unsubscribe.html", {"contact": contact, "done": done})
