"""Resetting a forgotten password by email: a one-time link, over a real SMTP server."""

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.services import role_grant, user_deactivate
from audit.models import AuditEvent
from tests.factories import FederationFactory, UserFactory

pytestmark = pytest.mark.django_db
OLD = "correct-horse-battery"
NEW = "a much longer passphrase"
RESET = "/accounts/password-reset/"


@pytest.fixture
def ask(client, django_capture_on_commit_callbacks):
    """Ask for a reset link as a visitor would, from ``ip``; the email goes once the request
    commits."""

    def post(email, ip="192.0.2.10", **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(RESET, {"email": email}, REMOTE_ADDR=ip, **extra)

    return post


def link_in(message) -> str:
    return next(line for line in message.get_payload().splitlines() if "/password-reset/" in line)


def path_of(link: str) -> str:
    return link[link.index("/accounts/") :]


def sign_in(client, email, password):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def choose(client, link, password=NEW):
    """Follow the emailed link and choose a new password."""
    response = client.get(path_of(link))
    assert response.status_code == 302  # Django moves the token out of the address
    form = response["Location"]
    assert b"Choose a new password" in client.get(form).content
    return client.post(form, {"new_password1": password, "new_password2": password})


def test_sign_in_page_links_to_the_reset(client):
    response = client.get(reverse("accounts:login"))
    assert b"Forgotten your password?" in response.content
    assert f'href="{RESET}"'.encode() in response.content


def test_reset_by_email_over_smtp_then_sign_in_with_the_new_password(client, ask, smtp_server):
    person = UserFactory(email="pat.jones@example.org")
    response = ask("Pat.Jones@Example.org")
    assert response["Location"] == reverse("accounts:password-reset-sent")
    assert b"Check your email" in client.get(response["Location"]).content
    assert len(smtp_server) == 1
    message = smtp_server[0]
    assert message["To"] == "pat.jones@example.org"
    assert message["Subject"] == "Reset your gpfed password"
    link = link_in(message)
    assert link.startswith("http://127.0.0.1:8000/accounts/password-reset/")

    visitor = type(client)()
    response = choose(visitor, link)
    assert response["Location"] == reverse("accounts:password-reset-complete")
    assert b"Your password has been changed" in visitor.get(response["Location"]).content
    person.refresh_from_db()
    assert person.check_password(NEW)
    assert person.is_active
    assert sign_in(visitor, person.email, NEW).status_code == 302
    # The link works once.
    again = type(client)()
    response = again.get(path_of(link), follow=True)
    assert response.status_code == 404
    assert b"This link has expired or has already been used" in response.content


def test_request_and_reset_are_audited(client, ask, smtp_server):
    person = UserFactory(email="pat@example.org")
    ask("pat@example.org")
    ask("nobody@example.org")
    choose(type(client)(), link_in(smtp_server[0]))
    requests = AuditEvent.objects.filter(action="auth.password_reset_request")
    assert {(e.actor_label, e.origin) for e in requests} == {
        ("pat@example.org", "192.0.2.10"),
        ("nobody@example.org", "192.0.2.10"),
    }
    assert requests.get(actor_label="pat@example.org").object_id == str(person.pk)
    done = AuditEvent.objects.get(action="auth.password_reset")
    assert (done.actor, done.object_id) == (person, str(person.pk))


def test_the_answer_is_the_same_whatever_the_address(client, ask, smtp_server):
    UserFactory(email="active@example.org")
    gone = UserFactory(email="gone@example.org")
    User.objects.filter(pk=gone.pk).update(is_active=False)
    answers = []
    for email in ["active@example.org", "nobody@example.org", "gone@example.org"]:
        response = ask(email)
        page = client.get(response["Location"])
        answers.append((response.status_code, response["Location"], page.content))
    assert answers[0] == answers[1] == answers[2]
    assert [m["To"] for m in smtp_server] == ["active@example.org"]


def test_a_deactivated_account_gets_no_email_and_a_reset_does_not_bring_it_back(
    client, ask, smtp_server
):
    person = UserFactory(email="leaver@example.org")
    ask(person.email)
    link = link_in(smtp_server[0])  # sent while the account was active
    user_deactivate(user=person, by=None)
    ask(person.email)
    assert len(smtp_server) == 1

    visitor = type(client)()
    response = visitor.get(path_of(link), follow=True)
    assert response.status_code == 404
    assert b"This link has expired or has already been used" in response.content
    person.refresh_from_db()
    assert not person.is_active
    assert person.check_password(OLD)


def test_a_link_stops_working_once_the_person_signs_in(client, ask, smtp_server):
    person = UserFactory(email="remembered@example.org")
    ask(person.email)
    assert sign_in(type(client)(), person.email, OLD).status_code == 302
    response = type(client)().get(path_of(link_in(smtp_server[0])), follow=True)
    assert response.status_code == 404


def test_requests_are_throttled_per_address_whether_or_not_it_has_an_account(
    client, ask, smtp_server, settings
):
    settings.GPFED_PASSWORD_RESETS_PER_EMAIL = 3
    UserFactory(email="pat@example.org")
    for email in ["pat@example.org", "nobody@example.org"]:
        for n in range(3):
            assert ask(email, ip=f"198.51.100.{n}").status_code == 302
        refused = ask(email, ip="198.51.100.9")
        assert refused.status_code == 429
        assert b"Too many requests to reset a password" in refused.content
    assert len(smtp_server) == 3
    assert (
        AuditEvent.objects.filter(
            action="auth.password_reset_request", changes__outcome__1="too many requests"
        ).count()
        == 2
    )


def test_requests_are_throttled_per_ip(client, ask, smtp_server, settings):
    settings.GPFED_PASSWORD_RESETS_PER_IP = 5
    UserFactory(email="person5@example.org")
    for n in range(5):
        assert ask(f"person{n}@example.org").status_code == 302
    refused = ask("person5@example.org")
    assert refused.status_code == 429
    assert b"Too many requests to reset a password" in refused.content
    assert smtp_server == []
    # Another network is not held up.
    assert ask("person5@example.org", ip="203.0.113.7").status_code == 302
    assert len(smtp_server) == 1


def test_the_link_is_built_from_the_configured_address_not_the_request(
    client, ask, smtp_server, settings
):
    settings.ALLOWED_HOSTS = ["testserver", "attacker.example"]
    settings.GPFED_BASE_URL = "https://gpfed.example.org"
    UserFactory(email="pat@example.org")
    ask("pat@example.org", HTTP_HOST="attacker.example")
    assert link_in(smtp_server[0]).startswith("https://gpfed.example.org/accounts/")


def test_a_reset_lifts_a_lockout_and_ends_other_sessions(client, ask, smtp_server):
    person = UserFactory(email="forgetful@example.org")
    elsewhere = type(client)()
    assert sign_in(elsewhere, person.email, OLD).status_code == 302
    for _ in range(5):
        sign_in(client, person.email, "not my password")
    assert sign_in(client, person.email, OLD).status_code == 429  # locked out
    ask(person.email)
    choose(type(client)(), link_in(smtp_server[0]))
    # Deliberately: the person proved they hold the mailbox and the guessed password is gone.
    assert sign_in(client, person.email, NEW).status_code == 302
    event = AuditEvent.objects.get(action="auth.password_reset")
    assert event.changes == {"lockout_lifted": [None, True]}
    # The session signed in with the old password has ended.
    assert elsewhere.get("/")["Location"].startswith(reverse("accounts:login"))


def test_a_reset_does_not_skip_the_second_step(client, ask, smtp_server):
    lead = UserFactory(email="lead@example.org")
    role_grant(user=lead, role="finance_lead", organisation=FederationFactory(), by=None)
    ask(lead.email)
    choose(type(client)(), link_in(smtp_server[0]))
    assert sign_in(client, lead.email, NEW).status_code == 302
    assert client.get("/")["Location"].startswith(reverse("accounts:two-factor"))


def test_the_new_password_must_pass_the_password_rules(client, ask, smtp_server):
    person = UserFactory(email="pat@example.org")
    ask(person.email)
    response = choose(type(client)(), link_in(smtp_server[0]), password="12345678")
    assert response.status_code == 200
    assert b"This password is entirely numeric" in response.content
    person.refresh_from_db()
    assert person.check_password(OLD)
