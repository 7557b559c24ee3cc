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

from kernel.exports import SafeWriter

BAD_INPUT = 2


class BadInput(Exception):
    """Input the command cannot act on; the message is printed as the one-line reason."""


class Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(BAD_INPUT, f"gpfed: {message} (see gpfed --help)\n")


def _date(value: str) -> date:
    from kernel.dates import parse_day

    try:
        return parse_day(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="gpfed", description="gpfed: run a GP federation's business.")
    parser.add_argument("--by", metavar="EMAIL", help="the gpfed user to record as acting")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    p = commands.add_parser(
        "import", help="import NHS publication files into the national registry (operators)"
    )
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

    p = commands.add_parser("activity", help="import a federation's activity (CSV or XLSX)")
    p.add_argument("action", choices=["import"])
    p.add_argument("federation", help="the federation's slug")
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    p.add_argument("--format", choices=["text", "json"], default="text")

    p = commands.add_parser("settlement", help="preview, post or export a month's settlement")
    p.add_argument("action", choices=["preview", "post", "remittance", "journal"])
    p.add_argument("federation", help="the federation's slug")
    p.add_argument("--month", required=True, help="the month, e.g. 2026-10")
    p.add_argument(
        "--confirm-warnings",
        action="store_true",
        help="post although the preview warns (the warnings are printed, kept and audited)",
    )
    p.add_argument("--format", choices=["text", "json"], default="text")

    p = commands.add_parser(
        "statement", help="a practice's value statement through one federation for a period"
    )
    p.add_argument("code", help="the practice's ODS code")
    p.add_argument("--period", required=True, help="2026-10, 2026-27-Q3 or 2026-27")
    p.add_argument(
        "--federation", help="the federation's slug, if the practice was in more than one"
    )
    p.add_argument("--format", choices=["text", "json", "pdf"], default="text")
    p.add_argument("--output", type=Path, help="where to write the PDF (default: stdout)")

    p = commands.add_parser(
        "returns", help="returns to practices for a period, with totals and costs carried"
    )
    p.add_argument("federation", help="the federation's slug")
    p.add_argument("--period", required=True, help="2026-10, 2026-27-Q3 or 2026-27")
    p.add_argument("--format", choices=["text", "csv", "json", "pdf"], default="text")
    p.add_argument("--output", type=Path, help="where to write the PDF (default: stdout)")

    p = commands.add_parser("rota", help="plan a federation's Enhanced Access rota")
    p.add_argument("action", choices=["plan", "show"])
    p.add_argument("federation", help="the federation's slug")
    p.add_argument("--start", required=True, help="the first Monday, e.g. 2026-12-07")
    p.add_argument("--weeks", type=int, default=4)
    p.add_argument("--seconds", type=int, default=60, help="the planner's time limit")
    p.add_argument("--format", choices=["text", "json"], default="text")

    p = commands.add_parser("arrs", help="a PCN's ARRS claim for a month")
    p.add_argument("action", choices=["claim", "submit"])
    p.add_argument("pcn", help="the PCN's code")
    p.add_argument("--month", required=True, help="the month, e.g. 2026-10")
    p.add_argument("--federation", help="the federation's slug, if more than one employs posts")
    p.add_argument("--format", choices=["text", "json", "csv"], default="text")

    p = commands.add_parser(
        "bulletins", help="deliver due bulletins, send the weekly digest or event reminders"
    )
    p.add_argument("action", choices=["deliver", "digest", "reminders"])
    p.add_argument("--format", choices=["text", "json"], default="text")

    p = commands.add_parser(
        "directory", help="a network's member federations: practices, population, contacts"
    )
    p.add_argument("network", help="the network's slug")
    p.add_argument("--search", default="", help="a federation, or a practice or PCN it includes")
    p.add_argument("--region", default="", help="an NHS England region code, e.g. Y60")
    p.add_argument("--icb", default="", help="an ICB code, e.g. QK1")
    p.add_argument("--sort", choices=["name", "population", "practices", "joined"], default="name")
    p.add_argument("--format", choices=["text", "json", "csv"], default="text")

    p = commands.add_parser(
        "user", help="an installation administrator's decisions about a person's account"
    )
    p.add_argument("action", choices=["reactivate"])
    p.add_argument("email", help="the person's email address")
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


def read_upload(path: Path, *, door: str) -> bytes:
    """A file's bytes, once its size is within the door's upload limit (read no further)."""
    from kernel.uploads import UploadRefused, check_size

    try:
        check_size(door, path.stat().st_size)
    except UploadRefused as refused:
        raise BadInput(f"{path}: {refused}") from None
    return path.read_bytes()


