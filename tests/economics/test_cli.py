"""``gpfed economics run SCENARIO.json``: the results as JSON and as text, exit 2 with one line
naming the field on bad input, and nothing saved either way."""

import json
from pathlib import Path

import pytest
from django.apps import apps

from accounts.models import Role
from demo.loader import FEDERATION_NAME
from gpfed.cli import main
from registry.models import Federation
from registry.selectors import federation_member_ids_on
from tests.economics.conftest import AS_OF
from tests.factories import RoleGrantFactory, UserFactory

pytestmark = pytest.mark.django_db

LEVELS = ["practice", "pcn", "federation"]
PRACTICE_KEYS = {
    "net_mean",
    "net_p5",
    "net_p95",
    "diff_vs_alone_mean",
    "prob_not_worse",
}


def rows() -> int:
    """Every row in the database, to show a command saved nothing."""
    return sum(model.objects.count() for model in apps.get_models())


def test_json_holds_the_hand_worked_results(trio, scenario, scenario_file, capsys):
    before = rows()
    code = main(["economics", "run", str(scenario_file(scenario)), "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert rows() == before
    assert set(out["levels"]) == set(LEVELS)
    for level in LEVELS:
        assert set(out["levels"][level]["total_net"]) == {"mean", "p5", "p50", "p95"}
    # The figures of tests/unit/test_economics_engine.py, in pounds as text, to the penny.
    assert out["levels"]["practice"]["total_net"]["p50"] == "900.00"
    assert out["levels"]["pcn"]["total_net"] == dict.fromkeys(
        ("mean", "p5", "p50", "p95"), "1300.00"
    )
    assert out["levels"]["federation"]["total_net"]["mean"] == "2100.00"
    assert out["levels"]["pcn"]["practices_worse_off"] == ["C00003"]
    practices = {p["code"]: p for p in out["practices"]}
    assert list(practices) == ["A00001", "B00002", "C00003"]
    a = practices["A00001"]
    assert (a["list_size"], a["pcn"], a["volume_mean"]) == (1000, "U00001", 30.0)
    for p in out["practices"]:
        assert set(p) >= {"code", "list_size", "pcn", "volume_mean", "levels"}
        for level in LEVELS:
            assert set(p["levels"][level]) >= PRACTICE_KEYS
    assert a["levels"]["practice"]["net_mean"] == "-260.00"
    assert a["levels"]["pcn"]["net_p5"] == "76.67"
    assert a["levels"]["federation"]["net_p95"] == "195.00"
    assert a["levels"]["federation"]["diff_vs_alone_mean"] == "455.00"
    assert practices["C00003"]["levels"]["pcn"]["diff_vs_alone_mean"] == "-110.00"
    assert practices["C00003"]["levels"]["pcn"]["prob_not_worse"] == 0.0
    assert out["breakeven_overhead_percent"] == 13.8
    assert out["recommended_level"] == "federation"
    assert out["sensitivity"] == []
    assert out["certain"] is True
    assert out["summary"].startswith("At federation level 3 of 3 practices are at least as well")


def test_text_summarises_each_level_and_the_recommendation(trio, scenario, scenario_file, capsys):
    code = main(["economics", "run", str(scenario_file(scenario))])
    out = capsys.readouterr().out
    assert code == 0
    assert "trio on 1 October 2026: 3 practices, unit: blood test" in out
    assert "exact, to the penny" in out
    for line in ("practice level", "PCN level", "federation level"):
        assert line in out
    assert "£2,100.00" in out
    assert "Break-even top-slice: 13.8%" in out
    assert "Recommended level: federation" in out
    assert "1 large practice (C00003; a list of 7,000 against the median 2,000) is worse off" in out


def test_ranges_give_a_sensitivity_ordered_by_swing(trio, scenario, scenario_file, capsys):
    scenario["levels"]["federation"]["fixed_per_year"] = {"low": 300, "mode": 600, "high": 900}
    scenario["levels"]["federation"]["cost_per_unit"] = {"low": 0.5, "mode": 1, "high": 2}
    scenario["draws"] = 2_000
    code = main(["economics", "run", str(scenario_file(scenario)), "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["certain"] is False
    bars = out["sensitivity"]
    assert [b["input"] for b in bars] == [
        "levels.federation.fixed_per_year",
        "levels.federation.cost_per_unit",
    ]
    assert bars[0]["swing"] == "600.00"
    assert (bars[0]["low"], bars[0]["high"]) == ("300", "900")
    assert bars[0]["level"] == "federation"
    spread = out["levels"]["federation"]["total_net"]
    assert float(spread["p5"]) < float(spread["p50"]) < float(spread["p95"])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            lambda s: s["levels"]["pcn"].update(fixed_per_year={"low": 5, "mode": 9, "high": 7}),
            "levels.pcn.fixed_per_year.high",
        ),
        (lambda s: s.update(federation="nowhere"), "federation"),
        (lambda s: s.update(as_of="2010-01-01"), "as_of"),
        (lambda s: s.pop("unit"), "unit"),
        (lambda s: s.update(draws=0), "draws"),
    ],
    ids=["range", "unknown federation", "no members then", "no unit", "no draws"],
)
def test_bad_input_exits_2_with_one_line_naming_the_field(
    trio, scenario, scenario_file, capsys, change, field
):
    change(scenario)
    before = rows()
    code = main(["economics", "run", str(scenario_file(scenario)), "--format", "json"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith(f"gpfed: scenario.json: {field}: ")
    assert "nothing was worked out" in captured.err
    assert rows() == before


def test_a_missing_or_unreadable_file_exits_2(db, tmp_path, scenario_file, capsys):
    assert main(["economics", "run", str(tmp_path / "none.json")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["economics", "run", str(scenario_file("{not json"))]) == 2
    assert "not JSON" in capsys.readouterr().err


def test_an_unknown_format_exits_2(trio, scenario, scenario_file):
    with pytest.raises(SystemExit) as exited:
        main(["economics", "run", str(scenario_file(scenario)), "--format", "xml"])
    assert exited.value.code == 2


def test_by_a_person_who_may_not_model_the_federations_services(
    trio, scenario, scenario_file, capsys
):
    path = str(scenario_file(scenario))
    board = RoleGrantFactory(role=Role.BOARD_MEMBER, federation=trio.federation).user
    assert main(["--by", board.email, "economics", "run", path]) == 2
    assert "may not model services for Trio Federation" in capsys.readouterr().err
    lead = RoleGrantFactory(role=Role.FINANCE_LEAD, federation=trio.federation).user
    assert main(["--by", lead.email, "economics", "run", path]) == 0
    stranger = UserFactory()
    assert main(["--by", stranger.email, "economics", "run", path]) == 2


def documented_example() -> dict:
    """The scenario file docs/economics.md shows."""
    text = (Path(__file__).parents[2] / "docs" / "economics.md").read_text()
    return json.loads(text.split("```json\n", 1)[1].split("```", 1)[0])


def test_the_documented_example_runs_on_the_demo(demo, scenario_file, capsys):
    example = documented_example()
    federation = Federation.objects.get(name=FEDERATION_NAME)
    assert example["federation"] == federation.slug
    code = main(["economics", "run", str(scenario_file(example)), "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    members = federation_member_ids_on(federation, AS_OF)
    assert len(out["practices"]) == len(members) > 20
    assert all(p["list_size"] > 0 for p in out["practices"])
    # The demo's PCNs; a practice in none on the day is shown so, and delivers alone at PCN
    # level.
    assert {p["pcn"] for p in out["practices"]} - {None}
    assert all(
        p["levels"]["pcn"]["diff_vs_alone_mean"] == "0.00"
        for p in out["practices"]
        if p["pcn"] is None
    )
    for p in out["practices"]:
        for level in LEVELS:
            assert 0 <= p["levels"][level]["prob_not_worse"] <= 1
        assert p["levels"]["practice"]["prob_not_worse"] == 1
    # Four ranges in the example: four bars, the largest swing first.
    swings = [float(b["swing"]) for b in out["sensitivity"]]
    assert swings == sorted(swings, reverse=True) and len(swings) == 4
    assert out["recommended_level"] in ("pcn", "federation", "none")
    assert f"of {len(members)} practices" in out["summary"]
