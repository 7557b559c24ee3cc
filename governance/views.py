"""Governance pages: a federation's governance home with its resolutions, the articles, the
register of members (and its CSV), allocating shares by rule (preview, then a confirm page),
circulating a resolution, a resolution with its result and who voted how, the vote form for a
practice's nominated voter (with a confirm step) and the paper-vote form."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from governance import forms, selectors, services
from governance.access import (
    can_run_governance,
    can_see_governance,
    can_see_risks,
    governance_federations,
)
from governance.errors import GovernanceError
from governance.models import Member, Resolution, Vote
from kernel.exports import csv_response
from kernel.pages import form_page, refuse
from registry.models import Federation, Practice
from registry.views import posted


def _federation(request, slug: str, *, run: bool = False) -> Federation:
    federation = get_object_or_404(governance_federations(request.user), slug=slug)
    if not can_see_governance(request.user, federation):
        raise Http404("No such federation")
    if run and not can_run_governance(request.user, federation):
        raise Http404("No such page")
    return federation


def _resolution(request, pk: int, *, run: bool = False) -> Resolution:
    resolution = get_object_or_404(
        Resolution.objects.exclude(kind=Resolution.Kind.BOARD).select_related("federation"),
        pk=pk,
    )
    _federation(request, resolution.federation.slug, run=run)
    return resolution


def index(request):
    federations = [
        f for f in governance_federations(request.user) if can_see_governance(request.user, f)
    ]
    if not federations:
        raise Http404("No governance to show")
    if len(federations) == 1:
        return redirect("governance:home", slug=federations[0].slug)
    return render(request, "governance/index.html", {"federations": federations})


def home(request, slug):
    federation = _federation(request, slug)
    return render(
        request,
        "governance/home.html",
        {
            "federation": federation,
            "articles": selectors.articles_of(federation),
            "resolutions": selectors.resolutions_of(federation),
            "run": can_run_governance(request.user, federation),
            "voting_for": selectors.nominated_practices(request.user, federation),
            "see_risks": can_see_risks(request.user, federation),
        },
    )


def articles(request, slug):
    federation = _federation(request, slug, run=True)
    form = forms.ArticlesForm(*posted(request), instance=selectors.articles_of(federation))
    return form_page(
        request,
        form,
        save=lambda d: services.articles_set(federation=federation, by=request.user, **d),
        done=lambda _: ("Articles saved", reverse("governance:home", args=[slug])),
        title="The articles' voting rules",
        errors=GovernanceError,
        back=reverse("governance:home", args=[slug]),
        intro=(
            "What the federation's articles of association say about members' votes. The "
            "Companies Act's defaults apply until they are changed here."
        ),
    )


def register(request, slug):
    federation = _federation(request, slug)
    return render(
        request,
        "governance/register.html",
        {
            "federation": federation,
            "rows": selectors.register_of_members(federation),
            "run": can_run_governance(request.user, federation),
        },
    )


def register_csv(request, slug):
    federation = _federation(request, slug)
    rows = services.register_export(federation, by=request.user)
    return csv_response(
        f"{federation.slug}-register-of-members.csv", selectors.REGISTER_COLUMNS, rows
    )


def member_edit(request, slug, code):
    federation = _federation(request, slug, run=True)
    practice = get_object_or_404(
        Practice.objects.filter(pk__in=federation.memberships.values("practice_id")),
        code=code.upper(),
    )
    entry = Member.objects.filter(federation=federation, practice=practice).first()
    initial = {
        "nominated_voter": entry.nominated_voter_id if entry else None,
        "liability": entry.liability if entry else Member.Liability.SHARES,
        "share_class": entry.share_class if entry else "Ordinary £1",
        "shares": entry.shares if entry else 0,
        "guarantee": entry.guarantee_pence / 100 if entry else None,
    }
    form = forms.MemberForm(
        *posted(request), initial=initial, federation=federation, practice=practice
    )

    def save(d):
        return services.member_set(
            federation=federation,
            practice=practice,
            nominated_voter=d["nominated_voter"],
            liability=d["liability"],
            share_class=d["share_class"],
            shares=d["shares"],
            guarantee_pence=int((d["guarantee"] or 0) * 100),
            by=request.user,
        )

    return form_page(
        request,
        form,
        save=save,
        done=lambda _: (
            f"{practice.name}'s entry saved",
            reverse("governance:register", args=[slug]),
        ),
        title=f"{practice.name} in the register of members",
        errors=GovernanceError,
        back=reverse("governance:register", args=[slug]),
    )


def shares(request, slug):
    federation = _federation(request, slug, run=True)
    allocation = selectors.share_allocation(federation)
    return render(
        request,
        "governance/shares.html",
        {
            "federation": federation,
            "allocation": allocation,
            "stale": selectors.allocation_out_of_date(federation, allocation),
        },
    )


@require_http_methods(["GET", "POST"])
def shares_apply(request, slug):
    """Applying the allocation confirms first: a page of the changes whose POST applies
    exactly what it showed (its fingerprint), so it works without JavaScript."""
    federation = _federation(request, slug, run=True)
    allocation = selectors.share_allocation(federation)
    if request.method == "POST":
        try:
            changed = services.shares_allocate(
                federation=federation,
                fingerprint=request.POST.get("fingerprint", "") or "missing",
                by=request.user,
            )
        except GovernanceError as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, f"Shares allocated: {changed} members' holdings changed")
        return redirect("governance:shares", slug=slug)
    return render(
        request,
        "governance/shares_confirm.html",
        {"federation": federation, "allocation": allocation},
    )


def resolution_new(request, slug):
    federation = _federation(request, slug, run=True)
    form = forms.ResolutionForm(*posted(request))
    return form_page(
        request,
        form,
        save=lambda d: services.resolution_circulate(federation=federation, by=request.user, **d),
        done=lambda r: (
            f"{r.title} circulated to {r.eligible_members.count()} members",
            reverse("governance:resolution", args=[r.pk]),
        ),
        title="Put a resolution to the members",
        errors=GovernanceError,
        button="Circulate",
        back=reverse("governance:home", args=[slug]),
        intro=(
            "Its eligible members, and each one's weight under the articles' voting rule, are "
            "fixed on the day it is circulated."
        ),
    )


def resolution(request, pk):
    resolution = _resolution(request, pk)
    federation = resolution.federation
    result = selectors.resolution_result(resolution)
    mine = selectors.nominated_practices(request.user, federation)
    voted = {v.practice_id for v in result.votes}
    eligible = {e.practice_id for e in result.eligible}
    return render(
        request,
        "governance/resolution.html",
        {
            "federation": federation,
            "resolution": resolution,
            "result": result,
            "run": can_run_governance(request.user, federation),
            "can_vote": result.status == "open"
            and any(p.pk in eligible and p.pk not in voted for p in mine),
        },
    )


def _votable(resolution: Resolution, practices) -> list[Practice]:
    eligible = set(resolution.eligible_members.values_list("practice_id", flat=True))
    return [p for p in practices if p.pk in eligible]


@require_http_methods(["GET", "POST"])
def vote(request, pk):
    """A nominated voter's vote: the form, then a page that says what will be recorded for
    good, whose POST (with ``confirm``) casts it."""
    resolution = _resolution(request, pk)
    practices = _votable(
        resolution, selectors.nominated_practices(request.user, resolution.federation)
    )
    if not practices:
        raise Http404("You are not the nominated voter of a member on this resolution")
    form = forms.VoteForm(*posted(request), practices=practices)
    back = reverse("governance:resolution", args=[pk])
    if request.method == "POST" and form.is_valid():
        practice = form.practices[form.cleaned_data["practice"]]
        choice = form.cleaned_data["choice"]
        existing = selectors.vote_of(resolution, practice)
        if existing is not None:
            form.add_error(None, services.already_voted(existing).message)
        elif request.POST.get("confirm") == "yes":
            try:
                services.vote_cast(
                    resolution=resolution, practice=practice, choice=choice, by=request.user
                )
            except GovernanceError as refused:
                refuse(form, refused)
            else:
                messages.success(
                    request, f"{practice.name}'s vote recorded: {Vote.Choice(choice).label}"
                )
                return redirect(back)
        else:
            return render(
                request,
                "governance/vote_confirm.html",
                {
                    "resolution": resolution,
                    "federation": resolution.federation,
                    "practice": practice,
                    "choice": choice,
                    "choice_label": Vote.Choice(choice).label,
                    "back": back,
                },
            )
    return render(
        request,
        "form.html",
        {
            "form": form,
            "title": f"Vote on: {resolution.title}",
            "button": "Continue",
            "back": back,
            "intro": "You confirm on the next page. A vote once cast is never changed.",
        },
        status=400 if form.errors else 200,
    )


def paper_vote(request, pk):
    resolution = _resolution(request, pk, run=True)
    voted = resolution.votes.values("practice_id")
    practices = list(
        Practice.objects.filter(pk__in=resolution.eligible_members.values("practice_id"))
        .exclude(pk__in=voted)
        .order_by("name")
    )
    back = reverse("governance:resolution", args=[pk])
    if not practices:
        messages.info(request, "Every eligible member has voted")
        return redirect(back)
    form = forms.PaperVoteForm(*posted(request), practices=practices)
    return form_page(
        request,
        form,
        save=lambda d: services.vote_cast(
            resolution=resolution,
            practice=form.practices[d["practice"]],
            choice=d["choice"],
            cast_on=d["cast_on"],
            on_paper=True,
            by=request.user,
        ),
        done=lambda v: (f"{v.practice.name}'s paper vote recorded", back),
        title=f"Record a vote received on paper: {resolution.title}",
        errors=GovernanceError,
        button="Record the vote",
        back=back,
        intro="The vote is recorded for good, with your name, in the audit trail.",
    )
