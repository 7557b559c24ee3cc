"""The modeller's other inputs: income per registered patient or a block, and volume per 1,000
patients in chosen ages (from the registry's lists by age) or each practice's own last year's
activity (finance's activity rows), read from the file, the registry and the form."""

import copy
import json
from datetime import date

import pytest

from economics import services
from economics.engine import FEDERATION, INCOME, VOLUME, Value
from economics.models import ScenarioVersion
from economics.report import results_json
from economics.scenario import ScenarioError, scenario_read
from economics.selectors import scenario_practices, scenario_results, version_freshness
from gpfed.cli import main
from registry.models import ListSize
from tests.economics.conftest import AS_OF, SCENARIO
from tests.factories import ActivityFactory, ListSizeFactory, ServiceFactory


def with_(**changes) -> dict:
    data = copy.deepcopy(SCENARIO)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


# --- the file ----------------------------------------------------------------------------


def test_the_file_takes_income_per_patient_or_a_block_and_volume_by_ages_or_last_year():
    patient = scenario_read(json.dumps(with_(income_per_unit=None, income={"per_patient": 1.25})))
    assert patient.income_basis == "per_patient"
    assert patient.values[INCOME] == Value.certain("1.25")
    assert patient.path(INCOME) == "income.per_patient"
    block = scenario_read(
        json.dumps(with_(income_per_unit=None, income={"block": {"low": 1, "mode": 2, "high": 3}}))
    )
    assert block.income_basis == "block" and not block.values[INCOME].is_certain
    unit = scenario_read(json.dumps(with_(income_per_unit=None, income={"per_unit": 10})))
    assert unit.income_basis == "per_unit" and unit.path(INCOME) == "income_per_unit"
    aged = scenario_read(
        json.dumps(with_(volume_per_1000=None, volume={"per_1000": 300, "ages": {"from": 65}}))
    )
    assert (aged.volume_basis, aged.ages, aged.values[VOLUME]) == (
        "ages",
        (65, None),
        Value.certain(300),
    )
    last = scenario_read(json.dumps(with_(volume_per_1000=None, volume={"last_year": "bloods"})))
    assert (last.volume_basis, last.service, last.values[VOLUME]) == (
        "last_year",
        "bloods",
        Value.certain(1),
    )
    assert last.path(VOLUME) == "volume.scale"


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"income": {"per_unit": 1}}, "income", "not both"),
        ({"income_per_unit": None}, "income", "missing"),
        ({"income_per_unit": None, "income": {"per_head": 1}}, "income", "one of per_unit"),
        (
            {"income_per_unit": None, "income": {"per_unit": 1, "block": 2}},
            "income",
            "one of per_unit",
        ),
        ({"income_per_unit": None, "income": {"block": -1}}, "income.block", "negative"),
        ({"income_per_unit": None, "income": 5}, "income", "expected an object"),
        ({"volume": {"per_1000": 1}}, "volume", "not both"),
        ({"volume_per_1000": None}, "volume", "missing"),
        ({"volume_per_1000": None, "volume": {"ages": {"from": 65}}}, "volume.per_1000", "missing"),
        (
            {"volume_per_1000": None, "volume": {"per_1000": 1, "ages": {"from": 70, "to": 65}}},
            "volume.ages.to",
            "below",
        ),
        (
            {"volume_per_1000": None, "volume": {"per_1000": 1, "ages": {"from": 200}}},
            "volume.ages.from",
            "not between",
        ),
        (
            {"volume_per_1000": None, "volume": {"per_1000": 1, "ages": {"from": "65"}}},
            "volume.ages.from",
            "whole number",
        ),
        ({"volume_per_1000": None, "volume": {"last_year": 5}}, "volume.last_year", "text"),
        (
            {"volume_per_1000": None, "volume": {"last_year": "x", "per_1000": 1}},
            "volume.per_1000",
            "not a field",
        ),
    ],
)
def test_a_bad_volume_or_income_is_refused_naming_the_field(changes, field, words):
    with pytest.raises(ScenarioError) as caught:
        scenario_read(json.dumps(with_(**changes)))
    assert caught.value.field == field
    assert words in caught.value.message


# --- the registry: lists by age, and last year's activity ---------------------------------


