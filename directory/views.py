"""The member directory: a network's members (searchable, filterable), a member's entry, a
federation's own directory of practices, PCNs and contacts; join requests and decisions,
leaving, the advisory board, and contacts kept up to date by the people they belong to."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import permissions as perms
from accounts.models import Role
from directory import forms, selectors, services
from directory.models import BoardSeat, Contact, JoinRequest
from directory.services import DirectoryError
from kernel.exports import csv_response
from kernel.pages import form_page, refuse
from registry.importers.base import ImportFileError
from registry.models import Network, NetworkMembership
from registry.selectors import covering, extracts_text, federation_member_ids_on, today
from registry.views import posted


def _readable(request) -> None:
    if not perms.can_read_registry(request.user):
        raise Http404("No directory")


def _network(request, slug: str, *, manage: bool = False) -> Network:
    _readable(request)
    network = get_object_or_404(Network, slug=slug)
    if manage and not perms.can_manage_network(request.user, network):
        raise Http404("No such network")
    return network


def index(request):
    _readable(request)
    day = today()
    every = list(Network.objects.all())
    standing = selectors.network_standing(request.user, every, day)
    networks = [
        {
            "network": n,
            "members": covering(n.memberships.all(), day).count(),
            "standing": standing.get(n.pk, ""),
        }
        for n in every
    ]
    own = [
        f
        for f in perms.visible_federations(request.user)
        if perms.is_federation_member(request.user, f)
    ]
    return render(request, "directory/index.html", {"networks": networks, "own": own})


def network_detail(request, slug):
    network = _network(request, slug)
    everyone = selectors.member_rows(network)
    choices = selectors.filter_choices(everyone)
    form = forms.MemberFilterForm(request.GET or None, choices=choices)
    filters = form.values()
    rows = selectors.filter_rows(everyone, **filters)
    context = {
        "network": network,
        "rows": rows,
        "form": form,
        "filtered": any(filters[k] for k in ("q", "region", "icb")),
        "totals": {
            "members": len(everyone),
            "practices": sum(r.practices for r in everyone),
            "patients": sum(r.patients for r in everyone),
            "extracts": extracts_text(d for r in everyone for d in r.extract_dates),
        },
        "shown": {
            "practices": sum(r.practices for r in rows),
            "patients": sum(r.patients for r in rows),
            "extracts": extracts_text(d for r in rows for d in r.extract_dates),
        },
    }
    if request.headers.get("HX-Request"):
        return render(request, "directory/_members.html", context)
    manage = perms.can_manage_network(request.user, network)
    member_ids = {r.federation.pk for r in everyone}
    context.update(
        board=selectors.board(network),
        manage=manage,
        member=perms.is_network_member(request.user, network),
        pending=selectors.pending_requests(network).count() if manage else 0,
        past=selectors.past_members(network) if manage else [],
        joining=selectors.joining(network),
        may_join=perms.join_request_federations(request.user).exclude(pk__in=member_ids).exists(),
        own_requests=JoinRequest.objects.filter(
            network=network,
            federation__in=perms.join_request_federations(request.user),
            status=JoinRequest.Status.PENDING,
        ),
    )
    return render(request, "directory/network.html", context)


def member_detail(request, slug, federation):
    network = _network(request, slug)
    membership = (
        covering(network.memberships.filter(federation__slug=federation), today())
        .select_related("federation")
        .first()
    )
    if membership is None:
        raise Http404("Not a member")
    (row,) = selectors.summarise(
        [selectors.MemberRow(federation=membership.federation, membership=membership)], today()
    )
    member = perms.is_network_member(request.user, network)
    entry = selectors.federation_directory(membership.federation)
    return render(
        request,
        "directory/member.html",
        {
            "network": network,
            "row": row,
            "entry": entry,
            "member": member,
            "contacts": membership.federation.contacts.filter(in_network_directory=True)
            if member
            else [],
            "board": [s for s in selectors.board(network) if s.federation_id == row.federation.pk],
            "manage": perms.can_manage_network(request.user, network),
            "own": perms.is_federation_member(request.user, membership.federation),
        },
    )


def federation_directory(request, slug):
    federation = get_object_or_404(perms.visible_federations(request.user), slug=slug)
    member = perms.is_federation_member(request.user, federation)
    entry = selectors.federation_directory(federation)
    q = request.GET.get("q", "").strip()
    matches = None
    if member and q:
        matches = list(selectors.search_contacts(federation, q))
    return render(
        request,
        "directory/federation.html",
        {
            "federation": federation,
            "entry": entry,
            "member": member,
            "q": q,
            "matches": matches,
            "manage": perms.can_manage_contacts(request.user, federation),
            "editable": {
                c.pk
                for c in federation.contacts.all()
                if member and perms.can_edit_contact(request.user, c)
            },
            "managed_practices": _managed_practices(request, federation),
            "networks": selectors.networks_of(federation),
        },
    )


def _managed_practices(request, federation) -> set[int]:
    """The member practices whose contacts this person keeps as their practice manager."""

    managed = {
        practice_id
        for practice_id, within in perms.scope_for(request.user).practice_pairs(
            Role.PRACTICE_MANAGER
        )
        if within == federation.pk
    }
    return managed & set(federation_member_ids_on(federation)) if managed else set()


# --- contacts -------------------------------------------------------------------------------


def contact_new(request, slug):
    federation = get_object_or_404(perms.visible_federations(request.user), slug=slug)
    manage = perms.can_manage_contacts(request.user, federation)
    practices_only = None if manage else _managed_practices(request, federation)
    if not manage and not practices_only:
        raise Http404("No such directory")
    form = forms.ContactForm(
        *posted(request),
        federation=federation,
        practices_only=practices_only,
        initial={"practice": request.GET.get("practice")},
    )
    back = reverse("directory:federation", args=[federation.slug])

    def save(data):
        return services.contact_save(
            Contact(federation=federation, **_contact_fields(data)), by=request.user
        )

    return form_page(
        request,
        form,
        save=save,
        done=lambda c: (f"{c.name} added to the directory", back),
        title=f"Add a contact to {federation}'s directory",
        button="Add contact",
        errors=DirectoryError,
        back=back,
    )


def _contact_fields(data) -> dict:
    return {
        "name": data["name"].strip(),
        "role": data["role"].strip(),
        "email": data["email"].strip(),
        "phone": data["phone"].strip(),
        "practice": data.get("practice"),
        "pcn": data.get("pcn"),
        "in_network_directory": data.get("in_network_directory", False),
    }


def _contact(request, pk) -> Contact:
    contact = get_object_or_404(Contact.objects.select_related("federation", "practice"), pk=pk)
    if not (
        perms.is_federation_member(request.user, contact.federation)
        and perms.can_edit_contact(request.user, contact)
    ):
        raise Http404("No such contact")
    return contact


def contact_edit(request, pk):
    contact = _contact(request, pk)
    federation = contact.federation
    manage = perms.can_manage_contacts(request.user, federation)
    form = forms.ContactForm(
        *posted(request),
        instance=contact,
        federation=federation,
        practices_only=None if manage else _managed_practices(request, federation),
    )
    back = reverse("directory:federation", args=[federation.slug])

    def save(data):
        stored = Contact.objects.get(pk=contact.pk)
        for name, value in _contact_fields(data).items():
            if name in form.fields or name not in ("pcn", "in_network_directory"):
                setattr(stored, name, value)
        return services.contact_save(stored, by=request.user)

    return form_page(
        request,
        form,
        save=save,
        done=lambda c: (f"{c.name}'s details saved", back),
        title=f"Change {contact.name}'s details",
        errors=DirectoryError,
        back=back,
        delete=reverse("directory:contact_delete", args=[contact.pk]),
        template="directory/contact_form.html",
    )


def contacts_export(request, slug):
    federation = get_object_or_404(perms.visible_federations(request.user), slug=slug)
    if not perms.is_federation_member(request.user, federation):
        raise Http404("No such directory")
    rows = services.contacts_export(federation, by=request.user)
    return csv_response(f"{federation.slug}-contacts.csv", services.CONTACT_COLUMNS, rows)


def contacts_import(request, slug):
    federation = get_object_or_404(perms.visible_federations(request.user), slug=slug)
    if not perms.can_manage_contacts(request.user, federation):
        raise Http404("No such directory")
    form = forms.ContactsFileForm(*posted(request, files=True))
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            result = services.contacts_import(
                federation, form.cleaned_data["file"].read(), by=request.user
            )
        except ImportFileError as error:
            problems = error.problems
            form.add_error(
                "file",
                f"The file has {error.total} problem{'s' * (error.total != 1)}. Nothing was "
                "imported.",
            )
        else:
            messages.success(
                request,
                f"Contacts imported: {result['created']} new, {result['updated']} changed, "
                f"{result['unchanged']} unchanged.",
            )
            return redirect("directory:federation", slug)
    return render(
        request,
        "directory/contacts_import.html",
        {"federation": federation, "form": form, "problems": problems},
    )


@require_POST
def contact_delete(request, pk):
    contact = _contact(request, pk)
    slug = contact.federation.slug
    services.contact_delete(contact, by=request.user)
    messages.success(request, f"{contact.name} removed from the directory")
    return redirect("directory:federation", slug)


# --- joining and leaving --------------------------------------------------------------------


def join(request, slug):
    network = _network(request, slug)
    members = covering(network.memberships.all(), today()).values("federation_id")
    federations = perms.join_request_federations(request.user).exclude(pk__in=members)
    if not perms.join_request_federations(request.user).exists():
        raise Http404("No federation to ask for")
    back = reverse("directory:network", args=[network.slug])
    if not federations.exists():
        messages.info(request, "Every federation you administer is already a member")
        return redirect(back)
    form = forms.JoinForm(*posted(request), federations=federations)
    return form_page(
        request,
        form,
        save=lambda d: services.join_request(
            network=network, federation=d["federation"], message=d["message"], by=request.user
        ),
        done=lambda r: (
            f"{r.federation}'s request is with {network}'s administrators: you will hear by email",
            back,
        ),
        title=f"Ask to join {network}",
        button="Send request",
        errors=DirectoryError,
        back=back,
        intro="The network's administrators decide, and you will hear by email. Your "
        "federation's practices, PCNs and registered population are shown to the network; "
        "your contacts only where you choose.",
    )


def requests(request, slug):
    network = _network(request, slug, manage=True)
    return render(
        request,
        "directory/requests.html",
        {
            "network": network,
            "pending": [
                (r, row, forms.DecisionForm(prefix=f"r{r.pk}", initial={"start_date": today()}))
                for r, row in selectors.applicants(network)
            ],
            "decided": JoinRequest.objects.filter(network=network)
            .exclude(status=JoinRequest.Status.PENDING)
            .select_related("federation", "decided_by", "requested_by", "membership")[:50],
        },
    )


@require_POST
def decide(request, pk):
    join_request = get_object_or_404(JoinRequest.objects.select_related("network"), pk=pk)
    network = join_request.network
    if not perms.can_manage_network(request.user, network):
        raise Http404("No such request")
    form = forms.DecisionForm(request.POST, prefix=f"r{pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "approve":
                services.join_approve(
                    join_request, start_date=data["start_date"], note=data["note"], by=request.user
                )
                start = data["start_date"]
                messages.success(
                    request,
                    f"{join_request.federation} is now a member"
                    if start <= timezone.localdate()
                    else f"{join_request.federation} will be a member from {start:%-d %B %Y}",
                )
            else:
                services.join_decline(join_request, note=data["note"], by=request.user)
                messages.success(request, f"{join_request.federation}'s request is declined")
            return redirect("directory:requests", network.slug)
        except DirectoryError as error:
            refuse(form, error)
    return render(
        request,
        "directory/requests.html",
        {
            "network": network,
            "pending": [
                (r, row, form)
                for r, row in selectors.applicants(network)
                if r.pk == join_request.pk
            ]
            or [(join_request, None, form)],
            "decided": [],
            "one": True,
        },
        status=400,
    )


@require_POST
def withdraw(request, pk):
    join_request = get_object_or_404(JoinRequest.objects.select_related("network"), pk=pk)
    if (
        not perms.join_request_federations(request.user)
        .filter(pk=join_request.federation_id)
        .exists()
    ):
        raise Http404("No such request")
    try:
        services.join_withdraw(join_request, by=request.user)
        messages.success(request, "Your request is withdrawn")
    except DirectoryError as error:
        messages.error(request, error.message)
    return redirect("directory:network", join_request.network.slug)


def membership_end(request, pk):
    membership = get_object_or_404(
        NetworkMembership.objects.select_related("network", "federation"), pk=pk
    )
    network = membership.network
    if not perms.can_manage_network(request.user, network):
        raise Http404("No such membership")
    form = forms.EndForm(*posted(request), initial={"end_date": membership.end_date})
    back = reverse("directory:network", args=[network.slug])
    return form_page(
        request,
        form,
        save=lambda d: services.membership_end(membership, end_date=d["end_date"], by=request.user),
        done=lambda m: (f"{m.federation} is a member until {m.end_date:%-d %B %Y}", back),
        title=f"{membership.federation} leaves {network}",
        button="Record leaving",
        errors=DirectoryError,
        back=back,
        intro=f"Member since {membership.start_date:%-d %B %Y}. Its practices, PCNs and "
        "contacts leave the directory after the last day; the history stays.",
    )


# --- the advisory board ---------------------------------------------------------------------


def board_add(request, slug):
    network = _network(request, slug, manage=True)
    form = forms.BoardSeatForm(*posted(request), network=network, initial={"start_date": today()})
    back = reverse("directory:network", args=[network.slug])

    def save(data):
        return services.board_seat_save(BoardSeat(network=network, **data), by=request.user)

    return form_page(
        request,
        form,
        save=save,
        done=lambda s: (f"{s.name} joins the advisory board as {s.get_position_display()}", back),
        title=f"Add to {network}'s advisory board",
        errors=DirectoryError,
        back=back,
    )


def board_end(request, pk):
    seat = get_object_or_404(BoardSeat.objects.select_related("network"), pk=pk)
    if not perms.can_manage_network(request.user, seat.network):
        raise Http404("No such seat")
    form = forms.EndForm(*posted(request), initial={"end_date": today()})
    back = reverse("directory:network", args=[seat.network.slug])
    return form_page(
        request,
        form,
        save=lambda d: services.board_seat_end(seat, end_date=d["end_date"], by=request.user),
        done=lambda s: (f"{s.name}'s seat ends on {s.end_date:%-d %B %Y}", back),
        title=f"{seat.name} leaves the advisory board",
        button="Record the last day",
        errors=DirectoryError,
        back=back,
    )