def cmd_import(args) -> int:
    from registry.importers.base import ImportFileError
    from registry.importers.detect import Kind, detect
    from registry.importing import import_file

    # A national import: it updates the registry every federation shares, so only the
    # installation's operators make it (a federation imports its own populations on the web).
    by = acting_user(args.by)
    if by is not None:
        from accounts.permissions import can_import_national

        if not can_import_national(by):
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


def _finance_federation(slug: str, by, *, manage: bool = False):
    from accounts import permissions as perms
    from registry.models import Federation

    federation = Federation.objects.filter(slug=slug).first()
    if federation is None:
        raise BadInput(f"there is no federation {slug}")
    if by is not None:
        allowed = (
            perms.can_manage_finance(by, federation)
            if manage
            else perms.can_view_finance(by, federation)
        )
        if not allowed:
            raise BadInput(f"{by.email} may not do that for {federation.name}")
    return federation


def cmd_activity(args) -> int:
    from accounts import permissions as perms
    from finance.services import activity_import
    from registry.importers.base import ImportFileError

    by = acting_user(args.by)
    federation = _finance_federation(args.federation, None)
    if by is not None and not perms.can_record_activity(by, federation):
        raise BadInput(f"{by.email} may not record activity for {federation.name}")
    if not args.file.is_file():
        raise BadInput(f"{args.file}: no such file")
    try:
        outcome = activity_import(
            federation=federation,
            data=read_upload(args.file, door="activity"),
            file_name=args.file.name,
            by=by,
            dry_run=args.dry_run,
        )
    except ImportFileError as error:
        if args.format == "json":
            print_json({"ok": False, "problems": [p.as_dict() for p in error.problems]})
        else:
            for problem in error.problems[1:]:
                print(f"  {problem}", file=sys.stderr)
        raise BadInput(f"{args.file.name}: {error.summary()}; nothing was written") from None
    if args.format == "json":
        print_json({"ok": True, "dry_run": args.dry_run, **outcome.as_dict()})
    else:
        verb = "would import" if args.dry_run else "imported"
        print(
            f"{args.file.name}: {verb} {outcome.created} new, {outcome.updated} changed, "
            f"{outcome.unchanged} unchanged ({', '.join(outcome.months)})"
        )
    return 0


def cmd_settlement(args) -> int:

    from finance import exports
    from finance.inputs import parse_month
    from finance.models import Settlement
    from finance.services import FinanceError, settlement_post, settlement_preview

    by = acting_user(args.by)
    try:
        month = parse_month(args.month)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    federation = _finance_federation(args.federation, by, manage=args.action == "post")
    done = Settlement.objects.filter(federation=federation, month=month).first()
    if args.action in ("preview", "post") and done is not None:
        raise BadInput(f"{month:%B %Y} is already posted ({done.reference})")
    if args.action == "preview":
        result = settlement_preview(federation, month)
        if args.format == "json":
            print_json(result.as_dict())
        else:
            print(f"{federation.name}, {month:%B %Y}: preview")
            for line in result.lines:
                print(
                    f"  {line.description[:44]:44s} {line.gross_pence / 100:>12,.2f} in "
                    f"{line.paid_pence / 100:>12,.2f} out"
                )
            print(
                f"  income {result.income_pence / 100:,.2f} = paid {result.paid_pence / 100:,.2f}"
                f" + kept {result.kept_pence / 100:,.2f}"
            )
            for problem in result.problems:
                print(f"  problem: {problem}")
            for warning in result.warnings:
                print(f"  warning: {warning}")
        return 0 if result.can_post or not result.problems else BAD_INPUT
    if args.action == "post":
        warnings = settlement_preview(federation, month).warnings
        if warnings and not args.confirm_warnings:
            raise BadInput(
                f"the preview warns of {len(warnings)} thing(s): "
                + "; ".join(warnings)
                + ". Check them, then post again with --confirm-warnings"
            )
        for warning in warnings:
            print(f"confirmed warning: {warning}", file=sys.stderr)
        try:
            settlement = settlement_post(
                federation=federation, month=month, by=by, confirmed_warnings=warnings
            )
        except FinanceError as error:
            raise BadInput(error.message) from None
        if args.format == "json":
            print_json(
                {
                    "reference": settlement.reference,
                    "income_pence": settlement.income_pence,
                    "paid_pence": settlement.paid_pence,
                    "kept_pence": settlement.kept_pence,
                }
            )
        else:
            print(f"posted {settlement.reference}: paid {settlement.paid_pence / 100:,.2f}")
        return 0
    settlement = Settlement.objects.filter(federation=federation, month=month).first()
    if settlement is None:
        raise BadInput(f"{month:%B %Y} has not been posted for {federation.name}")
    header, rows = exports.settlement_file(settlement, args.action, by=by)
    if args.format == "json":
        print_json([dict(zip(header, row, strict=True)) for row in rows])
    else:
        writer = SafeWriter(sys.stdout)
        writer.writerow(header)
        writer.writerows(rows)
    return 0


