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
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote as quote_url

import django
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "gpfed_template_"


def digest() -> str:
    """Of every migration file's path and content, and the Django version."""
    h = hashlib.sha256(django.get_version().encode())
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        h.update(str(path.relative_to(ROOT)).encode())
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
        # migrate's last connection has closed, so its write-ahead log is in the file.
        building.rename(path)
    return path


def copy_sqlite(test_name: str) -> None:
    with _locked("sqlite"):
        template = sqlite_template()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(test_name + suffix).unlink(missing_ok=True)
        shutil.copyfile(template, test_name)


def copy_postgresql(connection, test_name: str) -> None:
    """``connection``: Django's connection, whose settings name the server and the credentials."""
    template = PREFIX + digest()
    quote = connection.ops.quote_name
    with _locked("postgresql"):
        with connection._nodb_cursor() as cursor:
            cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [PREFIX + "%"])
            existing = {row[0] for row in cursor.fetchall()}
            for old in existing - {template}:
                cursor.execute(_drop(connection, old))
        if template not in existing:
            # Built under another name and renamed once whole, so a run killed halfway leaves
            # nothing a later run would take for the template (it is dropped above).
            building = template + "_building"
            with connection._nodb_cursor() as cursor:
                cursor.execute(f"CREATE DATABASE {quote(building)}")
            params = connection.settings_dict
            _migrate(
                f"postgres://{quote_url(params['USER'])}:{quote_url(params['PASSWORD'])}"
                f"@{params['HOST']}:{params['PORT']}/{building}"
            )
            with connection._nodb_cursor() as cursor:
                cursor.execute(f"ALTER DATABASE {quote(building)} RENAME TO {quote(template)}")
        with connection._nodb_cursor() as cursor:
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
