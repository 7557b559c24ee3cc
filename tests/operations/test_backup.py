"""The restore drill, as an operator runs it: an installation holding the demo, a contract
document added through the service, ``gpfed backup``, then ``gpfed restore`` into a new, empty
database and folder; every table's rows and one practice's value statement compared byte for
byte. Each backup, restore and statement is the real ``gpfed`` command in a process of its own,
with its own DATABASE_URL and GPFED_VAR_DIR.

The installation backed up is the test database itself, for the module's first few seconds: the
demo this test run loaded once (``demo_whole``, tests/snapshot.py) is written back into it
and committed, with the demo's documents copied into a folder of the installation's own; after
the backup, the row counts and the statement, the test database is emptied again (in a
``finally``), so no other test sees those rows. Loading the demo again in a process of its own
took most of a minute. Every database a restore writes to is a new one no test shares.

The drill runs on the database the tests run on: SQLite files by default; with DATABASE_URL
naming PostgreSQL, scratch databases made (and dropped) beside it, with pg_dump and pg_restore
(a missing pg_dump skips these tests, and fails them under CI=true).
"""

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test import override_settings
from django.utils.functional import empty

from accounts.models import User
from finance.models import Contract
from finance.services.contracts import document_add
from tests import snapshot

# pytest-django makes the test database only for a run with a test that asks for it: these do
# (demo_backed_up writes the demo into it), though each runs outside it, in ``gpfed`` processes.
pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
TEST_URL = os.environ.get("DATABASE_URL", "")
POSTGRES = TEST_URL.startswith(("postgres://", "postgresql://"))
PRACTICE, PERIOD = "C82001", "2026-10"  # a demo practice with a year of money
# The database DATABASE_URL names, read as this module is collected: before pytest-django points
# the connection at the test database made beside it.
NOT_THE_TEST_DATABASE = str(settings.DATABASES["default"]["NAME"])
CONTRACT_PAPER = b"Signed agreement for the phlebotomy service, both parties, December 2026.\n"

