"""Pages of the registry. Each view validates input, calls a selector or service, renders."""

# Over 500 lines: search, organisations, federations and their memberships (with leaving
# dates and consent), imports; to become a views package by section, as finance's did.

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts import permissions as perms
from finance.selectors import pcn_entitlements
from kernel.requests import client_ip
from registry import charts, selectors
from registry.forms import (
    FederationForm,
    ImportUploadForm,
    MembershipAddForm,
    MembershipEndChangeForm,
    MembershipEndForm,
    PopulationForm,
    PracticeCorrectionForm,
    SearchForm,
)
from registry.importers.detect import Kind
from registry.importing import import_run_create
from registry.models import PCN, FederationMembership, MembershipConsent, Practice
from registry.services import (
    CORRECTABLE_PRACTICE_FIELDS,
    RegistryError,
    federation_create,
    federation_membership_end,
    federation_membership_end_change,
    federation_membership_request,
    membership_consent_decide,
    membership_consent_withdraw,
    membership_end_changeable,
    population_set,
    practice_correct,
)
from registry.tasks import run_import


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def posted(request, *, files: bool = False) -> tuple:
    """Form data only when the request is a POST, so an empty POST still shows its errors."""
    if request.method != "POST":
        return (None, None) if files else (None,)
    return (request.POST, request.FILES) if files else (request.POST,)


def form_error(form, error: RegistryError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def search(request):
    perms.require(perms.can_read_registry(request.user))
    icb = request.GET.get("icb", "")
    form = SearchForm(
        request.GET or None,
        icbs=selectors.icb_choices(),
        sub_icbs=selectors.sub_icb_choices(icb),
    )
    practices = pcns = None
    page = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if any(data.values()):
            qs = selectors.practice_search(
                q=data["q"], icb=data["icb"], sub_icb=data["sub_icb"], status=data["status"]
            )
            page = Paginator(qs, 25).get_page(request.GET.get("page"))
            practices = page.object_list
            if not data["status"]:
                pcns = selectors.pcn_search(q=data["q"], icb=data["icb"], sub_icb=data["sub_icb"])[
                    :10
                ]
    context = {"form": form, "practices": practices, "pcns": pcns, "page": page}
    if is_htmx(request):
        return render(request, "registry/_search_results.html", context)
    return render(request, "registry/search.html", context)


def practice_detail(request, code: str):
    perms.require(perms.can_read_registry(request.user))
    practice = get_object_or_404(Practice, code=code.upper())
    visible = perms.visible_federations(request.user)
    history = selectors.practice_list_history(practice)
    chart = charts.line_chart(
        f"Registered patients at {practice.name}",
        [(ls.extract_date.strftime("%b %Y"), ls.patients) for ls in history],
    )
    return render(
        request,
        "registry/practice_detail.html",
        {
            "practice": practice,
            "report": selectors.practice_report(practice, federations=visible),
            "pcn_spells": practice.pcn_spells.select_related("pcn").order_by("-start_date"),
            "commissioner_spells": practice.commissioner_spells.select_related(
                "commissioner"
            ).order_by("-start_date"),
            "memberships": practice.federation_memberships.filter(federation__in=visible)
            .select_related("federation")
            .order_by("-start_date"),
            "can_correct": perms.can_correct_practice(request.user, practice),
            "can_set_population": perms.can_set_population(request.user, practice),
            "history": history,
            "today": selectors.today(),
            "latest": history[-1] if history else None,
            "chart": chart,
            "manual_fields": practice.manual_fields,
            **_populations(request, practice),
            "consents": [
                consent
                for consent in practice.consent_requests.filter(
                    status=MembershipConsent.Status.WAITING
                )
                .select_related("federation")
                .order_by("requested_at")
                if perms.can_decide_consent(request.user, practice, consent)
            ]
            if perms.can_decide_consent(request.user, practice)
            else [],
        },
    )


@require_http_methods(["GET", "POST"])
def consent_decide(request, code: str, pk: int):
    """The practice manager's answer to a federation asking to hold the practice too. It is
    final, so it confirms first: the practice's page leads to a page that says what accepting
    (or declining) does, with a note to send; only its POST answers."""
    practice = get_object_or_404(Practice, code=code.upper())
    perms.require(perms.can_decide_consent(request.user, practice))
    consent = get_object_or_404(practice.consent_requests.select_related("federation"), pk=pk)
    perms.require(perms.can_decide_consent(request.user, practice, consent))
    data = request.POST if request.method == "POST" else request.GET
    decision = data.get("decision")
    if decision not in {"accept", "decline"}:
        messages.error(request, "Choose to accept or to decline.")
        return redirect("registry:practice", code=practice.code)
    accept = decision == "accept"
    if request.method == "GET":
        if consent.status != MembershipConsent.Status.WAITING:
            messages.error(
                request, f"This request was already {consent.get_status_display().lower()}."
            )
            return redirect("registry:practice", code=practice.code)
        return render(
            request,
            "registry/consent_decide.html",
            {"practice": practice, "consent": consent, "accept": accept, "decision": decision},
        )
    try:
        membership_consent_decide(
            consent=consent, accept=accept, by=request.user, note=request.POST.get("note", "")
        )
    except RegistryError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"{practice.name} is now a member of {consent.federation.name} too."
            if accept
            else f"You declined {consent.federation.name}'s request.",
        )
    return redirect("registry:practice", code=practice.code)


