"""Comms' ``gpfed`` subcommand: ``bulletins`` (deliver, the weekly digest, event reminders)."""

from __future__ import annotations

from comms.events import send_reminders
from comms.services import deliver_due, digest_send
from kernel.cli import print_json


def register(commands) -> None:
    p = commands.add_parser(
        "bulletins", help="deliver due bulletins, send the weekly digest or event reminders"
    )
    p.add_argument("action", choices=["deliver", "digest", "reminders"])
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(handler=cmd_bulletins)


def cmd_bulletins(args) -> int:
    if args.action == "deliver":
        result = deliver_due()
        text = f"sent {result['sent']}, to retry {result['retry']}, failed {result['failed']}"
    elif args.action == "digest":
        result = {"digests": digest_send()}
        text = f"sent {result['digests']} weekly digests"
    else:
        result = {"reminders": send_reminders()}
        text = f"sent {result['reminders']} event reminders"
    if args.format == "json":
        print_json(result)
    else:
        print(text)
    return 0
