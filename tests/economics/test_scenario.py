"""Reading a scenario file: a good one gives every input; every bad one is refused naming the
field it is about (as a path into the file), before anything is worked out."""

import copy
import json
from datetime import date
from decimal import Decimal

import pytest

from economics.engine import INPUTS, OVERHEAD, VOLUME, Value, fixed, per_practice
from economics.scenario import ScenarioError, scenario_read
from kernel.errors import DomainError
from tests.economics.conftest import SCENARIO


def test_a_good_file_gives_every_input_exactly():
    data = copy.deepcopy(SCENARIO)
    data["levels"]["pcn"]["fixed_per_year"] = {"low": 300, "mode": 400.5, "high": 1200.25}
    scenario = scenario_read(json.dumps(data).encode())
    assert scenario.federation == "trio"
    assert scenario.as_of == date(2026, 10, 1)
    assert scenario.unit == "blood test"
    assert (scenario.draws, scenario.seed) == (10_000, 1)
    assert set(scenario.values) == set(INPUTS)
    assert scenario.values[VOLUME] == Value.certain(30)
    assert scenario.values[OVERHEAD] == Value.certain(5)
    # Decimals as written, never through a float.
    assert scenario.values[fixed("pcn")] == Value(
        Decimal(300), Decimal("400.5"), Decimal("1200.25")
    )


def test_draws_and_seed_may_be_left_out():
    data = copy.deepcopy(SCENARIO)
    del data["draws"], data["seed"]
    scenario = scenario_read(json.dumps(data))
    assert (scenario.draws, scenario.seed) == (10_000, 0)


def test_a_cost_for_each_practice_served_is_optional_and_read_when_given():
    # Left out (as in the hand-worked file), it is nothing at PCN and at federation level.
    scenario = scenario_read(json.dumps(SCENARIO))
    assert scenario.values[per_practice("pcn")] == Value.certain(0)
    assert scenario.values[per_practice("federation")] == Value.certain(0)
    data = copy.deepcopy(SCENARIO)
    data["levels"]["federation"]["fixed_per_practice"] = {"low": 1500, "mode": 2000, "high": 2500}
    data["levels"]["pcn"]["fixed_per_practice"] = 250.5
    scenario = scenario_read(json.dumps(data))
    assert scenario.values[per_practice("federation")] == Value.range(1500, 2000, 2500)
    assert scenario.values[per_practice("pcn")] == Value.certain("250.5")


def changed(path: str, value):
    """The hand-worked scenario with the field at ``path`` (dots) set to ``value``, or removed
    when ``value`` is ``DELETE``."""
    data = copy.deepcopy(SCENARIO)
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node[key]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return json.dumps(data)


DELETE = object()
RANGE = {"low": 1, "mode": 2, "high": 3}

