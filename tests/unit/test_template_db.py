"""``tests.template_db``: the template built ahead (``python -m tests.template_db``, as CI does
for both databases side by side) is the one each test process then copies, not built again."""

import sqlite3
from contextlib import closing
from types import SimpleNamespace
from urllib.parse import urlsplit

from tests import template_db


def test_the_template_built_ahead_is_the_one_the_processes_copy(tmp_path, settings, monkeypatch):
    settings.VAR_DIR = tmp_path
    migrated = []

    def migrate(url: str) -> None:  # stands in for `manage.py migrate` (16 s of CPU)
        with closing(sqlite3.connect(urlsplit(url).path)) as db:
            db.execute("CREATE TABLE django_migrations (id integer)")
            db.commit()
        migrated.append(url)

    monkeypatch.setattr(template_db, "_migrate", migrate)
    built = template_db.build(SimpleNamespace(vendor="sqlite"))  # whatever DATABASE_URL says
    assert built == str(tmp_path / f"test-template-{template_db.digest()}.sqlite3")
    assert len(migrated) == 1

    copy = tmp_path / "test-gpfed.sqlite3_gw0"
    template_db.copy_sqlite(str(copy))
    assert len(migrated) == 1  # copied, not migrated again
    with closing(sqlite3.connect(copy)) as db:
        assert db.execute("SELECT name FROM sqlite_master").fetchall() == [("django_migrations",)]
