"""What ``/health/ready`` asks: is the database reachable and migrated, the document storage
writable, and a task worker alive? Each check answers True or False and logs why it failed;
nothing about the failure (versions, host names, errors) leaves through the answer.

And which tasks were left running by a worker that died (``tasks_of_dead_workers``), for the
recovery in gpfed.health.services."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from gpfed.health.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

PASSED, FAILED, NOT_CHECKED = "ok", "failed", "not checked"


def database_reachable() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.warning("health: the database is not reachable", exc_info=True)
        return False


def database_migrated() -> bool:
    """No migration of the code running is unapplied."""
    try:
        executor = MigrationExecutor(connection)
        return not executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception:
        logger.warning("health: the migrations could not be read", exc_info=True)
        return False


def storage_writable() -> bool:
    """A tiny probe file written to the document storage and removed again."""
    try:
        name = default_storage.save(f"health/probe-{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
        try:
            return default_storage.open(name).read() == b"ok"
        finally:
            default_storage.delete(name)
    except Exception:
        logger.warning("health: the document storage is not writable", exc_info=True)
        return False


def worker_seen() -> bool:
    """A task worker's heartbeat within ``GPFED_WORKER_STALE_SECONDS``."""
    since = timezone.now() - timedelta(seconds=settings.GPFED_WORKER_STALE_SECONDS)
    try:
        return WorkerHeartbeat.objects.filter(seen_at__gte=since).exists()
    except Exception:
        logger.warning("health: the worker heartbeat could not be read", exc_info=True)
        return False


def readiness() -> dict[str, str]:
    """Each check's answer by name: "ok", "failed", or "not checked" (those that need the
    database, when it cannot be reached)."""
    answers = {"database": PASSED if database_reachable() else FAILED}
    for name, check in (("migrations", database_migrated), ("worker", worker_seen)):
        if answers["database"] == FAILED:
            answers[name] = NOT_CHECKED
        else:
            answers[name] = PASSED if check() else FAILED
    answers["storage"] = PASSED if storage_writable() else FAILED
    return {name: answers[name] for name in ("database", "migrations", "storage", "worker")}


@dataclass(frozen=True)
class DeadWorkerTask:
    """A task left running by a worker that has died: its id, the run that died (1 for the
    first claim), that worker's id, when the run started, and why the worker counts as dead."""

    task_result_id: str
    run: int
    worker_id: str
    started_at: datetime | None
    task_path: str
    why: str


def worker_dead(
    *,
    worker_id: str,
    task_started_at: datetime | None,
    beat: WorkerHeartbeat | None,
    now: datetime,
) -> str:
    """Why the worker that started a task then counts as dead ("" if it may be alive): its
    heartbeat is older than ``GPFED_WORKER_STALE_SECONDS``; a worker of the same id started
    after the task did (the one that claimed it was restarted); or it has no heartbeat and the
    task started longer ago than that."""
    stale = timedelta(seconds=settings.GPFED_WORKER_STALE_SECONDS)
    if beat is None:
        if task_started_at is None or task_started_at < now - stale:
            return "no heartbeat"
        return ""
    if beat.seen_at < now - stale:
        return "heartbeat stopped"
    if task_started_at is not None and beat.started_at > task_started_at:
        return "restarted since"
    return ""


def tasks_of_dead_workers(now: datetime | None = None) -> list[DeadWorkerTask]:
    """Every task running under a worker that has died, oldest first, in two queries."""
    now = now or timezone.now()
    running = list(
        DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
        .order_by("started_at")
        .values_list("id", "worker_ids", "started_at", "task_path")
    )
    last = {pk: (worker_ids or [""])[-1] for pk, worker_ids, _started, _path in running}
    beats = {b.worker_id: b for b in WorkerHeartbeat.objects.filter(worker_id__in=last.values())}
    found = []
    for pk, worker_ids, started_at, task_path in running:
        worker_id = last[pk]
        why = worker_dead(
            worker_id=worker_id, task_started_at=started_at, beat=beats.get(worker_id), now=now
        )
        if why:
            found.append(
                DeadWorkerTask(
                    task_result_id=str(pk),
                    run=max(len(worker_ids or []), 1),
                    worker_id=worker_id,
                    started_at=started_at,
                    task_path=task_path,
                    why=why,
                )
            )
    return found
