from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
from django.urls import reverse

from accounts.otp import needs_second_step

ALLOWED_PREFIXES = ("/accounts/two-factor/", "/accounts/sign-out/", "/static/")


class TwoFactorMiddleware:
    """A person whose role needs a one-time password (federation administrators and finance
    leads), or who has set one up, must give it before anything else. Until then pages send
    them to the two-step page and the API treats their session as signed out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified() and needs_second_step(user):
            if request.path_info.startswith("/api/"):
                request.user = AnonymousUser()
            elif not request.path_info.startswith(ALLOWED_PREFIXES):
                return redirect(reverse("accounts:two-factor") + f"?next={request.path}")
        return self.get_response(request)
