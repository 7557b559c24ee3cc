"""Background work for the rota, run by the task worker (``manage.py db_worker``)."""

from django.db import transaction
from django_tasks import task

from audit.origin import reset_origin, set_origin
from rota.models import PlanRun
from rota.services import run_plan


@task(takes_context=True)
def plan_rota(context, run_id: int) -> str:
    """Plan a queued run. Safe to run twice: a run that is no longer queued is left alone, and
    the plan is written in one transaction at the end (a worker killed before then wrote
    nothing). A run left "running" by a worker that died is planned again when its task is
    given back to the queue (gpfed.health: the task then carries a second worker's id), so it
    does not stay "running" for ever."""
    given_back = len(context.task_result.worker_ids) > 1
    with transaction.atomic():
        run = PlanRun.objects.select_for_update().filter(pk=run_id).first()
        waiting = (
            {PlanRun.Status.QUEUED, PlanRun.Status.RUNNING}
            if given_back
            else {PlanRun.Status.QUEUED}
        )
        if run is None or run.status not in waiting:
            return "not queued"
        run.status = PlanRun.Status.RUNNING
        run.save(update_fields=["status"])
    token = set_origin("web")
    try:
        run = run_plan(run)
    finally:
        reset_origin(token)
    return run.status
