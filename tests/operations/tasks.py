"""A task for the worker tests only: the worker processes import it by its path
(``tests.operations.tasks.record_run``), run from the project folder like ``manage.py``."""

import os
import time

from django_tasks import task


def _append(path: str, line: str) -> None:
    """One line, written with O_APPEND, so lines from several processes never interleave."""
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, line.encode())
    finally:
        os.close(descriptor)


@task()
def record_run(number: int, path: str, pause: float = 0.0) -> int:
    """Append ``number``, the worker's process id and "start" to the file at ``path``, pause,
    then append the same with "done": a run killed in its pause leaves a start without a done."""
    _append(path, f"{number} {os.getpid()} start\n")
    time.sleep(pause)
    _append(path, f"{number} {os.getpid()} done\n")
    return number
