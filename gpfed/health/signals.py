"""The task worker's log context: while a task runs, every line logged carries its id
(``task_id``), as a request's lines carry the request's (gpfed.logs)."""

from django.dispatch import receiver
from django_tasks.signals import task_finished, task_started

from gpfed import logs

_tokens: dict[str, object] = {}


@receiver(task_started, dispatch_uid="gpfed.health.task_log_context_start")
def task_log_context_start(sender, task_result, **kwargs):
    _tokens[task_result.id] = logs.task_id.set(str(task_result.id))


@receiver(task_finished, dispatch_uid="gpfed.health.task_log_context_end")
def task_log_context_end(sender, task_result, **kwargs):
    token = _tokens.pop(task_result.id, None)
    if token is None:
        return
    try:
        logs.task_id.reset(token)
    except ValueError:  # started in another context (a thread): nothing to restore here
        logs.task_id.set(None)
