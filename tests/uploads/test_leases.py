"""An upload is screened before anything is stored, and one whose worker died is tried again
or refused with a message once its lease runs out, its bytes removed either way."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.services import role_grant
from finance.models import Activity, ActivityUpload
from registry.models import ImportRun
from tests.conftest import sign_in_verified
from tests.uploads.files import workbook

pytestmark = pytest.mark.django_db
GOOD = b"ODS code,Service,Month,Units\nA10001,phlebotomy,2026-10,412\n"


class WorkerKilled(BaseException):
    """What a worker killed mid-import looks like from inside: nothing after it runs."""


@pytest.fixture
def lead(client, books):
    role_grant(user=books.lead, role="finance_lead", organisation=books.federation, by=None)
    return sign_in_verified(client, books.lead)


def upload_activity(client, name, data, django_capture_on_commit_callbacks, *, run=False):
    with django_capture_on_commit_callbacks(execute=run):
        return client.post(
            reverse("finance:activity", args=["test-fed"]), {"file": SimpleUploadedFile(name, data)}
        )


def lease_runs_out(model):
    model.objects.filter(status="running").update(lease_until=timezone.now() - timedelta(seconds=1))


def kill_the_worker(monkeypatch, target: str):
    def killed(**_kwargs):
        raise WorkerKilled

    monkeypatch.setattr(target, killed)


def test_an_activity_file_with_an_nhs_number_is_refused_before_it_is_stored(
    lead, django_capture_on_commit_callbacks
):
    """With no worker running, the file never reaches the database: it is screened in the
    request. A number only a formula makes, with no saved result, is refused too."""
    text = b"ODS code,Service,Month,Units\nA10001,phlebotomy,2026-10,9434765919\n"
    page = upload_activity(lead, "oct.csv", text, django_capture_on_commit_callbacks)
    assert "Row 2, column Units contains what looks like an NHS number" in page.content.decode()
    formula = workbook(
        [
            ["ODS code", "Service", "Month", "Units"],
            ["A10001", "phlebotomy", "2026-10", '="943476"&"5919"'],
        ]
    )
    page = upload_activity(lead, "oct.xlsx", formula, django_capture_on_commit_callbacks)
    assert "has no saved result" in page.content.decode()
    assert not ActivityUpload.objects.exists()


def test_an_activity_upload_whose_worker_died_is_tried_again_when_its_lease_runs_out(
    lead, monkeypatch, django_capture_on_commit_callbacks
):
    from finance.tasks import import_activity

    upload_activity(lead, "oct.csv", GOOD, django_capture_on_commit_callbacks)
    upload = ActivityUpload.objects.get()
    with monkeypatch.context() as patched:
        kill_the_worker(patched, "finance.services.activity_import")
        with pytest.raises(WorkerKilled):
            import_activity.call(upload.pk)
    upload.refresh_from_db()
    assert upload.status == "running" and upload.lease_until > timezone.now()
    assert import_activity.call(upload.pk) == "not queued"  # still held: nobody else takes it
    lease_runs_out(ActivityUpload)
    import_activity.call(upload.pk)  # the run queued for when the lease runs out
    upload.refresh_from_db()
    assert (upload.status, upload.attempts, bytes(upload.upload)) == ("succeeded", 2, b""), (
        upload.problems
    )
    assert Activity.objects.get().units == 412


def test_an_activity_upload_whose_worker_died_twice_is_refused_and_its_bytes_removed(
    lead, monkeypatch, django_capture_on_commit_callbacks
):
    from finance.tasks import import_activity

    response = upload_activity(lead, "oct.csv", GOOD, django_capture_on_commit_callbacks)
    upload = ActivityUpload.objects.get()
    kill_the_worker(monkeypatch, "finance.services.activity_import")
    for _attempt in range(2):
        with pytest.raises(WorkerKilled):
            import_activity.call(upload.pk)
        lease_runs_out(ActivityUpload)
    assert import_activity.call(upload.pk) == "not queued"
    upload.refresh_from_db()
    assert (upload.status, bytes(upload.upload), upload.lease_until) == ("failed", b"", None)
    page = lead.get(response.url).content.decode()
    assert "gpfed stopped while checking this file, twice" in page
    assert not Activity.objects.exists()


def test_any_import_finds_uploads_left_by_a_dead_worker(
    lead, monkeypatch, django_capture_on_commit_callbacks
):
    """The run queued for the end of the lease may be lost with its worker's database; the
    next import of anything looks for stranded uploads too."""
    from finance.tasks import import_activity

    upload_activity(lead, "oct.csv", GOOD, django_capture_on_commit_callbacks)
    stranded = ActivityUpload.objects.get()
    with monkeypatch.context() as patched:
        kill_the_worker(patched, "finance.services.activity_import")
        with pytest.raises(WorkerKilled):
            import_activity.call(stranded.pk)
    lease_runs_out(ActivityUpload)
    upload_activity(
        lead, "nov.csv", GOOD.replace(b"2026-10", b"2026-11"), django_capture_on_commit_callbacks,
        run=True,
    )  # fmt: skip
    stranded.refresh_from_db()
    assert (stranded.status, bytes(stranded.upload)) == ("succeeded", b"")
    assert Activity.objects.count() == 2


def test_the_worker_queues_itself_for_when_the_lease_runs_out(
    lead, settings, django_capture_on_commit_callbacks
):
    """On the database task backend the claim and the run at the end of its lease are written
    in one transaction, so a worker killed at any point leaves that run queued."""
    from finance.tasks import import_activity

    upload_activity(lead, "oct.csv", GOOD, django_capture_on_commit_callbacks)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    started = timezone.now()
    import_activity.call(ActivityUpload.objects.get().pk)
    queued = DBTaskResult.objects.get(task_path="finance.tasks.import_activity")
    lease = timedelta(seconds=settings.GPFED_UPLOAD_LEASE_SECONDS)
    assert started + lease < queued.run_after < timezone.now() + lease + timedelta(seconds=6)


def test_a_registry_import_whose_worker_died_is_tried_again_then_refused(
    client, admin_user, monkeypatch, demo_file, django_capture_on_commit_callbacks
):
    from registry.tasks import run_import

    sign_in_verified(client, admin_user)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(
            "/imports/", {"file": SimpleUploadedFile("epraccur.csv", demo_file("epraccur"))}
        )
    run = ImportRun.objects.get()
    assert bytes(run.upload) == demo_file("epraccur")
    kill_the_worker(monkeypatch, "registry.tasks.import_file")
    for _attempt in range(2):
        with pytest.raises(WorkerKilled):
            run_import.call(run.pk)
        run.refresh_from_db()
        assert run.status == "running" and run.upload
        lease_runs_out(ImportRun)
    run_import.call(run.pk)
    run.refresh_from_db()
    assert (run.status, run.upload, run.lease_until) == ("failed", None, None)
    page = client.get(f"/imports/{run.pk}/").content.decode()
    assert "gpfed stopped while checking this file, twice" in page


def test_a_registry_import_whose_worker_died_once_is_imported_when_its_lease_runs_out(
    client, admin_user, monkeypatch, demo_file, django_capture_on_commit_callbacks
):
    from registry.tasks import run_import

    sign_in_verified(client, admin_user)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(
            "/imports/", {"file": SimpleUploadedFile("epraccur.csv", demo_file("epraccur"))}
        )
    run = ImportRun.objects.get()
    with monkeypatch.context() as patched:
        kill_the_worker(patched, "registry.tasks.import_file")
        with pytest.raises(WorkerKilled):
            run_import.call(run.pk)
    lease_runs_out(ImportRun)
    run_import.call(run.pk)
    run.refresh_from_db()
    assert (run.status, run.upload, run.attempts) == ("succeeded", None, 2)
