"""A migrated, empty database each test process copies instead of migrating its own.

Migrating an empty database takes about 16 seconds of CPU (Django renders the models' state again
for most of the 90 migrations), and every test process did it: two per ``make test``, two per
database in CI. So the first process to need it migrates a template once, by running ``manage.py
migrate`` as an operator would, and every process then copies it: SQLite by copying the file,
PostgreSQL by ``CREATE DATABASE ... TEMPLATE``. pytest-django is then told to keep the database it
finds (``keepdb``): its own ``migrate`` finds nothing to apply.

The template is named after a digest of every migration file and the Django version, so a new or
changed migration makes a new template (the old ones are removed). Processes take turns through a
file lock (one for each database), so two xdist workers never build it twice or copy it
half-built.
"""

import fcntl
import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing, contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import django
from django.apps import apps
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "gpfed_template_"


def digest() -> str:
    """Of every installed app's migration files (gpfed's own, ``gpfed.health``'s, and those of
    the packages it installs), the lock the packages come from, and the Django version."""
    h = hashlib.sha256(django.get_version().encode())
    h.update((ROOT / "requirements.lock").read_bytes())
    for config in sorted(apps.get_app_configs(), key=lambda c: c.label):
        for path in sorted(Path(config.path).glob("migrations/*.py")):
            h.update(f"{config.label}/{path.name}".encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


@contextmanager
def _locked(vendor: str):
    """One process at a time builds or copies a template of ``vendor``'s (the SQLite and the
    PostgreSQL runs of CI go side by side, each building its own)."""
    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    with open(settings.VAR_DIR / f"test-template-{vendor}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _migrate(database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url}
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--no-input", "-v0"],
        env=env,
        check=True,
        cwd=ROOT,
    )


def sqlite_template() -> Path:
    """The migrated template file, built if it is not there yet (call with the lock held)."""
    path = settings.VAR_DIR / f"test-template-{digest()}.sqlite3"
    if not path.exists():
        for old in settings.VAR_DIR.glob("test-template-*.sqlite3*"):
            old.unlink()
        building = path.with_suffix(".building")
        for leftover in building.parent.glob(building.name + "*"):
            leftover.unlink()
        _migrate(f"sqlite:///{building}")
        # Everything in the one file: the write-ahead log written back and emptied.
        with closing(sqlite3.connect(building)) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for log in (Path(f"{building}-wal"), Path(f"{building}-shm")):
            if log.exists():
                assert log.name.endswith("-shm") or not log.stat().st_size, f"{log} not empty"
                log.unlink()
        building.rename(path)
    return path


def copy_sqlite(test_name: str) -> None:
    with _locked("sqlite"):
        template = sqlite_template()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(test_name + suffix).unlink(missing_ok=True)
        shutil.copyfile(template, test_name)


# Held on the server while a template is built or copied: runs from other checkouts against the
# same PostgreSQL wait for each other too, not only this checkout's processes (the file lock).
ADVISORY_LOCK = 0x6770666564  # "gpfed"
OURS = re.compile(r"^gpfed_template_[0-9a-f]{16}(_building)?$")


def _url(database: str) -> str:
    """``DATABASE_URL`` (host, socket, credentials, options as given) naming ``database``."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + database))


@contextmanager
def _postgresql_template(connection):
    """A cursor on the server holding the advisory lock (and this checkout's file lock), and the
    name of the migrated template there, built first if it is not."""
    template = PREFIX + digest()
    quote = connection.ops.quote_name
    with _locked("postgresql"), connection._nodb_cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_LOCK])  # until disconnected
        cursor.execute("SELECT datname FROM pg_database")
        existing = {row[0] for row in cursor.fetchall() if OURS.match(row[0])}
        for old in existing - {template}:
            cursor.execute(_drop(connection, old))  # templates of other migrations, or half-built
        if template not in existing:
            # Built under another name and renamed once whole, so a run killed halfway leaves
            # nothing a later run would take for the template (it is dropped above).
            building = template + "_building"
            cursor.execute(f"CREATE DATABASE {quote(building)}")
            _migrate(_url(building))
            cursor.execute(f"ALTER DATABASE {quote(building)} RENAME TO {quote(template)}")
        yield cursor, template


def copy_postgresql(connection, test_name: str) -> None:
    """``connection``: Django's connection, whose settings name the server and the credentials."""
    quote = connection.ops.quote_name
    with _postgresql_template(connection) as (cursor, template):
        cursor.execute(_drop(connection, test_name))
        cursor.execute(f"CREATE DATABASE {quote(test_name)} TEMPLATE {quote(template)}")


def prepare(connection) -> None:
    """Make the test database of ``connection`` a copy of the migrated template."""
    test_name = connection.creation._get_test_db_name()
    if connection.vendor == "sqlite":
        copy_sqlite(test_name)
    elif connection.vendor == "postgresql":
        copy_postgresql(connection, test_name)
    else:  # pragma: no cover -- gpfed runs on the two
        raise RuntimeError(f"no template for {connection.vendor}")


def remove(connection) -> None:
    """Remove the test database of ``connection`` (a copy of the template) at the end of a run.
    On PostgreSQL a connection a test's thread left open (a live server's, a race's) would make
    a plain DROP fail, so it is forced; a database that cannot be removed is only reported (the
    next run replaces it), as pytest-django does."""
    test_name = connection.settings_dict["NAME"]
    connection.close()
    try:
        if connection.vendor == "sqlite":
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(test_name + suffix).unlink(missing_ok=True)
        else:
            with connection._nodb_cursor() as cursor:
                cursor.execute(_drop(connection, test_name))
    except Exception as error:  # the tests have passed or failed already
        print(f"\nThe test database {test_name} was not removed: {error}", file=sys.stderr)


def _drop(connection, name: str) -> str:
    return f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)} WITH (FORCE)"


def build(connection) -> str:
    """The template for the database of ``connection`` (Django's: ``DATABASE_URL``'s, or
    SQLite), built if it is not there yet. CI builds SQLite's and PostgreSQL's side by side
    before the two runs of the suite, instead of each run building its own while its second
    process waits."""
    if connection.vendor == "sqlite":
        with _locked("sqlite"):
            return str(sqlite_template())
    with _postgresql_template(connection) as (_, template):
        return template


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gpfed.settings")
    django.setup()
    from django.db import connection

    print(f"test database template: {build(connection)}")
