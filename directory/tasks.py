"""Background work for the directory, run by the task worker."""

from django_tasks import task


@task()
def join_email(join_request_id: int, kind: str) -> int:
    """Tell the network's administrators a request arrived, or the person who asked what
    was decided."""
    # imported here, not at the top: the service that queues this task imports this module
    from directory.notify import send_join_email

    return send_join_email(join_request_id, kind)
