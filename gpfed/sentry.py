"""Errors reported to Sentry when ``SENTRY_DSN`` is set (``gpfed/settings.py``), and what is
taken out of each report before it leaves: no person's details go with an error.

Sentry is told not to send personal data (``send_default_pii=False``), local variables or
request bodies; ``scrub_event`` then keeps only the user's id, drops the request's query string,
cookies and body, and replaces anything shaped like an email address anywhere in the report
(an exception's message, a log line kept as a breadcrumb) with ``[email]``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from gpfed.logs import redact_path

EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
REDACTED_EMAIL = "[email]"


def sentry_start(*, dsn: str, traces_sample_rate: float = 0.0, environment: str | None = None):
    """Start reporting errors to ``dsn``. Called from the settings, once per process."""
    import sentry_sdk  # here, not at the top: only a process with a DSN pays for it
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=traces_sample_rate,
        environment=environment,
        before_send=scrub_event,
        before_send_transaction=scrub_event,
    )


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """The event with no person's details in it (see the module's description)."""
    user = event.get("user")
    if isinstance(user, dict):
        kept = {"id": user["id"]} if user.get("id") is not None else {}
        if kept:
            event["user"] = kept
        else:
            event.pop("user", None)
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("query_string", "cookies", "data"):
            request.pop(key, None)
        if isinstance(request.get("url"), str):
            parts = urlsplit(request["url"])
            path = redact_path(parts.path)  # a secret link's token is its owner's secret
            request["url"] = urlunsplit((parts.scheme, parts.netloc, path, "", ""))
        headers = request.get("headers")
        if isinstance(headers, dict):
            for name in list(headers):
                if name.lower() in {"cookie", "authorization", "referer", "x-forwarded-for"}:
                    del headers[name]
    return _without_emails(event)


def _without_emails(value):
    if isinstance(value, str):
        return EMAIL.sub(REDACTED_EMAIL, value)
    if isinstance(value, dict):
        return {key: _without_emails(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_without_emails(item) for item in value]
    return value
