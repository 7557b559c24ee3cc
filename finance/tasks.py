"""Background work for the money, run by the task worker (``manage.py db_worker``)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from audit.origin import reset_origin, set_origin
from finance.models import ActivityUpload
from kernel.uploads import claim, recover
from registry.importers.base import ImportFileError


@task()
def import_activity(upload_id: int) -> str:
    """Check and import an uploaded activity file. Safe to run twice: an upload that is no
    longer queued is left alone, unless the worker that held it died (its lease ran out), when
    it is tried again or refused. The file is dropped once it has been dealt with."""
    # imported here, not at the top: that module queues this task
    from finance.services import activity_import

    recover(ActivityUpload, task=import_activity)
    upload = claim(ActivityUpload, upload_id, task=import_activity)
    if upload is None:
        return "not queued"
    token = set_origin(upload.origin or "web")
    try:
        outcome = activity_import(
            federation=upload.federation,
            data=bytes(upload.upload),
            file_name=upload.file_name,
            by=upload.created_by,
        )
    except ImportFileError as error:
        upload.status = ActivityUpload.Status.FAILED
        upload.problems = [p.as_dict() for p in error.problems]
        upload.problem_total = error.total
    except Exception as error:  # a fault in gpfed, not the file: say so, then report it
        upload.status = ActivityUpload.Status.FAILED
        upload.problems = [
            {"row": None, "column": None, "message": f"gpfed could not check the file: {error}"}
        ]
        upload.problem_total = 1
        _finish(upload)
        raise
    else:
        upload.status = ActivityUpload.Status.SUCCEEDED
        upload.counts = outcome.as_dict()
    finally:
        reset_origin(token)
    _finish(upload)
    return upload.status


def _finish(upload: ActivityUpload) -> None:
    upload.upload = b""
    upload.lease_until = None
    upload.finished_at = timezone.now()
    upload.save(
        update_fields=[
            "status",
            "problems",
            "problem_total",
            "counts",
            "upload",
            "lease_until",
            "finished_at",
        ]
    )
