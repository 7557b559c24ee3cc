"""Database snapshots the tests restore in a fraction of a second instead of building again.

Loading the demo federation from the NHS files takes 5 to 20 seconds; more than a hundred tests
start from it. So it is loaded once per test run (``shared``: by the first test process to need
it), every row it wrote is read (``take``), and each test that wants it gets those rows written
back into its own transaction (``restore``), which the test's rollback then removes as it removes
everything else the test wrote.

Rows are copied table by table as the database holds them (SQLite: the values as stored;
PostgreSQL: ``COPY`` in its text format), each with its columns named (the rows go into other
processes' databases, whose columns a test that migrated back and forth may have put in another
order), so nothing is translated on the way: the rows, their ids and their foreign keys are
exactly those the loader wrote. Foreign keys are checked when the transaction ends (Django makes
them deferrable on both databases), so the order of the tables does not matter. The tables that
migrations fill (content types, permissions, the migration record) are the same in every test
database and are not copied.
"""

import copy
import datetime
import fcntl
import os
import pickle
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.test import override_settings

from tests.template_db import digest

# The settings tests/conftest.py gives every test, which a snapshot must be loaded under too (a
# session fixture runs before those function-scoped ones): the same password hasher, tasks that
# run at once, the short rota plans.
TEST_SETTINGS = {
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "TASKS": {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
    "GPFED_ROTA_SECONDS": 2,
}

MIGRATION_TABLES = {"django_migrations", "django_content_type", "auth_permission"}


@dataclass(frozen=True)
class Snapshot:
    tables: dict[str, tuple[list[str], object]]  # table -> (columns, rows or COPY text)


def _tables() -> list[str]:
    return [t for t in connection.introspection.table_names() if t not in MIGRATION_TABLES]


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def take() -> Snapshot:
    """Every row of every table migrations do not fill."""
    tables = {}
    with connection.cursor() as cursor:
        for table in _tables():
            if connection.vendor == "postgresql":
                columns = [
                    c.name for c in connection.introspection.get_table_description(cursor, table)
                ]
                named = ", ".join(_quote(c) for c in columns)
                with cursor.cursor.copy(f"COPY {_quote(table)} ({named}) TO STDOUT") as copy:
                    data = b"".join(bytes(block) for block in copy)
                if data:
                    tables[table] = (columns, data)
                continue
            cursor.execute(f"SELECT * FROM {_quote(table)}")  # noqa: S608 -- names from introspection
            rows = [tuple(_stored(value) for value in row) for row in cursor.fetchall()]
            if rows:
                tables[table] = ([column[0] for column in cursor.description], rows)
    return Snapshot(tables)


def _stored(value):
    """A value as SQLite holds it. Django's SQLite connection turns dates, times, datetimes and
    booleans into Python objects on the way out; they go back in as Django writes them."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime.date | datetime.time | Decimal):
        return str(value)  # datetimes are naive UTC here, as Django writes them
    return value


def is_empty(snapshot: Snapshot) -> bool:
    """Whether every table the snapshot writes to is empty now (so restoring cannot collide with
    rows a test made before asking for it)."""
    with connection.cursor() as cursor:
        for table in snapshot.tables:
            cursor.execute(f"SELECT 1 FROM {_quote(table)} LIMIT 1")  # noqa: S608
            if cursor.fetchone():
                return False
    return True


def restore(snapshot: Snapshot) -> None:
    """Write the snapshot's rows back, and move each id sequence past the largest id."""
    with connection.cursor() as cursor:
        for table, (columns, rows) in snapshot.tables.items():
            names = ", ".join(_quote(c) for c in columns)
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {_quote(table)} ({names}) FROM STDIN") as copy:
                    copy.write(rows)
                continue
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {_quote(table)} ({names}) VALUES ({marks})", rows)  # noqa: S608
        for statement in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
            cursor.execute(statement)


@dataclass(frozen=True)
class Loaded:
    """What a loader returned, the rows it wrote, and the folder its documents went to."""

    result: object
    snapshot: Snapshot
    media: Path


def load_once(loader: Callable[[], object], blocker, media: Path) -> Loaded:
    """Run ``loader`` in a transaction, keep what it wrote, and roll the transaction back, so the
    database is left as it was found (for a session fixture: ``blocker`` is pytest-django's
    ``django_db_blocker``)."""
    overridden = override_settings(MEDIA_ROOT=media, **TEST_SETTINGS)
    with blocker.unblock(), overridden, transaction.atomic():
        result = loader()
        taken = take()
        transaction.set_rollback(True)
    return Loaded(result, taken, media)


def load_committed(loader: Callable[[], object], blocker, media: Path) -> Loaded:
    """Run ``loader`` as ``make run`` does, committing as it goes (so what it queues on commit
    runs), keep what it wrote, and empty the database again."""
    with blocker.unblock(), override_settings(MEDIA_ROOT=media, **TEST_SETTINGS):
        try:
            result = loader()
            taken = take()
        finally:
            call_command("flush", interactive=False, verbosity=0)
    return Loaded(result, taken, media)


def put_back(loaded: Loaded, media_root: Path, loader: Callable[[], object]) -> object:
    """Restore ``loaded`` into this test's database and documents folder and return a copy of what
    the loader returned. If the test wrote rows to those tables before asking (a fixture listed
    earlier), restoring could collide with them, so the loader runs again as it always did."""
    if not is_empty(loaded.snapshot):
        return loader()
    restore(loaded.snapshot)
    shutil.copytree(loaded.media, media_root, dirs_exist_ok=True)
    return copy.deepcopy(loaded.result)


# Older than this, a snapshot in var/test-snapshots is a finished (or killed) run's.
LEFT_BEHIND = 6 * 3600


def shared(name: str, build: Callable[[], Loaded]) -> Loaded:
    """``build()`` once for the whole test run rather than once in each test process: the first
    xdist worker to ask builds it and leaves the rows, what the loader returned and its documents
    in the run's folder; the others read them from there (every worker's database is a copy of the
    same migrated template, named in the key, so the rows fit each alike). Kept for this run only
    (xdist names each run): the demo's dates and times are those of the moment it was loaded, as
    when each process loaded it, and another run starts again from the loader. What runs left
    behind is removed once it is a few hours old (never while a run beside this one may still be
    reading it). Without xdist, ``build()`` as before."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if not run:
        return build()
    folder = settings.VAR_DIR / "test-snapshots"
    folder.mkdir(parents=True, exist_ok=True)
    kind = f"{name}-{connection.vendor}"
    key = f"{kind}-{digest()}-{run}"
    rows, media = folder / f"{key}.pickle", folder / f"{key}-documents"
    with open(folder / f"{kind}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if rows.exists():
            result, taken = pickle.loads(rows.read_bytes())  # noqa: S301 -- written below
            return Loaded(result, taken, media)
        for old in folder.glob(f"{kind}-*"):
            if old.suffix == ".lock" or time.time() - old.stat().st_mtime < LEFT_BEHIND:
                continue
            if old.is_dir():
                shutil.rmtree(old)
            else:
                old.unlink()
        loaded = build()
        shutil.rmtree(media, ignore_errors=True)  # half copied by a worker killed before the rows
        shutil.copytree(loaded.media, media)
        part = rows.with_suffix(".part")
        part.write_bytes(pickle.dumps((loaded.result, loaded.snapshot)))
        part.replace(rows)  # whole or not there: a worker killed while writing leaves no half
        return loaded
