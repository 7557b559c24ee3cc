"""The member directory in the browser: the demo network administrator approves Southend's
request to join; the demo practice manager finds a member by one of its practices, opens its
entry, and keeps their own practice's contact up to date in the federation's directory."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from demo import DEMO_USERS
from tests.functional.conftest import menu, sign_in

pytestmark = pytest.mark.browser

NETWORK = next(u["email"] for u in DEMO_USERS if u["role"] == "network_admin")
MANAGER = next(u["email"] for u in DEMO_USERS if u["role"] == "practice_manager")


def test_network_admin_approves_and_practice_manager_uses_the_directory(
    page,
    demo_site,
    screenshot,
    smtp_server,
):
    from directory.models import Contact, JoinRequest

    sign_in(page, demo_site, NETWORK)
    menu(page, "Directory")  # the header menu, once laid out
    page.get_by_role("link", name="Primary Care Federation Network (demo)").click()
    expect(page.get_by_role("heading", name="Advisory board")).to_be_visible()
    expect(page.get_by_text("Dr Helen Carter, Vale of York")).to_be_visible()
    screenshot("50-directory-network")
    page.get_by_role("link", name="Join requests (1 waiting)").click()
    expect(page.get_by_text("We are 24 practices in Southend")).to_be_visible()
    page.get_by_label("Approve").check()
    # Southend joins next month: until then the directory lists the four members of today.
    joins = (timezone.localdate().replace(day=1) + timedelta(days=32)).replace(day=1)
    page.get_by_label("Membership starts").fill(joins.isoformat())
    screenshot("51-directory-join-request")
    page.get_by_role("button", name="Record the decision").click()
    expect(
        page.get_by_text(f"Southend GP Federation (demo) will be a member from {joins:%-d %B %Y}")
    ).to_be_visible()
    request = JoinRequest.objects.get()
    assert request.status == "approved" and request.membership.start_date == joins

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, demo_site, MANAGER)
    menu(page, "Directory")  # the header menu, once laid out
    page.get_by_role("link", name="Primary Care Federation Network (demo)").click()
    page.wait_for_load_state()  # htmx listens once its script has run
    page.get_by_label("Search members").fill(
        "ormskirk"
    )  # a town: htmx narrows the list as you type
    expect(page.locator("#members")).to_contain_text("1 of 4 members match")
    expect(
        page.locator("#members").get_by_text("West Lancashire GP Federation (demo)")
    ).to_be_visible()
    assert "East Leicestershire" not in page.locator("#members").inner_text()
    page.get_by_label("Search members").fill("")
    page.get_by_label("NHS England region").select_option(label="Midlands")
    expect(page.locator("#members")).to_contain_text("2 of 4 members match")
    screenshot("52-directory-filtered")
    page.locator("#members").get_by_role(
        "link", name="Stafford and Surrounds GP Federation (demo)"
    ).click()
    assert page.get_by_text("coo@stafford-and-surrounds-gp-federation.demo.gpfed.example")
    screenshot("53-directory-member")

    page.goto(demo_site + "/directory/")
    page.get_by_role(
        "link", name="East Leicestershire and Rutland GP Federation: practices"
    ).click()
    expect(page.get_by_role("link", name="manager.c82001@demo.gpfed.example")).to_be_visible()
    page.get_by_role("link", name="Change Demo practice manager's details").click()
    page.get_by_label("Phone").fill("0116 496 0777")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Demo practice manager's details saved")).to_be_visible()
    expect(page.get_by_role("link", name="0116 496 0777")).to_be_visible()
    screenshot("54-directory-federation")
    assert Contact.objects.get(email=MANAGER).phone == "0116 496 0777"
