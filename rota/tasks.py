"""Background work for the rota, run by the task worker (``manage.py db_worker``)."""

from django.db import transaction
from django_tasks import task

from audit.origin import reset_origin, set_origin
from rota.models import PlanRun
from rota.services import run_plan


@task()
def plan_rota(run_id: int) -> str:
    """Plan a queued run. Safe to run twice: a run that is no longer queued is left alone."""
    with transaction.atomic():
        run = PlanRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status != PlanRun.Status.QUEUED:
            return "not queued"
        run.status = PlanRun.Status.RUNNING
        run.save(update_fields=["status"])
    token = set_origin("web")
    try:
        run = run_plan(run)
    finally:
        reset_origin(token)
    return run.status
