"""Saved scenarios: create, save new versions (never edited), share, recompute; every write
audited, refused whole when the inputs are wrong, and results marked out of date when the
registry changes under them."""

from datetime import date

import pytest

from audit.models import AuditEvent
from economics import selectors, services
from economics.models import Scenario, ScenarioVersion
from tests.economics.conftest import SCENARIO
from tests.factories import ListSizeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(db):
    return UserFactory(email="lead@example.org")


def make(trio, lead, **changes):
    inputs = {**SCENARIO, **changes}
    return services.scenario_create(
        federation=trio.federation, name="Phlebotomy at scale", inputs=inputs, by=lead
    )


def test_create_saves_version_one_with_the_hand_worked_results(trio, lead):
    version = make(trio, lead)
    assert version.number == 1
    assert version.scenario.name == "Phlebotomy at scale"
    assert version.scenario.created_by == lead
    assert version.results["levels"]["practice"]["total_net"]["p50"] == "900.00"
    assert version.results["levels"]["federation"]["total_net"]["mean"] == "2100.00"
    assert version.results["recommended_level"] == "federation"
    assert version.results_basis_text == "3 practices, 10,000 registered patients"
    assert version.results_inputs_hash == version.inputs_hash
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-2:] == ["economics.scenario.create", "economics.version.create"]
    assert AuditEvent.objects.filter(federation=trio.federation, actor=lead).count() == 2


def test_each_save_is_a_new_version_and_the_old_one_is_unchanged(trio, lead):
    first = make(trio, lead)
    changed = {**SCENARIO, "income_per_unit": 12}
    second = services.version_save(
        scenario=first.scenario, inputs=changed, by=lead, note="Tariff up"
    )
    assert second.number == 2
    assert second.note == "Tariff up"
    first.refresh_from_db()
    assert first.inputs["income_per_unit"] == 10
    assert second.inputs["income_per_unit"] == 12
    assert first.inputs_hash != second.inputs_hash
    assert second.results["levels"]["practice"]["total_net"]["p50"] == "1500.00"
    assert list(selectors.scenario_versions(first.scenario).values_list("number", flat=True)) == [
        2,
        1,
    ]


def test_bad_inputs_are_refused_naming_the_field_and_nothing_is_written(trio, lead):
    bad = {
        **SCENARIO,
        "levels": {
            **SCENARIO["levels"],
            "pcn": {"fixed_per_year": {"low": 9, "mode": 5, "high": 10}, "cost_per_unit": 3},
        },
    }
    with pytest.raises(services.EconomicsError) as refused:
        make(trio, lead, levels=bad["levels"])
    assert refused.value.field == "levels.pcn.fixed_per_year.mode"
    assert not Scenario.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="economics").exists()


def test_a_scenario_for_another_federation_is_refused(trio, lead):
    with pytest.raises(services.EconomicsError, match="federation"):
        make(trio, lead, federation="someone-else")
    assert not ScenarioVersion.objects.exists()


def test_a_day_with_no_members_is_refused_on_as_of(trio, lead):
    with pytest.raises(services.EconomicsError) as refused:
        make(trio, lead, as_of="2001-01-01")
    assert refused.value.field == "as_of"
    assert not Scenario.objects.exists()


def test_a_catalogue_service_of_another_federation_is_refused(trio, lead):
    from tests.factories.finance import ServiceFactory

    other = ServiceFactory()
    with pytest.raises(services.EconomicsError, match="catalogue"):
        services.scenario_create(
            federation=trio.federation, name="X", inputs=SCENARIO, by=lead, service=other
        )


def test_a_list_imported_since_makes_the_results_out_of_date_until_recomputed(trio, lead):
    version = make(trio, lead)
    assert selectors.version_freshness(version).current
    # A late extract, dated before the scenario's day, arrives after the results were worked.
    ListSizeFactory(
        practice=trio.practices["A00001"], extract_date=date(2026, 9, 15), patients=1_500
    )
    freshness = selectors.version_freshness(version)
    assert freshness.out_of_date
    assert freshness.basis_text == "3 practices, 10,000 registered patients"
    assert freshness.now_text == "3 practices, 10,500 registered patients"
    services.version_recompute(version=version, by=lead)
    version.refresh_from_db()
    assert selectors.version_freshness(version).current
    assert version.results_basis_text == "3 practices, 10,500 registered patients"
    assert version.results["practices"][0]["list_size"] == 1_500
    assert AuditEvent.objects.filter(action="economics.version.recompute").count() == 1


def test_lists_published_after_the_day_leave_the_results_current(trio, lead):
    version = make(trio, lead)
    ListSizeFactory(
        practice=trio.practices["A00001"], extract_date=date(2027, 1, 1), patients=9_999
    )
    assert selectors.version_freshness(version).current


def test_share_and_unshare_are_audited(trio, lead):
    version = make(trio, lead)
    services.version_share(version=version, shared=True, by=lead)
    version.refresh_from_db()
    assert version.shared_with_members and version.shared_at is not None
    services.version_share(version=version, shared=False, by=lead)
    version.refresh_from_db()
    assert not version.shared_with_members and version.shared_at is None
    actions = list(
        AuditEvent.objects.filter(action__startswith="economics.version.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "economics.version.create",
        "economics.version.share",
        "economics.version.unshare",
    ]
    assert selectors.federation_scenarios(trio.federation, shared_only=True).count() == 0
