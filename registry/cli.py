"""The registry's ``gpfed`` subcommands: ``import`` (NHS publication files) and ``report``."""

from __future__ import annotations

from pathlib import Path

from accounts import permissions as perms
from kernel.cli import BadInput, acting_user, parse_date, print_json, read_upload
from registry import selectors
from registry.importers.base import ImportFileError
from registry.importers.detect import Kind, detect
from registry.importing import import_file

COUNTS = ("read", "created", "updated", "unchanged", "closed", "skipped")


def register(commands) -> None:
    p = commands.add_parser(
        "import", help="import NHS publication files into the national registry (operators)"
    )
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--kind", help="the publication, if it cannot be recognised from the file")
    p.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    p.add_argument("--as-of", type=parse_date, help="the date a file without one describes")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(handler=cmd_import)

    p = commands.add_parser("report", help="print what the registry knows")
    p.add_argument("subject", choices=["practice"])
    p.add_argument("code")
    p.add_argument("--on", type=parse_date, help="as on this date (default today)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(handler=cmd_report)


def cmd_import(args) -> int:
    # A national import: it updates the registry every federation shares, so only the
    # installation's operators make it (a federation imports its own populations on the web).
    by = acting_user(args.by)
    if by is not None and not perms.can_import_national(by):
        raise BadInput(
            f"{by.email} may not import NHS files: national imports are made by the "
            "installation's operators (Django superusers); a federation imports its own "
            "populations on its Imports page"
        )
    if args.kind and args.kind not in Kind.LABELS:
        raise BadInput(f"--kind must be one of {', '.join(Kind.ORDER)}")
    jobs = []
    for path in args.files:
        if not path.is_file():
            raise BadInput(f"{path}: no such file")
        data = read_upload(path, door="import")
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


def cmd_report(args) -> int:
    by = acting_user(args.by)
    if by is not None and not perms.can_read_registry(by):
        raise BadInput(f"{by.email} has no role that may read the registry")
    practice = selectors.practice_by_code(args.code)
    if practice is None:
        raise BadInput(f"there is no practice with the ODS code {args.code.upper()}")
    # An operator at the command line sees everything; --by reports as that person would see.
    federations = perms.visible_federations(by) if by is not None else None
    report = selectors.practice_report(practice, args.on, federations=federations)
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
