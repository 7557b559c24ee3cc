"""The ``gpfed`` subcommands for backups: ``backup --output FILE`` and ``restore FILE``
(``restore --check FILE`` checks an archive against its manifest and loads nothing).
gpfed/backup.py does the work; docs/operations.md, "Backups and restore", says how to use them.
"""

from __future__ import annotations

import sys
from pathlib import Path

from gpfed.backup import BackupRefused, RestoreIncomplete, backup, check, restore
from kernel.cli import FORMATS, BadInput, acting_user, print_json
from kernel.formats import counted


def register(commands) -> None:
    p = commands.add_parser(
        "backup", help="write one archive of the database and the documents, with checksums"
    )
    p.add_argument("--output", type=Path, required=True, metavar="FILE", help="the archive")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    p.add_argument("--format", choices=FORMATS, default="text")
    p.set_defaults(handler=cmd_backup)

    p = commands.add_parser(
        "restore", help="load a backup into an empty database and storage, checking it"
    )
    p.add_argument("archive", type=Path, metavar="FILE", help="an archive gpfed backup wrote")
    p.add_argument(
        "--check",
        action="store_true",
        help="only check the archive's members against its manifest; load nothing",
    )
    p.add_argument("--format", choices=FORMATS, default="text")
    p.set_defaults(handler=cmd_restore)


def cmd_backup(args) -> int:
    by = acting_user(args.by)
    try:
        summary = backup(args.output, by=by, force=args.force)
    except BackupRefused as refused:
        raise BadInput(refused.message) from None
    for warning in summary["warnings"]:
        print(f"gpfed: warning: {warning}", file=sys.stderr)
    if args.format == "json":
        print_json(summary)
        return 0
    print(
        f"wrote {summary['archive']} ({summary['bytes']:,} bytes): "
        f"{counted(summary['tables'], 'table')}, {counted(summary['rows'], 'row')}, "
        f"{counted(summary['documents'], 'document')} ({summary['engine']})"
    )
    print(f"SHA-256 {summary['sha256']}")
    return 0


def cmd_restore(args) -> int:
    try:
        summary = check(args.archive) if args.check else restore(args.archive, by_email=args.by)
    except BackupRefused as refused:
        raise BadInput(refused.message) from None
    except RestoreIncomplete as broken:
        print(f"gpfed: {broken}", file=sys.stderr)
        return 1
    for note in summary.get("notes", []):
        print(f"gpfed: note: {note}", file=sys.stderr)
    for problem in summary.get("problems", []):
        print(f"gpfed: {problem}", file=sys.stderr)
    if args.format == "json":
        print_json(summary)
    else:
        done = "checked" if args.check else "restored"
        print(
            f"{done} {summary['archive']} (made {summary['created_at']} by gpfed "
            f"{summary['gpfed_version']}, {summary['engine']}): "
            f"{counted(summary['tables'], 'table')}, {counted(summary['rows'], 'row')}, "
            f"{counted(summary['documents'], 'document')}; "
            + ("with the problems above" if summary.get("problems") else "every checksum matches")
        )
    return 1 if summary.get("problems") else 0
