from django.db import models


class WorkerHeartbeat(models.Model):
    """A task worker's last sign of life. Each worker (``manage.py db_worker``) writes its own
    row when it starts and every ``GPFED_WORKER_HEARTBEAT_SECONDS`` after, idle or busy, from
    a thread beside its task loop; ``/health/ready`` wants one seen within
    ``GPFED_WORKER_STALE_SECONDS``. Holds no host name or address: the id is the worker's own
    random one (the id django-tasks records on the tasks it claims)."""

    worker_id = models.CharField(max_length=64, unique=True)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"worker {self.worker_id} seen {self.seen_at:%Y-%m-%d %H:%M:%S}"


class RecoveredTask(models.Model):
    """A task found running under a worker that had died (its heartbeat stopped, or the worker
    started again since it claimed the task), and what was done about it: given back to the
    queue for another worker, or, once it has been given back ``GPFED_TASK_RECOVERIES`` times,
    failed with the reason. One row per run that died: ``run`` is the task's claim that died
    (1 for the first), and a second recovery of the same run is refused by the database, so two
    workers recovering at once cannot both give it back. Holds no task arguments."""

    class Outcome(models.TextChoices):
        REQUEUED = "requeued", "given back to the queue"
        FAILED = "failed", "failed: its worker died too often"

    task_result = models.ForeignKey(
        "django_tasks_database.DBTaskResult", on_delete=models.CASCADE, related_name="+"
    )
    run = models.PositiveIntegerField()
    dead_worker_id = models.CharField(max_length=64)
    task_path = models.TextField()
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    recovered_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["task_result", "run"], name="health_recovered_task_once_per_run"
            ),
            models.CheckConstraint(
                condition=models.Q(outcome__in=["requeued", "failed"]),
                name="health_recovered_task_outcome_known",
            ),
        ]

    def __str__(self):
        return f"task {self.task_result_id} run {self.run}: {self.get_outcome_display()}"
