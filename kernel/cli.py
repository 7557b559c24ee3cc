"""What every app's ``gpfed`` subcommands share: the bad-input exit, the argument parser that
exits with it, the acting user (``--by``), JSON output and reading an upload from a file.

It knows no area of gpfed; each app's ``cli.py`` imports it and ``gpfed/cli.py`` assembles
the apps' subcommands. Importing it does not need Django to be set up.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from django.contrib.auth import get_user_model

from kernel.dates import parse_day
from kernel.exports import SafeWriter
from kernel.uploads import UploadRefused, check_size

BAD_INPUT = 2
FORMATS = ["text", "json"]


class BadInput(Exception):
    """Input the command cannot act on; the message is printed as the one-line reason."""


class Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(BAD_INPUT, f"gpfed: {message} (see gpfed --help)\n")


def parse_date(value: str) -> date:
    """An argument type: a day as the rest of gpfed reads one."""
    try:
        return parse_day(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def acting_user(email: str | None):
    """The gpfed user ``--by`` names (None: the operator, who may do anything)."""
    if not email:
        return None
    user = get_user_model().objects.filter(email__iexact=email).first()
    if user is None:
        raise BadInput(f"there is no gpfed user {email}")
    return user


def print_json(data) -> None:
    print(json.dumps(data, indent=2, default=str))


def print_rows(header: list[str], rows: list[list], form: str) -> None:
    """Rows as JSON (a list of objects keyed by the header) when ``form`` is "json", otherwise
    as CSV with its header, cells a spreadsheet would run written as text (as every download)."""
    if form == "json":
        print_json([dict(zip(header, row, strict=True)) for row in rows])
        return
    writer = SafeWriter(sys.stdout)
    writer.writerow(header)
    writer.writerows(rows)


def read_upload(path: Path, *, door: str) -> bytes:
    """A file's bytes, once its size is within the door's upload limit (read no further)."""
    try:
        check_size(door, path.stat().st_size)
    except UploadRefused as refused:
        raise BadInput(f"{path}: {refused}") from None
    return path.read_bytes()
