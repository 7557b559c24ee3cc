"""Background work for the bids pipeline, run by the task worker: deadline reminders, and
polling Find a Tender's OCDS search when ``GPFED_BIDS_POLL`` turns it on."""

from __future__ import annotations

from django_tasks import task

from bids.reminders import send_due


@task()
def deadline_reminders() -> int:
    """Remind the federations' administrators of deadlines coming up, once each."""
    return send_due()


@task()
def poll_find_a_tender() -> dict:
    """Fetch what Find a Tender has published since the last poll, for each federation that
    asked (``GPFED_BIDS_POLL``), and import it. Off by default."""
    from bids.poll import poll_all  # imports the services, which queue this module's tasks

    return poll_all()