BAD = [
    # (what is wrong, the file's text, the field named, words in the message)
    ("no federation", changed("federation", DELETE), "federation", "missing"),
    ("federation not text", changed("federation", 5), "federation", "expected text"),
    ("federation empty", changed("federation", "  "), "federation", "empty"),
    ("no such day", changed("as_of", "2026-02-30"), "as_of", "no such day"),
    ("not a date", changed("as_of", "1/10/2026"), "as_of", "not a date"),
    ("date out of years", changed("as_of", "0001-01-01"), "as_of", ""),
    ("no unit", changed("unit", DELETE), "unit", "missing"),
    ("unit on two lines", changed("unit", "blood\ntest"), "unit", "one line"),
    ("misspelt field", changed("volume_per_100", 30), "volume_per_100", "not a field"),
    ("volume as text", changed("volume_per_1000", "30"), "volume_per_1000", "not the text"),
    ("negative volume", changed("volume_per_1000", -1), "volume_per_1000", "negative"),
    ("income true", changed("income_per_unit", True), "income_per_unit", "not true"),
    ("income null", changed("income_per_unit", None), "income_per_unit", "not null"),
    ("income a list", changed("income_per_unit", [1, 2, 3]), "income_per_unit", "a list"),
    (
        "range without high",
        changed("income_per_unit", {"low": 1, "mode": 2}),
        "income_per_unit.high",
        "missing",
    ),
    (
        "range with an extra key",
        changed("income_per_unit", {**RANGE, "max": 4}),
        "income_per_unit.max",
        "not a field",
    ),
    (
        "mode below low",
        changed("levels.pcn.fixed_per_year", {"low": 1000, "mode": 900, "high": 1200}),
        "levels.pcn.fixed_per_year.mode",
        "below the low",
    ),
    (
        "high below mode",
        changed("levels.pcn.fixed_per_year", {"low": 100, "mode": 900, "high": 800}),
        "levels.pcn.fixed_per_year.high",
        "below the most likely",
    ),
    (
        "negative low",
        changed("levels.practice.cost_per_unit", {"low": -1, "mode": 2, "high": 3}),
        "levels.practice.cost_per_unit.low",
        "negative",
    ),
    (
        "range end as text",
        changed("levels.practice.cost_per_unit", {"low": 1, "mode": "2", "high": 3}),
        "levels.practice.cost_per_unit.mode",
        "expected a number",
    ),
    (
        "overhead over 100",
        changed("levels.federation.overhead_percent", 101),
        "levels.federation.overhead_percent",
        "more than 100",
    ),
    (
        "overhead range over 100",
        changed("levels.federation.overhead_percent", {"low": 1, "mode": 5, "high": 120}),
        "levels.federation.overhead_percent.high",
        "more than 100",
    ),
    (
        "no overhead",
        changed("levels.federation.overhead_percent", DELETE),
        "levels.federation.overhead_percent",
        "missing",
    ),
    (
        "overhead at PCN level",
        changed("levels.pcn.overhead_percent", 5),
        "levels.pcn.overhead_percent",
        "not a field",
    ),
    (
        "negative cost a site",
        changed("levels.federation.fixed_per_practice", {"low": -1, "mode": 2, "high": 3}),
        "levels.federation.fixed_per_practice.low",
        "negative",
    ),
    (
        "a cost a site when alone",
        changed("levels.practice.fixed_per_practice", 100),
        "levels.practice.fixed_per_practice",
        "not a field",
    ),
    ("no PCN level", changed("levels.pcn", DELETE), "levels.pcn", "missing"),
    ("level not an object", changed("levels.practice", 5), "levels.practice", "an object"),
    ("levels a list", changed("levels", []), "levels", "expected an object"),
    ("unknown level", changed("levels.ICB", {}), "levels.ICB", "not a field"),
    (
        "too many decimal places",
        changed("levels.federation.cost_per_unit", 1.1234567),
        "levels.federation.cost_per_unit",
        "decimal places",
    ),
    (
        "a billion pounds",
        changed("levels.federation.fixed_per_year", 2e9),
        "levels.federation.fixed_per_year",
        "more than 1,000,000,000",
    ),
    ("no draws", changed("draws", 0), "draws", "between 1 and 1,000,000"),
    ("too many draws", changed("draws", 1_000_001), "draws", "between 1 and 1,000,000"),
    ("draws not whole", changed("draws", 2.5), "draws", "whole number"),
    ("draws as text", changed("draws", "100"), "draws", "whole number"),
    ("negative seed", changed("seed", -1), "seed", "between 0"),
]


@pytest.mark.parametrize(("text", "field", "words"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_bad_field_is_named(text, field, words):
    with pytest.raises(ScenarioError) as refused:
        scenario_read(text.encode())
    error = refused.value
    assert isinstance(error, DomainError)
    assert error.field == field
    assert error.message.startswith(f"{field}: ")
    assert words in error.message


WHOLE_FILE = [
    ("empty", b"", "empty"),
    ("not JSON", b'{"federation": "trio",', "not JSON"),
    ("a list", b"[1, 2]", "one JSON object"),
    (
        "NaN",
        changed("volume_per_1000", 1).replace('"volume_per_1000": 1', '"volume_per_1000": NaN'),
        "NaN",
    ),
    ("not UTF-8", '{"unit": "caf\u00e9"}'.encode("latin-1"), "UTF-8"),
    ("a key twice", b'{"federation": "a", "federation": "b"}', "appears twice"),
    ("too large", b" " * (1024 * 1024 + 1), "larger than"),
    ("an integer too long to read", b'{"draws": ' + b"9" * 5000 + b"}", "not JSON"),
]


@pytest.mark.parametrize(
    ("data", "words"), [w[1:] for w in WHOLE_FILE], ids=[w[0] for w in WHOLE_FILE]
)
def test_a_file_that_is_not_a_scenario_says_why(data, words):
    with pytest.raises(ScenarioError) as refused:
        scenario_read(data.encode() if isinstance(data, str) else data)
    assert words in refused.value.message
    assert refused.value.field is None


def test_a_utf8_file_with_a_byte_order_mark_is_read():
    assert scenario_read(b"\xef\xbb\xbf" + json.dumps(SCENARIO).encode()).unit == "blood test"
