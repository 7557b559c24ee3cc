"""The demo's ``gpfed`` subcommand: ``demo load``."""

from __future__ import annotations

from demo.loader import demo_load
from kernel.cli import acting_user, print_json


def register(commands) -> None:
    p = commands.add_parser("demo", help="the demo federation")
    p.add_argument("action", choices=["load"])
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(handler=cmd_demo)


def cmd_demo(args) -> int:
    result = demo_load(by=acting_user(args.by))
    if args.format == "json":
        print_json(result)
    else:
        for line in result["summary"]:
            print(line)
    return 0
