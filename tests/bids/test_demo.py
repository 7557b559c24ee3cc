"""The demo's pipeline: three opportunities, one imported from the notice file, one won and
in finance's contract register; loading again adds nothing."""

import pytest

from bids.models import Opportunity
from demo.bids import demo_bids
from demo.loader import demo_users
from finance.models import Contract
from registry.models import Federation
from tests.world import FED

pytestmark = pytest.mark.django_db


def test_the_demo_pipeline(demo):
    federation = Federation.objects.get(slug=FED)
    users = demo_users(password_reset=False)
    assert demo_bids(federation, users)["created"]
    rows = {
        o.title.split(",")[0].split(" (")[0]: o
        for o in Opportunity.objects.filter(federation=federation)
    }
    assert sorted(rows) == [
        "Care-home ward rounds",
        "Community phlebotomy in general practice",
        "Enhanced Access to general practice",
    ]
    access = rows["Enhanced Access to general practice"]
    assert access.ocid == "ocds-h6vhtk-demo-ea-2027" and access.criteria.count() == 4
    assert access.commitments.filter(practice__code="C82001", answer="signed_up").exists()
    won = rows["Community phlebotomy in general practice"]
    assert won.stage == "won"
    assert Contract.objects.get(federation=federation, reference="BID-PHLEB-2026") == won.contract
    assert rows["Care-home ward rounds"].stage == "preparing"
    assert not demo_bids(federation, users)["created"]
    assert Opportunity.objects.filter(federation=federation).count() == 3
