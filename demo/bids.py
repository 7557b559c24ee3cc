"""The demo's bids pipeline (issue 19): three opportunities, once.

* **Enhanced Access** imported from an illustrative Find a Tender notice
  (``demo/data/bids/find-a-tender-notice.json``, written to the OCDS schema), its member
  practices asked to commit and C82001 (the demo practice manager's) signed up;
* **Care-home ward rounds** entered by hand, decided "bid" on the economics modeller's
  care-home scenario when the demo has one, being prepared;
* **Phlebotomy** won, and turned into a contract in finance's register.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from bids import services
from bids.importing import notices_import
from bids.models import Commitment, Opportunity
from bids.ocds import notices_read
from economics.models import ScenarioVersion
from registry.models import Federation

NOTICE = Path(__file__).parent / "data" / "bids" / "find-a-tender-notice.json"
ICB = "NHS Leicester, Leicestershire and Rutland Integrated Care Board"


def demo_bids(federation: Federation, users: list) -> dict:
    if Opportunity.objects.filter(federation=federation).exists():
        return {"created": False, "lines": []}
    coo, finance = users[0], users[1]
    today = timezone.localdate()
    notices_import(federation=federation, reading=notices_read(NOTICE.read_bytes()), by=coo)
    access = Opportunity.objects.get(federation=federation, ocid="ocds-h6vhtk-demo-ea-2027")
    services.commitment_ask(opportunity=access, by=coo)
    signed = Commitment.objects.filter(opportunity=access, practice__code="C82001").first()
    if signed:
        services.commitment_answer(
            commitment=signed, answer="signed_up", note="Our evening GP can take sessions", by=coo
        )

    rounds = services.opportunity_save(
        federation=federation,
        by=coo,
        title="Care-home ward rounds, Melton and Rutland",
        buyer=ICB,
        description="A weekly multidisciplinary round in each care home, with a named GP.",
        value_pence=720_000_00,
        term_months=24,
        extension_months=12,
        route="most_suitable",
        cpv_codes="85120000",
        submission_deadline=timezone.now() + timedelta(days=5),
    )
    services.criteria_set(
        opportunity=rounds,
        criteria=[("Clinical model", 60), ("Workforce", 25), ("Price", 15)],
        by=coo,
    )
    scenario = (
        ScenarioVersion.objects.filter(
            scenario__federation=federation, scenario__name__icontains="care-home"
        )
        .order_by("-number")
        .first()
    )
    services.decision_record(
        opportunity=rounds,
        decision="bid",
        reason="The modeller recommends delivering it at PCN level; every PCN can staff it.",
        on=today,
        scenario=scenario,
        by=finance,
    )

    phlebotomy = services.opportunity_save(
        federation=federation,
        by=coo,
        title="Community phlebotomy in general practice",
        buyer=ICB,
        value_pence=480_000_00,
        term_months=24,
        route="direct_c",
        cpv_codes="85100000",
    )
    services.decision_record(
        opportunity=phlebotomy, decision="bid", reason="We run it already.", on=today, by=finance
    )
    services.stage_move(opportunity=phlebotomy, stage="submitted", on=today, by=finance)
    terms = services.contract_terms(phlebotomy, today.replace(day=1))
    services.opportunity_won(
        opportunity=phlebotomy,
        reference="BID-PHLEB-2026",
        start_date=terms["start_date"],
        end_date=terms["end_date"],
        annual_value_pence=terms["annual_value_pence"],
        on=today,
        by=finance,
    )
    return {
        "created": True,
        "lines": [
            "Bids: 3 opportunities (Enhanced Access imported from a Find a Tender notice, "
            "care-home ward rounds being prepared, phlebotomy won as contract BID-PHLEB-2026)."
        ],
    }
