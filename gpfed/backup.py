"""Backups you can restore: one archive of the database and the documents, with a manifest of
checksums (``gpfed backup``), and the way back into an empty database and storage
(``gpfed restore``). docs/operations.md, "Backups and restore", says how to run and keep them.

The archive is a plain (uncompressed) tar file. A PostgreSQL custom dump is compressed already,
and so are most documents (PDF, DOCX, XLSX); a plain tar can be read member by member without
unpacking what comes before, ``tar -xOf FILE manifest.json`` shows what is in it, and
compressing or encrypting it on its way off the machine is the copy's business. It holds:

- ``database.sqlite3`` (SQLite's online backup API: a consistent copy while gpfed runs) or
  ``database.dump`` (``pg_dump --format=custom``, taken in a snapshot the document list is
  read in too, so the two agree);
- ``documents/<name>`` for every document a row of the copied database names, read through
  Django's storage (``STORAGES["default"]``: a folder or an S3-compatible bucket);
- ``manifest.json`` (written last): the format, gpfed's version, when, the database engine, the
  last migration applied in each app, the rows in every table, and each member's name, size
  and SHA-256.

A restore checks every member against the manifest before it loads anything, and loads only
into an empty database: one with no tables, or one whose tables are all empty but for what
migrations write (the migration record, content types, permissions) and migrated to the same
state as the archive. The archive's checksums show a copy is intact, not who made it: keep the
archive's SHA-256 (printed by the backup, and in the audit trail) apart from the copy.
"""

# Over 500 lines: one archive format, written and read back; backup and restore share its
# manifest, checks and database copies. To split into a package (archive, database, restore)
# if it grows.

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess  # PostgreSQL's own tools, our own arguments, no shell # nosec B404
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, connections, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from audit.services import audit_record
from kernel.errors import DomainError

FORMAT = "gpfed-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
POSTGRES_MEMBER = "database.dump"
DOCUMENTS = "documents/"
# Tables migrations fill: an otherwise empty database may hold rows in these.
MIGRATION_TABLES = {"django_migrations", "django_content_type", "auth_permission"}
CHUNK = 1024 * 1024


class BackupRefused(DomainError):
    """The backup or restore cannot go ahead; the message says why. Nothing was written."""


class RestoreIncomplete(Exception):
    """The database and documents were loaded, but checking them afterwards found a problem."""


# --- what is in the database -------------------------------------------------------------


@dataclass
class Contents:
    """What a snapshot of the database holds: rows per table, the last migration applied per
    app, and the documents its rows name (storage name -> [(model, id, recorded SHA-256)])."""

    tables: dict[str, int]
    migrations: dict[str, str]
    documents: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)


def _file_fields() -> list[tuple[type[models.Model], models.FileField]]:
    """Every FileField of every model: where documents are named."""
    return [
        (model, f)
        for model in apps.get_models()
        for f in model._meta.get_fields()
        if isinstance(f, models.FileField)
    ]


def _recorded_sha256_column(model) -> str | None:
    try:
        return model._meta.get_field("sha256").column
    except FieldDoesNotExist:
        return None


def _last_applied(rows) -> dict[str, str]:
    """The last migration applied in each app, from (app, name) rows in the order applied."""
    last = {}
    for app, name in rows:
        last[app] = name
    return dict(sorted(last.items()))


def _sqlite_tables(db: sqlite3.Connection) -> list[str]:
    """The tables, as Django's introspection lists them (SQLite's own left out)."""
    rows = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' "
        "ESCAPE '!' ORDER BY name"
    )
    return [name for (name,) in rows]


