"""The register of interests: the page and CSV the federation's people see, a declaration
(by the person, or recorded for them by the company secretary or administrator), ending an
interest, the yearly round and a person's return (nil allowed)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from accounts.models import User
from governance import board_forms as forms
from governance import board_selectors as reads
from governance import interests
from governance.access import can_run_governance, is_decision_maker
from governance.errors import GovernanceError
from governance.models import Interest
from governance.views import _federation
from kernel.exports import csv_response
from kernel.pages import form_page
from registry.views import posted


def register(request, slug):
    federation = _federation(request, slug)
    round_ = reads.current_round(federation)
    run = can_run_governance(request.user, federation)
    return render(
        request,
        "governance/interests.html",
        {
            "federation": federation,
            "interests": reads.register_of_interests(federation),
            "round": round_,
            "outstanding": User.objects.filter(pk__in=reads.round_outstanding(round_))
            if round_ and run
            else [],
            "run": run,
            "declares": is_decision_maker(request.user, federation),
            "returned": round_ is not None
            and round_.returns.filter(user_id=request.user.pk).exists(),
        },
    )


def register_csv(request, slug):
    federation = _federation(request, slug)
    rows = interests.interests_export(federation, by=request.user)
    return csv_response(
        f"{federation.slug}-register-of-interests.csv", reads.INTEREST_COLUMNS, rows
    )


def _declarer(request, federation) -> bool:
    run = can_run_governance(request.user, federation)
    if not run and not is_decision_maker(request.user, federation):
        raise Http404("No such page")
    return run


def interest_new(request, slug):
    federation = _federation(request, slug)
    run = _declarer(request, federation)
    people = User.objects.filter(pk__in=reads.decision_makers(federation))
    if not run:
        people = people.filter(pk=request.user.pk)
    form = forms.InterestForm(*posted(request), people=people, initial={"user": request.user.pk})
    back = reverse("governance:interests", args=[slug])
    return form_page(
        request,
        form,
        save=lambda d: interests.interest_declare(federation=federation, by=request.user, **d),
        done=lambda i: (f"Interest in {i.party} declared", back),
        title="Declare an interest",
        errors=GovernanceError,
        back=back,
        intro="Declare on appointment, within 28 days of a change, and in the yearly round.",
    )


def interest_end(request, pk):
    interest = get_object_or_404(Interest.objects.select_related("federation"), pk=pk)
    federation = _federation(request, interest.federation.slug)
    run = _declarer(request, federation)
    if not run and interest.user_id != request.user.pk:
        raise Http404("No such interest")
    form = forms.forms.Form(*posted(request))
    form.fields["end_date"] = forms.forms.DateField(widget=forms.DATE, label="Ended on")
    back = reverse("governance:interests", args=[federation.slug])
    return form_page(
        request,
        form,
        save=lambda d: interests.interest_end(interest=interest, by=request.user, **d),
        done=lambda i: (f"Interest in {i.party} ended", back),
        title=f"End an interest: {interest.party}",
        errors=GovernanceError,
        back=back,
    )


def round_new(request, slug):
    federation = _federation(request, slug, run=True)
    back = reverse("governance:interests", args=[slug])
    return form_page(
        request,
        forms.RoundForm(*posted(request)),
        save=lambda d: interests.round_open(federation=federation, by=request.user, **d),
        done=lambda r: (f"The {r.year} round is open: reminders are on their way", back),
        title="Open the yearly round of declarations",
        errors=GovernanceError,
        button="Open the round",
        back=back,
    )


def interest_return(request, slug):
    federation = _federation(request, slug)
    if not is_decision_maker(request.user, federation):
        raise Http404("No such page")
    round_ = reads.current_round(federation)
    if round_ is None:
        raise Http404("No round is open")
    back = reverse("governance:interests", args=[slug])
    return form_page(
        request,
        forms.ReturnForm(*posted(request)),
        save=lambda d: interests.return_make(
            round_=round_, user=request.user, nil=d["nil"] == "nil", by=request.user
        ),
        done=lambda r: (f"Your {round_.year} return is made", back),
        title=f"Your declarations of interest for {round_.year}",
        errors=GovernanceError,
        button="Make my return",
        back=back,
    )
