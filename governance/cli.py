"""Governance's ``gpfed`` subcommands: ``resolution tally`` works out a members' resolution from
a CSV file of votes against the federation's members on a day, and saves nothing;
``registers members|interests|gifts`` prints one of the federation's statutory registers as the
web page's CSV download gives it, recorded in its audit trail as that download is."""

from __future__ import annotations

import sys
from pathlib import Path

from governance import board_selectors, register_selectors, selectors
from governance import tally as rules
from governance.access import can_run_governance, can_see_governance
from governance.errors import GovernanceError
from governance.gifts import gifts_export
from governance.interests import interests_export
from governance.selectors import file_tally
from governance.services import register_export
from governance.votes_file import DOOR
from kernel.cli import (
    BadInput,
    Parser,
    acting_user,
    parse_date,
    print_json,
    print_rows,
    read_upload,
)
from registry.importers.base import ImportFileError
from registry.selectors import federation_by_slug, today


def register(commands) -> None:
    p = commands.add_parser("resolution", help="members' resolutions: tally a file of votes")
    actions = p.add_subparsers(dest="action", required=True, parser_class=Parser)
    t = actions.add_parser(
        "tally",
        help="work out a resolution from a CSV of 'ODS code,vote' (for/against/abstain); "
        "saves nothing",
    )
    t.add_argument("federation", help="the federation's slug")
    t.add_argument("--kind", choices=rules.KINDS, required=True)
    t.add_argument("--mode", choices=rules.MODES, required=True)
    t.add_argument("--weighting", choices=[rules.PRACTICE, rules.LIST_SIZE], required=True)
    t.add_argument("--votes", type=Path, required=True, metavar="FILE.csv")
    t.add_argument(
        "--on", type=parse_date, default=None, metavar="DATE", help="members on (default today)"
    )
    t.add_argument("--format", choices=["text", "json"], default="text")
    t.set_defaults(handler=cmd_tally)
    r = commands.add_parser(
        "registers",
        help="a federation's statutory registers as CSV or JSON (each export is audited)",
    )
    r.add_argument("register", choices=sorted(REGISTERS), help="which register")
    r.add_argument("federation", help="the federation's slug")
    r.add_argument("--format", choices=["csv", "json"], default="csv")
    r.set_defaults(handler=cmd_registers)


# register -> (the service that gives its rows and records the export, the columns)
REGISTERS = {
    "members": (register_export, selectors.REGISTER_COLUMNS),
    "interests": (interests_export, board_selectors.INTEREST_COLUMNS),
    "gifts": (gifts_export, register_selectors.GIFT_COLUMNS),
}


def _text(result) -> list[str]:
    t = result.tally
    lines = [
        f"{result.federation.name}: {t.kind} resolution, {t.mode}, weighted by "
        f"{result.weighting}, members on {result.day:%-d %B %Y}",
        f"  eligible: {t.eligible_count} members, weight {t.eligible_weight:,}",
        f"  for:      {t.for_count} (weight {t.for_weight:,})",
        f"  against:  {t.against_count} (weight {t.against_weight:,})",
        f"  abstain:  {t.abstain_count} (weight {t.abstain_weight:,})",
        f"  threshold: {t.threshold}: {t.required_weight:,} of {t.base_weight:,} needed",
    ]
    if t.quorum is not None:
        lines.append(f"  quorum: {t.quorum} members, {t.present} voted")
    lines.append(f"  result: {'PASSED' if t.passed else 'NOT PASSED'}")
    lines.append(f"  did not vote ({len(t.not_voted)}):")
    lines.extend(f"    {code} {result.practices[code].name}" for code in t.not_voted)
    return lines


def cmd_tally(args) -> int:
    federation = federation_by_slug(args.federation)
    by = acting_user(args.by)
    if federation is None or (by is not None and not can_run_governance(by, federation)):
        raise BadInput(f"there is no federation {args.federation}")
    if not args.votes.is_file():
        raise BadInput(f"{args.votes}: no such file")
    data = read_upload(args.votes, door=DOOR)
    try:
        result = file_tally(
            federation=federation,
            kind=args.kind,
            mode=args.mode,
            weighting=args.weighting,
            data=data,
            day=args.on or today(),
        )
    except ImportFileError as error:
        if args.format == "json":
            print_json({"ok": False, "problems": [p.as_dict() for p in error.problems]})
        else:
            for problem in error.problems[1:]:
                print(f"  {problem}", file=sys.stderr)
        raise BadInput(f"{args.votes.name}: {error.summary()}; nothing was tallied") from None
    except GovernanceError as error:
        raise BadInput(error.message) from None
    if args.format == "json":
        print_json({"ok": True, **result.as_dict()})
    else:
        print("\n".join(_text(result)))
    return 0


def cmd_registers(args) -> int:
    """As the register's page: the federation's own people may take it (the pages' rule,
    ``can_see_governance``); anyone else is told there is no such federation (ADR 0011)."""
    by = acting_user(args.by)
    federation = federation_by_slug(args.federation)
    if federation is None or (by is not None and not can_see_governance(by, federation)):
        raise BadInput(f"there is no federation {args.federation}")
    export, columns = REGISTERS[args.register]
    print_rows(columns, export(federation, by=by), args.format)
    return 0