def _quote_sqlite(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_rows(path) -> dict[str, int]:
    """The rows in every table of the SQLite database at ``path``, counted as a backup counts
    them (SQLite's own tables, such as sqlite_stat1, left out)."""
    db = sqlite3.connect(path)
    try:
        return {
            t: db.execute(f"SELECT count(*) FROM {_quote_sqlite(t)}").fetchone()[0]  # noqa: S608 -- names from sqlite_master # nosec B608
            for t in _sqlite_tables(db)
        }
    finally:
        db.close()


def _sqlite_contents(path: Path) -> Contents:
    """What the SQLite database at ``path`` holds (a copy nothing else writes to)."""
    tables = _sqlite_rows(path)
    db = sqlite3.connect(path)
    try:
        migrations = (
            _last_applied(db.execute("SELECT app, name FROM django_migrations ORDER BY id"))
            if "django_migrations" in tables
            else {}
        )
        contents = Contents(tables, migrations)
        for model, f in _file_fields():
            if model._meta.db_table not in tables:
                continue
            recorded = _recorded_sha256_column(model)
            columns = [model._meta.pk.column, f.column, recorded or f.column]
            rows = db.execute(
                "SELECT {} FROM {} WHERE {} != '' ORDER BY 1".format(  # noqa: S608 -- model metadata # nosec B608
                    ", ".join(_quote_sqlite(c) for c in columns),
                    _quote_sqlite(model._meta.db_table),
                    _quote_sqlite(f.column),
                )
            )
            for pk, name, sha in rows:
                contents.documents.setdefault(name, []).append(
                    (model._meta.label, str(pk), sha if recorded else "")
                )
        return contents
    finally:
        db.close()


def _rows(cursor, table: str) -> int:
    """The rows in a table Django's introspection named."""
    cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 -- names from introspection # nosec B608
    return cursor.fetchone()[0]


def _django_contents() -> Contents:
    """What the database Django is connected to holds, read in the caller's transaction."""
    with connection.cursor() as cursor:
        names = connection.introspection.table_names(cursor)
        tables = {t: _rows(cursor, t) for t in names}
    migrations = {}
    if "django_migrations" in tables:
        migrations = _last_applied(
            MigrationRecorder.Migration.objects.order_by("id").values_list("app", "name")
        )
    contents = Contents(tables, migrations)
    for model, f in _file_fields():
        if model._meta.db_table not in tables:
            continue
        recorded = _recorded_sha256_column(model) and "sha256"
        fields = ["pk", f.name, *([recorded] if recorded else [])]
        for row in model._base_manager.exclude(**{f.name: ""}).order_by("pk").values_list(*fields):
            contents.documents.setdefault(row[1], []).append(
                (model._meta.label, str(row[0]), row[2] if recorded else "")
            )
    return contents


# --- PostgreSQL's own tools -----------------------------------------------------------------


def _major(text: str) -> int:
    found = re.search(r"(\d+)(?:\.\d+)?", text)
    if not found:
        raise BackupRefused(f"cannot tell the PostgreSQL version from {text.strip()!r}")
    return int(found.group(1))


def postgres_tool(name: str) -> tuple[str, int]:
    """The newest ``pg_dump`` or ``pg_restore`` installed (PostgreSQL's own folders first, then
    PATH) and its major version."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    path = str(candidates[-1]) if candidates else shutil.which(name)
    if not path:
        raise BackupRefused(
            f"{name} is not installed: install the PostgreSQL client tools of the server's "
            "version (for example postgresql-client-16)"
        )
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)  # noqa: S603 # nosec B603
    return path, _major(out.stdout)


def _postgres_env() -> dict[str, str]:
    """The environment that points PostgreSQL's tools at the DATABASES["default"] database
    (the password in the environment, never on a command line others can read)."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for key, var in [
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ]:
        if db.get(key):
            env[var] = str(db[key])
    if db.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = db["OPTIONS"]["sslmode"]
    return env


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


# --- the archive ----------------------------------------------------------------------------


