"""Background work of the members' voice, run by the task worker (``manage.py db_worker``)."""

from __future__ import annotations

from django_tasks import task

from voice.reminders import remind


@task()
def send_reminders(round_id: int) -> int:
    """Remind each organisation that has not answered, once in the round however often this
    runs (each is claimed before its email goes)."""
    return remind(round_id)
