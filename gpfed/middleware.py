from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers

from kernel.pages import BadQuery


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
