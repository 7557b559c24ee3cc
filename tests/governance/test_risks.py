"""The risk register: 5x5 scores before and after controls with their bands, every review a
new row (the history kept), the database refusing controls that raise a score, review dates
overdue, risks cited on a meeting's agenda and listed in its board pack."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from governance import meetings, risk_matrix, risks
from governance import register_selectors as reads
from governance.errors import GovernanceError
from governance.models import Risk, RiskScore
from governance.pack import pack_context
from tests.conftest import sign_in_verified
from tests.factories import RiskFactory, RiskScoreFactory

pytestmark = pytest.mark.django_db


def add(gov, **kwargs):
    values = {
        "federation": gov.federation,
        "title": "Loss of the Enhanced Access contract",
        "description": "The ICB re-procures the service.",
        "owner": gov.admin,
        "controls": "Quarterly meetings with the ICB",
        "review_on": timezone.localdate() + timedelta(days=90),
        "likelihood_before": 4,
        "impact_before": 5,
        "likelihood_after": 3,
        "impact_after": 4,
        "by": gov.secretary,
    }
    return risks.risk_add(**{**values, **kwargs})


@pytest.mark.parametrize(
    ("likelihood", "impact", "label", "rag"),
    [
        (1, 3, "low", "green"),
        (2, 2, "moderate", "amber"),
        (2, 3, "moderate", "amber"),
        (2, 4, "high", "amber"),
        (3, 4, "high", "amber"),
        (3, 5, "extreme", "red"),
        (5, 5, "extreme", "red"),
    ],
)
def test_the_band_of_each_score(likelihood, impact, label, rag):
    band = risk_matrix.band(likelihood, impact)
    assert (band.score, band.label, band.rag) == (likelihood * impact, label, rag)


def test_a_score_outside_1_to_5_is_not_a_score():
    with pytest.raises(ValueError):
        risk_matrix.band(0, 3)


def test_a_risk_is_numbered_in_its_federation_with_its_first_scores(gov):
    first = add(gov)
    second = add(gov, title="Cyber attack")
    other = add(gov, federation=gov.other, owner=gov.other_admin, by=gov.other_admin)
    assert (first.number, second.number, other.number) == (1, 2, 1)
    row = reads.risk_row(first)
    assert row.before.text == "20 (extreme, red)" and row.after.text == "12 (high, amber)"
    assert AuditEvent.objects.filter(action="governance.risk.add").count() == 3


def test_a_review_is_a_new_row_and_the_history_is_kept(gov):
    risk = add(gov)
    later = timezone.localdate() + timedelta(days=30)
    risks.risk_review(
        risk=risk,
        likelihood_before=4,
        impact_before=5,
        likelihood_after=2,
        impact_after=4,
        review_on=later,
        note="New contract signed",
        by=gov.secretary,
    )
    history = reads.risk_history(risk)
    assert [(s.score_before, s.score_after) for s in history] == [(20, 8), (20, 12)]
    assert reads.risk_row(risk).after.text == "8 (high, amber)"
    risk.refresh_from_db()
    assert risk.review_on == later
    event = AuditEvent.objects.get(action="governance.risk.review")
    assert event.changes["likelihood_after"] == [3, 2] and "impact_after" not in event.changes
    with pytest.raises(Exception, match="never changed once written"):
        history[0].save()


def test_controls_that_raise_the_score_are_refused_by_the_service_and_the_database(gov):
    with pytest.raises(GovernanceError) as caught:
        add(gov, likelihood_after=5, impact_after=5)
    assert caught.value.field == "likelihood_after"
    assert not Risk.objects.exists()
    with pytest.raises(GovernanceError) as caught:
        add(gov, impact_before=6)
    assert caught.value.field == "impact_before"
    risk = RiskFactory(federation=gov.federation, owner=gov.admin)
    with pytest.raises(IntegrityError), transaction.atomic():
        RiskScoreFactory(risk=risk, likelihood_before=2, impact_before=2, likelihood_after=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        RiskScoreFactory(risk=risk, likelihood_before=6)


def test_an_owner_outside_the_federation_is_refused(gov):
    with pytest.raises(GovernanceError) as caught:
        add(gov, owner=gov.other_admin)
    assert caught.value.field == "owner" and not Risk.objects.exists()


def test_a_review_date_passed_is_overdue_until_the_risk_is_closed(gov):
    risk = add(gov)
    Risk.objects.filter(pk=risk.pk).update(review_on=timezone.localdate() - timedelta(days=1))
    assert reads.risk_register(gov.federation)[0].overdue
    assert list(reads.risks_overdue(gov.federation)) == [risk]
    risk.refresh_from_db()
    risks.risk_update(
        risk=risk,
        title=risk.title,
        description=risk.description,
        owner=risk.owner,
        controls=risk.controls,
        review_on=risk.review_on,
        status="closed",
        by=gov.admin,
    )
    assert not reads.risk_register(gov.federation)[0].overdue
    assert not reads.risks_overdue(gov.federation).exists()


def test_risks_cited_on_the_agenda_are_in_the_board_pack(board):
    gov = board.gov
    reviewed = add(gov, title="Workforce")
    add(gov, title="Not on this agenda")
    item = meetings.item_add(meeting=board.next_meeting, title="Risk review", by=gov.admin)
    other_item = meetings.item_add(meeting=board.next_meeting, title="Finance", by=gov.admin)
    risks.item_risk_cite(item=item, risk=reviewed, by=gov.admin)
    risks.item_risk_cite(item=other_item, risk=reviewed, by=gov.admin)
    with pytest.raises(GovernanceError):
        risks.item_risk_cite(item=item, risk=reviewed, by=gov.admin)
    theirs = add(gov, federation=gov.other, owner=gov.other_admin, by=gov.other_admin)
    with pytest.raises(GovernanceError) as caught:
        risks.item_risk_cite(item=item, risk=theirs, by=gov.admin)
    assert caught.value.field == "risk"
    listed = pack_context(board.next_meeting)["risks"]
    assert [(r.row.risk.title, [i.number for i in r.items]) for r in listed] == [
        ("Workforce", [1, 2])
    ]


def test_the_pack_pdf_prints_the_risks_reviewed(client, board):
    pypdf = pytest.importorskip("pypdf")
    import io

    gov = board.gov
    item = meetings.item_add(meeting=board.next_meeting, title="Risk review", by=gov.admin)
    risks.item_risk_cite(item=item, risk=add(gov, title="Workforce gaps"), by=gov.admin)
    sign_in_verified(client, board.directors[1])
    response = client.get(reverse("governance:pack", args=[board.next_meeting.pk]))
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    assert "Risks reviewed at this meeting" in text and "R1 Workforce gaps" in text
    assert "20 (extreme, red)" in text


def test_the_pages_for_the_board_and_not_for_the_practices(client, board):
    gov = board.gov
    risk = add(gov)
    for person, status in [(gov.staff, 404), (gov.voter, 404), (board.directors[1], 200)]:
        sign_in_verified(client, person)
        assert client.get(reverse("governance:risks", args=["gov-fed"])).status_code == status
        assert client.get(reverse("governance:risk", args=[risk.pk])).status_code == status
    page = client.get(reverse("governance:risks", args=["gov-fed"])).content.decode()
    assert "R1 Loss of the Enhanced Access contract" in page and "20 extreme (red)" in page
    assert client.get(reverse("governance:risk_new", args=["gov-fed"])).status_code == 404


def test_adding_reviewing_and_citing_through_the_pages(client, board):
    gov = board.gov
    sign_in_verified(client, gov.secretary)
    review_on = (timezone.localdate() + timedelta(days=60)).isoformat()
    form = {
        "title": "Premises",
        "description": "The hub's lease ends.",
        "owner": gov.admin.pk,
        "controls": "",
        "review_on": review_on,
        "likelihood_before": "3",
        "impact_before": "3",
        "likelihood_after": "4",
        "impact_after": "4",
    }
    url = reverse("governance:risk_new", args=["gov-fed"])
    response = client.post(url, form)
    assert (
        response.status_code == 200 and "Controls never raise a risk" in response.content.decode()
    )
    assert not Risk.objects.exists()
    assert (
        client.post(url, {**form, "likelihood_after": "2", "impact_after": "2"}).status_code == 302
    )
    risk = Risk.objects.get()
    response = client.post(
        reverse("governance:risk_review", args=[risk.pk]),
        {
            "likelihood_before": "3",
            "impact_before": "3",
            "likelihood_after": "1",
            "impact_after": "2",
            "review_on": review_on,
            "note": "Lease renewed",
        },
    )
    assert response.status_code == 302 and RiskScore.objects.filter(risk=risk).count() == 2
    item = meetings.item_add(meeting=board.next_meeting, title="Premises", by=gov.admin)
    response = client.post(
        reverse("governance:risk_cite", args=[board.next_meeting.pk]),
        {"item": item.pk, "risk": risk.pk},
        follow=True,
    )
    assert "R1 Premises cited on item 1" in response.content.decode()
    assert "Risks reviewed at this meeting" in response.content.decode()
    page = client.get(reverse("governance:risk", args=[risk.pk])).content.decode()
    assert "Lease renewed" in page and board.next_meeting.title in page


def test_the_governance_home_links_the_registers_to_those_who_may_open_them(client, board):
    gov = board.gov
    home = reverse("governance:home", args=["gov-fed"])
    sign_in_verified(client, gov.staff)
    page = client.get(home).content.decode()
    assert "Gifts and hospitality" in page and "The risk register" not in page
    sign_in_verified(client, board.directors[1])
    assert "The risk register" in client.get(home).content.decode()
