"""The restore drill, as an operator runs it: the demo loaded into an installation of its own (a
database and a documents folder no test shares), a contract document added through the
service, ``gpfed backup``, then ``gpfed restore`` into a new, empty database and folder; every
table's rows and one practice's value statement compared byte for byte. Each step is the real
``gpfed`` command in a process of its own, with its own DATABASE_URL and GPFED_VAR_DIR, so the
test database is never touched.

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

ROOT = Path(__file__).resolve().parents[2]
TEST_URL = os.environ.get("DATABASE_URL", "")
POSTGRES = TEST_URL.startswith(("postgres://", "postgresql://"))
PRACTICE, PERIOD = "C82001", "2026-10"  # a demo practice with a year of money
CONTRACT_PAPER = b"Signed agreement for the phlebotomy service, both parties, December 2026.\n"

# Every table's rows (the introspection's list of tables) and the backup records in the trail.
COUNT = """
import json
import django
django.setup()
from django.db import connection
tables = {}
with connection.cursor() as cursor:
    for table in connection.introspection.table_names(cursor):
        cursor.execute("SELECT count(*) FROM " + connection.ops.quote_name(table))
        tables[table] = cursor.fetchone()[0]
actions = []
if "audit_auditevent" in tables:
    from audit.models import AuditEvent
    actions = sorted(
        AuditEvent.objects.filter(action__startswith="backup.").values_list("action", flat=True)
    )
print(json.dumps({"tables": tables, "backup_actions": actions}))
"""

# A contract's paper added as a person adds one: through the service, checked and audited.
ADD_DOCUMENT = f"""
import django
django.setup()
from accounts.models import User
from finance.models import Contract
from finance.services.contracts import document_add
document = document_add(
    contract=Contract.objects.order_by("pk").first(),
    by=User.objects.get(email="finance@demo.gpfed.example"),
    title="Signed agreement",
    file_name="agreement.txt",
    data={CONTRACT_PAPER!r},
)
print(document.file.name)
"""


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

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )

    def gpfed(self, *args: str) -> subprocess.CompletedProcess:
        return self.run("-m", "gpfed", *args)

    def python(self, code: str) -> str:
        done = self.run("-c", code)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def counts(self) -> dict:
        return json.loads(self.python(COUNT))

    @property
    def sqlite_file(self) -> Path:
        return Path(urlsplit(self.url).path)

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


class Databases:
    """New databases, empty or copies of another, each one dropped at the end."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.made: list[str] = []
        self.migrated: Installation | None = None  # migrated and empty, to copy

    def new(self, *, like: Installation | None = None) -> Installation:
        """A new database and documents folder: empty, or the database a copy of ``like``'s."""
        var = Path(tempfile.mkdtemp(prefix="site-", dir=self.folder))
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
    site: Installation
    archive: Path
    document: str  # the contract paper's name in storage
    counts: dict  # every table's rows, just after the backup


@pytest.fixture(scope="module")
def demo_backed_up(databases, tmp_path_factory) -> Backed:
    """The demo loaded into an installation of its own, a contract's paper added, backed up."""
    site = databases.new()
    migrated = site.gpfed("manage", "migrate", "--verbosity", "0")
    assert migrated.returncode == 0, migrated.stderr
    databases.migrated = databases.new(like=site)  # migrating again takes most of a minute
    loaded = site.gpfed("demo", "load")
    assert loaded.returncode == 0, loaded.stderr
    document = site.python(ADD_DOCUMENT).strip()
    archive = tmp_path_factory.mktemp("backups") / "gpfed-backup.tar"
    done = site.gpfed("backup", "--output", str(archive))
    assert done.returncode == 0, done.stderr
    return Backed(site, archive, document, site.counts())


def statement(site: Installation) -> str:
    done = site.gpfed("statement", PRACTICE, "--period", PERIOD, "--format", "json")
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_restore_drill_gives_back_every_row_document_and_statement(demo_backed_up, databases):
    original = demo_backed_up.site
    fresh = databases.new()

    done = fresh.gpfed("restore", str(demo_backed_up.archive), "--format", "json")

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
    assert fresh.files() == original.files()
    assert (fresh.documents / demo_backed_up.document).read_bytes() == CONTRACT_PAPER
    assert summary["documents"] == len(original.files()) > 1
    # the practice's value statement, byte for byte, made by the same function in both
    made = statement(original)
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
    assert fresh.files() == demo_backed_up.site.files()


def test_restore_refuses_a_database_with_rows_and_changes_nothing(demo_backed_up):
    site = demo_backed_up.site
    before, files = site.counts(), site.files()

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


def test_backup_does_not_replace_a_file_without_force(demo_backed_up, tmp_path):
    site = demo_backed_up.site
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
    assert manifest["documents"] == summary["documents"] == len(site.files())
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
