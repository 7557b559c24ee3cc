"""The bids pages for each role: the administrator and finance lead run the pipeline, the
board reads it, a practice manager sees only what their practice is asked to commit to and
answers for it alone; another federation's administrator gets 404 everywhere."""

from datetime import date

import pytest
from django.urls import reverse

from bids import services
from bids.models import Commitment, Opportunity, Stage
from finance.models import Contract
from tests.bids.conftest import fixture_bytes
from tests.conftest import sign_in_verified

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 10)


def opportunity(bids, **values) -> Opportunity:
    return services.opportunity_save(
        federation=bids.federation,
        by=bids.admin,
        title=values.pop("title", "Phlebotomy for the ICB"),
        buyer="NHS Test ICB",
        value_pence=120_000_00,
        term_months=24,
        route="competitive",
        **values,
    )


def pages(slug, pk):
    return {
        name: reverse(f"bids:{name}", args=[slug, pk])
        for name in ("opportunity", "edit", "criteria", "document_add", "stage", "decision")
    } | {
        "pipeline": reverse("bids:pipeline", args=[slug]),
        "history": reverse("bids:history", args=[slug]),
        "new": reverse("bids:new", args=[slug]),
        "import": reverse("bids:import", args=[slug]),
    }


RUN_ONLY = {"edit", "criteria", "document_add", "stage", "decision", "new", "import"}


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("admin", "all"),
        ("finance", "all"),
        ("board", {"pipeline", "history", "opportunity"}),
        ("operations", set()),
        ("manager", {"pipeline", "opportunity"}),
        ("other_manager", {"pipeline"}),
        ("other_admin", set()),
    ],
)
def test_each_role_opens_what_it_may_and_gets_404_for_the_rest(client, bids, who, allowed):
    o = opportunity(bids)
    services.commitment_ask(
        opportunity=o, practices=[bids.practices["A10001"]], by=bids.admin, day=DAY
    )
    sign_in_verified(client, getattr(bids, who))
    wrong = []
    for name, url in pages(bids.federation.slug, o.pk).items():
        expected = 200 if allowed == "all" or name in allowed else 404
        got = client.get(url).status_code
        if got != expected:
            wrong.append(f"{name}: {got}, expected {expected}")
    assert not wrong


def test_the_pipeline_shows_stages_values_and_deadlines(client, bids):
    services.opportunity_save(
        federation=bids.federation,
        by=bids.admin,
        title="Enhanced Access",
        buyer="NHS Test ICB",
        value_pence=4_500_000_50,
        route="competitive",
        submission_deadline="2099-01-22T12:00:00+00:00",
    )
    sign_in_verified(client, bids.board)
    page = client.get(reverse("bids:pipeline", args=[bids.federation.slug])).content.decode()
    assert "Enhanced Access" in page and "£4,500,000.50" in page
    assert "Submission: 22 Jan 2099, 12:00" in page
    assert "Add an opportunity" not in page  # the board reads


def test_a_practice_manager_records_only_their_own_practice_answer(client, bids):
    o = opportunity(bids)
    services.commitment_ask(opportunity=o, by=bids.admin, day=DAY)
    sign_in_verified(client, bids.manager)
    url = reverse("bids:commitment", args=[bids.federation.slug, o.pk])
    page = client.get(url).content.decode()
    assert "Practice 1" in page and "Practice 2" not in page
    theirs = Commitment.objects.get(opportunity=o, practice__code="A10002")
    refused = client.post(url, {"practice": theirs.pk, "answer": "declined"})
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    mine = Commitment.objects.get(opportunity=o, practice__code="A10001")
    assert client.post(url, {"practice": mine.pk, "answer": "signed_up"}).status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.answer, theirs.answer) == ("signed_up", "asked")
    detail = client.get(reverse("bids:opportunity", args=[bids.federation.slug, o.pk]))
    assert "Practice 2" not in detail.content.decode()  # sees its own line only


def test_the_won_page_says_what_happens_and_its_post_makes_the_contract(client, bids):
    o = opportunity(bids, ocid="ocds-won-1")
    services.decision_record(opportunity=o, decision="bid", reason="Fits", on=DAY, by=bids.admin)
    services.stage_move(opportunity=o, stage="submitted", on=DAY, by=bids.admin)
    sign_in_verified(client, bids.finance)
    url = reverse("bids:won", args=[bids.federation.slug, o.pk])
    page = client.get(url).content.decode()
    assert "contract register" in page and 'value="ocds-won-1"' in page
    assert not Contract.objects.exists()  # a GET changes nothing
    response = client.post(
        url,
        {
            "reference": "ocds-won-1",
            "start_date": "1/4/2027",
            "end_date": "31/3/2029",
            "annual_value": "60000",
            "on": "10/11/2026",
        },
    )
    assert response.status_code == 302
    o.refresh_from_db()
    assert o.stage == Stage.WON and o.contract.block_annual_pence == 60_000_00


def test_an_upload_imports_and_a_bad_one_names_release_and_field(client, bids):
    from django.core.files.uploadedfile import SimpleUploadedFile

    sign_in_verified(client, bids.admin)
    url = reverse("bids:import", args=[bids.federation.slug])
    good = SimpleUploadedFile("fts.json", fixture_bytes("fts-release-package.json"))
    response = client.post(url, {"file": good, "cpv": "85121100 85120000 85100000"})
    assert response.status_code == 302
    assert Opportunity.objects.filter(federation=bids.federation).count() == 3
    bad = SimpleUploadedFile("bad.json", fixture_bytes("bad-release-package.json"))
    response = client.post(url, {"file": bad, "cpv": "85121100"})
    assert "release 0, tender.value.amount" in response.content.decode()
    assert Opportunity.objects.filter(federation=bids.federation).count() == 3


def test_the_api_lists_the_pipeline_for_readers_and_404_outside(client, bids):
    opportunity(bids)
    sign_in_verified(client, bids.board)
    answer = client.get(f"/api/v1/federations/{bids.federation.slug}/bids")
    assert answer.status_code == 200
    assert [i["title"] for i in answer.json()["items"]] == ["Phlebotomy for the ICB"]
    client.logout()
    sign_in_verified(client, bids.other_admin)
    assert client.get(f"/api/v1/federations/{bids.federation.slug}/bids").status_code == 404
