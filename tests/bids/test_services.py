"""The bids pipeline's services: import idempotent by OCID, the stages, the decision, the
members' commitment with their shares of the population, won -> a contract in finance's
register, lost -> the reason and feedback."""

import json
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from bids import selectors, services
from bids.errors import BidsError
from bids.importing import notices_import
from bids.models import Commitment, Opportunity, Stage
from bids.ocds import notices_read
from finance.models import Contract
from tests.bids.conftest import fixture_bytes

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 10)


def imported(bids, name="fts-release-package.json", **options):
    reading = notices_read(fixture_bytes(name), **options)
    return notices_import(federation=bids.federation, reading=reading, by=bids.admin)


def by_hand(bids, **values) -> Opportunity:
    return services.opportunity_save(
        federation=bids.federation,
        by=bids.admin,
        title=values.pop("title", "Phlebotomy for the ICB"),
        buyer=values.pop("buyer", "NHS Test ICB"),
        value_pence=values.pop("value_pence", 120_000_00),
        term_months=values.pop("term_months", 24),
        route=values.pop("route", "competitive"),
        **values,
    )


def submitted(bids, **values) -> Opportunity:
    o = by_hand(bids, **values)
    services.decision_record(opportunity=o, decision="bid", reason="Fits", on=DAY, by=bids.admin)
    return services.stage_move(opportunity=o, stage="submitted", on=DAY, by=bids.admin)


def test_a_second_import_updates_and_never_duplicates(bids):
    first = imported(bids)
    assert (first.created, first.updated, first.releases) == (3, 0, 5)
    ea = Opportunity.objects.get(ocid="ocds-h6vhtk-0512a1")
    services.decision_record(opportunity=ea, decision="bid", reason="Ours", on=DAY, by=bids.admin)
    again = imported(bids)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert Opportunity.objects.filter(federation=bids.federation).count() == 3
    ea.refresh_from_db()
    assert ea.stage == Stage.PREPARING  # the stage is the federation's, not the notice's
    assert ea.criteria.count() == 3 and ea.documents.count() == 2
    assert AuditEvent.objects.filter(action="bids.import").count() == 2


def test_a_changed_notice_updates_what_it_says_and_nothing_else(bids):
    imported(bids)
    ea = Opportunity.objects.get(ocid="ocds-h6vhtk-0512a1")
    services.decision_record(opportunity=ea, decision="bid", reason="Ours", on=DAY, by=bids.admin)
    package = json.loads(fixture_bytes("fts-release-package.json"))
    tender = package["releases"][0]["tender"]
    tender["value"]["amount"] = 5_000_000
    tender["documents"] = tender["documents"][:1]
    reading = notices_read(json.dumps(package).encode())
    outcome = notices_import(federation=bids.federation, reading=reading, by=bids.admin)
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 1, 2)
    ea.refresh_from_db()
    assert ea.value_pence == 500_000_000 and ea.documents.count() == 1
    assert (ea.stage, ea.decision) == (Stage.PREPARING, "bid")


def test_an_import_for_another_federation_is_its_own(bids):
    imported(bids)
    notices_import(
        federation=bids.other,
        reading=notices_read(fixture_bytes("fts-release-package.json")),
        by=bids.other_admin,
    )
    assert Opportunity.objects.filter(ocid="ocds-h6vhtk-0512a1").count() == 2


def test_criteria_weights_add_up_to_100(bids):
    o = by_hand(bids)
    with pytest.raises(BidsError, match="add up to 90%"):
        services.criteria_set(opportunity=o, criteria=[("Quality", 60), ("Price", 30)], by=None)
    services.criteria_set(opportunity=o, criteria=[("Quality", 70), ("Price", 30)], by=None)
    assert [(c.name, c.weight) for c in o.criteria.all()] == [("Quality", 70), ("Price", 30)]


def test_the_clarification_deadline_comes_before_submission(bids):
    with pytest.raises(BidsError) as refused:
        by_hand(
            bids,
            clarification_deadline=timezone.make_aware(datetime(2027, 2, 1, 12)),
            submission_deadline=timezone.make_aware(datetime(2027, 1, 1, 12)),
        )
    assert refused.value.field == "clarification_deadline"


def test_the_stages_are_dated_and_a_closed_one_stays_closed(bids):
    o = by_hand(bids)
    services.stage_move(opportunity=o, stage="bid_no_bid", on=DAY, by=bids.admin)
    with pytest.raises(BidsError, match="can move to"):
        services.stage_move(opportunity=o, stage="submitted", on=DAY, by=bids.admin)
    services.decision_record(
        opportunity=o, decision="no_bid", reason="Too small", on=DAY, by=bids.admin
    )
    o.refresh_from_db()
    assert o.stage == Stage.WITHDRAWN and o.outcome_reason == "Too small"
    assert [c.stage for c in o.stage_changes.all()] == [
        "identified",
        "bid_no_bid",
        "withdrawn",
    ]
    with pytest.raises(BidsError, match="already withdrawn"):
        services.stage_move(opportunity=o, stage="identified", on=DAY, by=bids.admin)


