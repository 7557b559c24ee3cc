"""The gifts and hospitality register (page, CSV, an entry, the thresholds) and the risk
register (page, a risk with its history, adding, changing and reviewing one, citing one on
a meeting's agenda). Thin: each reads through a selector and writes through a service."""

from __future__ import annotations

from decimal import Decimal

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from governance import gifts, risks, thresholds
from governance import register_forms as forms
from governance import register_selectors as reads
from governance.access import can_run_governance, can_see_risks
from governance.board_views import _meeting
from governance.errors import GovernanceError
from governance.models import Risk
from governance.views import _federation
from kernel.exports import csv_response
from kernel.pages import form_page
from registry.views import posted

# --- gifts and hospitality ---------------------------------------------------------------


def gift_register(request, slug):
    federation = _federation(request, slug)
    return render(
        request,
        "governance/gifts.html",
        {
            "federation": federation,
            "rows": reads.gift_register(federation),
            "rules": thresholds.rules_text(reads.thresholds_of(federation)),
            "run": can_run_governance(request.user, federation),
        },
    )


def gift_csv(request, slug):
    federation = _federation(request, slug)
    rows = gifts.gifts_export(federation, by=request.user)
    return csv_response(f"{federation.slug}-gifts-and-hospitality.csv", reads.GIFT_COLUMNS, rows)


def gift_new(request, slug):
    """Anyone of the federation records their own; those who run governance anyone's."""
    federation = _federation(request, slug)
    people = reads.federation_people(federation)
    if not can_run_governance(request.user, federation):
        people = people.filter(pk=request.user.pk)
    form = forms.GiftForm(
        *posted(request),
        people=people,
        approvers=reads.gift_approvers(federation),
        initial={"user": request.user.pk, "direction": "offered", "supplier": "no"},
    )
    back = reverse("governance:gifts", args=[slug])

    def done(gift):
        rule = reads.gift_requirement(gift, reads.thresholds_of(federation))
        return f"{gift.get_kind_display()} from {gift.party} recorded. {rule.says}", back

    return form_page(
        request,
        form,
        save=lambda _: gifts.gift_record(federation=federation, by=request.user, **form.entry()),
        done=done,
        title="Record a gift or hospitality",
        errors=GovernanceError,
        template="governance/gift_form.html",
        back=back,
        rules=thresholds.rules_text(reads.thresholds_of(federation)),
    )


def gift_thresholds(request, slug):
    federation = _federation(request, slug, run=True)
    policy = reads.gifts_policy_of(federation)
    initial = {
        name: Decimal(getattr(policy, f"{name}_pence")) / 100
        for name in forms.GiftsPolicyForm.base_fields
    }
    form = forms.GiftsPolicyForm(*posted(request), initial=initial)
    back = reverse("governance:gifts", args=[slug])
    return form_page(
        request,
        form,
        save=lambda _: gifts.gifts_policy_set(
            federation=federation, by=request.user, **form.values()
        ),
        done=lambda _: ("Thresholds saved", back),
        title="Gifts and hospitality thresholds",
        errors=GovernanceError,
        back=back,
        intro="The common NHS thresholds apply until they are changed here.",
    )


# --- the risk register ---------------------------------------------------------------------


def _risk_federation(request, slug, *, run: bool = False):
    federation = _federation(request, slug, run=run)
    if not can_see_risks(request.user, federation):
        raise Http404("No such page")
    return federation


def _risk(request, pk: int, *, run: bool = False) -> Risk:
    risk = get_object_or_404(Risk.objects.select_related("federation", "owner"), pk=pk)
    _risk_federation(request, risk.federation.slug, run=run)
    return risk


def risk_register(request, slug):
    federation = _risk_federation(request, slug)
    return render(
        request,
        "governance/risks.html",
        {
            "federation": federation,
            "rows": reads.risk_register(federation),
            "run": can_run_governance(request.user, federation),
        },
    )


def risk_new(request, slug):
    federation = _risk_federation(request, slug, run=True)
    form = forms.RiskForm(*posted(request), people=reads.federation_people(federation))
    return form_page(
        request,
        form,
        save=lambda d: risks.risk_add(federation=federation, by=request.user, **d),
        done=lambda r: (f"{r} added", reverse("governance:risk", args=[r.pk])),
        title="Add a risk",
        errors=GovernanceError,
        back=reverse("governance:risks", args=[slug]),
        intro="Score it 1 to 5 for likelihood and impact, before and after its controls.",
    )


def risk(request, pk):
    risk = _risk(request, pk)
    return render(
        request,
        "governance/risk.html",
        {
            "federation": risk.federation,
            "row": reads.risk_row(risk),
            "history": reads.risk_history(risk),
            "citations": reads.risk_meetings(risk),
            "run": can_run_governance(request.user, risk.federation),
        },
    )


def risk_edit(request, pk):
    risk = _risk(request, pk, run=True)
    initial = {
        "title": risk.title,
        "description": risk.description,
        "owner": risk.owner_id,
        "controls": risk.controls,
        "review_on": risk.review_on,
        "status": risk.status,
    }
    form = forms.RiskEditForm(
        *posted(request), people=reads.federation_people(risk.federation), initial=initial
    )
    back = reverse("governance:risk", args=[pk])
    return form_page(
        request,
        form,
        save=lambda d: risks.risk_update(risk=risk, by=request.user, **d),
        done=lambda r: (f"{r} saved", back),
        title=f"Change {risk}",
        errors=GovernanceError,
        back=back,
    )


def risk_review(request, pk):
    risk = _risk(request, pk, run=True)
    score = reads.risk_row(risk).score
    initial = {name: getattr(score, name) for name in risks.SCORES} if score else {}
    form = forms.RiskReviewForm(*posted(request), initial=initial)
    back = reverse("governance:risk", args=[pk])
    return form_page(
        request,
        form,
        save=lambda d: risks.risk_review(risk=risk, by=request.user, **d),
        done=lambda s: (f"{risk} reviewed: score after controls {s.score_after}", back),
        title=f"Review {risk}",
        errors=GovernanceError,
        back=back,
        intro="The scores today are kept as a new row: the earlier ones stay as its history.",
    )


def risk_cite(request, pk):
    meeting = _meeting(request, pk, run=True)
    federation = meeting.body.federation
    form = forms.CiteRiskForm(
        *posted(request),
        items=meeting.items.order_by("number"),
        risks=federation.risks.exclude(status=Risk.Status.CLOSED).order_by("number"),
    )
    back = reverse("governance:meeting", args=[pk])
    return form_page(
        request,
        form,
        save=lambda d: risks.item_risk_cite(by=request.user, **d),
        done=lambda c: (f"{c.risk} cited on item {c.item.number}", back),
        title=f"Cite a risk for review: {meeting.title}",
        errors=GovernanceError,
        back=back,
        intro="The meeting reviews the risks cited on its agenda; its board pack lists them.",
    )