class _Hashing:
    """A file being written, and the SHA-256 of everything written to it."""

    def __init__(self, raw):
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.position = 0

    def write(self, data) -> int:
        self.sha256.update(data)
        self.position += len(data)
        return self.raw.write(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        self.raw.flush()


def _add(tar: tarfile.TarFile, name: str, source, size: int, mtime: float) -> None:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = mtime
    info.mode = 0o600
    tar.addfile(info, source)


def _spool(source, into) -> tuple[int, str]:
    """Copy ``source`` into ``into`` and return the bytes copied and their SHA-256."""
    digest, size = hashlib.sha256(), 0
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        into.write(chunk)
    into.seek(0)
    return size, digest.hexdigest()


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _gpfed_version() -> str:
    try:
        return version("gpfed")
    except PackageNotFoundError:  # pragma: no cover -- run from a checkout never installed
        return "unknown"


def _engine() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


@contextlib.contextmanager
def _database_copy(work: Path):
    """Copy the database into ``work`` and yield (member name, path, contents, details)."""
    if connection.vendor == "sqlite":
        source = Path(settings.DATABASES["default"]["NAME"])
        if not source.is_file():
            raise BackupRefused(f"there is no SQLite database at {source}")
        copy = work / SQLITE_MEMBER
        live, target = sqlite3.connect(source, timeout=20), sqlite3.connect(copy)
        try:
            live.backup(target)  # one step: a consistent copy, while gpfed goes on writing
        finally:
            target.close()
            live.close()
        yield SQLITE_MEMBER, copy, _sqlite_contents(copy), {"sqlite": sqlite3.sqlite_version}
        return
    if connection.vendor != "postgresql":
        raise BackupRefused(f"gpfed cannot back up a {connection.vendor} database")
    pg_dump, dump_major = postgres_tool("pg_dump")
    connection.ensure_connection()
    server_major = connection.pg_version // 10000
    if dump_major < server_major:
        raise BackupRefused(
            f"{pg_dump} is PostgreSQL {dump_major}'s, older than the server's {server_major}: "
            f"install postgresql-client-{server_major}"
        )
    copy = work / POSTGRES_MEMBER
    # One snapshot for the dump and for the list of documents, so the two agree.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        done = subprocess.run(  # noqa: S603 -- our own arguments, no shell # nosec B603
            [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={copy}"],
            env=_postgres_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise BackupRefused(f"pg_dump failed: {_last_line(done.stderr)}")
        contents = _django_contents()
    yield (
        POSTGRES_MEMBER,
        copy,
        contents,
        {"server_version": server_major, "pg_dump_version": dump_major},
    )


def _installation(created_at: str):
    """What a backup or restore is of: the whole installation, which no model stands for.
    ``audit_record`` reads an object's label, id and text, and asks it for a network field."""

    class Meta:
        label = "gpfed.Installation"

        @staticmethod
        def get_field(name):
            raise FieldDoesNotExist(name)

    class Installation:
        _meta = Meta
        pk = created_at

        def __str__(self) -> str:
            return "the whole installation"

    return Installation()


def backup(output: Path, *, by=None, force: bool = False) -> dict:
    """Write one archive of the database and the documents to ``output``: to a temporary name
    beside it first, renamed only once complete. Refuses to replace a file unless ``force``.
    Recorded in the audit trail (``backup.create``), as every export is."""
    output = Path(output)
    if output.is_dir():
        raise BackupRefused(f"{output} is a folder: name the archive file to write")
    if output.exists() and not force:
        raise BackupRefused(
            f"{output} already exists: name a new file, or add --force to replace it"
        )
    if not output.parent.is_dir():
        raise BackupRefused(f"there is no folder {output.parent} to write {output.name} in")
    created = datetime.now(UTC).replace(microsecond=0)
    partial = output.with_name(f".{output.name}.{secrets.token_hex(4)}.partial")
    warnings: list[str] = []
    try:
        with (
            tempfile.TemporaryDirectory(prefix=".gpfed-backup-", dir=output.parent) as work,
            _database_copy(Path(work)) as (member, copy, contents, details),
            open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as raw,
        ):
            hashing = _Hashing(raw)
            members = []
            with tarfile.open(fileobj=hashing, mode="w", format=tarfile.PAX_FORMAT) as tar:
                size, sha = copy.stat().st_size, _sha256_of(copy)
                with open(copy, "rb") as f:
                    _add(tar, member, f, size, created.timestamp())
                members.append({"name": member, "size": size, "sha256": sha})
                missing = []
                for name in sorted(contents.documents):
                    if not default_storage.exists(name):
                        missing.append(name)
                        warnings.append(f"document {name} is named in the database but missing")
                        continue
                    with (
                        default_storage.open(name, "rb") as stored,
                        tempfile.SpooledTemporaryFile(max_size=16 * CHUNK, dir=work) as spool,
                    ):
                        size, sha = _spool(stored, spool)
                        _add(tar, DOCUMENTS + name, spool, size, created.timestamp())
                    members.append({"name": DOCUMENTS + name, "size": size, "sha256": sha})
                    for label, pk, recorded in contents.documents[name]:
                        if recorded and recorded != sha:
                            warnings.append(
                                f"document {name} ({label} {pk}) differs from the SHA-256 "
                                "recorded when it was uploaded"
                            )
                manifest = {
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "gpfed_version": _gpfed_version(),
                    "created_at": created.isoformat(),
                    "database": {"engine": _engine(), "member": member, **details},
                    "migrations": contents.migrations,
                    "tables": contents.tables,
                    "documents": len(members) - 1,
                    "missing_documents": missing,
                    "members": members,
                }
                data = json.dumps(manifest, indent=2, sort_keys=True).encode()
                _add(tar, MANIFEST, io.BytesIO(data), len(data), created.timestamp())
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)
    summary = {
        "archive": str(output),
        "sha256": hashing.sha256.hexdigest(),
        "bytes": output.stat().st_size,
        "created_at": manifest["created_at"],
        "engine": manifest["database"]["engine"],
        "tables": len(contents.tables),
        "rows": sum(contents.tables.values()),
        "documents": manifest["documents"],
        "missing_documents": missing,
        "warnings": warnings,
    }
    with transaction.atomic():
        audit_record(
            by=by,
            action="backup.create",
            obj=_installation(manifest["created_at"]),
            after={k: summary[k] for k in ("archive", "sha256", "tables", "rows", "documents")},
        )
    return summary


# --- restore --------------------------------------------------------------------------------


@dataclass
class Archive:
    path: Path
    tar: tarfile.TarFile
    manifest: dict
    members: dict[str, tarfile.TarInfo]

    @property
    def documents(self) -> dict[str, dict]:
        """Storage name -> the manifest's entry, for every document in the archive."""
        return {
            m["name"][len(DOCUMENTS) :]: m
            for m in self.manifest["members"]
            if m["name"].startswith(DOCUMENTS)
        }


def _safe_document_name(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        bool(name)
        and not path.is_absolute()
        and ".." not in path.parts
        and "\\" not in name
        and "\x00" not in name
    )


# A manifest lists each member in about 150 bytes: 32 MB holds some 200,000 documents.
MANIFEST_LIMIT = 32 * 1024 * 1024


def _read_manifest(tar: tarfile.TarFile, path: Path) -> tuple[dict, dict[str, tarfile.TarInfo]]:
    members: dict[str, tarfile.TarInfo] = {}
    for info in tar.getmembers():
        if info.name in members:
            raise BackupRefused(f"{path}: the member {info.name} is in the archive twice")
        if not info.isfile():
            raise BackupRefused(f"{path}: the member {info.name} is not a plain file")
        members[info.name] = info
    if MANIFEST not in members:
        raise BackupRefused(f"{path} is not a gpfed backup: it has no {MANIFEST}")
    if members[MANIFEST].size > MANIFEST_LIMIT:  # judged by its header, before it is read
        raise BackupRefused(
            f"{path}: {MANIFEST} is {members[MANIFEST].size:,} bytes, more than a manifest "
            f"can be ({MANIFEST_LIMIT:,})"
        )
    try:
        manifest = json.loads(tar.extractfile(members[MANIFEST]).read())
    except (ValueError, RecursionError):  # RecursionError: lists nested thousands deep
        raise BackupRefused(f"{path}: {MANIFEST} is not valid JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupRefused(f"{path} is not a gpfed backup: its {MANIFEST} is not one")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupRefused(
            f"{path} is a gpfed backup of format {manifest.get('format_version')}; this gpfed "
            f"reads format {FORMAT_VERSION}"
        )
    return manifest, members


def _verify(archive: Archive) -> None:
    """Every member is the manifest's, with its size and SHA-256, and nothing else is there."""
    listed = {m["name"]: m for m in archive.manifest["members"]}
    for name in listed:
        if name not in archive.members:
            raise BackupRefused(f"{archive.path}: the member {name} is missing")
        if name.startswith(DOCUMENTS):
            if not _safe_document_name(name[len(DOCUMENTS) :]):
                raise BackupRefused(f"{archive.path}: the member {name} has an unsafe name")
        elif name not in (SQLITE_MEMBER, POSTGRES_MEMBER):  # a member no backup writes
            raise BackupRefused(f"{archive.path}: the member {name} is not one gpfed writes")
    for name in archive.members:
        if name != MANIFEST and name not in listed:
            raise BackupRefused(f"{archive.path}: the member {name} is not in the manifest")
    database = archive.manifest["database"]["member"]
    if database not in listed or database not in (SQLITE_MEMBER, POSTGRES_MEMBER):
        raise BackupRefused(f"{archive.path}: the manifest names no database member")
    for name, entry in listed.items():
        info = archive.members[name]
        digest = hashlib.sha256()
        source = archive.tar.extractfile(info)
        while chunk := source.read(CHUNK):
            digest.update(chunk)
        if info.size != entry["size"] or digest.hexdigest() != entry["sha256"]:
            raise BackupRefused(
                f"{archive.path}: the member {name} does not match its checksum in the "
                "manifest (damaged or changed): nothing was restored"
            )


@contextlib.contextmanager
def open_archive(path: Path):
    """The archive at ``path``, its members checked against the manifest."""
    path = Path(path)
    if not path.is_file():
        raise BackupRefused(f"there is no file {path}")
    try:
        tar = tarfile.open(path, mode="r:")  # noqa: SIM115 -- closed by the with below
    except tarfile.TarError:
        raise BackupRefused(f"{path} is not a gpfed backup (not a tar archive)") from None
    with tar:
        try:
            manifest, members = _read_manifest(tar, path)
            archive = Archive(path, tar, manifest, members)
            _verify(archive)
        except (KeyError, TypeError, tarfile.TarError):
            raise BackupRefused(f"{path}: the archive or its manifest is damaged") from None
        yield archive


def _target_state(manifest: dict) -> bool:
    """Refuse a database that is not empty; True if it has gpfed's tables (migrated, empty)."""
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor, include_views=False)
        for table in tables:
            if table not in MIGRATION_TABLES and _rows(cursor, table):
                raise BackupRefused(
                    f"the database {_database_name()} is not empty ({table} has rows): "
                    "restore into a new, empty database"
                )
    if not tables:
        return False
    state = {}
    if "django_migrations" in tables:
        state = _last_applied(
            MigrationRecorder.Migration.objects.order_by("id").values_list("app", "name")
        )
    if state != manifest["migrations"]:
        raise BackupRefused(
            f"the database {_database_name()} has gpfed's tables migrated to another state "
            "than the archive's: restore into a new database with no tables"
        )
    return True


