"""A URL configuration for the Sentry test's subprocess only: gpfed's own, plus a page that
fails with a person's email address in its error, as a careless message might."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from gpfed.urls import urlpatterns as gpfed_urlpatterns


@login_not_required
def fails(request):
    import sentry_sdk

    sentry_sdk.set_user({"id": 41, "email": "ada.lovelace@example.org", "username": "ada"})
    raise RuntimeError("no federation for ada.lovelace@example.org")


urlpatterns = [*gpfed_urlpatterns, path("fails/", fails)]
