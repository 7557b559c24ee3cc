import logging
import time

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.core.signals import request_finished
from django.db import connection
from django.dispatch import receiver
from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers
from django.utils.functional import empty

from gpfed import logs
from kernel.pages import BadQuery

access_log = logging.getLogger("gpfed.access")


class RequestLogMiddleware:
    """One line a request, and a request id for every line logged while it is answered.

    The id is the caller's ``X-Request-ID`` when it is a safe short token (a proxy's), else a
    new one; the answer carries it back in ``X-Request-ID``. The access line holds the method,
    the path without its query string (a search can be a person's name), the status, the time
    taken and the signed-in user's id, never a name or an email address. A request slower than
    ``GPFED_SLOW_REQUEST_MS`` is logged at WARNING, as is each query slower than
    ``GPFED_SLOW_QUERY_MS`` (``gpfed.logs.SlowQueryLog``: its SQL text, never its values)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = logs.request_id_from(request.headers.get("X-Request-ID"))
        logs.request_id.set(rid)
        started = time.perf_counter()
        try:
            with connection.execute_wrapper(logs.SlowQueryLog()):
                response = self.get_response(request)
        except BaseException:
            logs.request_id.set(None)
            raise
        took_ms = (time.perf_counter() - started) * 1000
        response["X-Request-ID"] = rid
        slow = took_ms > settings.GPFED_SLOW_REQUEST_MS
        path = logs.loggable_path(request)
        access_log.log(
            logging.WARNING if slow else logging.INFO,
            "%s %s %s %.0f ms%s",
            request.method,
            path,
            response.status_code,
            took_ms,
            " (slow)" if slow else "",
            extra={
                "method": request.method,
                "path": path,
                "status": response.status_code,
                "duration_ms": round(took_ms, 1),
                "user_id": _user_id(request),
                "slow": slow,
            },
        )
        return response


@receiver(request_finished, dispatch_uid="gpfed.middleware.request_id_forgotten")
def _request_id_forgotten(sender, **kwargs):
    """The request's id is forgotten once its answer is closed: after Django's own line about
    it ("Not Found: ..."), which is written once every middleware has answered."""
    logs.request_id.set(None)


def _user_id(request) -> int | None:
    """The signed-in user's id, if answering the request looked the user up (every page that
    needs signing in does; a public page or a health check may not, and is not made to)."""
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if user.is_authenticated else None


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every page needs a signed-in user, except the JSON API, which answers 401 itself."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class PrivateNoStoreMiddleware:
    """Nothing a signed-in person is shown is kept by their browser or a proxy on the way:
    every answer to a signed-in request (pages, exports, documents), and every JSON API answer
    however it was authenticated, says ``Cache-Control: no-store``. Public pages (signing in,
    resetting a password, static files) are left as their views send them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path_info.startswith("/api/") or (user is not None and user.is_authenticated):
            add_never_cache_headers(response)
        return response


class NullCharacterMiddleware:
    """An address with a NUL character in its path or query answers 400 before anything reads
    it: PostgreSQL cannot hold one in text, so a search or a look-up by code given one would
    fail in the database. The API answers in JSON, like its other refusals."""

    REASON = "The web address holds a NUL character (%00), which nothing in gpfed can use."

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.GET.lists()
        if "\x00" in request.path_info or any(
            "\x00" in key or any("\x00" in v for v in values) for key, values in query
        ):
            if request.path_info.startswith("/api/"):
                return JsonResponse({"detail": self.REASON}, status=400)
            raise BadQuery(self.REASON)
        return self.get_response(request)