def cmd_statement(args) -> int:
    from django.db import transaction
    from django.db.models import Q

    from accounts import permissions as perms
    from finance.selectors import statement_export, statement_through
    from registry.models import Federation, FederationMembership, Practice

    by = acting_user(args.by)
    code = args.code.upper()
    practice = Practice.objects.filter(code=code).first()
    if practice is None or (by is not None and not perms.can_view_statement(by, practice)):
        raise BadInput(f"there is no practice with the ODS code {code}")

    def readable(first=None, last=None):
        if by is not None:
            return perms.statement_federations(by, practice, first=first, last=last)
        # the operator: every federation the practice was a member of between those days
        spells = FederationMembership.objects.filter(practice=practice)
        if first is not None:
            spells = spells.filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
        if last is not None:
            spells = spells.filter(start_date__lte=last)
        return Federation.objects.filter(pk__in=spells.values("federation_id"))

    try:
        period, federation, choices = statement_through(
            practice, readable, period=args.period, federation=args.federation or ""
        )
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    if federation is None:
        if args.federation:
            raise BadInput(f"{code} has no statement through {args.federation} for {period.key}")
        if not choices:
            raise BadInput(f"{code} has no statement through any federation for {period.key}")
        raise BadInput(
            f"{code} was in {len(choices)} federations in {period.key}: name one with "
            f"--federation ({', '.join(f.slug for f in choices)})"
        )
    if args.format == "pdf":
        from finance.pdf import PdfUnavailable, statement_pdf

        try:
            with transaction.atomic():  # a PDF that cannot be made is not recorded as sent
                data = statement_pdf(
                    statement_export(
                        practice=practice, federation=federation, period=period, by=by, form="pdf"
                    )
                )
        except PdfUnavailable as error:
            print(f"gpfed: {error}", file=sys.stderr)
            return 1
        if args.output:
            args.output.write_bytes(data)
            print(f"wrote {args.output} ({len(data):,} bytes)", file=sys.stderr)
        else:
            sys.stdout.buffer.write(data)
        return 0
    statement = statement_export(
        practice=practice, federation=federation, period=period, by=by, form=args.format
    )
    if args.format == "json":
        print_json(statement)
    else:
        print(statement["summary"])
        for s in statement["services"]:
            print(
                f"  {s['line'][:48]:48s} net {s['net_pence'] / 100:>12,.2f}  alone "
                f"{s['alone_net_pence'] / 100:>12,.2f}  difference "
                f"{s['difference_pence'] / 100:>12,.2f}"
            )
    return 0


def cmd_returns(args) -> int:
    """Returns to practices, audited as every download of them is (finance.export.returns)."""

    from django.db import transaction

    from finance import exports
    from finance.selectors import parse_period, returns_export
    from kernel.formats import money_text

    by = acting_user(args.by)
    federation = _finance_federation(args.federation, by)
    try:
        period = parse_period(args.period)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    if args.format == "pdf":
        from finance.pdf import PdfUnavailable, returns_pdf

        try:
            with transaction.atomic():  # a PDF that cannot be made is not recorded as sent
                data = returns_pdf(
                    returns_export(federation=federation, period=period, by=by, form="pdf")
                )
        except PdfUnavailable as error:
            print(f"gpfed: {error}", file=sys.stderr)
            return 1
        if args.output:
            args.output.write_bytes(data)
            print(f"wrote {args.output} ({len(data):,} bytes)", file=sys.stderr)
        else:
            sys.stdout.buffer.write(data)
        return 0
    report = returns_export(federation=federation, period=period, by=by, form=args.format)
    if args.format == "json":
        print_json(report)
    elif args.format == "csv":
        header, rows = exports.returns(report)
        writer = SafeWriter(sys.stdout)
        writer.writerow(header)
        writer.writerows(rows)
    else:
        print(f"{federation.name}: returns to practices, {period.label}")
        for r in [*report["practices"], {"name": "Total", "code": "", **report["totals"]}]:
            flag = "  (very small list)" if r.get("small_list") else ""
            print(
                f"  {r['name'][:32]:32s} {r['code']:6s} net {money_text(r['net_pence']):>14s}"
                f"  difference {money_text(r['difference_pence']):>14s}{flag}"
            )
        carried = report["carried"]
        print(f"  Costs carried by the federation: {money_text(carried['total_pence'])}")
        for line in carried["services"]:
            print(f"    {line['service'][:40]:40s} {money_text(line['carried_pence']):>14s}")
    return 0


