"""Accounts' ``gpfed`` subcommand: ``user reactivate`` (installation administrators only)."""

from __future__ import annotations

from accounts.services import AccountError, user_reactivate
from kernel.cli import BadInput, acting_user, print_json


def register(commands) -> None:
    p = commands.add_parser(
        "user", help="an installation administrator's decisions about a person's account"
    )
    p.add_argument("action", choices=["reactivate"])
    p.add_argument("email", help="the person's email address")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(handler=cmd_user)


def cmd_user(args) -> int:
    """Reactivate a deactivated account: only the installation's operators, at the command
    line, may (a federation's administrator deactivates; she cannot undo it for anyone)."""
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
