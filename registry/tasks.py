"""Background work for the registry, run by the task worker (``manage.py db_worker``)."""

import logging

from django_tasks import task

from audit.origin import reset_origin, set_origin
from kernel.uploads import claim, recover
from registry.importers.base import ImportFileError
from registry.importing import import_file
from registry.models import ImportRun

logger = logging.getLogger(__name__)


@task()
def run_import(run_id: int) -> str:
    """Import an uploaded file recorded as an ImportRun. Safe to run twice: a run that is no
    longer queued is left alone, unless the worker that held it died (its lease ran out), when
    it is tried again or refused. The file is dropped once the run ends, either way."""
    recover(ImportRun, task=run_import)
    run = claim(ImportRun, run_id, task=run_import)
    if run is None:
        return "not queued"
    token = set_origin(run.origin or "web")
    try:
        import_file(
            data=bytes(run.upload or b""),
            file_name=run.file_name,
            by=run.created_by,
            kind=run.requested_kind or None,
            dry_run=run.dry_run,
            as_at=run.as_at,
            run=run,
        )
    except ImportFileError as exc:
        logger.info("import %s failed: %s", run_id, exc)
        return "failed"
    finally:
        reset_origin(token)
    return "done"
