"""Governance's background work, run by the task worker (``manage.py db_worker``)."""

from __future__ import annotations

from django_tasks import task

from governance.invites import send_interest_reminder, send_invitation


@task()
def meeting_invitation(meeting_id: int, user_id: int) -> bool:
    """A meeting's invitation with its calendar entry, to one member of the body."""
    return send_invitation(meeting_id, user_id)


@task()
def interest_reminder(round_id: int, user_id: int) -> bool:
    """The yearly reminder to declare interests (or make a nil return)."""
    return send_interest_reminder(round_id, user_id)
