"""Background work for people's accounts, run by the task worker."""

from django_tasks import task


@task()
def password_reset_email(user_id: int) -> bool:
    """Email a person a one-time link to choose a new password."""
    # imported here, not at the top: the service that queues this task imports this module
    from accounts.notify import send_password_reset

    return send_password_reset(user_id)
