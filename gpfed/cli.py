"""The ``gpfed`` command: what operators script. Honours DATABASE_URL like the web app.

Each app registers its own subcommands in its ``cli.py`` (``register(commands)`` adds them and
sets each one's handler); this module only assembles them, with the options every command
shares (``--by``) and the ``manage`` command.

Exit status: 0 on success (also when whatever reads the output stops early, as ``| head``
does), 2 on bad input (with a one-line reason on stderr), 1 if something
unexpected broke. ``--format json`` prints machine-readable results wherever results are printed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys

from kernel.cli import BAD_INPUT, BadInput, Parser


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gpfed.settings")
    import django
    from django.apps import apps

    # Once per process: django.setup() configures logging again each time it is called, and a
    # handler bound to a stream that has since closed (a test's captured stderr) breaks logging.
    if not apps.ready:
        django.setup()
    # Models can be imported only once Django is set up.
    from audit.origin import COMMAND_LINE, set_origin

    set_origin(COMMAND_LINE)


def app_clis() -> list:
    """The apps' command modules, in the order their commands are listed."""
    # Imported here, not at the top: they import models, which need Django set up first.
    from accounts import cli as accounts
    from bids import cli as bids
    from comms import cli as comms
    from demo import cli as demo
    from directory import cli as directory
    from economics import cli as economics
    from finance import cli as finance
    from governance import cli as governance
    from gpfed import backup_cli as backup
    from gpfed import worker_cli as worker
    from registry import cli as registry
    from rota import cli as rota
    from voice import cli as voice

    return [
        registry,
        demo,
        finance,
        economics,
        bids,
        rota,
        comms,
        directory,
        governance,
        voice,
        accounts,
        backup,
        worker,
    ]


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="gpfed", description="gpfed: run a GP federation's business.")
    parser.add_argument("--by", metavar="EMAIL", help="the gpfed user to record as acting")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for app in app_clis():
        app.register(commands)
    p = commands.add_parser("manage", help="run a Django management command (migrate, ...)")
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(handler=cmd_manage)
    return parser


def cmd_manage(args) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["gpfed manage", *args.args])
    return 0


def refusals() -> tuple[type[Exception], ...]:
    """The services' refusals a command reports as bad input."""
    # Imported here, not at the top: services import models, which need Django set up first.
    from finance.services import FinanceError
    from registry.services import RegistryError
    from rota.services import RotaError

    return (RegistryError, FinanceError, RotaError)


def main(argv: list[str] | None = None) -> int:
    setup()
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except BadInput as exc:
        print(f"gpfed: {exc}", file=sys.stderr)
        return BAD_INPUT
    except refusals() as exc:
        print(f"gpfed: {exc.message}", file=sys.stderr)
        return BAD_INPUT
    except BrokenPipeError:
        # The reader stopped early (`gpfed … | head`): not a failure of the command. Point
        # stdout at /dev/null so that Python's flush at exit does not raise it again.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