# The tables Django's introspection lists (tables and views, SQLite's id counters left out), asked
# of the database itself, so counting needs no gpfed process.
SQLITE_TABLES = (
    "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
    "AND NOT name = 'sqlite_sequence' ORDER BY name"
)
POSTGRES_TABLES = """
    SELECT c.relname FROM pg_catalog.pg_class c
    LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('f', 'm', 'p', 'r', 'v') AND n.nspname NOT IN ('pg_catalog', 'pg_toast')
    AND pg_catalog.pg_table_is_visible(c.oid) ORDER BY c.relname
"""


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Installation:
    """One gpfed installation: a database and a documents folder of its own."""

    url: str
    var: Path

    @property
    def documents(self) -> Path:
        return self.var / "documents"

    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("GPFED_", "AWS_", "DJANGO_")) and k != "DATABASE_URL"
        }
        env.update(
            DATABASE_URL=self.url,
            GPFED_VAR_DIR=str(self.var),
            GPFED_STORAGE="local",
            DJANGO_SETTINGS_MODULE="gpfed.settings",
        )
        return env

    def gpfed(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "gpfed", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )

    @property
    def sqlite_file(self) -> Path:
        return Path(urlsplit(self.url).path)

    @contextlib.contextmanager
    def _database(self):
        """A connection of the database's own driver (no gpfed process, no Django)."""
        if not POSTGRES:
            with contextlib.closing(sqlite3.connect(self.sqlite_file)) as db:
                yield db
            return
        import psycopg

        with psycopg.connect(self.url) as db:
            yield db

    def counts(self) -> dict:
        """Every table's rows, and the backup records in the trail."""
        with self._database() as db:
            names = [n for (n,) in db.execute(POSTGRES_TABLES if POSTGRES else SQLITE_TABLES)]
            tables = {
                n: db.execute(f"SELECT count(*) FROM {_quoted(n)}").fetchone()[0]  # noqa: S608 -- names from the catalogue
                for n in names
            }
            actions = []
            if "audit_auditevent" in tables:
                actions = sorted(
                    a
                    for (a,) in db.execute(
                        "SELECT action FROM audit_auditevent WHERE action LIKE 'backup.%'"
                    )
                )
        return {"tables": tables, "backup_actions": actions}

    def tables(self) -> list[str]:
        """The database's tables, asked of the database itself (no gpfed process)."""
        if not POSTGRES:
            path = self.sqlite_file
            if not path.exists():
                return []
            with contextlib.closing(sqlite3.connect(path)) as db:
                return [n for (n,) in db.execute("SELECT name FROM sqlite_master")]
        import psycopg

        with psycopg.connect(self.url) as db:
            return [
                n
                for (n,) in db.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
                )
            ]

    def files(self) -> dict[str, str]:
        """The documents folder: each file's path in it and SHA-256."""
        if not self.documents.exists():
            return {}
        return {
            str(p.relative_to(self.documents)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(self.documents.rglob("*"))
            if p.is_file()
        }


def _pg_dump_installed() -> bool:
    return bool(list(Path("/usr/lib/postgresql").glob("*/bin/pg_dump")) or shutil.which("pg_dump"))


def _test_database(folder: Path) -> Installation:
    """The test database (this xdist worker's own), as an installation with a new, empty
    documents folder: on PostgreSQL on the server and as the user DATABASE_URL names."""
    name = connection.settings_dict["NAME"]
    assert connection.vendor == ("postgresql" if POSTGRES else "sqlite"), connection.vendor
    assert name != NOT_THE_TEST_DATABASE, f"{name} is not the test database"
    var = Path(tempfile.mkdtemp(prefix="site-", dir=folder))
    if not POSTGRES:
        return Installation(f"sqlite:///{name}", var)
    return Installation(urlunsplit(urlsplit(TEST_URL)._replace(path=f"/{name}")), var)


class Databases:
    """New databases, empty or copies of another, each one dropped at the end."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.made: list[str] = []
        self.migrated: Installation | None = None  # migrated and empty, to copy

    def new(self, *, like: Installation | None = None, documents: bool = False) -> Installation:
        """A new database and documents folder: empty, or the database a copy of ``like``'s
        (and, with ``documents``, the folder a copy of its folder)."""
        var = Path(tempfile.mkdtemp(prefix="site-", dir=self.folder))
        if like is not None and documents:
            shutil.copytree(like.documents, var / "documents")
        if not POSTGRES:
            site = Installation(f"sqlite:///{var / 'gpfed.sqlite3'}", var)
            if like is not None:
                with (
                    contextlib.closing(sqlite3.connect(like.sqlite_file)) as source,
                    contextlib.closing(sqlite3.connect(site.sqlite_file)) as copy,
                ):
                    source.backup(copy)
            return site
        name = f"gpfed_drill_{secrets.token_hex(4)}"
        template = f' TEMPLATE "{urlsplit(like.url).path[1:]}"' if like else ""
        with self._server() as server:
            server.execute(f'CREATE DATABASE "{name}"{template}')
        self.made.append(name)
        parts = urlsplit(TEST_URL)
        return Installation(urlunsplit(parts._replace(path=f"/{name}")), var)

    def _server(self):
        import psycopg

        parts = urlsplit(TEST_URL)
        return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)

    def drop(self) -> None:
        if not POSTGRES:
            return
        with self._server() as server:
            for name in self.made:
                server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def databases(tmp_path_factory):
    if POSTGRES and not _pg_dump_installed():
        message = "pg_dump is not installed (the PostgreSQL client tools)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    made = Databases(tmp_path_factory.mktemp("installations"))
    yield made
    made.drop()


@dataclass
class Backed:
    archive: Path
    document: str  # the contract paper's name in storage
    counts: dict  # every table's rows, just after the backup
    files: dict[str, str]  # the documents backed up: name -> SHA-256
    statement: str  # the practice's value statement, as JSON, made from the backed-up database


def _demo_with_a_contract_paper(demo_whole, documents: Path) -> str:
    """The demo written back into the test database and committed, its documents in
    ``documents``, and a contract's paper added as a person adds one: through the service,
    checked and audited. The paper's name in storage."""
    shutil.copytree(demo_whole.media, documents)
    local = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    with override_settings(MEDIA_ROOT=documents, STORAGES=local, **snapshot.TEST_SETTINGS):
        # the service writes through the default storage: this folder's, built afresh
        assert default_storage.path("x") == str(documents / "x")
        if not snapshot.is_empty(demo_whole.snapshot):
            call_command("flush", interactive=False, verbosity=0)
        with transaction.atomic():
            snapshot.restore(demo_whole.snapshot)
        document = document_add(
            contract=Contract.objects.order_by("pk").first(),
            by=User.objects.get(email="finance@demo.gpfed.example"),
            title="Signed agreement",
            file_name="agreement.txt",
            data=CONTRACT_PAPER,
        )
    # leaving override_settings forgets the folder's backend: the test's own is built when used
    assert default_storage._wrapped is empty
    return document.file.name


@pytest.fixture(scope="module")
def demo_backed_up(
    databases, django_db_setup, django_db_blocker, demo_whole, tmp_path_factory
) -> Backed:
    """The demo in the test database, a contract's paper added, backed up by ``gpfed backup``;
    every table's rows and the statement taken; the test database emptied again."""
    archive = tmp_path_factory.mktemp("backups") / "gpfed-backup.tar"
    with django_db_blocker.unblock():
        site = _test_database(databases.folder)
        try:
            document = _demo_with_a_contract_paper(demo_whole, site.documents)
            done = site.gpfed("backup", "--output", str(archive))
            assert done.returncode == 0, done.stderr
            counts = site.counts()  # before the statement, whose export is audited
            made = statement(site)
        finally:
            call_command("flush", interactive=False, verbosity=0)
        # The test database, migrated by pytest-django and empty again: a copy of it is a
        # database an operator ran migrate on first (PostgreSQL copies only a database no one
        # is connected to).
        connections.close_all()
        databases.migrated = databases.new(like=site)
    return Backed(archive, document, counts, site.files(), made)


@dataclass
class Restored:
    site: Installation
    done: subprocess.CompletedProcess


@pytest.fixture(scope="module")
def restored(demo_backed_up, databases) -> Restored:
    """The archive restored by ``gpfed restore`` into a new database with no tables and an
    empty documents folder."""
    fresh = databases.new()
    done = fresh.gpfed("restore", str(demo_backed_up.archive), "--format", "json")
    return Restored(fresh, done)


@pytest.fixture
def site_with_rows(restored, databases) -> Installation:
    """A copy of the installation the archive was restored into, for this test alone."""
    assert restored.done.returncode == 0, restored.done.stderr
    return databases.new(like=restored.site, documents=True)


def statement(site: Installation) -> str:
    done = site.gpfed("statement", PRACTICE, "--period", PERIOD, "--format", "json")
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_restore_drill_gives_back_every_row_document_and_statement(demo_backed_up, restored):
    fresh, done = restored.site, restored.done

    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["problems"] == []
    before, after = demo_backed_up.counts, fresh.counts()
    # every table, with as many rows; the trails differ only in the backup's own records: the
    # original's "backup.create" was written after its snapshot, the copy records its restore
    assert set(after["tables"]) == set(before["tables"])
    assert after["tables"] == before["tables"]
    assert before["backup_actions"] == ["backup.create"]
    assert after["backup_actions"] == ["backup.restore"]
    assert before["tables"]["registry_practice"] > 0
    assert before["tables"]["finance_settlement"] > 0
    assert summary["tables"] == len(after["tables"])
    # the documents, byte for byte, the contract's paper among them
    assert fresh.files() == demo_backed_up.files
    assert (fresh.documents / demo_backed_up.document).read_bytes() == CONTRACT_PAPER
    assert summary["documents"] == len(demo_backed_up.files) > 1
    # the practice's value statement, byte for byte, made by the same function in both
    made = demo_backed_up.statement
    assert json.loads(made)["services"]
    assert statement(fresh) == made


def test_restore_into_a_database_migrated_but_empty(demo_backed_up, databases):
    """An operator who ran migrate first: the empty tables are replaced by the archive's."""
    fresh = databases.new(like=databases.migrated)
    assert "django_migrations" in fresh.tables()

    done = fresh.gpfed("restore", str(demo_backed_up.archive))

    assert done.returncode == 0, done.stderr
    assert "every checksum matches" in done.stdout
    assert fresh.counts()["tables"] == demo_backed_up.counts["tables"]
    assert fresh.files() == demo_backed_up.files


def test_restore_refuses_a_database_with_rows_and_changes_nothing(demo_backed_up, site_with_rows):
    site = site_with_rows
    before, files = site.counts(), site.files()
    assert before["tables"]["registry_practice"] > 0
    assert files

    done = site.gpfed("restore", str(demo_backed_up.archive))

    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "is not empty" in done.stderr
    assert "restore into a new, empty database" in done.stderr
    assert site.counts() == before
    assert site.files() == files


def _tampered(archive: Path, member: str, folder: Path) -> Path:
    """A copy of ``archive`` with one byte of ``member``'s content changed."""
    copy = folder / "tampered.tar"
    shutil.copyfile(archive, copy)
    with tarfile.open(archive) as tar:
        info = tar.getmember(member)
    offset = info.offset_data + info.size // 2
    with open(copy, "r+b") as f:
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes([byte[0] ^ 0x01]))
    return copy


