"""How long a signed-in session lasts, and that no private answer is kept by a browser or proxy.

The clock is moved by replacing ``django.utils.timezone.now``, which Django's sessions, the
sign-in limit and token expiry all read."""

from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.services import api_token_create, invitation_create
from tests.factories import FederationFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


@contextmanager
def later(**delta):
    """Everything in the block happens ``delta`` after now."""
    real_now = timezone.now
    with mock.patch.object(timezone, "now", lambda: real_now() + timedelta(**delta)):
        yield


def sign_in(client, user):
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302, response.content
    return client


def signed_in(client) -> bool:
    response = client.get("/")
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("accounts:login"))
        return False
    assert response.status_code == 200
    return True


def test_session_ends_after_30_minutes_idle(client, user):
    sign_in(client, user)
    with later(minutes=29):
        assert signed_in(client)  # each request starts the 30 minutes again
    with later(minutes=29 + 29):
        assert signed_in(client)
    with later(minutes=29 + 29 + 31):
        assert not signed_in(client)
        assert client.get("/api/v1/federations").status_code == 401


def test_a_request_renews_the_session_at_most_once_a_minute(client, user):
    """Renewing is a write: within a minute of the last one a request writes no session, so the
    idle time runs from the last renewal (the limit falls between 29 and 30 minutes)."""
    sign_in(client, user)
    assert signed_in(client)  # the first request renews
    with later(seconds=30), CaptureQueriesContext(connection) as queries:
        assert signed_in(client)
    assert not [q for q in queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    with later(minutes=30, seconds=5):
        assert not signed_in(client)  # 30 seconds later renewed nothing


def test_a_request_a_minute_after_the_last_renewal_renews(client, user):
    sign_in(client, user)
    assert signed_in(client)
    with later(seconds=61):
        assert signed_in(client)
    with later(minutes=30, seconds=5):
        assert signed_in(client)  # idle for 29 minutes 4 seconds since the renewal


def test_session_cookie_lasts_the_idle_time(client, user, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": PASSWORD}
    )
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 30 * 60


def test_session_ends_12_hours_after_signing_in_however_busy(client, user):
    sign_in(client, user)
    for step in range(1, 29):  # a request every 25 minutes, up to 11 hours 40 minutes
        with later(minutes=25 * step):
            assert signed_in(client), f"signed out after {25 * step} minutes"
    with later(hours=12, minutes=5):
        assert client.get("/api/v1/federations").status_code == 401
        assert not signed_in(client)
        # Signing in again starts a new 12 hours.
        sign_in(client, user)
        assert signed_in(client)


def test_session_limit_follows_the_setting(client, user, settings):
    settings.GPFED_SESSION_MAX_HOURS = 1
    sign_in(client, user)
    with later(minutes=25):
        assert signed_in(client)
    with later(minutes=50):
        assert signed_in(client)
    with later(minutes=61):
        assert not signed_in(client)


def test_api_tokens_are_not_limited_by_the_session_rules(client, user):
    _, raw = api_token_create(user=user, name="script", days=30)
    with later(hours=13):
        response = client.get("/api/v1/federations", HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]


# --- Cache-Control ---------------------------------------------------------------------


# That every answer needing a signed-in person, and every API answer, says no-store is checked
# for each of the permission matrix's people on each of its requests
# (tests/accounts/test_permission_matrix.py), not by making those requests again here.


def test_signed_in_person_gets_no_store_on_every_page(client):
    person = UserFactory()
    client.force_login(person)
    for path in ["/", "/accounts/account/", "/federations/"]:
        assert "no-store" in client.get(path)["Cache-Control"], path


def test_invitation_page_is_not_stored(client):
    """Not signed in, but it names the person, role and organisation behind a secret link."""
    federation = FederationFactory()
    _, link = invitation_create(
        email="new@example.org",
        role="board_member",
        organisation=federation,
        invited_to=federation,
        by=None,
        base_url="http://testserver",
    )
    response = client.get(link.removeprefix("http://testserver"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
