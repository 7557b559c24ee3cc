"""The task workers' writes: the heartbeat, and giving back the tasks of a worker that died.

The heartbeat is a machine's sign of life, not a person's action: it takes no ``by=`` and
writes no audit event (one every half minute per worker would drown the trail). A recovery is
rare and changes what runs, so it is audited (by the operator who ran ``gpfed worker
recover``, or by "system" when a worker's heartbeat thread found it).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, OperationalError, close_old_connections, connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from audit.services import audit_record
from gpfed.health.models import RecoveredTask, WorkerHeartbeat
from gpfed.health.selectors import DeadWorkerTask, tasks_of_dead_workers, worker_dead

logger = logging.getLogger(__name__)

# Rows of workers gone this long are removed by the next heartbeat of any worker.
FORGET_AFTER = timedelta(days=1)


def heartbeat_record(*, worker_id: str, started_at: datetime, now: datetime | None = None) -> None:
    """Record that the worker ``worker_id`` is alive now, and forget workers long gone."""
    now = now or timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id, defaults={"seen_at": now, "started_at": started_at}
    )
    WorkerHeartbeat.objects.filter(seen_at__lt=now - FORGET_AFTER).delete()


# A task whose worker dies while running it is given back to the queue at most this many
# times; the next time, it is failed with the reason (the task itself may be what kills its
# worker: memory, a crash in a library), rather than kill workers for ever.
RECOVERIES = 2


class WorkerLost(Exception):
    """Recorded as the error of a task failed because its worker died while running it, once
    more than ``RECOVERIES`` times."""


def worker_tasks_recover(*, by, now: datetime | None = None) -> dict[str, list[dict]]:
    """Give back every task left running by a worker that died (gpfed.health.selectors,
    ``tasks_of_dead_workers``): set it ready to run again, so another worker runs it, or fail
    it with the reason once it has been given back ``RECOVERIES`` times. Each task in its own
    transaction, under a row lock (an exclusive transaction on SQLite), and only if it is still
    the same run of the same dead worker: two workers recovering at once give a task back
    once, and a task that has moved on (finished, claimed again) is left alone. A database
    constraint (one RecoveredTask per task and run) backs that up. Returns what was done:
    ``{"requeued": [...], "failed": [...]}``, each item the task's id, path, run, worker and
    why the worker counts as dead."""
    now = now or timezone.now()
    done: dict[str, list[dict]] = {
        RecoveredTask.Outcome.REQUEUED: [],
        RecoveredTask.Outcome.FAILED: [],
    }
    for found in tasks_of_dead_workers(now):
        outcome = _recover(found, by=by, now=now)
        if outcome is not None:
            done[outcome].append(asdict(found))
    return {str(outcome): items for outcome, items in done.items()}


def _failed_reason(found: DeadWorkerTask) -> str:
    return (
        f"The worker running this task stopped while running it {found.run} times (the last, "
        f"worker {found.worker_id}: {found.why}). gpfed gave it back to the queue "
        f"{RECOVERIES} times and then stopped, as the task itself may be what stops its worker "
        "(memory, a crash). Read that worker's log, then queue the work again."
    )


def _recover(found: DeadWorkerTask, *, by, now: datetime) -> str | None:
    """Give back or fail one task, if it is still as ``found`` saw it. The outcome, or None."""
    same_run = {"pk": found.task_result_id, "status": TaskResultStatus.RUNNING}
    if found.started_at is None:
        same_run["started_at__isnull"] = True
    else:
        same_run["started_at"] = found.started_at
    try:
        with exclusive_transaction(DBTaskResult.objects.db):
            task = (
                DBTaskResult.objects.select_for_update(skip_locked=True).filter(**same_run).first()
            )
            if task is None or len(task.worker_ids) != found.run:
                return None  # finished, recovered by another worker, or locked by one now
            beat = WorkerHeartbeat.objects.filter(worker_id=found.worker_id).first()
            if not worker_dead(
                worker_id=found.worker_id, task_started_at=task.started_at, beat=beat, now=now
            ):
                return None  # it beat again meanwhile
            earlier = RecoveredTask.objects.filter(
                task_result=task, outcome=RecoveredTask.Outcome.REQUEUED
            ).count()
            outcome = (
                RecoveredTask.Outcome.FAILED
                if earlier >= RECOVERIES
                else RecoveredTask.Outcome.REQUEUED
            )
            record = RecoveredTask.objects.create(
                task_result=task,
                run=found.run,
                dead_worker_id=found.worker_id,
                task_path=found.task_path,
                outcome=outcome,
                recovered_at=now,
            )
            if outcome == RecoveredTask.Outcome.REQUEUED:
                changed = DBTaskResult.objects.filter(**same_run).update(
                    status=TaskResultStatus.READY, started_at=None
                )
            else:
                changed = DBTaskResult.objects.filter(**same_run).update(
                    status=TaskResultStatus.FAILED,
                    finished_at=now,
                    return_value=None,
                    exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
                    traceback=_failed_reason(found),
                )
            if changed != 1:  # cannot happen under the lock; never record what was not done
                raise IntegrityError(f"task {found.task_result_id} changed under its lock")
            audit_record(
                by=by,
                action=f"health.task.{outcome}",
                obj=record,
                after={
                    "task": found.task_result_id,
                    "task_path": found.task_path,
                    "run": found.run,
                    "worker": found.worker_id,
                    "why": found.why,
                    "recovered_before": earlier,
                },
            )
    except IntegrityError:
        return None  # another worker recorded this run's recovery first
    logger.warning(
        "task %s (%s) %s: its worker %s died running it (%s), run %d",
        found.task_result_id,
        found.task_path,
        "given back to the queue" if outcome == RecoveredTask.Outcome.REQUEUED else "failed",
        found.worker_id,
        found.why,
        found.run,
    )
    return outcome


class Heartbeat:
    """Beats for one worker from a daemon thread until stopped: at once, then every
    ``GPFED_WORKER_HEARTBEAT_SECONDS``, whether the worker is idle or in the middle of a long
    task; after each beat it gives back the tasks of workers that died
    (``worker_tasks_recover``). A beat or recovery that fails (the database away or locked for
    a moment) is logged and tried again at the next interval; the worker's own loop is not
    disturbed."""

    def __init__(self, worker_id: str, interval: float | None = None, recover: bool = True):
        self.worker_id = worker_id
        self.recover = recover
        self.interval = settings.GPFED_WORKER_HEARTBEAT_SECONDS if interval is None else interval
        self.started_at = timezone.now()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"heartbeat-{worker_id}", daemon=True
        )

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                close_old_connections()
                try:
                    heartbeat_record(worker_id=self.worker_id, started_at=self.started_at)
                except Exception:
                    logger.warning("worker heartbeat not recorded", exc_info=True)
                if self.recover:
                    self._recover()
                self._stop.wait(self.interval)
        finally:
            connection.close()

    def _recover(self) -> None:
        try:
            worker_tasks_recover(by=None)
        except OperationalError as error:
            if not is_locked_database_exception(error):
                logger.warning("tasks of dead workers not recovered", exc_info=True)
        except Exception:
            logger.warning("tasks of dead workers not recovered", exc_info=True)
