"""Signing in with a one-time password, in real headless Chromium."""

import base64

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from accounts.services import role_grant
from registry.models import Federation
from tests.factories import UserFactory
from tests.functional.conftest import menu, offline_context, sign_in

pytestmark = pytest.mark.browser

FED = "east-leicestershire-and-rutland-gp-federation"


def current_code(secret: str) -> str:
    key = base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    return f"{TOTP(key).token():06d}"


def test_finance_lead_sets_up_and_uses_a_one_time_password(
    page, demo_site, live_server, screenshot, settings
):
    # After a wrong code the next try waits this many seconds (django-otp's default is 1): 2,
    # so that a slow machine still sends the next code inside the wait, and the wait below
    # still outlasts it.
    settings.OTP_TOTP_THROTTLE_FACTOR = 2
    federation = Federation.objects.get(slug=FED)
    lead = UserFactory(email="new.finance@example.org", password="a-long-enough-passphrase")
    role_grant(user=lead, role="finance_lead", organisation=federation, by=None)

    def password_step():
        page.goto(live_server.url + "/")
        page.get_by_label("Email address").fill("new.finance@example.org")
        page.get_by_label("Password").fill("a-long-enough-passphrase")
        page.get_by_role("button", name="Sign in").click()

    password_step()
    # The role needs a second step: no page is reachable before it.
    expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    page.goto(live_server.url + "/federations/")
    expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    screenshot("07-two-factor-setup")
    secret = page.get_by_test_id("otp-secret").inner_text()

    page.get_by_label("Code", exact=True).fill(
        "000000" if current_code(secret) != "000000" else "111111"
    )
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("The code is not right").first).to_be_visible()
    page.get_by_label("Code", exact=True).fill(current_code(secret))
    page.get_by_role("button", name="Continue").click()
    # A wrong code makes the next try wait a moment (and longer after each wrong code).
    expect(page.get_by_text("Too many wrong codes").first).to_be_visible()
    page.wait_for_timeout(2100)

    page.get_by_label("Code", exact=True).fill(current_code(secret))
    page.get_by_role("button", name="Continue").click()
    # all_inner_texts() does not wait for the page: wait for the list first
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    codes = page.get_by_test_id("recovery-codes").locator("li").all_inner_texts()
    screenshot("08-recovery-codes")
    page.get_by_role("link", name="Continue").click()
    # On to the page first asked for.
    expect(page.get_by_role("heading", name="Federations")).to_be_visible()

    # Next time: password, then a recovery code works once.
    page.get_by_role("button", name="Sign out").click()
    password_step()
    expect(page.get_by_role("heading", name="Enter your one-time code")).to_be_visible()
    page.get_by_label("Code", exact=True).fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Your federation")).to_be_visible()


def test_federation_admin_invites_a_practice_manager_and_reads_the_audit_trail(
    browser, page, demo_site, live_server, screenshot
):
    sign_in(page, live_server.url)
    menu(page, "People")
    page.get_by_label("Email address").fill("new.manager@demo.gpfed.example")
    page.get_by_label("Role", exact=True).select_option("practice_manager")
    page.get_by_label("Practice or PCN ODS code").fill("C82022")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to new.manager@demo.gpfed.example")).to_be_visible()
    screenshot("09-people")
    link = page.get_by_text("/accounts/invitation/").inner_text()

    visitor = offline_context(browser).new_page()
    visitor.goto(link)
    visitor.get_by_label("Your full name").fill("New Manager")
    visitor.get_by_label("Choose a password").fill("correct horse battery")
    visitor.get_by_label("Enter the password again").fill("correct horse battery")
    visitor.get_by_role("button", name="Create account").click()
    # a practice manager's home is headed with her practice, and says what needs her
    expect(visitor.get_by_role("heading", name="What needs you today")).to_be_visible()
    visitor.context.close()

    menu(page, "Audit trail")
    expect(page.get_by_text("invitation.accept").first).to_be_visible()
    expect(page.get_by_text("role.grant").first).to_be_visible()
    screenshot("10-audit")


def test_forgotten_password_is_reset_through_the_emailed_link(
    page, transactional_db, live_server, smtp_server, settings, screenshot
):
    settings.GPFED_BASE_URL = live_server.url  # where the emailed link points
    UserFactory(email="forgetful@example.org", password="the-password-i-forgot")

    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Forgotten your password?").click()
    expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    page.get_by_label("Email address").fill("Forgetful@example.org")
    screenshot("11-password-reset")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    assert len(smtp_server) == 1
    message = smtp_server[0]
    assert message["To"] == "forgetful@example.org"
    link = next(line for line in message.get_payload().splitlines() if "/password-reset/" in line)
    assert link.startswith(live_server.url + "/accounts/password-reset/")

    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.get_by_label("New password", exact=True).fill("a-brand-new-passphrase")
    page.get_by_label("New password confirmation").fill("a-brand-new-passphrase")
    screenshot("12-password-reset-new-password")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_role("heading", name="Your password has been changed")).to_be_visible()

    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email address").fill("forgetful@example.org")
    page.get_by_label("Password").fill("a-brand-new-passphrase")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Welcome to gpfed")).to_be_visible()  # no role yet

    # The link worked once.
    page.goto(link)
    expect(
        page.get_by_role("heading", name="This link has expired or has already been used")
    ).to_be_visible()