def cmd_rota(args) -> int:
    from accounts import permissions as perms
    from kernel.formats import money_text
    from registry.models import Federation
    from rota import services

    by = acting_user(args.by)
    federation = Federation.objects.filter(slug=args.federation).first()
    if federation is None:
        raise BadInput(f"there is no federation {args.federation}")
    allowed = perms.can_manage_rota if args.action == "plan" else perms.can_view_rota
    if by is not None and not allowed(by, federation):
        raise BadInput(f"{by.email} may not do that for {federation.name}")
    start = services.parse_start(args.start)
    if not 1 <= args.weeks <= 12:
        raise BadInput("--weeks must be between 1 and 12")
    run = None
    if args.action == "plan":
        run = services.plan_request(federation, start, args.weeks, by=by, seconds=args.seconds)
        run = services.run_plan(run)
        if run.status == run.Status.FAILED:
            raise BadInput(run.error)
    result = services.plan_json(federation, start, args.weeks, run)
    if args.format == "json":
        print_json(result)
        return 0
    print(
        f"{federation.name}: {len(result['sessions'])} sessions from {start:%-d %B %Y}, "
        f"{args.weeks} weeks, cost {money_text(result['cost_pence'])}"
    )
    if run:
        print(
            f"  solver {run.solver_status} in {run.solve_seconds:.1f} s: lower bound "
            f"{money_text(run.lower_bound_pence)}, gap {run.gap or 0:.2%}; a greedy rota "
            f"costs {money_text(run.greedy_cost_pence)}"
        )
    for row in result["compliance"]:
        mark = "met" if row["met"] else "NOT MET"
        print(
            f"  {row['pcn']} week of {row['week_start']}: {row['planned_minutes']} of "
            f"{row['required_minutes']} minutes, {'covered' if row['covered'] else 'gaps'}: {mark}"
        )
    for s in result["shortfalls"]:
        print(
            f"  short {s['pcn']} {s['week_start']}: {s['minutes_short']} minutes; "
            f"uncovered {', '.join(s['uncovered']) or 'none'}; {'; '.join(s['binding'])}"
        )
    return 0


def cmd_arrs(args) -> int:

    from accounts import permissions as perms
    from finance.inputs import parse_month
    from kernel.formats import money_text
    from registry.models import PCN, Federation
    from rota import arrs
    from rota.models import Staff

    by = acting_user(args.by)
    try:
        month = parse_month(args.month)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    pcn = PCN.objects.filter(code=args.pcn.upper()).first()
    if pcn is None:
        raise BadInput(f"there is no PCN {args.pcn}")
    if args.federation:
        federation = Federation.objects.filter(slug=args.federation).first()
        if federation is None:
            raise BadInput(f"there is no federation {args.federation}")
    else:
        ids = set(
            Staff.objects.filter(pcn=pcn, arrs_funded=True).values_list("federation_id", flat=True)
        )
        if len(ids) != 1:
            raise BadInput(
                f"{'no federation has' if not ids else 'several federations have'} ARRS posts "
                f"for {pcn.code}: name one with --federation"
            )
        federation = Federation.objects.get(pk=ids.pop())
    allowed = perms.can_submit_arrs if args.action == "submit" else perms.can_view_arrs
    if by is not None and not allowed(by, federation, pcn):
        raise BadInput(f"{by.email} may not do that for {pcn.code}")
    if args.action == "submit":
        try:
            found = arrs.submit(federation, pcn, month, by=by)
        except arrs.ClaimError as error:
            raise BadInput(str(error)) from None
        figures = arrs.claim(federation, pcn, month)
        if args.format == "json":
            print_json(figures)
        else:
            print(f"submitted {found.reference}: {money_text(found.claimed_pence)}")
        return 0
    try:
        figures = arrs.claim(federation, pcn, month)
    except arrs.ClaimError as error:
        raise BadInput(str(error)) from None
    if args.format == "json":
        print_json(figures)
    elif args.format == "csv":
        SafeWriter(sys.stdout).writerows(arrs.csv_rows(figures))
    else:
        submitted = figures["submitted"]
        note = f" (submitted {submitted['reference']})" if submitted else ""
        print(f"{pcn.code} {pcn.name}: ARRS claim for {month:%B %Y}{note}")
        for line in figures["lines"]:
            print(
                f"  {line['name'][:30]:30s} {line['role'][:28]:28s} {line['wte']:>5} "
                f"{money_text(line['claimable_pence']):>12}"
            )

        def shown(pence):
            return money_text(pence) if pence is not None else "unknown"

        print(
            f"  claimed {shown(figures['claimed_pence'])}; pot {shown(figures['pot_pence'])}, "
            f"left for the year {shown(figures['left_pence'])}"
        )
        for warning in figures["warnings"]:
            print(f"  warning: {warning}")
    return 0


