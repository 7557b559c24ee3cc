"""What every log line carries, and the two ways it is written.

Each line names the request it belongs to (``request_id``, also returned to the browser in the
``X-Request-ID`` header) or, on the task worker, the task (``task_id``), so the lines of one
request or one task can be found together across machines. Production writes one JSON object a
line (``GPFED_LOG_FORMAT=json``, the default there); development may keep plain text.

Nothing here logs a name, an email address or a query string: the access line
(``gpfed.middleware.RequestLogMiddleware``) holds the user's id alone, the path without its
query, and a slow query's SQL text without its parameters.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from django.conf import settings
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

request_id: ContextVar[str | None] = ContextVar("gpfed_request_id", default=None)
task_id: ContextVar[str | None] = ContextVar("gpfed_task_id", default=None)

# An incoming X-Request-ID (from the TLS proxy or a load balancer) is kept only if it is a short
# token of plain characters: anything else is replaced, so a header cannot forge log lines.
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

slow_queries = logging.getLogger("gpfed.slow_query")


def request_id_from(header: str | None) -> str:
    """The request id to use: the caller's, when it is a safe short token, else a new one."""
    if header and _SAFE_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


# Path parts that are secrets in themselves (a password reset link, an invitation, an
# unsubscribe link): a log line names the part instead of holding its value.
SECRET_PATH_PARTS = ("token", "uidb64")


# The secret links by their shape, whether or not a path resolves (a link with its trailing
# slash dropped or added, or cut short, is still its owner's secret): the password reset link,
# an invitation and a bulletin's unsubscribe link.
SECRET_LINKS = (
    (
        re.compile(r"^(/accounts/password-reset/)(?!sent/|done/)[^/]+(?:/[^/]*)?"),
        r"\1<uidb64>/<token>",
    ),
    (re.compile(r"^(/accounts/invitation/)[^/]+"), r"\1<token>"),
    (re.compile(r"^(/comms/unsubscribe/)[^/]+"), r"\1<token>"),
)


def redact_path(path: str) -> str:
    """A path with the secret part of any secret link named instead of its value."""
    for pattern, named in SECRET_LINKS:
        path = pattern.sub(named, path, count=1)
    return path


def loggable_path(request) -> str:
    """The request's path, without its query string and with any secret part named instead:
    a resolved route's ``token`` or ``uidb64``, and any path shaped as a secret link."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    for name, value in match.kwargs.items() if match else ():
        if name in SECRET_PATH_PARTS and str(value):
            path = path.replace(str(value), f"<{name}>")
    return redact_path(path)


class LogContextFilter(logging.Filter):
    """Adds the current request's id (or the worker's current task id) to every record, and
    takes a secret path part out of Django's own lines about a request ("Not Found: ...")."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in (("request_id", request_id), ("task_id", task_id)):
            value = var.get()
            if value is not None and not hasattr(record, name):
                setattr(record, name, value)
        request = getattr(record, "request", None)
        path = getattr(request, "path", None)
        if isinstance(path, str) and isinstance(record.args, tuple) and path in record.args:
            safe = loggable_path(request)
            record.args = tuple(safe if arg == path else arg for arg in record.args)
        return True


# Attributes Django's loggers attach that must not reach a log line as text: the request object
# prints its full address, query string included (a search term can be a person's name).
_DROPPED = ["request", "server_time", "color_message"]


class JsonLineFormatter(JsonFormatter):
    """One JSON object a line: time (ISO 8601, UTC), level, logger, message, and what the record
    carries (request_id or task_id; the access line's method, path, status, duration_ms and
    user_id; an error's traceback as exc_info)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"}
        )
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, *_DROPPED])
        super().__init__(*args, **kwargs)

    def formatTime(self, record, datefmt=None):
        return datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds")


class PlainFormatter(logging.Formatter):
    """Plain text for reading in development, with the request or task id after the level."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = [
            f"{name}={getattr(record, name)}"
            for name in ("request_id", "task_id")
            if getattr(record, name, None)
        ]
        return f"{line} [{' '.join(ids)}]" if ids else line


class SlowQueryLog:
    """A database execute wrapper (``connection.execute_wrapper``) that logs, at WARNING, each
    query slower than ``GPFED_SLOW_QUERY_MS``: its time and the start of its SQL text, never
    its parameters (they can hold a person's name or email address)."""

    MAX_SQL = 500

    def __init__(self, threshold_ms: float | None = None):
        self.threshold_ms = (
            settings.GPFED_SLOW_QUERY_MS if threshold_ms is None else float(threshold_ms)
        )

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            took_ms = (time.perf_counter() - started) * 1000
            if took_ms > self.threshold_ms:
                slow_queries.warning(
                    "slow query",
                    extra={
                        "duration_ms": round(took_ms, 1),
                        "sql": str(sql)[: self.MAX_SQL],
                        "many": bool(many),
                    },
                )
