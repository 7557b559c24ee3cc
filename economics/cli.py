"""The modeller's ``gpfed`` subcommand: ``economics run SCENARIO.json`` reads a scenario file,
works out its results and prints them (text or JSON). It saves nothing."""

from __future__ import annotations

from pathlib import Path

from accounts import permissions as perms
from economics.report import results_json, results_text
from economics.scenario import MOST_BYTES, ScenarioError, scenario_read
from economics.selectors import scenario_federation, scenario_results
from kernel.cli import FORMATS, BadInput, acting_user, print_json


def register(commands) -> None:
    p = commands.add_parser(
        "economics", help="model a service at practice, PCN and federation level (saves nothing)"
    )
    p.add_argument("action", choices=["run"])
    p.add_argument("scenario", type=Path, metavar="SCENARIO.json", help="the scenario file")
    p.add_argument("--format", choices=FORMATS, default="text")
    p.set_defaults(handler=cmd_economics)


def cmd_economics(args) -> int:
    by = acting_user(args.by)
    path = args.scenario
    if not path.is_file():
        raise BadInput(f"{path}: no such file")
    if path.stat().st_size > MOST_BYTES:
        raise BadInput(f"{path}: the file is larger than {MOST_BYTES // 1024:,} KB")
    try:
        scenario = scenario_read(path.read_bytes())
        federation = scenario_federation(scenario.federation)
        if by is not None and not perms.can_manage_finance(by, federation):
            if not perms.is_federation_member(by, federation):  # ADR 0011: as if not there
                raise ScenarioError("federation", f"there is no federation {scenario.federation!r}")
            raise BadInput(f"{by.email} may not model services for {federation.name}")
        results = scenario_results(scenario, federation)
    except ScenarioError as error:
        raise BadInput(f"{path.name}: {error.message}; nothing was worked out") from None
    if args.format == "json":
        print_json(results_json(results, scenario))
    else:
        print(results_text(results, scenario))
    return 0
