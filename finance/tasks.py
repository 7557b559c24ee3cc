"""Background work for the money, run by the task worker (``manage.py db_worker``)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from audit.origin import reset_origin, set_origin
from finance.models import ActivityUpload
from registry.importers.base import ImportFileError


@task()
def import_activity(upload_id: int) -> str:
    """Check and import an uploaded activity file. Safe to run twice: an upload that is no
    longer queued is left alone. The file is dropped once it has been dealt with."""
    from finance.services import activity_import

    with transaction.atomic():
        upload = ActivityUpload.objects.select_for_update().filter(pk=upload_id).first()
        if upload is None or upload.status != ActivityUpload.Status.QUEUED:
            return "not queued"
        upload.status = ActivityUpload.Status.RUNNING
        upload.save(update_fields=["status"])
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
    upload.finished_at = timezone.now()
    upload.save(
        update_fields=["status", "problems", "problem_total", "counts", "upload", "finished_at"]
    )
