"""Giving back the tasks of a task worker that died (gpfed.health, ``worker_tasks_recover``):
a task running under a worker whose heartbeat stopped is set ready again, once, however many
workers look at once; a live worker's task is never touched; a task whose worker keeps dying
is failed with the reason. tests/operations/test_workers.py does it with real worker processes.
"""

import json
import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from audit.models import AuditEvent
from gpfed.cli import main
from gpfed.health import services
from gpfed.health.models import RecoveredTask, WorkerHeartbeat
from gpfed.health.services import worker_tasks_recover
from tests.operations.tasks import record_run

STALE = 60


@pytest.fixture(autouse=True)
def database_tasks(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    settings.GPFED_WORKER_STALE_SECONDS = STALE


@pytest.fixture
def now():
    return timezone.now()


def running(now, worker_id: str, started_ago: float, *, earlier: int = 0, path: str = "-"):
    """A task claimed by ``worker_id`` ``started_ago`` seconds before ``now`` (after as many
    ``earlier`` claims by other workers)."""
    result = record_run.enqueue(7, path)
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING,
        started_at=now - timedelta(seconds=started_ago),
        worker_ids=[f"earlier-{n}" for n in range(earlier)] + [worker_id],
    )
    return DBTaskResult.objects.get(pk=result.id)


def beat(now, worker_id: str, seen_ago: float, started_ago: float = 3600):
    WorkerHeartbeat.objects.create(
        worker_id=worker_id,
        started_at=now - timedelta(seconds=started_ago),
        seen_at=now - timedelta(seconds=seen_ago),
    )


def status(task) -> str:
    return DBTaskResult.objects.get(pk=task.pk).status


def run_ready_tasks(worker_id: str) -> None:
    """django-tasks-db's own worker loop, in this process, until no task is ready."""
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    ).run()


@pytest.mark.django_db(transaction=True)  # django-tasks-db's worker loop closes connections
def test_a_task_of_a_worker_whose_heartbeat_stopped_is_given_back_and_run_once(now, tmp_path):
    out = tmp_path / "runs.txt"
    beat(now, "dead", seen_ago=STALE + 1)
    task = running(now, "dead", started_ago=STALE + 30, path=str(out))

    done = worker_tasks_recover(by=None, now=now)

    assert [(t["task_result_id"], t["run"], t["why"]) for t in done["requeued"]] == [
        (str(task.pk), 1, "heartbeat stopped")
    ]
    assert done["failed"] == []
    again = DBTaskResult.objects.get(pk=task.pk)
    assert again.status == TaskResultStatus.READY and again.started_at is None
    assert again.worker_ids == ["dead"]
    record = RecoveredTask.objects.get()
    assert (record.task_result_id, record.run, record.dead_worker_id, record.outcome) == (
        task.pk,
        1,
        "dead",
        RecoveredTask.Outcome.REQUEUED,
    )
    event = AuditEvent.objects.get(action="health.task.requeued")
    assert event.actor_label == "system"
    assert event.changes["worker"] == [None, "dead"]
    # Looking again finds nothing more to do.
    assert worker_tasks_recover(by=None, now=now) == {"requeued": [], "failed": []}

    run_ready_tasks("live")
    finished = DBTaskResult.objects.get(pk=task.pk)
    assert finished.status == TaskResultStatus.SUCCESSFUL
    assert finished.worker_ids == ["dead", "live"]
    assert out.read_text().count(" done\n") == 1


@pytest.mark.django_db
def test_a_task_of_a_live_worker_is_never_touched(now):
    beat(now, "alive", seen_ago=1)
    long_task = running(now, "alive", started_ago=STALE * 50)  # a long task on a live worker
    beat(now, "starting", seen_ago=STALE - 1, started_ago=STALE)
    just_started = running(now, "starting", started_ago=STALE - 2)
    no_beat_yet = running(now, "new", started_ago=STALE - 5)  # its first beat is on its way

    assert worker_tasks_recover(by=None, now=now) == {"requeued": [], "failed": []}

    for task in (long_task, just_started, no_beat_yet):
        assert status(task) == TaskResultStatus.RUNNING
    assert not RecoveredTask.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="health.").exists()


@pytest.mark.django_db
def test_a_task_without_a_heartbeat_or_of_a_worker_restarted_since_is_given_back(now):
    gone = running(now, "gone", started_ago=STALE + 1)  # no heartbeat row at all
    beat(now, "again", seen_ago=1, started_ago=10)  # the same id, started after its task
    restarted = running(now, "again", started_ago=20)
    beat(now, "live", seen_ago=1, started_ago=30)
    untouched = running(now, "live", started_ago=20)

    done = worker_tasks_recover(by=None, now=now)

    why = {t["task_result_id"]: t["why"] for t in done["requeued"]}
    assert why == {str(gone.pk): "no heartbeat", str(restarted.pk): "restarted since"}
    assert status(gone) == status(restarted) == TaskResultStatus.READY
    assert status(untouched) == TaskResultStatus.RUNNING


