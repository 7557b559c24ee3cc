"""``manage.py db_worker``: django-tasks-db's worker, with a heartbeat.

This app comes before ``django_tasks_db`` in ``INSTALLED_APPS``, so its command of the same name
is the one run: every option and behaviour is django-tasks-db's, and while the worker runs it
records itself alive (gpfed.health.services.Heartbeat), which ``/health/ready`` reads, and
after each beat gives back the tasks of workers that died running them
(gpfed.health.services.worker_tasks_recover).
"""

import os

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

from gpfed.health.services import Heartbeat


class Command(db_worker.Command):
    help = "Run a database background worker that records a heartbeat for /health/ready"

    def handle(self, *args, worker_id: str, reload: bool, batch: bool, **options):
        # With --reload the first process only restarts the one that works: that one beats.
        watching = reload and not batch and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        heartbeat = None if watching else Heartbeat(worker_id).start()
        try:
            return super().handle(*args, worker_id=worker_id, reload=reload, batch=batch, **options)
        finally:
            if heartbeat is not None:
                heartbeat.stop()
