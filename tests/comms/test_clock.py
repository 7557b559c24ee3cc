"""The worker keeps the clock: a scheduled bulletin, retries after back-off, the takeover of
copies a dead worker held, event reminders and the weekly digest are each queued for their
time on the database task backend, so nothing waits for cron."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from comms import events, services, tasks
from comms.models import Event, Preference
from registry.models import Federation
from tests.comms.test_delivery import FED, draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def queued(name: str) -> list[datetime]:
    return sorted(
        DBTaskResult.objects.filter(task_path=f"comms.tasks.{name}").values_list(
            "run_after", flat=True
        )
    )


def test_a_scheduled_bulletin_is_queued_for_its_time(
    demo, database_tasks, django_capture_on_commit_callbacks
):
    at = timezone.now() + timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.bulletin_send(draft(), by=None, at=at) == 0
    assert queued("deliver") == [at]


def test_retries_and_a_takeover_are_queued_when_the_server_is_down(
    demo, database_tasks, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    bulletin = draft(audience_roles=["practice_manager"])
    services.bulletin_send(bulletin, by=None)
    DBTaskResult.objects.all().delete()  # the send's own "deliver now"
    started = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.deliver_due()
    assert counts["retry"] == 1
    retry, takeover = queued("deliver")  # a minute, then the lease and five seconds
    lease = timedelta(seconds=settings.GPFED_DELIVERY_LEASE_SECONDS)
    assert started + lease < takeover < timezone.now() + lease + timedelta(seconds=6)
    assert started + timedelta(seconds=59) < retry < timezone.now() + timedelta(seconds=61)


def test_reminders_and_the_digest_are_queued(
    demo, database_tasks, django_capture_on_commit_callbacks
):
    start = timezone.now() + timedelta(days=5)
    with django_capture_on_commit_callbacks(execute=True):
        event = events.event_save(
            Event(
                federation=Federation.objects.get(slug=FED),
                title="Forum",
                starts_at=start,
                ends_at=start + timedelta(hours=1),
                place="Hub",
            ),
            by=None,
        )
    assert queued("reminders") == [start - timedelta(hours=24)]
    with django_capture_on_commit_callbacks(execute=True):
        event.place = "Another hub"
        events.event_save(event, by=None)  # same time: nothing more to queue
    assert len(queued("reminders")) == 1

    manager = User.objects.get(email="manager.c82001@demo.gpfed.example")
    Preference.objects.create(user=manager, category="news", choice="digest")
    with django_capture_on_commit_callbacks(execute=True):
        services.bulletin_send(draft(audience_roles=["practice_manager"]), by=None)
    (monday,) = queued("digest")
    local = timezone.localtime(monday)
    assert (local.weekday(), local.hour, local.minute) == (0, 7, 0)
    assert timedelta(0) < monday - timezone.now() <= timedelta(days=7)


def test_the_next_digest_is_the_coming_monday_morning():
    tz = timezone.get_current_timezone()
    monday_noon = timezone.make_aware(datetime(2026, 11, 23, 12, 0), tz)
    assert timezone.localtime(tasks.next_digest_time(monday_noon)).date().isoformat() == (
        "2026-11-30"
    )
    sunday = timezone.make_aware(datetime(2026, 11, 29, 22, 0), tz)
    assert (
        timezone.localtime(tasks.next_digest_time(sunday))
        .isoformat()
        .startswith("2026-11-30T07:00")
    )
