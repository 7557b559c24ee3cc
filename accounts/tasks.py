"""Background work for people's accounts, run by the task worker."""

from django_tasks import task


@task()
def password_reset_email(user_id: int) -> bool:
    """Email a person a one-time link to choose a new password."""
    # imported here, not at the top: the service that queues this task imports this module
    from accounts.notify import send_password_reset

    return send_password_reset(user_id)


@task()
def invitation_email(invitation_id: int, by_id: int | None) -> bool:
    """Email an invitation's link (minted again here: the queue holds no secret)."""
    # imported here, not at the top: the service that queues this task imports this module
    from accounts.notify import send_invitation

    return send_invitation(invitation_id, by_id)


@task()
def consent_request_email(consent_id: int, holder_ids: list[int]) -> bool:
    """Ask a practice's managers to agree to a second federation holding it."""
    from accounts.notify import send_consent_request

    return send_consent_request(consent_id, holder_ids)