@pytest.mark.django_db
def test_a_task_whose_worker_keeps_dying_is_failed_with_the_reason(now):
    beat(now, "w0", seen_ago=STALE + 1)
    task = running(now, "w0", started_ago=STALE + 10)
    outcomes = []
    for n in range(services.RECOVERIES + 1):
        done = worker_tasks_recover(by=None, now=now)
        outcomes.append({k: len(v) for k, v in done.items()})
        if n < services.RECOVERIES:  # claimed again by the next worker, which dies too
            assert status(task) == TaskResultStatus.READY
            worker = f"w{n + 1}"
            beat(now, worker, seen_ago=STALE + 1)
            DBTaskResult.objects.filter(pk=task.pk).update(
                status=TaskResultStatus.RUNNING,
                started_at=now - timedelta(seconds=STALE + 5),
                worker_ids=[f"w{i}" for i in range(n + 2)],
            )

    assert outcomes == [{"requeued": 1, "failed": 0}] * services.RECOVERIES + [
        {"requeued": 0, "failed": 1}
    ]
    failed = DBTaskResult.objects.get(pk=task.pk)
    assert failed.status == TaskResultStatus.FAILED and failed.finished_at == now
    error = failed.task_result.errors[0]
    assert error.exception_class is services.WorkerLost
    assert "stopped while running it 3 times" in error.traceback
    assert "gave it back to the queue 2 times" in error.traceback
    assert list(
        RecoveredTask.objects.filter(task_result=task).order_by("run").values_list("run", "outcome")
    ) == [(1, "requeued"), (2, "requeued"), (3, "failed")]
    assert AuditEvent.objects.filter(action="health.task.failed").count() == 1
    # Failed for good: nothing more to do, and no worker runs it.
    assert worker_tasks_recover(by=None, now=now) == {"requeued": [], "failed": []}
    assert not DBTaskResult.objects.ready().exists()


@pytest.mark.django_db
def test_the_database_refuses_a_second_recovery_of_the_same_run(now):
    task = running(now, "dead", started_ago=STALE + 1)
    fields = {"task_result": task, "run": 1, "dead_worker_id": "dead", "recovered_at": now}
    RecoveredTask.objects.create(**fields, outcome="requeued")
    with pytest.raises(IntegrityError):
        RecoveredTask.objects.create(**fields, outcome="failed")


@pytest.mark.django_db(transaction=True)
def test_two_recoveries_at_once_give_a_task_back_once(now):
    tasks = []
    for n in range(3):
        beat(now, f"dead-{n}", seen_ago=STALE + 1)
        tasks.append(running(now, f"dead-{n}", started_ago=STALE + 10))
    start = threading.Barrier(2)
    answers, errors = [], []

    def recover():
        try:
            start.wait(timeout=10)
            answers.append(worker_tasks_recover(by=None, now=now))
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=recover) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    given_back = [t["task_result_id"] for answer in answers for t in answer["requeued"]]
    assert sorted(given_back) == sorted(str(t.pk) for t in tasks)  # each once, by one of them
    assert RecoveredTask.objects.count() == 3
    assert AuditEvent.objects.filter(action="health.task.requeued").count() == 3
    assert all(status(t) == TaskResultStatus.READY for t in tasks)


@pytest.mark.django_db
def test_gpfed_worker_recover_lists_then_gives_back(now, capsys):
    beat(now, "dead", seen_ago=STALE + 1)
    task = running(now, "dead", started_ago=STALE + 10)

    assert main(["worker", "recover", "--dry-run", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)["dead_worker_tasks"]
    assert [(t["task_result_id"], t["worker_id"], t["why"]) for t in listed] == [
        (str(task.pk), "dead", "heartbeat stopped")
    ]
    assert status(task) == TaskResultStatus.RUNNING  # a dry run changes nothing

    assert main(["worker", "recover"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "gave back 1 task, failed 0 tasks"
    assert f"task {task.pk} (tests.operations.tasks.record_run), run 1, worker dead" in out
    assert status(task) == TaskResultStatus.READY
    assert AuditEvent.objects.get(action="health.task.requeued").origin == "command line"


@pytest.mark.django_db
def test_gpfed_worker_recover_refuses_an_unknown_acting_user(capsys):
    assert main(["--by", "nobody@example.org", "worker", "recover"]) == 2
    assert "there is no gpfed user nobody@example.org" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_a_rota_plan_left_running_by_a_dead_worker_is_planned_when_given_back(now):
    from rota.models import PlanRun
    from rota.tasks import plan_rota
    from tests.factories import PlanRunFactory

    def claimed_by_a_dead_worker(run):
        task = DBTaskResult.objects.get(pk=plan_rota.enqueue(run.pk).id)
        DBTaskResult.objects.filter(pk=task.pk).update(
            status=TaskResultStatus.RUNNING,
            started_at=now - timedelta(seconds=STALE + 1),
            worker_ids=["dead"],
        )
        return task

    # The dead worker had set the run "running" before it died.
    died = PlanRunFactory(status=PlanRun.Status.RUNNING, seconds=1)
    task = claimed_by_a_dead_worker(died)
    # A second task for a run some other worker holds is left alone, as before.
    busy = PlanRunFactory(status=PlanRun.Status.RUNNING, seconds=1)
    duplicate = DBTaskResult.objects.get(pk=plan_rota.enqueue(busy.pk).id)

    assert len(worker_tasks_recover(by=None, now=now)["requeued"]) == 1
    run_ready_tasks("live")

    died.refresh_from_db()
    assert died.status != PlanRun.Status.RUNNING and died.finished_at is not None
    assert DBTaskResult.objects.get(pk=task.pk).return_value == died.status
    assert DBTaskResult.objects.get(pk=duplicate.pk).return_value == "not queued"
    busy.refresh_from_db()
    assert busy.status == PlanRun.Status.RUNNING
