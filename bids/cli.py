"""The bids pipeline's ``gpfed`` subcommands: ``bids import FEDERATION FILE.json`` imports the
notices of an OCDS file (checked whole, idempotent by OCID), ``bids remind`` sends the deadline
reminders due (as the worker does) and ``bids poll`` polls Find a Tender once for the
federations ``GPFED_BIDS_POLL`` names."""

from __future__ import annotations

import sys
from pathlib import Path

from bids.access import can_open_bids, can_run_bids
from bids.forms import DOOR
from bids.importing import notices_import
from bids.ocds import DEFAULT_CPV, OcdsError, notices_read
from bids.poll import poll_all
from bids.reminders import send_due
from kernel.cli import FORMATS, BadInput, Parser, acting_user, print_json, read_upload
from registry.selectors import federation_by_slug


def register(commands) -> None:
    p = commands.add_parser("bids", help="the bids pipeline: import OCDS notices, reminders")
    actions = p.add_subparsers(dest="action", required=True, parser_class=Parser)
    i = actions.add_parser(
        "import", help="import the notices of an OCDS release or record package (JSON)"
    )
    i.add_argument("federation", help="the federation's slug")
    i.add_argument("file", type=Path, metavar="FILE.json")
    i.add_argument(
        "--cpv",
        nargs="+",
        default=list(DEFAULT_CPV),
        metavar="CODE",
        help=f"keep notices with one of these CPV codes (default {' '.join(DEFAULT_CPV)})",
    )
    i.add_argument(
        "--buyer",
        action="append",
        default=[],
        metavar="NAME",
        help="keep notices whose buyer's name contains this (repeat for more)",
    )
    i.add_argument("--format", choices=FORMATS, default="text")
    i.set_defaults(handler=cmd_import)
    r = actions.add_parser("remind", help="send the deadline reminders due now, once each")
    r.set_defaults(handler=cmd_remind)
    q = actions.add_parser("poll", help="poll Find a Tender once (GPFED_BIDS_POLL)")
    q.add_argument("--format", choices=FORMATS, default="text")
    q.set_defaults(handler=cmd_poll)


def cmd_import(args) -> int:
    by = acting_user(args.by)
    federation = federation_by_slug(args.federation)
    if federation is None or (by is not None and not can_open_bids(by, federation)):
        raise BadInput(f"there is no federation {args.federation}")  # ADR 0011
    if by is not None and not can_run_bids(by, federation):
        raise BadInput(f"{by.email} may not import notices for {federation.name}")
    if any(not (c.isdigit() and len(c) == 8) for c in args.cpv):
        raise BadInput("--cpv: CPV codes are eight digits each")
    if not args.file.is_file():
        raise BadInput(f"{args.file}: no such file")
    data = read_upload(args.file, door=DOOR)
    try:
        reading = notices_read(data, cpv=args.cpv, buyers=args.buyer)
    except OcdsError as error:
        if args.format == "json":
            print_json({"ok": False, "problems": [p.as_dict() for p in error.problems]})
        else:
            for problem in error.problems[1:]:
                print(f"  {problem}", file=sys.stderr)
        raise BadInput(f"{args.file.name}: {error.summary()}; nothing was imported") from None
    outcome = notices_import(federation=federation, reading=reading, by=by)
    if args.format == "json":
        print_json({"ok": True, "federation": federation.slug, **outcome.as_dict()})
    else:
        print(
            f"{federation.name}: {outcome.created} added, {outcome.updated} updated "
            f"from {outcome.releases} releases in {args.file.name}"
        )
    return 0


def cmd_remind(args) -> int:
    print(f"{send_due()} reminders sent")
    return 0


def cmd_poll(args) -> int:
    results = poll_all()
    if args.format == "json":
        print_json(results)
    else:
        for slug, totals in results.items():
            print(f"{slug}: {totals}")
        if not results:
            print("Polling is off (GPFED_BIDS_POLL names no federation)")
    return 0
