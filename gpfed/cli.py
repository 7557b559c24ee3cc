"""The ``gpfed`` command: what operators script. Honours DATABASE_URL like the web app.

Exit status: 0 on success, 2 on bad input (with a one-line reason on stderr), 1 if something
unexpected broke. ``--format json`` prints machine-readable results wherever results are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

BAD_INPUT = 2


class BadInput(Exception):
    """Input the command cannot act on; the message is printed as the one-line reason."""


class Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(BAD_INPUT, f"gpfed: {message} (see gpfed --help)\n")


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2025-08-01") from None


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="gpfed", description="gpfed: run a GP federation's business.")
    parser.add_argument("--by", metavar="EMAIL", help="the gpfed user to record as acting")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    p = commands.add_parser("import", help="import NHS publication files into the registry")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--kind", help="the publication, if it cannot be recognised from the file")
    p.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    p.add_argument("--as-of", type=_date, help="the date a file without one describes")
    p.add_argument("--format", choices=["text", "json"], default="text")

    p = commands.add_parser("demo", help="the demo federation")
    p.add_argument("action", choices=["load"])
    p.add_argument("--format", choices=["text", "json"], default="text")

    p = commands.add_parser("report", help="print what the registry knows")
    p.add_argument("subject", choices=["practice"])
    p.add_argument("code")
    p.add_argument("--on", type=_date, help="as on this date (default today)")
    p.add_argument("--format", choices=["text", "json"], default="text")

    p = commands.add_parser(
        "entitlements", help="a PCN's Network Contract DES entitlements for a financial year"
    )
    p.add_argument("--year", required=True, help="financial year, e.g. 2025-26")
    p.add_argument("--registered", type=int, default=0, help="registered list")
    p.add_argument("--adjusted", type=Decimal, default=Decimal(0), help="adjusted population")
    p.add_argument("--weighted", type=Decimal, default=Decimal(0), help="weighted population")
    p.add_argument("--care-home-beds", type=int, default=0)
    p.add_argument("--iif-points", type=Decimal, default=Decimal(0))
    p.add_argument("--format", choices=["text", "json"], default="text")

    p = commands.add_parser("manage", help="run a Django management command (migrate, ...)")
    p.add_argument("args", nargs=argparse.REMAINDER)
    return parser


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gpfed.settings")
    import django

    django.setup()
    from audit.origin import COMMAND_LINE, set_origin

    set_origin(COMMAND_LINE)


def acting_user(email: str | None):
    if not email:
        return None
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(email__iexact=email).first()
    if user is None:
        raise BadInput(f"there is no gpfed user {email}")
    return user


def print_json(data) -> None:
    print(json.dumps(data, indent=2, default=str))


def cmd_import(args) -> int:
    from registry.importers.base import ImportFileError
    from registry.importers.detect import Kind, detect
    from registry.importing import import_file

    by = acting_user(args.by)
    if by is not None:
        from accounts.permissions import can_import

        if not can_import(by):
            raise BadInput(
                f"{by.email} may not import NHS files: that needs a federation administrator "
                "or operations lead role"
            )
    if args.kind and args.kind not in Kind.LABELS:
        raise BadInput(f"--kind must be one of {', '.join(Kind.ORDER)}")
    jobs = []
    for path in args.files:
        if not path.is_file():
            raise BadInput(f"{path}: no such file")
        data = path.read_bytes()
        try:
            kind = args.kind or detect(data, path.name)
        except ImportFileError as exc:
            raise BadInput(f"{path}: {exc.summary()}") from None
        jobs.append((Kind.ORDER.index(kind), str(path), path, data, kind))
    jobs.sort(key=lambda job: (job[0], job[1]))
    results = []
    for _, _, path, data, kind in jobs:
        try:
            run = import_file(
                data=data,
                file_name=path.name,
                by=by,
                kind=kind,
                dry_run=args.dry_run,
                as_at=args.as_of,
                origin="command line",
            )
        except ImportFileError as exc:
            if args.format == "json":
                print_json(results)
            raise BadInput(f"{path}: {exc.summary()}; nothing was written") from None
        result = {
            "file": str(path),
            "kind": run.kind,
            "status": run.status,
            "dry_run": run.dry_run,
            "sha256": run.sha256,
            "as_at": run.as_at.isoformat() if run.as_at else None,
            "counts": {k: run.counts.get(k, 0) for k in COUNTS},
            "kept_manual": run.counts.get("kept_manual", 0),
            "notes": run.notes,
        }
        results.append(result)
        if args.format == "text":
            counts = result["counts"]
            verb = "checked (dry run, nothing written)" if run.dry_run else "imported"
            print(f"{path.name}: {Kind.LABELS[run.kind]} {verb}")
            print("  " + ", ".join(f"{counts[k]:,} {k}" for k in COUNTS))
            for note in run.notes[:10]:
                print(f"  note: {note}")
            if len(run.notes) > 10:
                print(f"  ... and {len(run.notes) - 10} more notes")
    if args.format == "json":
        print_json(results)
    return 0


COUNTS = ("read", "created", "updated", "unchanged", "closed", "skipped")


def cmd_demo(args) -> int:
    from demo.loader import demo_load

    result = demo_load(by=acting_user(args.by))
    if args.format == "json":
        print_json(result)
    else:
        for line in result["summary"]:
            print(line)
    return 0


def cmd_report(args) -> int:
    from accounts import permissions as perms
    from registry.models import Practice
    from registry.selectors import practice_report

    by = acting_user(args.by)
    if by is not None and not perms.can_read_registry(by):
        raise BadInput(f"{by.email} has no role that may read the registry")
    practice = Practice.objects.filter(code=args.code.upper()).first()
    if practice is None:
        raise BadInput(f"there is no practice with the ODS code {args.code.upper()}")
    # An operator at the command line sees everything; --by reports as that person would see.
    federations = perms.visible_federations(by) if by is not None else None
    report = practice_report(practice, args.on, federations=federations)
    if args.format == "json":
        print_json(report)
        return 0

    def org(o):
        return f"{o['name'] or o['code']} ({o['code']})" if o else "not known"

    lines = [
        f"{report['name']} ({report['code']})",
        f"  status:     {report['status']}",
        f"  PCN:        {org(report['pcn'])}",
        f"  sub-ICB:    {org(report['sub_icb'])}",
        f"  ICB:        {org(report['icb'])}",
        f"  region:     {org(report['region'])}",
    ]
    ls = report["list_size"]
    lines.append(
        f"  list size:  {ls['patients']:,} (extract {ls['extract_date']})"
        if ls
        else "  list size:  none imported"
    )
    lines.append(
        f"  federation: {report['federation']['name'] if report['federation'] else 'none'}"
    )
    print("\n".join(lines))
    return 0


def cmd_entitlements(args) -> int:
    from finance.entitlements import Populations, entitlements
    from registry.importers.populations import parse_financial_year

    try:
        year = parse_financial_year(args.year)
        figures = [args.registered, args.adjusted, args.weighted, args.care_home_beds]
        if any(f < 0 for f in [*figures, args.iif_points]):
            raise ValueError("populations, beds and points cannot be negative")
        result = entitlements(
            year,
            Populations(
                registered=args.registered,
                adjusted=args.adjusted,
                weighted=args.weighted,
                care_home_beds=args.care_home_beds,
                iif_points=args.iif_points,
            ),
        )
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    if args.format == "json":
        print_json(result.as_dict())
        return 0
    verify = " (rates to verify)" if result.verify else ""
    print(f"Network Contract DES entitlements {result.year}{verify}")
    for line in result.lines:
        print(f"  {line.item:42s} {line.annual_pence / 100:>14,.2f}  ({line.rate} {line.basis})")
    print(f"  {'Total':42s} {result.total_annual_pence / 100:>14,.2f}  a year")
    if result.arrs:
        arrs = result.arrs
        print(f"  {arrs.item:42s} {arrs.annual_pence / 100:>14,.2f}  ({arrs.rate} {arrs.basis})")
    print(f"  Source: {result.source}")
    return 0


def cmd_manage(args) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["gpfed manage", *args.args])
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup()
    handlers = {
        "import": cmd_import,
        "demo": cmd_demo,
        "report": cmd_report,
        "manage": cmd_manage,
        "entitlements": cmd_entitlements,
    }
    try:
        return handlers[args.command](args)
    except BadInput as exc:
        print(f"gpfed: {exc}", file=sys.stderr)
        return BAD_INPUT
    except Exception as exc:
        from registry.services import RegistryError

        if isinstance(exc, RegistryError):
            print(f"gpfed: {exc.message}", file=sys.stderr)
            return BAD_INPUT
        raise


if __name__ == "__main__":
    raise SystemExit(main())
