"""The rota's ``gpfed`` subcommands: ``rota`` (plan or show) and ``arrs`` (a PCN's claim)."""

from __future__ import annotations

import sys
from datetime import date

from accounts import permissions as perms
from kernel.cli import BadInput, acting_user, print_json
from kernel.dates import parse_month
from kernel.exports import SafeWriter
from kernel.formats import money_text
from kernel.needs import date_text, duration_text
from registry.selectors import federation_by_slug, pcn_by_code
from rota import arrs, services
from rota.selectors import arrs_employers


def register(commands) -> None:
    p = commands.add_parser("rota", help="plan a federation's Enhanced Access rota")
    p.add_argument("action", choices=["plan", "show"])
    p.add_argument("federation", help="the federation's slug")
    p.add_argument("--start", required=True, help="the first Monday, e.g. 2026-12-07")
    p.add_argument("--weeks", type=int, default=4)
    p.add_argument("--seconds", type=int, default=60, help="the planner's time limit")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(handler=cmd_rota)

    p = commands.add_parser("arrs", help="a PCN's ARRS claim for a month")
    p.add_argument("action", choices=["claim", "submit"])
    p.add_argument("pcn", help="the PCN's code")
    p.add_argument("--month", required=True, help="the month, e.g. 2026-10")
    p.add_argument("--federation", help="the federation's slug, if more than one employs posts")
    p.add_argument("--format", choices=["text", "json", "csv"], default="text")
    p.set_defaults(handler=cmd_arrs)


def cmd_rota(args) -> int:
    by = acting_user(args.by)
    federation = federation_by_slug(args.federation)
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
            f"  {row['pcn']} week of {date_text(date.fromisoformat(row['week_start']))}: "
            f"{duration_text(row['planned_minutes'])} of {duration_text(row['required_minutes'])}"
            f", {'covered' if row['covered'] else 'gaps'}: {mark}"
        )
    for s in result["shortfalls"]:
        print(
            f"  short {s['pcn']} {date_text(date.fromisoformat(s['week_start']))}: "
            f"{duration_text(s['minutes_short'])}; "
            f"uncovered {', '.join(s['uncovered']) or 'none'}; {'; '.join(s['binding'])}"
        )
    return 0


def _arrs_federation(args, pcn):
    """The federation named, or the one federation that employs ARRS posts for the PCN."""
    if args.federation:
        federation = federation_by_slug(args.federation)
        if federation is None:
            raise BadInput(f"there is no federation {args.federation}")
        return federation
    employers = arrs_employers(pcn)
    if len(employers) != 1:
        raise BadInput(
            f"{'no federation has' if not employers else 'several federations have'} ARRS "
            f"posts for {pcn.code}: name one with --federation"
        )
    return employers[0]


def cmd_arrs(args) -> int:
    by = acting_user(args.by)
    try:
        month = parse_month(args.month)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    pcn = pcn_by_code(args.pcn)
    if pcn is None:
        raise BadInput(f"there is no PCN {args.pcn}")
    federation = _arrs_federation(args, pcn)
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
    if args.format == "csv":  # an export of money: audited where it is made
        try:
            rows = arrs.claim_export(federation, pcn, month, by=by)
        except arrs.ClaimError as error:
            raise BadInput(str(error)) from None
        SafeWriter(sys.stdout).writerows(rows)
        return 0
    try:
        figures = arrs.claim(federation, pcn, month)
    except arrs.ClaimError as error:
        raise BadInput(str(error)) from None
    if args.format == "json":
        print_json(figures)
        return 0
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