@pytest.mark.parametrize("which", ["database", "document"])
def test_a_tampered_archive_is_refused_naming_the_member_and_loads_nothing(
    which, demo_backed_up, databases, tmp_path
):
    member = (
        ("database.dump" if POSTGRES else "database.sqlite3")
        if which == "database"
        else f"documents/{demo_backed_up.document}"
    )
    tampered = _tampered(demo_backed_up.archive, member, tmp_path)
    fresh = databases.new()

    done = fresh.gpfed("restore", str(tampered))

    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert f"the member {member} does not match its checksum" in done.stderr
    assert fresh.tables() == []
    assert fresh.files() == {}


def test_backup_does_not_replace_a_file_without_force(site_with_rows, tmp_path):
    site = site_with_rows
    output = tmp_path / "nightly.tar"
    output.write_bytes(b"yesterday's archive")

    refused = site.gpfed("backup", "--output", str(output))

    assert refused.returncode == 2
    assert "already exists" in refused.stderr and "--force" in refused.stderr
    assert output.read_bytes() == b"yesterday's archive"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nightly.tar"]

    replaced = site.gpfed("backup", "--output", str(output), "--force", "--format", "json")

    assert replaced.returncode == 0, replaced.stderr
    summary = json.loads(replaced.stdout)
    assert summary["sha256"] == hashlib.sha256(output.read_bytes()).hexdigest()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nightly.tar"]  # no half archive left
    with tarfile.open(output) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["database"]["engine"] == ("postgresql" if POSTGRES else "sqlite")
    assert manifest["documents"] == summary["documents"] == len(site.files()) > 1
    assert manifest["migrations"]["finance"]
    checked = site.gpfed("restore", "--check", str(output), "--format", "json")
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["rows"] == sum(manifest["tables"].values())


def test_restore_of_something_else_is_refused_in_one_line(databases, tmp_path):
    fresh = databases.new()
    not_an_archive = tmp_path / "notes.tar"
    not_an_archive.write_text("not a tar file")

    done = fresh.gpfed("restore", str(not_an_archive))

    assert done.returncode == 2
    assert done.stderr == f"gpfed: {not_an_archive} is not a gpfed backup (not a tar archive)\n"
    assert fresh.files() == {}
