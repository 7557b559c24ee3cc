"""A consultation in the browser: the demo practice manager answers the demo federation's open
consultation for her practice, comes back to see her answer and who gave it; the federation's
administrator reads the results rolled up, with the free text."""

import pytest
from playwright.sync_api import expect

from demo import DEMO_USERS
from tests.functional.conftest import sign_in

pytestmark = pytest.mark.browser

ADMIN = next(u["email"] for u in DEMO_USERS if u["role"] == "federation_admin")
MANAGER = next(u["email"] for u in DEMO_USERS if u["role"] == "practice_manager")
FEDERATION = "East Leicestershire and Rutland GP Federation"


def test_a_practice_answers_and_the_federation_reads_the_results(page, demo_site, screenshot):
    from voice.models import Response

    sign_in(page, demo_site, MANAGER)
    page.goto(demo_site + "/voice/")
    page.get_by_role("link", name=FEDERATION).click()
    page.get_by_role("link", name="Extended access hubs from April").click()
    page.get_by_role("link", name="South Leicestershire Medical Group").click()
    page.get_by_label("Not sure").check()
    page.get_by_role("group", name="How ready is your practice to book into a hub?").get_by_label(
        "4"
    ).check()
    page.get_by_label("What would make it work for you? (optional)").fill(
        "=A hub within ten minutes of Wigston"
    )
    screenshot("90-voice-answer")
    page.get_by_role("button", name="Send the answer").click()
    expect(page.get_by_text("South Leicestershire Medical Group's answer sent")).to_be_visible()
    response = Response.objects.get(practice__code="C82001")
    assert response.responder_name == "Demo practice manager"
    page.get_by_role("link", name="South Leicestershire Medical Group").click()
    expect(page.get_by_text("the answer was given by Demo practice manager")).to_be_visible()
    expect(page.get_by_role("button", name="Change the answer")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, demo_site, ADMIN)
    page.goto(demo_site + "/voice/")
    page.get_by_role("link", name=FEDERATION).click()
    page.get_by_role("link", name="Extended access hubs from April").click()
    expect(page.get_by_role("heading", name="Not answered yet")).to_be_visible()
    page.get_by_role("link", name="The results").click()
    expect(page.get_by_role("heading", name="By PCN")).to_be_visible()
    expect(page.get_by_text("=A hub within ten minutes of Wigston")).to_be_visible()
    screenshot("91-voice-results")
