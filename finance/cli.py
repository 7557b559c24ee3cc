"""Finance's ``gpfed`` subcommands: ``entitlements``, ``activity``, ``settlement``,
``statement`` and ``returns``. Every export of money is audited by the function that makes
it (``finance.exports.settlement_file``, ``finance.selectors.statement_export`` and
``returns_export``), as it is from the web and the API."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from accounts import permissions as perms
from finance import exports
from finance.entitlements import Populations, entitlements
from finance.pdf import PdfUnavailable, returns_pdf, statement_pdf
from finance.selectors import (
    parse_period,
    returns_export,
    settlement_for,
    statement_export,
    statement_through,
)
from finance.services import FinanceError, activity_import, settlement_post, settlement_preview
from kernel.cli import BAD_INPUT, BadInput, acting_user, print_json, print_rows, read_upload
from kernel.dates import parse_month
from kernel.formats import counted, money_text
from registry.importers.base import ImportFileError
from registry.importers.populations import parse_financial_year
from registry.selectors import federation_by_slug, practice_by_code, practice_federations_between


def register(commands) -> None:
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
    p.set_defaults(handler=cmd_entitlements)

    p = commands.add_parser("activity", help="import a federation's activity (CSV or XLSX)")
    p.add_argument("action", choices=["import"])
    p.add_argument("federation", help="the federation's slug")
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(handler=cmd_activity)

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
    p.set_defaults(handler=cmd_settlement)

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
    p.set_defaults(handler=cmd_statement)

    p = commands.add_parser(
        "returns", help="returns to practices for a period, with totals and costs carried"
    )
    p.add_argument("federation", help="the federation's slug")
    p.add_argument("--period", required=True, help="2026-10, 2026-27-Q3 or 2026-27")
    p.add_argument("--format", choices=["text", "csv", "json", "pdf"], default="text")
    p.add_argument("--output", type=Path, help="where to write the PDF (default: stdout)")
    p.set_defaults(handler=cmd_returns)


def cmd_entitlements(args) -> int:
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
    federation = federation_by_slug(slug)
    if federation is None:
        raise BadInput(f"there is no federation {slug}")
    if by is not None:
        allowed = (
            perms.can_manage_finance(by, federation)
            if manage
            else perms.can_view_finance(by, federation)
        )
        if not allowed and not perms.is_federation_member(by, federation):
            raise BadInput(f"there is no federation {slug}")  # ADR 0011: as if not there
        if not allowed:
            raise BadInput(f"{by.email} may not do that for {federation.name}")
    return federation


def cmd_activity(args) -> int:
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
    by = acting_user(args.by)
    try:
        month = parse_month(args.month)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    federation = _finance_federation(args.federation, by, manage=args.action == "post")
    done = settlement_for(federation, month)
    if args.action in ("preview", "post") and done is not None:
        raise BadInput(f"{month:%B %Y} is already posted ({done.reference})")
    if args.action == "preview":
        return _preview(federation, month, args)
    if args.action == "post":
        return _post(federation, month, args, by)
    if done is None:
        raise BadInput(f"{month:%B %Y} has not been posted for {federation.name}")
    header, rows = exports.settlement_file(done, args.action, by=by)
    print_rows(header, rows, args.format)
    return 0


def _preview(federation, month, args) -> int:
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


def _post(federation, month, args, by) -> int:
    warnings = settlement_preview(federation, month).warnings
    if warnings and not args.confirm_warnings:
        raise BadInput(
            f"the preview warns of {counted(len(warnings), 'thing')}: "
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


def _write_pdf(render, output: Path | None) -> int:
    """A PDF to a file or stdout; ``render`` makes it (and records its export) inside one
    transaction, so a PDF that cannot be made is not recorded as sent."""
    try:
        with transaction.atomic():
            data = render()
    except PdfUnavailable as error:
        print(f"gpfed: {error}", file=sys.stderr)
        return 1
    if output:
        output.write_bytes(data)
        print(f"wrote {output} ({len(data):,} bytes)", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
    return 0


def cmd_statement(args) -> int:
    by = acting_user(args.by)
    code = args.code.upper()
    practice = practice_by_code(code)
    if practice is None or (by is not None and not perms.can_view_statement(by, practice)):
        raise BadInput(f"there is no practice with the ODS code {code}")

    def readable(first=None, last=None):
        if by is not None:
            return perms.statement_federations(by, practice, first=first, last=last)
        # the operator: every federation the practice was a member of between those days
        return practice_federations_between(practice, first, last)

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
        return _write_pdf(
            lambda: statement_pdf(
                statement_export(
                    practice=practice, federation=federation, period=period, by=by, form="pdf"
                )
            ),
            args.output,
        )
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
    by = acting_user(args.by)
    federation = _finance_federation(args.federation, by)
    try:
        period = parse_period(args.period)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    if args.format == "pdf":
        return _write_pdf(
            lambda: returns_pdf(
                returns_export(federation=federation, period=period, by=by, form="pdf")
            ),
            args.output,
        )
    report = returns_export(federation=federation, period=period, by=by, form=args.format)
    if args.format == "json":
        print_json(report)
    elif args.format == "csv":
        print_rows(*exports.returns(report), "csv")
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
