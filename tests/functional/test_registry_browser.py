"""What a person does in the browser, in real headless Chromium."""

import re

import pytest
from playwright.sync_api import expect

from tests.functional.conftest import offline_context, sign_in

pytestmark = pytest.mark.browser


def test_sign_in_search_and_open_a_practice(page, demo_site, screenshot):
    page.goto(demo_site + "/")
    expect(page.get_by_role("heading", name="Sign in to gpfed")).to_be_visible()
    screenshot("01-sign-in")
    sign_in(page, demo_site)
    expect(page.get_by_role("heading", name="Your federation")).to_be_visible()
    screenshot("02-home")

    page.get_by_role("link", name="Practices and PCNs").click()
    page.wait_for_load_state()  # htmx listens once its script has run
    page.get_by_role("textbox", name="ODS code, name, town or postcode", exact=True).fill(
        "kibworth"
    )
    # htmx replaces the results as the person types, without a page load.
    results = page.locator("#results")
    results.get_by_role("link", name="SOUTH LEICESTERSHIRE MEDICAL GROUP").wait_for()
    expect(page).to_have_url(re.compile(r"q=kibworth"))  # htmx puts the search in the address
    screenshot("03-search")

    results.get_by_role("link", name="SOUTH LEICESTERSHIRE MEDICAL GROUP").click()
    expect(page.get_by_role("heading", name="SOUTH LEICESTERSHIRE MEDICAL GROUP")).to_be_visible()
    expect(page.get_by_text("CROSS COUNTIES PCN").first).to_be_visible()
    expect(page.get_by_text("25,822 (extract of 1 April 2026)")).to_be_visible()
    # The list over time: January 2021 and April 2026.
    expect(page.get_by_role("cell", name="26,437", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="25,822", exact=True)).to_be_visible()
    screenshot("04-practice")


def test_federation_overview_in_the_browser(page, demo_site, screenshot):
    sign_in(page, demo_site)
    page.get_by_role(
        "link", name="East Leicestershire and Rutland GP Federation", exact=True
    ).click()
    assert page.get_by_test_id("practice-count").inner_text() == "31"
    assert page.get_by_test_id("registered").inner_text() == "361,969"
    assert page.get_by_test_id("registered-extracts").inner_text() == (
        "Latest extracts, 1 January 2021 to 1 April 2026"
    )
    screenshot("05-federation")
    page.get_by_role("link", name="CROSS COUNTIES PCN").click()
    expect(page.get_by_text("Estimate").first).to_be_visible()  # waits for the new page
    screenshot("06-pcn")


def test_search_works_without_javascript(browser, demo_site):
    context = offline_context(browser, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, demo_site)
    page.goto(demo_site + "/search/")
    page.get_by_role("textbox", name="ODS code, name, town or postcode", exact=True).fill("C82001")
    page.locator("main").get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("link", name="SOUTH LEICESTERSHIRE MEDICAL GROUP")).to_be_visible()
    context.close()


def test_api_documentation_page_loads(page, demo_site):
    sign_in(page, demo_site)
    page.goto(demo_site + "/api/v1/docs")
    page.get_by_text("/api/v1/practices").first.wait_for()