def cmd_bulletins(args) -> int:
    from comms.services import deliver_due, digest_send

    if args.action == "deliver":
        result = deliver_due()
        text = f"sent {result['sent']}, to retry {result['retry']}, failed {result['failed']}"
    elif args.action == "digest":
        result = {"digests": digest_send()}
        text = f"sent {result['digests']} weekly digests"
    else:
        from comms.events import send_reminders

        result = {"reminders": send_reminders()}
        text = f"sent {result['reminders']} event reminders"
    if args.format == "json":
        print_json(result)
    else:
        print(text)
    return 0


def cmd_directory(args) -> int:
    from accounts import permissions as perms
    from directory.selectors import member_rows, members_as_dicts
    from registry.models import Network
    from registry.selectors import extracts_text

    network = Network.objects.filter(slug=args.network).first()
    if network is None:
        raise BadInput(f"there is no network {args.network}")
    by = acting_user(args.by)
    if by is not None and not perms.can_read_registry(by):
        raise BadInput(f"{by.email} has no role that may read the directory")
    rows = member_rows(
        network,
        q=args.search,
        region=args.region.upper(),
        icb=args.icb.upper(),
        sort=args.sort,
    )
    # An operator at the command line sees the contacts; --by shows what that person would.
    members = members_as_dicts(rows, contacts=by is None or perms.is_network_member(by, network))
    if args.format == "json":
        print_json({"network": network.slug, "members": members})
        return 0
    if args.format == "csv":
        writer = SafeWriter(sys.stdout)
        writer.writerow(
            [
                "federation",
                "joined",
                "practices",
                "pcns",
                "registered_patients",
                "regions",
                "icbs",
                "list_size_extracts",
            ]
        )
        for m in members:
            writer.writerow(
                [
                    m["name"],
                    m["joined"],
                    m["practices"],
                    m["pcns"],
                    m["registered_patients"],
                    "; ".join(r["name"] for r in m["regions"]),
                    "; ".join(i["name"] for i in m["icbs"]),
                    "; ".join(m["list_size_extract_dates"]),
                ]
            )
        return 0
    print(f"{network.name}: {len(members)} members")
    for m in members:
        extracts = extracts_text(date.fromisoformat(d) for d in m["list_size_extract_dates"])
        print(
            f"  {m['name']}: {m['practices']} practices, {m['pcns']} PCNs, "
            f"{m['registered_patients']:,} patients{f' ({extracts})' if extracts else ''}, "
            f"joined {m['joined']}"
        )
        for c in m["contacts"] or []:
            print(f"      {c['name']}, {c['role']}: {c['email'] or c['phone']}")
    return 0


def cmd_user(args) -> int:
    """Reactivate a deactivated account: only the installation's operators, at the command
    line, may (a federation's administrator deactivates; she cannot undo it for anyone)."""
    from accounts.services import AccountError, user_reactivate

    person = acting_user(args.email)
    by = acting_user(args.by)
    if by is not None and not by.is_superuser:
        raise BadInput(f"{by.email} may not reactivate accounts: only installation administrators")
    try:
        user_reactivate(user=person, by=by)
    except AccountError as error:
        raise BadInput(error.message) from None
    if args.format == "json":
        print_json({"email": person.email, "is_active": True})
    else:
        print(f"{person.email} can sign in again; their ended roles stay ended.")
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
        "activity": cmd_activity,
        "settlement": cmd_settlement,
        "statement": cmd_statement,
        "returns": cmd_returns,
        "rota": cmd_rota,
        "arrs": cmd_arrs,
        "bulletins": cmd_bulletins,
        "directory": cmd_directory,
        "user": cmd_user,
    }
    try:
        return handlers[args.command](args)
    except BadInput as exc:
        print(f"gpfed: {exc}", file=sys.stderr)
        return BAD_INPUT
    except Exception as exc:
        from finance.services import FinanceError
        from registry.services import RegistryError
        from rota.services import RotaError

        if isinstance(exc, RegistryError | FinanceError | RotaError):
            print(f"gpfed: {exc.message}", file=sys.stderr)
            return BAD_INPUT
        raise


if __name__ == "__main__":
    raise SystemExit(main())
