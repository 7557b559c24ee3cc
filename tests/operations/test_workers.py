"""Task workers in several processes never run a task twice, and lose none when one dies
(issue 17).

Real ``manage.py db_worker`` processes against the test database (on SQLite its file, on
PostgreSQL its database), a test task that appends a "start" and a "done" line for its number to
a file, and the database backend's claim (a row lock, or SQLite's exclusive transaction) between
them.

When a worker is killed (SIGKILL) in the middle of a task, django-tasks-db leaves that task
RUNNING, claimed by the dead worker, for ever. gpfed's workers give it back: each one, after
every heartbeat, finds the tasks running under a worker whose heartbeat has stopped and sets
them ready again (gpfed.health.services, ``worker_tasks_recover``), so another worker runs it,
once. Here the heartbeat is every quarter second and a worker counts as dead after 3 seconds.
tests/operations/test_recovery.py tests the recovery itself.
"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from audit.models import AuditEvent
from gpfed.health.models import RecoveredTask, WorkerHeartbeat
from tests.operations.tasks import record_run

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
TASKS = 50
DATABASE_BACKEND = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
}


def database_url() -> str:
    """The URL of the database this test uses (the test database), for the worker processes."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    assert connection.vendor == "postgresql", connection.vendor
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


class Workers:
    """Worker processes started for one test, each logging to its own file, all stopped at the
    end whatever happens."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.running: dict[str, subprocess.Popen] = {}
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"GPFED_TASKS_BACKEND", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        }
        self.env.update(
            DATABASE_URL=database_url(),
            GPFED_WORKER_HEARTBEAT_SECONDS="0.25",
            GPFED_WORKER_STALE_SECONDS="3",
            GPFED_LOG_FORMAT="json",
            PYTHONUNBUFFERED="1",
        )

    def start(self, worker_id: str) -> None:
        log = (self.folder / f"{worker_id}.log").open("w")
        self.running[worker_id] = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--no-reload",
                "--no-startup-delay",
                "--interval",
                "0.05",
                "--worker-id",
                worker_id,
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    def kill(self, worker_id: str) -> None:
        process = self.running.pop(worker_id)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    def stop_all(self) -> None:
        for process in self.running.values():
            process.terminate()
        for process in self.running.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.running.clear()

    def logs(self) -> str:
        return "\n".join(
            f"--- {log.name}\n{log.read_text()[-3000:]}" for log in self.folder.glob("*.log")
        )

    def check_alive(self) -> None:
        for worker_id, process in self.running.items():
            assert process.poll() is None, f"worker {worker_id} stopped\n{self.logs()}"


def wait_until(condition, workers: Workers, what: str, timeout: float = 180.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        workers.check_alive()
        time.sleep(0.02)
    raise AssertionError(f"{what}: not within {timeout:.0f} s\n{workers.logs()}")


def heartbeats(*worker_ids: str) -> bool:
    return WorkerHeartbeat.objects.filter(worker_id__in=worker_ids).count() == len(worker_ids)


def runs(path: Path, kind: str = "done") -> Counter:
    """How many times each task number completed ("done") or started ("start"), from the lines
    the task appended."""
    if not path.exists():
        return Counter()
    lines = [line.split() for line in path.read_text().splitlines()]
    return Counter(int(number) for number, _pid, what in lines if what == kind)


@pytest.fixture
def workers(tmp_path, settings):
    settings.TASKS = DATABASE_BACKEND
    started = Workers(tmp_path)
    yield started
    started.stop_all()


def enqueue(path: Path, pause: float) -> dict[str, int]:
    return {str(record_run.enqueue(n, str(path), pause).id): n for n in range(TASKS)}


def test_two_workers_run_every_task_exactly_once(workers, tmp_path, client):
    workers.start("worker-a")
    workers.start("worker-b")
    wait_until(lambda: heartbeats("worker-a", "worker-b"), workers, "both workers' heartbeats")
    # Both alive: /health/ready finds a worker (everything else passes in a test too).
    assert client.get("/health/ready").json()["checks"]["worker"] == "ok"

    out = tmp_path / "runs.txt"
    ids = enqueue(out, pause=0.05)
    wait_until(
        lambda: DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL).count() == TASKS,
        workers,
        f"{TASKS} tasks done",
    )
    workers.stop_all()

    assert runs(out) == Counter(range(TASKS)), "a task ran twice, or never"
    assert runs(out, "start") == Counter(range(TASKS)), "a task started twice"
    results = list(DBTaskResult.objects.filter(pk__in=ids))
    assert len(results) == TASKS
    assert all(len(r.worker_ids) == 1 for r in results), "a task was claimed twice"
    assert all(r.return_value == ids[str(r.pk)] for r in results)
    by_worker = Counter(r.worker_ids[0] for r in results)
    assert set(by_worker) == {"worker-a", "worker-b"}, f"one worker ran them all: {by_worker}"
    pids = Counter(line.split()[1] for line in out.read_text().splitlines())
    assert len(pids) == 2  # two processes really did the work
    assert not RecoveredTask.objects.exists(), "a live worker's task was given back"


def test_a_worker_killed_mid_task_loses_no_task_and_runs_none_twice(workers, tmp_path):
    workers.start("worker-a")
    workers.start("worker-b")
    wait_until(lambda: heartbeats("worker-a", "worker-b"), workers, "both workers' heartbeats")

    out = tmp_path / "runs.txt"
    pause = 0.3
    ids = enqueue(out, pause=pause)

    def a_is_mid_task():
        """A task of worker A's that has written its start line and has most of its pause to
        go, once A has done three."""
        results = [r for r in DBTaskResult.objects.all() if r.worker_ids == ["worker-a"]]
        done_by_a = [r for r in results if r.status == TaskResultStatus.SUCCESSFUL]
        started = runs(out, "start")
        now = timezone.now()
        return len(done_by_a) >= 3 and [
            r
            for r in results
            if r.status == TaskResultStatus.RUNNING
            and started[ids[str(r.pk)]] == 1
            and (now - r.started_at).total_seconds() < pause / 2
        ]

    wait_until(a_is_mid_task, workers, "worker A in the middle of a task, after three")
    workers.kill("worker-a")  # SIGKILL: no clean-up of any kind
    workers.start("worker-c")  # its replacement, as systemd would restart it
    killed = [
        r
        for r in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
        if r.worker_ids == ["worker-a"]
    ]
    assert len(killed) == 1, "worker A died holding one task"
    killed = killed[0]

    wait_until(
        lambda: DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL).count() == TASKS,
        workers,
        f"all {TASKS} tasks done, the killed worker's too",
    )
    time.sleep(1)  # room for a wrong second run of any task to show
    workers.stop_all()

    # Every task completed exactly once; only the killed one started twice (A's run, cut off
    # before its "done", and the run of the worker it was given back to).
    assert runs(out) == Counter(range(TASKS)), f"not once each: {runs(out).most_common(3)}"
    started = runs(out, "start")
    number = ids[str(killed.pk)]
    assert started[number] == 2
    assert started - Counter({number: 1}) == Counter(range(TASKS))

    results = {str(r.pk): r for r in DBTaskResult.objects.filter(pk__in=ids)}
    assert all(r.status == TaskResultStatus.SUCCESSFUL for r in results.values())
    assert all(r.return_value == ids[pk] for pk, r in results.items())
    # The killed task: claimed by A, given back once, then run by a live worker.
    again = results[str(killed.pk)]
    assert again.worker_ids[0] == "worker-a" and len(again.worker_ids) == 2
    assert again.worker_ids[1] in {"worker-b", "worker-c"}
    recovered = list(RecoveredTask.objects.values_list("task_result_id", "run", "dead_worker_id"))
    assert recovered == [(killed.pk, 1, "worker-a")]
    assert RecoveredTask.objects.get().outcome == RecoveredTask.Outcome.REQUEUED
    assert AuditEvent.objects.filter(action="health.task.requeued").count() == 1
    # Every other task was claimed once, and the replacement took its share.
    others = [r for pk, r in results.items() if pk != str(killed.pk)]
    assert all(len(r.worker_ids) == 1 for r in others)
    assert "worker-c" in {r.worker_ids[0] for r in others}
    # The killed worker's heartbeat stopped; its replacement's carried on after it.
    seen = dict(WorkerHeartbeat.objects.values_list("worker_id", "seen_at"))
    assert seen["worker-a"] < seen["worker-c"]