@require_POST
def consent_withdraw(request, slug: str, pk: int):
    federation = get_object_or_404(perms.visible_federations(request.user), slug=slug)
    perms.require(perms.can_manage_federation(request.user, federation))
    consent = get_object_or_404(federation.consent_requests, pk=pk)
    try:
        membership_consent_withdraw(consent=consent, by=request.user)
    except RegistryError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"The request to {consent.practice.name} is withdrawn.")
    return redirect("registry:federation", slug=federation.slug)


@require_http_methods(["GET", "POST"])
def practice_correct_view(request, code: str):
    practice = get_object_or_404(Practice, code=code.upper())
    perms.require(perms.can_correct_practice(request.user, practice))
    initial = {f: getattr(practice, f) for f in CORRECTABLE_PRACTICE_FIELDS}
    form = PracticeCorrectionForm(*posted(request), initial=initial)
    form.fields["release"].choices = [
        c for c in form.fields["release"].choices if c[0] in (practice.manual_fields or [])
    ]
    if request.method == "POST" and form.is_valid():
        values = {
            f: form.cleaned_data[f]
            for f in CORRECTABLE_PRACTICE_FIELDS
            if form.cleaned_data[f] != initial[f]
        }
        try:
            practice_correct(
                practice=practice,
                by=request.user,
                values=values,
                release=form.cleaned_data["release"],
            )
        except RegistryError as error:
            form_error(form, error)
        else:
            messages.success(
                request, f"{practice.code} updated. Imports will keep your corrections."
            )
            return redirect("registry:practice", code=practice.code)
    return render(request, "registry/practice_correct.html", {"practice": practice, "form": form})


def pcn_detail(request, code: str):
    perms.require(perms.can_read_registry(request.user))
    pcn = get_object_or_404(PCN.objects.select_related("sub_icb__parent"), code=code.upper())
    day = selectors.today()
    practices = selectors.pcn_practices_on(pcn, day)
    sizes = selectors.list_sizes_on([p.pk for p in practices], day)
    rows = [{"practice": p, "list_size": sizes.get(p.pk)} for p in practices]
    return render(
        request,
        "registry/pcn_detail.html",
        {
            "pcn": pcn,
            "rows": rows,
            "registered": selectors.pcn_registered_list(pcn, day),
            **_populations(request, pcn),
            "can_set_population": perms.can_set_population(request.user, pcn),
            "spells": pcn.practice_spells.select_related("practice").order_by(
                "-start_date", "practice__name"
            ),
        },
    )


def _populations(request, org) -> dict:
    """The yearly populations as the reader's federation uses them: its own figures, labelled,
    where it keeps them, else the national ones. A reader in several federations holding the
    practice or PCN picks one (``?federation=slug``), or the national figures
    (``?federation=national``); an installation operator sees the national figures unless
    they pick a federation."""
    choices = list(perms.own_population_federations(request.user, org))
    chosen = request.GET.get("federation", "")
    federation = next((f for f in choices if f.slug == chosen), None)
    operator = perms.can_set_national_population(request.user)
    if federation is None and choices and not chosen and not operator:
        federation = choices[0]
    context = {
        "populations": selectors.population_table(org, federation),
        "population_federation": federation,
        "population_choices": choices,
    }
    if isinstance(org, PCN):
        year = selectors.financial_year_of(selectors.today())
        context["entitlements"] = pcn_entitlements(org, year, federation=federation)
    return context


