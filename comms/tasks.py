"""Background work for bulletins, run by the task worker (``manage.py db_worker``)."""

from django_tasks import task

from comms.services import deliver_due


@task()
def deliver() -> dict:
    """Send every copy that is due. Safe to run any number of times, in any number of
    workers at once: each copy is claimed under a lease before it is sent."""
    return deliver_due()


@task()
def event_email(registration_id: int, kind: str) -> bool:
    """A confirmation, waiting-list, promotion or reminder email, with the invite."""
    from comms.events import send_event_email

    return send_event_email(registration_id, kind)
