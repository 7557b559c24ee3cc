"""Where the current change comes from: the web request's IP address, or the command line.

Set once per request by ``AuditOriginMiddleware`` and once per process by the ``gpfed``
command, then read by ``audit.services.audit_record`` so services need not be told.
"""

from contextvars import ContextVar

from kernel.requests import client_ip

COMMAND_LINE = "command line"
_origin: ContextVar[str] = ContextVar("gpfed_audit_origin", default="system")


def current_origin() -> str:
    return _origin.get()


def set_origin(value: str):
    return _origin.set(value)


def reset_origin(token) -> None:
    _origin.reset(token)


class AuditOriginMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_origin(client_ip(request) or "web")
        try:
            return self.get_response(request)
        finally:
            reset_origin(token)
