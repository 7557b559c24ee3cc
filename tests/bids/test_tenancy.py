"""Another federation's administrator gets 404 on every bids page, API and command of this
federation, including after doing everything she may in her own (importing the same notice,
winning it, asking her practices): the sequences an adversary would chain."""

from datetime import date

import pytest
from django.urls import reverse

from bids import services
from bids.importing import notices_import
from bids.models import Opportunity
from bids.ocds import notices_read
from gpfed.cli import main
from tests.bids.conftest import FIXTURES, fixture_bytes
from tests.conftest import sign_in_verified

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 10)
PAGES = [
    "opportunity",
    "edit",
    "criteria",
    "document_add",
    "stage",
    "decision",
    "won",
    "lost",
    "withdraw",
    "ask",
    "commitment",
]


def every_address(slug, pk):
    yield reverse("bids:pipeline", args=[slug])
    yield reverse("bids:history", args=[slug])
    yield reverse("bids:new", args=[slug])
    yield reverse("bids:import", args=[slug])
    for name in PAGES:
        yield reverse(f"bids:{name}", args=[slug, pk])
    yield f"/api/v1/federations/{slug}/bids"


def test_another_federation_gets_404_after_every_allowed_step(client, bids):
    reading = notices_read(fixture_bytes("fts-release-package.json"))
    notices_import(federation=bids.federation, reading=reading, by=bids.admin)
    ours = Opportunity.objects.get(federation=bids.federation, ocid="ocds-h6vhtk-0512a1")
    services.commitment_ask(opportunity=ours, by=bids.admin, day=DAY)
    sign_in_verified(client, bids.other_admin)

    def all_404(step):
        wrong = [
            u
            for u in every_address(bids.federation.slug, ours.pk)
            if client.get(u).status_code != 404
        ]
        wrong += [
            u
            for u in every_address(bids.federation.slug, ours.pk)
            if not u.startswith("/api/") and client.post(u, {}).status_code != 404
        ]
        assert not wrong, f"after {step}: {wrong}"

    all_404("signing in")
    # she imports the same notice into her own federation: a row of her own, same OCID
    url = reverse("bids:import", args=[bids.other.slug])
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("fts.json", fixture_bytes("fts-release-package.json"))
    assert client.post(url, {"file": upload, "cpv": "85121100"}).status_code == 302
    theirs = Opportunity.objects.get(federation=bids.other, ocid="ocds-h6vhtk-0512a1")
    all_404("importing the same notice")
    # her own opportunity's pk under our slug, and ours under hers: 404 both ways
    assert (
        client.get(reverse("bids:opportunity", args=[bids.federation.slug, theirs.pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("bids:opportunity", args=[bids.other.slug, ours.pk])).status_code == 404
    )
    # she takes hers to a win and asks her practices
    services.decision_record(
        opportunity=theirs, decision="bid", reason="x", on=DAY, by=bids.other_admin
    )
    client.post(reverse("bids:ask", args=[bids.other.slug, theirs.pk]))
    all_404("deciding and asking her own practices")
    ours.refresh_from_db()
    assert ours.stage == "identified" and ours.commitments.count() == 3


def test_the_command_line_treats_another_federation_as_not_there(bids, capsys):
    path = FIXTURES / "fts-release-package.json"
    code = main(["--by", bids.other_admin.email, "bids", "import", bids.federation.slug, str(path)])
    assert code == 2
    assert "there is no federation bid-fed" in capsys.readouterr().err
    assert not Opportunity.objects.exists()
