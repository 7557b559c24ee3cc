"""The board in the browser: the federation's administrator opens the demo board's upcoming
meeting, adds an item for decision, downloads the board pack, and the demo board member (the
chair) finds the meeting and the register of interests with its declared conflict."""

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