def test_commitment_shares_come_from_the_registry_list_sizes(bids):
    o = by_hand(bids)
    assert services.commitment_ask(opportunity=o, by=bids.admin, day=DAY) == 3
    assert services.commitment_ask(opportunity=o, by=bids.admin, day=DAY) == 0  # asked once
    first = Commitment.objects.get(opportunity=o, practice__code="A10001")
    services.commitment_answer(commitment=first, answer="signed_up", by=bids.manager)
    third = Commitment.objects.get(opportunity=o, practice__code="A10003")
    services.commitment_answer(commitment=third, answer="declined", note="No room", by=None)
    view = selectors.commitments(o)
    assert view.population == 10_000
    assert [str(c.share) for c in view.rows] == ["60.0", "30.0", "10.0"]
    assert (view.signed_up_share, view.declined_share) == (Decimal("60.0"), Decimal("10.0"))


def test_only_member_practices_are_asked(bids):
    o = by_hand(bids)
    with pytest.raises(BidsError):
        services.commitment_ask(opportunity=o, practices=[bids.outsider], by=bids.admin, day=DAY)


def test_won_puts_a_contract_in_finance_register_prefilled(bids):
    o = submitted(bids, ocid="ocds-test-won")
    terms = services.contract_terms(o, date(2027, 4, 1))
    assert terms["end_date"] == date(2029, 3, 31)
    assert terms["annual_value_pence"] == 60_000_00  # £120,000 over 24 months
    services.opportunity_won(
        opportunity=o,
        reference=terms["reference"],
        start_date=terms["start_date"],
        end_date=terms["end_date"],
        annual_value_pence=terms["annual_value_pence"],
        on=DAY,
        by=bids.finance,
    )
    o.refresh_from_db()
    contract = Contract.objects.get(federation=bids.federation, reference="ocds-test-won")
    assert o.stage == Stage.WON and o.contract == contract
    assert (contract.other_body, contract.basis, contract.block_annual_pence) == (
        "NHS Test ICB",
        "block",
        60_000_00,
    )
    assert AuditEvent.objects.filter(action="finance.contract.create").exists()


def test_won_refused_by_finance_changes_nothing(bids):
    o = submitted(bids)
    args = dict(start_date=date(2027, 4, 1), end_date=date(2026, 1, 1), annual_value_pence=1)
    with pytest.raises(BidsError) as refused:
        services.opportunity_won(opportunity=o, reference="X", on=DAY, by=bids.admin, **args)
    assert refused.value.field == "end_date"
    o.refresh_from_db()
    assert o.stage == Stage.SUBMITTED and not Contract.objects.exists()


def test_only_a_submitted_bid_is_won_or_lost(bids):
    o = by_hand(bids)
    with pytest.raises(BidsError, match="submitted"):
        services.opportunity_lost(opportunity=o, reason="x", scores={}, on=DAY, by=None)


def test_lost_keeps_the_reason_and_feedback_scores(bids):
    o = submitted(bids)
    services.criteria_set(opportunity=o, criteria=[("Quality", 70), ("Price", 30)], by=None)
    quality, price = o.criteria.all()
    services.opportunity_lost(
        opportunity=o,
        reason="Another provider scored higher on quality",
        scores={quality.pk: Decimal("55.5"), price.pk: Decimal(80)},
        on=DAY,
        by=bids.admin,
    )
    history = selectors.history(bids.federation)
    assert (history.won, history.lost) == (0, 1)
    assert [c.feedback_score for c in o.criteria.all()] == [Decimal("55.50"), Decimal("80.00")]
    imported(bids)  # a later import never touches a closed opportunity's feedback
    assert o.criteria.filter(feedback_score__isnull=False).count() == 2


def test_a_decision_rests_on_this_federation_scenario_only(bids):
    from economics.models import Scenario, ScenarioVersion

    scenario = Scenario.objects.create(federation=bids.other, name="Theirs")
    version = ScenarioVersion.objects.create(
        scenario=scenario, number=1, inputs={}, inputs_hash="x"
    )
    o = by_hand(bids)
    with pytest.raises(BidsError) as refused:
        services.decision_record(
            opportunity=o, decision="bid", reason="x", on=DAY, scenario=version, by=None
        )
    assert refused.value.field == "scenario"
