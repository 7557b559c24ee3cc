"""/health/live and /health/ready: public, JSON, 200 or 503 naming the check that failed and
nothing else; the worker heartbeat they read."""

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from gpfed.health.models import WorkerHeartbeat
from gpfed.health.services import Heartbeat, heartbeat_record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHECKS = {"database", "migrations", "storage", "worker"}


def worker_alive(seconds_ago: float = 0) -> None:
    now = timezone.now()
    heartbeat_record(worker_id="w1", started_at=now, now=now - timedelta(seconds=seconds_ago))


def test_live_answers_ok_without_signing_in(client):
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_ready_answers_ok_when_every_check_passes(client):
    worker_alive()
    response = client.get("/health/ready")
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok", "checks": dict.fromkeys(CHECKS, "ok")}


def test_ready_names_the_worker_when_none_was_ever_seen(client):
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "migrations": "ok", "storage": "ok", "worker": "failed"},
    }


def test_ready_names_the_worker_when_its_heartbeat_is_stale(client, settings):
    settings.GPFED_WORKER_STALE_SECONDS = 120
    worker_alive(seconds_ago=121)
    assert client.get("/health/ready").json()["checks"]["worker"] == "failed"
    worker_alive(seconds_ago=100)
    assert client.get("/health/ready").status_code == 200


def test_ready_names_the_storage_when_documents_cannot_be_written(client, settings, tmp_path):
    worker_alive()
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the documents' folder should be")
    settings.MEDIA_ROOT = blocker
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "migrations": "ok",
        "storage": "failed",
        "worker": "ok",
    }


def test_ready_leaves_no_probe_behind_in_the_storage(client, settings):
    worker_alive()
    assert client.get("/health/ready").status_code == 200
    probes = settings.MEDIA_ROOT / "health"
    assert not probes.exists() or list(probes.iterdir()) == []


def test_ready_names_the_migrations_when_one_is_not_applied(client):
    worker_alive()
    MigrationRecorder.Migration.objects.filter(app="health").delete()
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "failed"
    assert response.json()["checks"]["database"] == "ok"


def test_ready_names_the_database_and_says_nothing_of_why(client):
    reason = "could not connect to server at db.internal.example (10.1.2.3), PostgreSQL 16.4"
    with mock.patch.object(connection, "cursor", side_effect=OperationalError(reason)):
        response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {
            "database": "failed",
            "migrations": "not checked",
            "storage": "ok",
            "worker": "not checked",
        },
    }
    for leak in ("db.internal", "10.1.2.3", "PostgreSQL", "16.4", "Traceback"):
        assert leak not in response.content.decode()


def test_health_answers_the_same_to_a_signed_in_person(client):
    client.force_login(UserFactory())
    assert client.get("/health/live").json() == {"status": "ok"}
    assert client.get("/health/ready").json()["checks"]["worker"] == "failed"


def test_health_takes_only_get_and_head(client):
    assert client.head("/health/live").status_code == 200
    assert client.post("/health/live").status_code == 405
    assert client.post("/health/ready").status_code == 405


def test_heartbeat_updates_its_row_and_forgets_workers_gone_a_day():
    now = timezone.now()
    heartbeat_record(worker_id="old", started_at=now, now=now - timedelta(days=2))
    heartbeat_record(worker_id="w1", started_at=now, now=now - timedelta(minutes=5))
    heartbeat_record(worker_id="w1", started_at=now, now=now)
    assert list(WorkerHeartbeat.objects.values_list("worker_id", "seen_at")) == [("w1", now)]


@pytest.mark.django_db(transaction=True)
def test_heartbeat_thread_beats_while_the_worker_is_idle():
    """The worker's thread records it at once and again each interval, with no task running."""
    beat = Heartbeat("idle-worker", interval=0.2).start()
    try:
        first = _wait_for_heartbeat("idle-worker")
        later = _wait_for_heartbeat("idle-worker", after=first)
    finally:
        beat.stop()
    assert later > first


def _wait_for_heartbeat(worker_id, after=None, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = WorkerHeartbeat.objects.filter(worker_id=worker_id).first()
        if row is not None and (after is None or row.seen_at > after):
            return row.seen_at
        time.sleep(0.05)
    raise AssertionError(f"no heartbeat from {worker_id} within {timeout} s")