def _bands(practice, extract, counts: dict) -> None:
    """Five-year bands, split between men and women: {(from, to): patients}."""
    for (low, high), n in counts.items():
        label = f"{low}+" if high is None else f"{low}-{high}"
        for sex, part in (("MALE", n // 2), ("FEMALE", n - n // 2)):
            ListSizeFactory(
                practice=practice,
                extract_date=extract,
                sex=sex,
                age_band=label,
                age_from=low,
                age_to=high,
                patients=part,
            )


def aged(ages: dict) -> dict:
    return with_(volume_per_1000=None, volume={"per_1000": 300, "ages": ages})


@pytest.mark.django_db
def test_volume_per_1000_in_chosen_ages_uses_each_practices_latest_lists_by_age(trio):
    a, b, c = (trio.practices[code] for code in ("A00001", "B00002", "C00003"))
    for practice, old in ((a, 100), (b, 300), (c, 2_000)):
        _bands(practice, date(2026, 7, 1), {(60, 64): 50, (65, 69): old, (70, None): old})
    _bands(a, date(2026, 1, 1), {(65, 69): 999})  # an older extract, left aside
    _bands(b, date(2026, 12, 1), {(65, 69): 999})  # published after the day: left aside
    # Single years, where an extract has them, are used rather than its bands.
    for age in range(60, 72):
        ListSizeFactory(
            practice=c,
            extract_date=date(2026, 7, 1),
            sex="FEMALE",
            age_band=str(age),
            age_from=age,
            age_to=age,
            patients=100,
        )
    scenario = scenario_read(json.dumps(aged({"from": 65})))
    practices = scenario_practices(trio.federation, AS_OF, scenario)
    # 65 and over: A 200, B 600 patients (bands); C 7 single years 65..71 x 100 = 700.
    assert [p.volume_base * 1000 for p in practices] == [200, 600, 700]
    assert {p.volume_from for p in practices} == {"ages"}
    results = scenario_results(scenario)
    # 300 a year per 1,000 aged 65 and over: 60, 180, 210 units.
    assert [p.volume_mean for p in results.practices] == [60, 180, 210]
    # Ages that cut through a five-year band are refused, as is a practice with no list by age.
    with pytest.raises(ScenarioError, match="cut through") as caught:
        scenario_practices(trio.federation, AS_OF, scenario_read(json.dumps(aged({"from": 66}))))
    assert caught.value.field == "volume.ages"
    ListSize.objects.filter(practice=a, age_from__isnull=False).delete()
    with pytest.raises(ScenarioError, match=r"no list by age .* 1 member practice: A00001"):
        scenario_practices(trio.federation, AS_OF, scenario)


def last_year(code: str = "bloods", **more) -> dict:
    return with_(volume_per_1000=None, volume={"last_year": code, **more})


@pytest.mark.django_db
def test_last_years_activity_is_each_practices_own_and_the_federation_rate_for_none(trio):
    service = ServiceFactory(federation=trio.federation, code="bloods", name="Blood tests")
    a, b = trio.practices["A00001"], trio.practices["B00002"]
    # The twelve months before October 2026: October 2025 to September 2026.
    for month, units in ((date(2025, 10, 1), 40), (date(2026, 9, 1), 50)):
        ActivityFactory(service=service, practice=a, month=month, units=units)
    ActivityFactory(service=service, practice=b, month=date(2026, 3, 1), units=30)
    ActivityFactory(service=service, practice=a, month=date(2025, 9, 1), units=500)  # too early
    ActivityFactory(service=service, practice=a, month=date(2026, 10, 1), units=500)  # too late
    scenario = scenario_read(json.dumps(last_year()))
    practices = scenario_practices(trio.federation, AS_OF, scenario)
    # A 90 units, B 30; C recorded none: the rate of those that did, 120 units on 3,000
    # patients, 40 per 1,000: 280 on its 7,000.
    assert [(p.volume_base, p.volume_from) for p in practices] == [
        (90, "activity"),
        (30, "activity"),
        (280, "federation_rate"),
    ]
    out = results_json(scenario_results(scenario), scenario)
    assert [p["volume_mean"] for p in out["practices"]] == [90, 30, 280]
    assert out["volume_basis"] == "last_year" and out["volume_service"] == "bloods"
    assert (
        "C00003 recorded none of the service in the last 12 months: its volume is the "
        "federation's rate, 40.0 a year per 1,000 registered patients." in out["summary"]
    )
    # A scale on last year's activity: 10% more, every practice.
    scaled = scenario_read(json.dumps(last_year(scale=1.1)))
    assert [p.volume_mean for p in scenario_results(scaled).practices] == pytest.approx(
        [99, 33, 308]
    )
    with pytest.raises(ScenarioError, match="no service 'nope'") as caught:
        scenario_results(scenario_read(json.dumps(last_year("nope"))))
    assert caught.value.field == "volume.last_year"
    ServiceFactory(federation=trio.federation, code="idle")
    with pytest.raises(ScenarioError, match="no member practice recorded any"):
        scenario_results(scenario_read(json.dumps(last_year("idle"))))


@pytest.mark.django_db
def test_the_command_line_runs_income_per_patient_exactly(trio, scenario_file, capsys):
    data = with_(income_per_unit=None, income={"per_patient": 0.25})
    code = main(["economics", "run", str(scenario_file(data)), "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["income_basis"] == "per_patient" and out["certain"]
    # As tests/unit/test_economics_engine.py works it by hand: 1,600.00 at federation level.
    assert out["levels"][FEDERATION]["total_net"]["p50"] == "1600.00"
    assert out["breakeven_overhead_percent"] == 16.57


@pytest.mark.django_db
def test_activity_imported_since_puts_a_saved_version_out_of_date(trio):
    service = ServiceFactory(federation=trio.federation, code="bloods")
    ActivityFactory(service=service, practice=trio.practices["A00001"], month=date(2026, 5, 1))
    version = services.scenario_create(
        federation=trio.federation, name="Bloods", inputs=last_year(), by=None
    )
    assert version.results["practices"][0]["volume_from"] == "activity"
    assert not services_freshness(version).out_of_date
    ActivityFactory(service=service, practice=trio.practices["B00002"], month=date(2026, 6, 1))
    assert services_freshness(version).out_of_date


def services_freshness(version: ScenarioVersion):
    return version_freshness(ScenarioVersion.objects.get(pk=version.pk))
