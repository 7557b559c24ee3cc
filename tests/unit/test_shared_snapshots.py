"""``tests.snapshot.shared``: what a test run loads once, the first worker builds and the others
read; another run builds again and clears the last run's."""

import os
import time
from pathlib import Path

from tests import snapshot


def _builder(tmp_path: Path, calls: list):
    def build() -> snapshot.Loaded:
        media = tmp_path / f"built-{len(calls)}"
        (media / "papers").mkdir(parents=True)
        (media / "papers" / "minutes.txt").write_text("Minutes of the board, 1 December 2026")
        calls.append(media)
        rows = snapshot.Snapshot({"registry_practice": (["id", "code"], [(1, "C82001")])})
        return snapshot.Loaded({"practices": 1}, rows, media)

    return build


def test_the_first_worker_builds_and_the_others_read(tmp_path, settings, monkeypatch):
    settings.VAR_DIR = tmp_path / "var"
    monkeypatch.setenv("PYTEST_XDIST_TESTRUNUID", "run1")
    calls: list = []
    first = snapshot.shared("demo", _builder(tmp_path, calls))
    second = snapshot.shared("demo", _builder(tmp_path, calls))
    assert len(calls) == 1
    assert second.result == first.result == {"practices": 1}
    assert second.snapshot == first.snapshot
    assert (second.media / "papers" / "minutes.txt").read_text().startswith("Minutes")
    assert second.media != first.media  # the run's own copy, not the first worker's folder


def test_another_run_builds_again_and_clears_only_what_is_hours_old(
    tmp_path, settings, monkeypatch
):
    """A run beside this one may still be reading its snapshot: only one left for hours goes."""
    settings.VAR_DIR = tmp_path / "var"
    folder = tmp_path / "var" / "test-snapshots"
    calls: list = []
    monkeypatch.setenv("PYTEST_XDIST_TESTRUNUID", "run1")
    snapshot.shared("demo", _builder(tmp_path, calls))
    monkeypatch.setenv("PYTEST_XDIST_TESTRUNUID", "run2")
    snapshot.shared("demo", _builder(tmp_path, calls))
    assert len(calls) == 2
    names = sorted(p.name for p in folder.iterdir())
    assert [n for n in names if "run1" in n] and [n for n in names if "run2" in n], names

    hours_ago = time.time() - snapshot.LEFT_BEHIND - 60
    for path in folder.glob("*run1*"):
        os.utime(path, (hours_ago, hours_ago))
    monkeypatch.setenv("PYTEST_XDIST_TESTRUNUID", "run3")
    snapshot.shared("demo", _builder(tmp_path, calls))
    names = sorted(p.name for p in folder.iterdir())
    assert not [n for n in names if "run1" in n], names
    assert [n for n in names if "run2" in n] and [n for n in names if "run3" in n], names


def test_without_xdist_each_process_builds(tmp_path, settings, monkeypatch):
    settings.VAR_DIR = tmp_path / "var"
    monkeypatch.delenv("PYTEST_XDIST_TESTRUNUID", raising=False)
    calls: list = []
    snapshot.shared("demo", _builder(tmp_path, calls))
    snapshot.shared("demo", _builder(tmp_path, calls))
    assert len(calls) == 2
    assert not (tmp_path / "var" / "test-snapshots").exists()


def test_a_worker_killed_before_its_rows_were_written_leaves_nothing_the_next_one_trips_on(
    tmp_path, settings, monkeypatch
):
    """Killed after copying the documents but before the rows were whole: the next worker to
    ask builds again, over the half-copied folder and the half-written rows."""
    settings.VAR_DIR = tmp_path / "var"
    monkeypatch.setenv("PYTEST_XDIST_TESTRUNUID", "run1")
    calls: list = []
    snapshot.shared("demo", _builder(tmp_path, calls))
    rows = next((tmp_path / "var" / "test-snapshots").glob("*.pickle"))
    rows.rename(rows.with_suffix(".part"))  # as if killed while writing them
    (rows.parent / f"{rows.stem}-documents" / "stray.txt").write_text("half copied")
    again = snapshot.shared("demo", _builder(tmp_path, calls))
    assert len(calls) == 2
    assert again.result == {"practices": 1}
    assert snapshot.shared("demo", _builder(tmp_path, calls)).result == {"practices": 1}
    assert len(calls) == 2  # and the third reads what the second wrote