def _database_name() -> str:
    return str(settings.DATABASES["default"]["NAME"])


def _check_migrations_known(manifest: dict) -> None:
    """Refuse an archive made by a newer gpfed, whose migrations this code does not have."""
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    for app, name in manifest["migrations"].items():
        if (app, name) not in known:
            raise BackupRefused(
                f"the archive was made by gpfed {manifest.get('gpfed_version')}, with the "
                f"migration {app}.{name} this gpfed does not have: restore it with that version"
            )


def _check_storage(archive: Archive) -> list[str]:
    """Documents already in storage with the same bytes (skipped); refuse different ones."""
    present = []
    for name, entry in archive.documents.items():
        if not default_storage.exists(name):
            continue
        digest = hashlib.sha256()
        with default_storage.open(name, "rb") as stored:
            while chunk := stored.read(CHUNK):
                digest.update(chunk)
        if digest.hexdigest() != entry["sha256"]:
            raise BackupRefused(
                f"the document {name} is already in storage with different bytes: restore "
                "into empty storage"
            )
        present.append(name)
    return present


def _load_database(archive: Archive, work: Path, *, migrated: bool) -> None:
    member = archive.manifest["database"]["member"]
    copy = work / member
    with open(copy, "wb") as f:
        shutil.copyfileobj(archive.tar.extractfile(archive.members[member]), f, CHUNK)
    connections.close_all()
    if member == SQLITE_MEMBER:
        source, target = sqlite3.connect(copy), sqlite3.connect(_database_name(), timeout=20)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        return
    pg_restore, major = postgres_tool("pg_restore")
    made_by = archive.manifest["database"].get("pg_dump_version", 0)
    if major < made_by:
        raise BackupRefused(
            f"{pg_restore} is PostgreSQL {major}'s and cannot read a dump made by pg_dump "
            f"{made_by}: install postgresql-client-{made_by}"
        )
    command = [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error"]
    command += ["--single-transaction"]  # a failed restore leaves the database as it was
    if migrated:
        command += ["--clean", "--if-exists"]  # replace the empty tables migrations made
    done = subprocess.run(  # noqa: S603 -- our own arguments, no shell # nosec B603
        [*command, f"--dbname={_database_name()}", str(copy)],
        env=_postgres_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupRefused(f"pg_restore failed, nothing was loaded: {_last_line(done.stderr)}")


def _check_restored(archive: Archive) -> tuple[dict[str, int], list[str]]:
    """The restored tables' rows, and the problems found reading the restored database and
    documents back."""
    problems = []
    contents = _django_contents()
    tables = _sqlite_rows(_database_name()) if connection.vendor == "sqlite" else contents.tables
    if tables != archive.manifest["tables"]:
        differ = sorted(
            t
            for t in set(tables) | set(archive.manifest["tables"])
            if tables.get(t) != archive.manifest["tables"].get(t)
        )
        problems.append(f"rows differ from the manifest's count in {', '.join(differ[:5])}")
    documents = archive.documents
    for name, entry in documents.items():
        digest = hashlib.sha256()
        with default_storage.open(name, "rb") as stored:
            while chunk := stored.read(CHUNK):
                digest.update(chunk)
        if digest.hexdigest() != entry["sha256"]:
            problems.append(f"the restored document {name} does not match its checksum")
    missing = set(archive.manifest.get("missing_documents", []))
    for name, rows in contents.documents.items():
        if name not in documents:
            if name not in missing:
                problems.append(f"the document {name} a row names is not in the archive")
            continue
        for label, pk, recorded in rows:
            if recorded and recorded != documents[name]["sha256"]:
                problems.append(
                    f"the document {name} differs from the SHA-256 {label} {pk} recorded"
                )
    return tables, problems


def restore(path: Path, *, by_email: str | None = None) -> dict:
    """Load the archive at ``path`` into the (empty) database and storage, and check what was
    loaded. Refuses, loading nothing, unless every member matches the manifest and the
    database is empty. Recorded afterwards in the restored audit trail (``backup.restore``),
    as the ``by_email`` user if the restored database has them."""
    with open_archive(path) as archive, tempfile.TemporaryDirectory() as work:
        manifest = archive.manifest
        if manifest["database"]["engine"] != _engine():
            raise BackupRefused(
                f"{path} holds a {manifest['database']['engine']} database; DATABASE_URL "
                f"names a {_engine()} one: restore into the same kind"
            )
        _check_migrations_known(manifest)
        migrated = _target_state(manifest)
        present = _check_storage(archive)
        _load_database(archive, Path(work), migrated=migrated)
        for name in sorted(set(archive.documents) - set(present)):
            stored = default_storage.save(
                name, File(archive.tar.extractfile(archive.members[DOCUMENTS + name]), name)
            )
            if stored != name:
                raise RestoreIncomplete(f"storage kept the document {name} as {stored}")
        tables, problems = _check_restored(archive)
    summary = {
        "archive": str(path),
        "created_at": manifest["created_at"],
        "gpfed_version": manifest["gpfed_version"],
        "engine": manifest["database"]["engine"],
        "tables": len(tables),
        "rows": sum(tables.values()),
        "documents": len(archive.documents),
        "missing_documents": manifest.get("missing_documents", []),
        "problems": problems,
        "notes": [],
    }
    by = _restored_user(by_email)
    with transaction.atomic():
        audit_record(
            by=by,
            action="backup.restore",
            obj=_installation(manifest["created_at"]),
            after={k: summary[k] for k in ("archive", "tables", "rows", "documents", "problems")},
        )
    if by_email and by is None:
        summary["notes"].append(
            f"there is no user {by_email} in the restored database: recorded as the operator's"
        )
    return summary


def _restored_user(email: str | None):
    if not email:
        return None
    return get_user_model().objects.filter(email__iexact=email).first()


def check(path: Path) -> dict:
    """Check an archive against its manifest, loading nothing (a copy's monthly check)."""
    with open_archive(path) as archive:
        manifest = archive.manifest
        return {
            "archive": str(path),
            "created_at": manifest["created_at"],
            "gpfed_version": manifest["gpfed_version"],
            "engine": manifest["database"]["engine"],
            "tables": len(manifest["tables"]),
            "rows": sum(manifest["tables"].values()),
            "documents": len(archive.documents),
            "missing_documents": manifest.get("missing_documents", []),
        }