def _population_form(request, org, back_url: str):
    perms.require(perms.can_set_population(request.user, org))
    form = PopulationForm(
        *posted(request),
        federations=perms.population_federations(request.user, org),
        national=perms.can_set_national_population(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        owner = {"pcn": org} if isinstance(org, PCN) else {"practice": org}
        try:
            population_set(
                financial_year=data["financial_year"],
                measure=data["measure"],
                value=data["value"],
                source=data["source"],
                federation=data["federation"],
                by=request.user,
                **owner,
            )
        except RegistryError as error:
            form_error(form, error)
        else:
            messages.success(request, "Population saved.")
            return redirect(back_url)
    return render(
        request, "registry/population_form.html", {"org": org, "form": form, "back_url": back_url}
    )


@require_http_methods(["GET", "POST"])
def pcn_population(request, code: str):
    pcn = get_object_or_404(PCN, code=code.upper())
    return _population_form(request, pcn, reverse("registry:pcn", args=[pcn.code]))


@require_http_methods(["GET", "POST"])
def practice_population(request, code: str):
    practice = get_object_or_404(Practice, code=code.upper())
    return _population_form(request, practice, reverse("registry:practice", args=[practice.code]))


def federation_list(request):
    return render(
        request,
        "registry/federation_list.html",
        {
            "federations": perms.visible_federations(request.user),
            "can_create_federation": perms.can_create_federation(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def federation_new(request):
    perms.require(perms.can_create_federation(request.user))
    form = FederationForm(*posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            federation = federation_create(by=request.user, **form.cleaned_data)
        except RegistryError as error:
            form_error(form, error)
        else:
            messages.success(request, f"{federation.name} created. Now add its member practices.")
            return redirect("registry:federation", slug=federation.slug)
    return render(request, "registry/federation_new.html", {"form": form})


def federation_detail(request, slug: str):
    federation = get_object_or_404(perms.visible_federations(request.user), slug=slug)
    summary = selectors.federation_summary(federation)
    trend = selectors.federation_population_trend(federation)
    profile = selectors.federation_age_profile(federation)
    by_year = selectors.federation_membership_by_year(federation)
    return render(
        request,
        "registry/federation_detail.html",
        {
            **summary,
            "trend": trend,
            "trend_chart": charts.line_chart(
                "Registered patients of member practices",
                [(t["date"].strftime("%b %Y"), t["patients"]) for t in trend],
            ),
            "profile": profile,
            "profile_chart": (
                charts.stacked_bar_chart(
                    "Registered patients by age band",
                    [(b["label"], b["male"], b["female"]) for b in profile["bands"]],
                    ("Male", "Female"),
                )
                if profile
                else None
            ),
            "by_year": by_year,
            "joins_chart": charts.joins_and_leaves_chart(
                "Practices joining and leaving each year",
                by_year,
                last_year=selectors.today().year,
            ),
            "events": selectors.federation_membership_events(federation)[:50],
            "memberships": selectors.federation_memberships(federation),
            "today": selectors.today(),
            "can_manage": perms.can_manage_federation(request.user, federation),
            "consents": federation.consent_requests.filter(
                status=MembershipConsent.Status.WAITING
            ).select_related("practice"),
        },
    )


@require_http_methods(["GET", "POST"])
def membership_add(request, slug: str):
    federation = get_object_or_404(perms.visible_federations(request.user), slug=slug)
    perms.require(perms.can_manage_federation(request.user, federation))
    form = MembershipAddForm(
        *posted(request), initial={"practice": request.GET.get("practice", "")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            added = federation_membership_request(
                federation=federation,
                practice=data["practice"],
                start_date=data["start_date"],
                join_reason=data["join_reason"],
                by=request.user,
            )
        except RegistryError as error:
            form_error(form, error)
        else:
            if isinstance(added, MembershipConsent):
                messages.success(
                    request,
                    f"{added.practice.name} is a member of another federation for these dates. "
                    "Its practice manager has been asked to agree: it joins when they accept.",
                )
            else:
                messages.success(request, f"{added.practice.name} added to {federation.name}.")
            return redirect("registry:federation", slug=federation.slug)
    return render(request, "registry/membership_add.html", {"federation": federation, "form": form})


@require_http_methods(["GET", "POST"])
def membership_end(request, slug: str, pk: int):
    federation = get_object_or_404(perms.visible_federations(request.user), slug=slug)
    perms.require(perms.can_manage_federation(request.user, federation))
    membership = get_object_or_404(
        FederationMembership.objects.select_related("practice"), pk=pk, federation=federation
    )
    if membership.end_date is not None:
        # It has a leaving date already: the page that changes it says whether it still can.
        return redirect("registry:membership-end-change", slug=federation.slug, pk=membership.pk)
    form = MembershipEndForm(*posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            federation_membership_end(membership=membership, by=request.user, **form.cleaned_data)
        except RegistryError as error:
            form_error(form, error)
        else:
            membership.refresh_from_db()
            messages.success(
                request,
                f"{membership.practice.name}'s membership ends: its last day is "
                f"{membership.end_date:%-d %B %Y}.",
            )
            return redirect("registry:federation", slug=federation.slug)
    return render(
        request,
        "registry/membership_end.html",
        {"federation": federation, "membership": membership, "form": form},
    )


@require_http_methods(["GET", "POST"])
def membership_end_change(request, slug: str, pk: int):
    """Correct or remove a leaving date that has not passed yet; once it has, the page says
    it stays as it is."""
    federation = get_object_or_404(perms.visible_federations(request.user), slug=slug)
    perms.require(perms.can_manage_federation(request.user, federation))
    membership = get_object_or_404(
        FederationMembership.objects.select_related("practice"),
        pk=pk,
        federation=federation,
        end_date__isnull=False,
    )
    action = request.POST.get("action", MembershipEndChangeForm.CHANGE)
    form = MembershipEndChangeForm(
        *posted(request),
        action=action,
        initial={
            "end_date": f"{membership.end_date:%-d/%-m/%Y}",
            "leave_reason": membership.leave_reason,
        },
    )
    if request.method == "POST" and form.is_valid():
        remove = form.action == MembershipEndChangeForm.REMOVE
        try:
            federation_membership_end_change(
                membership=membership,
                end_date=None if remove else form.cleaned_data["end_date"],
                leave_reason=None if remove else form.cleaned_data["leave_reason"],
                by=request.user,
            )
        except RegistryError as error:
            form_error(form, error)
        else:
            membership.refresh_from_db()
            messages.success(
                request,
                f"{membership.practice.name} stays a member of {federation.name}: it no longer "
                "has a leaving date."
                if remove
                else f"{membership.practice.name} now leaves {federation.name} after "
                f"{membership.end_date:%-d %B %Y}.",
            )
            return redirect(reverse("registry:federation", args=[federation.slug]) + "#members")
    return render(
        request,
        "registry/membership_end_change.html",
        {
            "federation": federation,
            "membership": membership,
            "form": form,
            "changeable": membership_end_changeable(membership),
        },
    )


@require_http_methods(["GET", "POST"])
def imports(request):
    perms.require(perms.can_import(request.user))
    form = ImportUploadForm(
        *posted(request, files=True),
        federations=perms.import_federations(request.user),
        national=perms.can_import_national(request.user),
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        with transaction.atomic():
            run = import_run_create(
                data=data,
                file_name=upload.name,
                by=request.user,
                kind=form.cleaned_data["kind"],
                dry_run=form.cleaned_data["dry_run"],
                origin=client_ip(request) or "web",
                federation=form.cleaned_data["federation"],
            )
            if form.cleaned_data["as_at"]:
                run.as_at = form.cleaned_data["as_at"]
                run.save(update_fields=["as_at"])
            transaction.on_commit(lambda: run_import.enqueue(run.pk))
        return redirect("registry:import", pk=run.pk)
    runs = Paginator(perms.visible_imports(request.user), 25)
    return render(
        request,
        "registry/imports.html",
        {"form": form, "page": runs.get_page(request.GET.get("page")), "kinds": Kind.LABELS},
    )


def import_detail(request, pk: int):
    perms.require(perms.can_import(request.user))
    run = perms.visible_imports(request.user).filter(pk=pk).first()
    if run is None:
        raise Http404
    context = {"run": run, "kinds": Kind.LABELS, "poll_url": reverse("registry:import", args=[pk])}
    if is_htmx(request):
        return render(request, "registry/_import_status.html", context)
    return render(request, "registry/import_detail.html", context)
