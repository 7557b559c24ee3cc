from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from accounts.otp import needs_second_step

ALLOWED_PREFIXES = ("/accounts/two-factor/", "/accounts/sign-out/", "/static/")
SIGNED_IN_AT = "gpfed_signed_in_at"
RENEWED_AT = "gpfed_renewed_at"


def session_started(request) -> None:
    """Note in the session when the person signed in (called as they do)."""
    request.session[SIGNED_IN_AT] = timezone.now().timestamp()


class SessionLimitMiddleware:
    """A session ends at the latest ``GPFED_SESSION_MAX_HOURS`` after signing in, however busy
    the person has been, and after ``SESSION_COOKIE_AGE`` without a request: a request renews
    it (saves the session, so its expiry and the cookie's start again) when the last renewal is
    ``GPFED_SESSION_RENEW_SECONDS`` old or more, not on every request. Once over, the person is
    signed out: pages send them to sign in again and the API treats the request as signed out.
    API tokens carry no session and are not affected."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            started = request.session.setdefault(SIGNED_IN_AT, now)
            if now - started > settings.GPFED_SESSION_MAX_HOURS * 3600:
                logout(request)
            elif now - request.session.get(RENEWED_AT, 0) >= settings.GPFED_SESSION_RENEW_SECONDS:
                request.session[RENEWED_AT] = now  # changed, so saved: the idle time restarts
        return self.get_response(request)


class TwoFactorMiddleware:
    """A person whose role needs a one-time password (federation administrators and finance
    leads), or who has set one up, must give it before anything else. Until then pages send
    them to the two-step page and the API treats their session as signed out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        pending = user.is_authenticated and not user.is_verified() and needs_second_step(user)
        # For the header (gpfed.context_processors): the answer for this person, as verified now.
        request.gpfed_second_step = (user, user.is_authenticated and user.is_verified(), pending)
        if pending:
            if request.path_info.startswith("/api/"):
                request.user = AnonymousUser()
            elif not request.path_info.startswith(ALLOWED_PREFIXES):
                return redirect(reverse("accounts:two-factor") + f"?next={request.path}")
        return self.get_response(request)
