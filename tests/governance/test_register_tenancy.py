"""Another federation's administrator, before and after keeping registers of her own (a gift,
the thresholds, a risk added, reviewed and cited at her own meeting), gets 404 on every
gifts, risks and governance API address of this federation, whatever she sends, and changes
nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from governance import meetings, risks
from governance.errors import GovernanceError
from governance.models import Body, Gift, GiftsPolicy, ItemRisk, Risk, RiskScore
from tests.conftest import sign_in_verified

pytestmark = pytest.mark.django_db
REGISTER_ADDRESSES = 10  # the gifts and risks pages in governance/urls.py
API = ["resolutions", "members", "interests", "meetings", "risks"]


def _ours(board):
    gov = board.gov
    risk = risks.risk_add(
        federation=gov.federation,
        title="Ours",
        description="Ours",
        owner=gov.admin,
        review_on=timezone.localdate() + timedelta(days=30),
        likelihood_before=3,
        impact_before=3,
        likelihood_after=2,
        impact_after=2,
        by=gov.admin,
    )
    item = meetings.item_add(meeting=board.next_meeting, title="Risks", by=gov.admin)
    return risk, item


def _addresses(slug, risk, meeting):
    return [
        reverse("governance:gifts", args=[slug]),
        reverse("governance:gifts_csv", args=[slug]),
        reverse("governance:gift_new", args=[slug]),
        reverse("governance:gift_thresholds", args=[slug]),
        reverse("governance:risks", args=[slug]),
        reverse("governance:risk_new", args=[slug]),
        reverse("governance:risk", args=[risk.pk]),
        reverse("governance:risk_edit", args=[risk.pk]),
        reverse("governance:risk_review", args=[risk.pk]),
        reverse("governance:risk_cite", args=[meeting.pk]),
    ]


def _hostile(other, item, risk):
    return {
        "user": str(other.pk),
        "kind": "hospitality",
        "direction": "offered",
        "party": "Hostile",
        "supplier": "no",
        "description": "Hostile",
        "value": "10",
        "on": "2026-11-02",
        "accepted": "yes",
        "supplier_gift_decline_over": "0",
        "gift_declare_over": "0",
        "hospitality_declare_over": "0",
        "hospitality_approval_over": "0",
        "title": "Hostile",
        "owner": str(other.pk),
        "controls": "",
        "review_on": "2099-01-01",
        "status": "closed",
        "likelihood_before": "5",
        "impact_before": "5",
        "likelihood_after": "1",
        "impact_after": "1",
        "note": "Hostile",
        "item": str(item.pk),
        "risk": str(risk.pk),
    }


def _counts(gov):
    return (
        AuditEvent.objects.filter(federation=gov.federation).count(),
        Gift.objects.filter(federation=gov.federation).count(),
        GiftsPolicy.objects.filter(federation=gov.federation).count(),
        Risk.objects.filter(federation=gov.federation, status="open").count(),
        RiskScore.objects.filter(risk__federation=gov.federation).count(),
        ItemRisk.objects.filter(risk__federation=gov.federation).count(),
    )


def _tries_everything(client, gov, addresses, posts):
    for url in addresses:
        assert client.get(url).status_code == 404, url
        assert client.post(url, posts).status_code == 404, url
    for what in API:
        assert client.get(f"/api/v1/governance/federations/gov-fed/{what}").status_code == 404


def _keeps_her_own_registers(client, other):
    start = timezone.now() + timedelta(days=3)
    assert (
        client.post(
            "/governance/other-fed/bodies/new/",
            {"name": "Our board", "kind": "board", "quorum": "1"},
        ).status_code
        == 302
    )
    other_body = Body.objects.get(federation__slug="other-fed")
    mine = meetings.meeting_schedule(
        body=other_body,
        title="Ours",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        place="Our office",
        by=other,
    )
    item = meetings.item_add(meeting=mine, title="Our risks", by=other)
    form = {
        "user": other.pk,
        "kind": "hospitality",
        "direction": "offered",
        "party": "Acme",
        "supplier": "yes",
        "description": "Dinner",
        "value": "90",
        "on": "2026-11-02",
        "accepted": "yes",
    }
    response = client.post("/governance/other-fed/gifts/new/", form)
    assert response.status_code == 200  # over £75 with no approver: refused
    assert (
        client.post("/governance/other-fed/gifts/new/", {**form, "accepted": "no"}).status_code
        == 302
    )
    assert client.get("/governance/other-fed/gifts.csv").status_code == 200
    assert (
        client.post(
            "/governance/other-fed/gifts/thresholds/",
            {
                "supplier_gift_decline_over": "6",
                "gift_declare_over": "50",
                "hospitality_declare_over": "25",
                "hospitality_approval_over": "100",
            },
        ).status_code
        == 302
    )
    review_on = (timezone.localdate() + timedelta(days=10)).isoformat()
    assert (
        client.post(
            "/governance/other-fed/risks/new/",
            {
                "title": "Our risk",
                "description": "Ours",
                "owner": other.pk,
                "review_on": review_on,
                "likelihood_before": "4",
                "impact_before": "4",
                "likelihood_after": "2",
                "impact_after": "2",
            },
        ).status_code
        == 302
    )
    own = Risk.objects.get(federation__slug="other-fed")
    assert (
        client.post(
            reverse("governance:risk_review", args=[own.pk]),
            {
                "likelihood_before": "4",
                "impact_before": "4",
                "likelihood_after": "1",
                "impact_after": "1",
                "review_on": review_on,
            },
        ).status_code
        == 302
    )
    assert (
        client.post(
            reverse("governance:risk_cite", args=[mine.pk]), {"item": item.pk, "risk": own.pk}
        ).status_code
        == 302
    )
    for what in API:
        assert client.get(f"/api/v1/governance/federations/other-fed/{what}").status_code == 200
    return own, item


def test_another_federations_administrator_gets_404_before_and_after_her_own_registers(
    client, board
):
    gov = board.gov
    risk, item = _ours(board)
    other = gov.other_admin
    sign_in_verified(client, other)
    addresses = _addresses("gov-fed", risk, board.next_meeting)
    before = _counts(gov)
    _tries_everything(client, gov, addresses, _hostile(other, item, risk))
    own_risk, own_item = _keeps_her_own_registers(client, other)
    # with her own ids in the form too: still 404, still nothing changed here
    _tries_everything(client, gov, addresses, _hostile(other, item, risk))
    _tries_everything(client, gov, addresses, _hostile(other, own_item, own_risk))
    assert _counts(gov) == before
    assert not ItemRisk.objects.filter(item=item).exists()


def test_a_risk_is_never_cited_on_another_federations_agenda(board):
    gov = board.gov
    risk, _ = _ours(board)
    start = timezone.now() + timedelta(days=3)
    theirs_body = meetings.body_create(
        federation=gov.other, name="Their board", kind="board", quorum=1, by=gov.other_admin
    )
    theirs = meetings.meeting_schedule(
        body=theirs_body,
        title="Theirs",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        place="x",
        by=gov.other_admin,
    )
    their_item = meetings.item_add(meeting=theirs, title="x", by=gov.other_admin)
    with pytest.raises(GovernanceError):
        risks.item_risk_cite(item=their_item, risk=risk, by=gov.other_admin)
    assert not ItemRisk.objects.exists()
