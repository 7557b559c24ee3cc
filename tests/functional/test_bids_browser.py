"""The bids pipeline in the browser: the demo practice manager finds the opportunity her
practice is asked to commit to and answers for it (and nothing else of the pipeline); the
finance lead takes the imported Enhanced Access notice through the bid/no-bid decision to
submitted and records a loss with the buyer's feedback, then reads the win/loss history."""

import pytest
from playwright.sync_api import expect

from demo import DEMO_USERS
from tests.functional.conftest import sign_in

pytestmark = pytest.mark.browser

FINANCE = next(u["email"] for u in DEMO_USERS if u["role"] == "finance_lead")
MANAGER = next(u["email"] for u in DEMO_USERS if u["role"] == "practice_manager")
FED = "east-leicestershire-and-rutland-gp-federation"
ACCESS = "Enhanced Access to general practice"


def test_a_practice_answer_then_the_pipeline_from_notice_to_loss(page, demo_site, screenshot):
    sign_in(page, demo_site, MANAGER)
    page.goto(f"{demo_site}/bids/{FED}/")
    expect(page.get_by_role("link", name="Care-home ward rounds")).to_have_count(0)
    page.get_by_role("link", name=ACCESS).click()
    page.get_by_role("link", name="Record your practice's answer").click()
    page.get_by_label("Decline").check()
    page.get_by_label("Note").fill("No evening rooms free until June")
    page.get_by_role("button", name="Save the answer").click()
    expect(page.get_by_text("declined", exact=False).first).to_be_visible()
    page.goto(f"{demo_site}/bids/{FED}/history/")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()

    page.context.clear_cookies()
    sign_in(page, demo_site, FINANCE)
    page.goto(f"{demo_site}/bids/{FED}/")
    expect(page.get_by_role("heading", name="Bids pipeline")).to_be_visible()
    screenshot("bids-pipeline")
    page.get_by_role("link", name=ACCESS).click()
    expect(page.get_by_role("cell", name="Quality and service model")).to_be_visible()
    expect(
        page.get_by_role("cell", name="Declined: No evening rooms free until June")
    ).to_be_visible()
    page.get_by_role("link", name="Record the bid/no-bid decision").click()
    page.get_by_label("Bid", exact=True).check()
    page.get_by_label("Reason").fill("We hold the current contract and the members want it.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Decision recorded: bid")).to_be_visible()
    page.get_by_role("link", name="Move it on").click()
    page.get_by_label("Submitted").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Moved to submitted")).to_be_visible()
    page.get_by_role("link", name="Record a loss").click()
    expect(page.get_by_text("It cannot be undone")).to_be_visible()
    page.get_by_label("Reason").fill("Another provider scored higher on integration.")
    page.get_by_label("Score for Quality and service model (50%), percent").fill("72")
    page.get_by_role("button", name="Record the loss").click()
    expect(page.get_by_text("Recorded as lost")).to_be_visible()
    expect(page.get_by_role("cell", name="72.00%")).to_be_visible()
    screenshot("bids-lost")
    page.goto(f"{demo_site}/bids/{FED}/history/")
    expect(page.get_by_role("cell", name="Lost", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="Won", exact=True)).to_be_visible()  # phlebotomy
