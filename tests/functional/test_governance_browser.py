"""The board in the browser: the federation's administrator opens the demo board's upcoming
meeting, adds an item for decision, downloads the board pack, and the demo board member (the
chair) finds the meeting and the register of interests with its declared conflict."""

import re

import pytest
from playwright.sync_api import expect

from demo import DEMO_USERS
from tests.functional.conftest import sign_in

pytestmark = pytest.mark.browser

ADMIN = next(u["email"] for u in DEMO_USERS if u["role"] == "federation_admin")
BOARD = next(u["email"] for u in DEMO_USERS if u["role"] == "board_member")
FED = "east-leicestershire-and-rutland-gp-federation"


def test_the_board_meeting_its_pack_and_the_register_of_interests(page, demo_site):
    sign_in(page, demo_site, ADMIN)
    page.goto(f"{demo_site}/governance/{FED}/")
    page.get_by_role("link", name="The board and committees").click()
    page.get_by_role("link", name="Board of directors").click()
    expect(page.get_by_role("heading", name="Board of directors")).to_be_visible()
    page.get_by_role("link", name="Board meeting").first.click()  # the latest: upcoming
    page.get_by_role("link", name="Add an agenda item").click()
    page.get_by_label("Title").fill("Premises strategy")
    page.get_by_label("For decision").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Item 4 added")).to_be_visible()
    expect(page.get_by_role("cell", name="4. Premises strategy For decision")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the board pack (PDF)").click()
    assert download.value.suggested_filename.startswith("board-pack-")
    page.context.clear_cookies()
    sign_in(page, demo_site, BOARD)
    page.goto(f"{demo_site}/governance/{FED}/interests/")
    expect(page.get_by_role("cell", name="Harbour Health Ltd")).to_be_visible()
    page.goto(f"{demo_site}/governance/{FED}/bodies/")
    page.get_by_role("link", name="Board of directors").click()
    page.get_by_role("link", name="Board meeting").last.click()  # the earliest, decided
    expect(
        page.get_by_text("Shareholder in Harbour Health Ltd, a bidder (conflicted)")
    ).to_be_visible()
    expect(page.get_by_text("Award the Enhanced Access contract: Passed")).to_be_visible()


def test_the_risk_register_and_gifts_in_the_browser_meet_wcag_22_aa(browser, demo_site):
    """The administrator walks from the risk register to a risk and to the meeting that
    reviews it, records a supplier's hospitality over £75 (refused without an approver, then
    recorded as declined), and axe finds nothing on any page with an id in its address."""
    from tests.functional.conftest import offline_context
    from tests.functional.test_accessibility import AXE, audit, with_axe

    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run make assets (npm ci)")
    context = with_axe(offline_context(browser, viewport={"width": 1200, "height": 900}))
    page = context.new_page()
    try:
        sign_in(page, demo_site, ADMIN)
        page.goto(f"{demo_site}/governance/{FED}/risks/")
        page.get_by_role("link", name="R2 Not enough GPs for hub sessions").click()
        expect(page.get_by_text("Two salaried GPs recruited to the hubs")).to_be_visible()
        reports = {"risk": audit(page)}
        page.get_by_role("link", name="Review the scores").click()
        reports["risk review"] = audit(page)
        page.go_back()
        page.get_by_role("link", name="Board meeting").first.click()
        expect(page.get_by_role("heading", name="Risks reviewed at this meeting")).to_be_visible()
        reports["meeting"] = audit(page)
        page.get_by_role("link", name="Cite a risk for review").click()
        reports["cite a risk"] = audit(page)
        page.goto(f"{demo_site}/governance/{FED}/gifts/new/")
        page.get_by_label("Hospitality", exact=True).check()
        page.get_by_label("Offered to us", exact=True).check()
        page.get_by_label("From (or to) whom").fill("Acme Supplies Ltd")
        page.get_by_label("Yes", exact=True).check()
        page.get_by_label("What it is").fill("Dinner at a conference")
        page.get_by_label("Value (£)").fill("95")
        page.get_by_label("Date", exact=True).fill("2026-11-02")
        page.get_by_label("Accepted", exact=True).check()
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("can be accepted only with approval").first).to_be_visible()
        reports["gift refused"] = audit(page)
        page.get_by_label("Declined", exact=True).check()
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("Hospitality from Acme Supplies Ltd recorded")).to_be_visible()
        expect(
            page.get_by_role("cell", name=re.compile(r"^Acme Supplies Ltd \(supplier\)"))
        ).to_be_visible()
        reports["gifts"] = audit(page)
    finally:
        context.close()
    problems = {name: report for name, report in reports.items() if report}
    assert not problems, problems
