"""A scenario's practices from the registry: the federation's members on the day, each with its
latest list on or before the day and its PCN that day; and refusals naming the field."""

import json
from datetime import date

import pytest

from economics.engine import FEDERATION, PracticeInput
from economics.scenario import ScenarioError, scenario_read
from economics.selectors import scenario_federation, scenario_practices, scenario_results
from registry.models import FederationMembership
from tests.economics.conftest import AS_OF, SCENARIO
from tests.factories import FederationMembershipFactory, ListSizeFactory, PracticeFactory

pytestmark = pytest.mark.django_db


def test_members_on_the_day_with_their_lists_and_pcns(trio, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        practices = scenario_practices(scenario_federation("trio"), AS_OF)
    # D00004 left in March 2026; E00005 never joined; the November lists are after the day;
    # C00003's spell in U00001 ended in 2023.
    assert practices == [
        PracticeInput("A00001", 1_000, "U00001"),
        PracticeInput("B00002", 2_000, "U00001"),
        PracticeInput("C00003", 7_000, "U00002"),
    ]


def test_an_earlier_day_takes_the_lists_and_members_of_then(trio):
    # On 1 May 2026 the latest lists are April's (50 fewer each); D00004 left in March.
    practices = scenario_practices(trio.federation, date(2026, 5, 1))
    assert [(p.code, p.list_size) for p in practices] == [
        ("A00001", 950),
        ("B00002", 1_950),
        ("C00003", 6_950),
    ]
    # On 1 March 2026 D00004 was still a member, but its only list is September's.
    with pytest.raises(ScenarioError, match="D00004"):
        scenario_practices(trio.federation, date(2026, 3, 1))


def test_a_member_without_a_list_on_the_day_is_named(trio):
    # A member who joined in April 2026 with no list until September: on 1 May it is named.
    newcomer = PracticeFactory(code="F00006")
    FederationMembershipFactory(
        federation=trio.federation, practice=newcomer, start_date=date(2026, 4, 1)
    )
    ListSizeFactory(practice=newcomer, extract_date=date(2026, 9, 1), patients=3_000)
    with pytest.raises(ScenarioError) as refused:
        scenario_practices(trio.federation, date(2026, 5, 1))
    assert refused.value.field == "as_of"
    assert "F00006" in refused.value.message
    assert "1 member practice" in refused.value.message
    # By October it has one.
    assert len(scenario_practices(trio.federation, AS_OF)) == 4


def test_an_unknown_federation_names_the_field(db):
    with pytest.raises(ScenarioError) as refused:
        scenario_federation("nowhere")
    assert refused.value.field == "federation"
    assert "nowhere" in refused.value.message


def test_a_day_with_no_members_names_as_of(trio):
    FederationMembership.objects.filter(federation=trio.federation).delete()
    with pytest.raises(ScenarioError) as refused:
        scenario_practices(trio.federation, AS_OF)
    assert refused.value.field == "as_of"
    assert "no member practices" in refused.value.message


def test_results_from_the_registry_match_the_hand_worked_case(trio):
    results = scenario_results(scenario_read(json.dumps(SCENARIO)))
    assert [p.code for p in results.practices] == ["A00001", "B00002", "C00003"]
    assert results.levels[FEDERATION].total_net.p50 == 210_000
    assert results.recommended_level == FEDERATION


def test_a_run_too_large_for_the_federation_names_draws(trio):
    for n in range(3):
        practice = PracticeFactory(code=f"G0000{n}")
        FederationMembershipFactory(federation=trio.federation, practice=practice)
        ListSizeFactory(practice=practice, extract_date=date(2026, 9, 1), patients=4_000)
    ranged = {
        **SCENARIO,
        "draws": 1_000_000,
        "volume_per_1000": {"low": 20, "mode": 30, "high": 40},
    }
    with pytest.raises(ScenarioError) as refused:
        scenario_results(scenario_read(json.dumps(ranged)))
    assert refused.value.field == "draws"
    assert "at most 833,333 draws for 6 practices" in refused.value.message
    # Every input certain, the scenario is worked once, exactly, whatever the draws.
    certain = scenario_results(scenario_read(json.dumps({**SCENARIO, "draws": 1_000_000})))
    assert certain.certain and len(certain.practices) == 6
