"""The bids pipeline's pages, under /bids/<federation>/: the pipeline by stage, the win/loss
history, an opportunity with its criteria, documents, dated stages and commitments, the forms
that change it (won, lost and withdrawn are pages that say what will happen, whose POST acts),
asking member practices to commit, a practice's answer and the OCDS import."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from bids import forms, importing, selectors, services
from bids.access import (
    bids_federations,
    can_open_bids,
    can_read_bids,
    can_run_bids,
    managed_practice_ids,
)
from bids.errors import BidsError
from bids.models import Commitment
from bids.ocds import OcdsError, notices_read
from kernel.formats import counted
from kernel.pages import form_page
from registry.selectors import today
from registry.views import posted


def _federation(request, slug: str, *, run: bool = False, read: bool = False):
    federation = get_object_or_404(bids_federations(request.user), slug=slug)
    if not can_open_bids(request.user, federation):
        raise Http404("No such federation")
    if run and not can_run_bids(request.user, federation):
        raise Http404("No such page")
    if read and not can_read_bids(request.user, federation):
        raise Http404("No such page")
    return federation


def _opportunity(request, slug: str, pk: int, *, run: bool = False):
    """The opportunity, for a reader of the pipeline, or for a practice manager whose
    practice is asked to commit to it; 404 for anyone else."""
    federation = _federation(request, slug, run=run)
    opportunity = selectors.opportunity_in(federation, pk)
    if opportunity is None:
        raise Http404("No such opportunity")
    if not can_read_bids(request.user, federation) and not selectors.is_asked(
        opportunity, managed_practice_ids(request.user, federation)
    ):
        raise Http404("No such opportunity")
    return federation, opportunity


def _detail(opportunity) -> str:
    return reverse("bids:opportunity", args=[opportunity.federation.slug, opportunity.pk])


def index(request):
    federations = list(bids_federations(request.user))
    if not federations:
        raise Http404("No bids to show")
    if len(federations) == 1:
        return redirect("bids:pipeline", slug=federations[0].slug)
    return render(request, "bids/index.html", {"federations": federations})


def pipeline(request, slug):
    federation = _federation(request, slug)
    reader = can_read_bids(request.user, federation)
    practice_ids = None if reader else managed_practice_ids(request.user, federation)
    stages = selectors.pipeline(federation, practice_ids=practice_ids)
    return render(
        request,
        "bids/pipeline.html",
        {
            "federation": federation,
            "stages": stages,
            "total_pence": sum(s.value_pence for s in stages),
            "count": sum(len(s.opportunities) for s in stages),
            "run": can_run_bids(request.user, federation),
            "reader": reader,
        },
    )


def history(request, slug):
    federation = _federation(request, slug, read=True)
    return render(
        request,
        "bids/history.html",
        {"federation": federation, "history": selectors.history(federation)},
    )


def opportunity(request, slug, pk):
    federation, opportunity = _opportunity(request, slug, pk)
    reader = can_read_bids(request.user, federation)
    mine = managed_practice_ids(request.user, federation)
    commitments = selectors.commitments(opportunity, practice_ids=None if reader else mine)
    return render(
        request,
        "bids/opportunity.html",
        {
            "federation": federation,
            "o": opportunity,
            "next": selectors.next_deadline(opportunity),
            "commitments": commitments,
            "run": can_run_bids(request.user, federation),
            "reader": reader,
            "can_answer": not opportunity.closed
            and any(
                c.practice_id in mine or can_run_bids(request.user, federation)
                for c in commitments.rows
            ),
            "moves": services.MOVES.get(opportunity.stage, ()),
        },
    )


def opportunity_new(request, slug):
    federation = _federation(request, slug, run=True)
    form = forms.OpportunityForm(*posted(request), initial={"route": "other"})
    back = reverse("bids:pipeline", args=[slug])
    return form_page(
        request,
        form,
        save=lambda _: services.opportunity_save(
            federation=federation, by=request.user, **form.values()
        ),
        done=lambda o: (f"{o.title} added to the pipeline", _detail(o)),
        title="Add an opportunity",
        errors=BidsError,
        back=back,
    )


def opportunity_edit(request, slug, pk):
    federation, opportunity = _opportunity(request, slug, pk, run=True)
    form = forms.OpportunityForm(
        *posted(request), initial=forms.OpportunityForm.initial_for(opportunity)
    )
    return form_page(
        request,
        form,
        save=lambda _: services.opportunity_save(
            federation=federation, instance=opportunity, by=request.user, **form.values()
        ),
        done=lambda o: (f"{o.title} saved", _detail(o)),
        title=f"Change {opportunity.title}",
        errors=BidsError,
        back=_detail(opportunity),
    )


def criteria(request, slug, pk):
    _, opportunity = _opportunity(request, slug, pk, run=True)
    lines = "\n".join(f"{c.name}, {c.weight}" for c in opportunity.criteria.all())
    form = forms.CriteriaForm(*posted(request), initial={"criteria": lines})
    return form_page(
        request,
        form,
        save=lambda d: services.criteria_set(
            opportunity=opportunity, criteria=d["criteria"], by=request.user
        ),
        done=lambda _: ("Evaluation criteria saved", _detail(opportunity)),
        title=f"Evaluation criteria: {opportunity.title}",
        errors=BidsError,
        back=_detail(opportunity),
    )


def document_add(request, slug, pk):
    _, opportunity = _opportunity(request, slug, pk, run=True)
    form = forms.DocumentForm(*posted(request))
    return form_page(
        request,
        form,
        save=lambda d: services.document_add(opportunity=opportunity, by=request.user, **d),
        done=lambda doc: (f"{doc.title} added", _detail(opportunity)),
        title=f"Add a document: {opportunity.title}",
        errors=BidsError,
        back=_detail(opportunity),
    )


def stage(request, slug, pk):
    _, opportunity = _opportunity(request, slug, pk, run=True)
    moves = services.MOVES.get(opportunity.stage, ())
    if not moves:
        raise Http404("This opportunity does not move from here by hand")
    form = forms.StageForm(*posted(request), moves=moves, initial={"on": today()})
    return form_page(
        request,
        form,
        save=lambda d: services.stage_move(opportunity=opportunity, by=request.user, **d),
        done=lambda o: (f"Moved to {o.get_stage_display().lower()}", _detail(o)),
        title=f"Move {opportunity.title}",
        errors=BidsError,
        back=_detail(opportunity),
    )


def decision(request, slug, pk):
    federation, opportunity = _opportunity(request, slug, pk, run=True)
    form = forms.DecisionForm(
        *posted(request),
        scenarios=selectors.scenario_choices(federation),
        initial={"on": today(), "scenario": opportunity.scenario_id or ""},
    )
    return form_page(
        request,
        form,
        save=lambda d: services.decision_record(
            opportunity=opportunity,
            decision=d["decision"],
            reason=d["reason"],
            on=d["on"],
            scenario=form.scenarios.get(d["scenario"]),
            by=request.user,
        ),
        done=lambda o: (f"Decision recorded: {o.get_decision_display().lower()}", _detail(o)),
        title=f"Bid or not: {opportunity.title}",
        errors=BidsError,
        button="Record the decision",
        back=_detail(opportunity),
        intro="To bid moves it on to preparing the bid; not to bid closes it as withdrawn. "
        "The decision cannot be undone.",
    )


def won(request, slug, pk):
    _, opportunity = _opportunity(request, slug, pk, run=True)
    terms = services.contract_terms(opportunity, today())
    initial = {
        "reference": terms["reference"],
        "start_date": terms["start_date"],
        "end_date": terms["end_date"],
        "annual_value": Decimal(terms["annual_value_pence"]) / 100,
        "on": today(),
    }
    form = forms.WonForm(*posted(request), initial=initial)
    return form_page(
        request,
        form,
        save=lambda d: services.opportunity_won(
            opportunity=opportunity,
            reference=d["reference"],
            start_date=d["start_date"],
            end_date=d["end_date"],
            annual_value_pence=forms.to_pence(d["annual_value"]),
            on=d["on"],
            by=request.user,
        ),
        done=lambda o: (f"Won: contract {o.contract.reference} is in the register", _detail(o)),
        title=f"Record a win: {opportunity.title}",
        errors=BidsError,
        button="Record the win and add the contract",
        back=_detail(opportunity),
        intro=(
            f"This closes the opportunity as won and adds a contract with {opportunity.buyer} "
            "to the federation's contract register, with the terms below (a block payment a "
            "year). It cannot be undone here; the contract can be changed in Finance."
        ),
    )


def lost(request, slug, pk):
    _, opportunity = _opportunity(request, slug, pk, run=True)
    form = forms.LostForm(
        *posted(request), criteria=opportunity.criteria.all(), initial={"on": today()}
    )
    return form_page(
        request,
        form,
        save=lambda d: services.opportunity_lost(
            opportunity=opportunity,
            reason=d["reason"],
            scores={k: v for k, v in form.scores().items() if v is not None},
            on=d["on"],
            by=request.user,
        ),
        done=lambda o: ("Recorded as lost", _detail(o)),
        title=f"Record a loss: {opportunity.title}",
        errors=BidsError,
        button="Record the loss",
        back=_detail(opportunity),
        intro="This closes the opportunity as lost, with the buyer's reason and its feedback "
        "score on each criterion. It cannot be undone.",
    )


def withdraw(request, slug, pk):
    _, opportunity = _opportunity(request, slug, pk, run=True)
    form = forms.WithdrawForm(*posted(request), initial={"on": today()})
    return form_page(
        request,
        form,
        save=lambda d: services.opportunity_withdraw(opportunity=opportunity, by=request.user, **d),
        done=lambda o: ("Withdrawn", _detail(o)),
        title=f"Withdraw: {opportunity.title}",
        errors=BidsError,
        button="Withdraw",
        back=_detail(opportunity),
        intro="This closes the opportunity as withdrawn. It cannot be undone.",
    )


@require_http_methods(["GET", "POST"])
def ask(request, slug, pk):
    """Ask every member practice to commit: a page that says who will be asked, whose POST
    asks them."""
    federation, opportunity = _opportunity(request, slug, pk, run=True)
    if request.method == "POST":
        try:
            asked = services.commitment_ask(opportunity=opportunity, by=request.user)
        except BidsError as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, f"{counted(asked, 'practice')} asked to commit")
        return redirect(_detail(opportunity))
    return render(
        request,
        "bids/ask_confirm.html",
        {"federation": federation, "o": opportunity, "back": _detail(opportunity)},
    )


def commitment(request, slug, pk):
    federation, opportunity = _opportunity(request, slug, pk)
    rows = Commitment.objects.filter(opportunity=opportunity).select_related("practice")
    if not can_run_bids(request.user, federation):
        rows = rows.filter(practice_id__in=managed_practice_ids(request.user, federation))
    rows = list(rows.order_by("practice__name"))
    if not rows or opportunity.closed:
        raise Http404("There is no commitment for you to record on this opportunity")
    form = forms.CommitmentForm(*posted(request), commitments=rows)
    return form_page(
        request,
        form,
        save=lambda d: services.commitment_answer(
            commitment=form.commitments[d["practice"]],
            answer=d["answer"],
            note=d["note"],
            by=request.user,
        ),
        done=lambda c: (
            f"{c.practice.name}: {c.get_answer_display().lower()}",
            _detail(opportunity),
        ),
        title=f"Commit to the bid: {opportunity.title}",
        errors=BidsError,
        button="Save the answer",
        back=_detail(opportunity),
        intro=f"{opportunity.federation.name} asks whether your practice will deliver this "
        "service if the bid is won.",
    )


def import_notices(request, slug):
    federation = _federation(request, slug, run=True)
    form = forms.ImportForm(*posted(request, files=True))

    def save(d):
        try:
            reading = notices_read(d["file"].read(), cpv=d["cpv"], buyers=d["buyers"])
        except OcdsError as error:
            reason = f"{d['file'].name}: {error.summary()}; nothing was imported"
            raise BidsError(reason, "file") from None
        return importing.notices_import(federation=federation, reading=reading, by=request.user)

    return form_page(
        request,
        form,
        save=save,
        done=lambda r: (
            f"{counted(r.created, 'opportunity', 'opportunities')} added, "
            f"{counted(r.updated, 'opportunity', 'opportunities')} updated "
            f"from {counted(r.releases, 'release')}",
            reverse("bids:pipeline", args=[slug]),
        ),
        title="Import notices from Find a Tender or Contracts Finder",
        errors=BidsError,
        button="Import",
        multipart=True,
        back=reverse("bids:pipeline", args=[slug]),
        intro="Download a notice (or a search) as OCDS JSON and upload it here. The file is "
        "checked whole first; a notice imported before is updated, never added twice.",
    )
