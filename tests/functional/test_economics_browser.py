"""The service economics modeller in the browser: the demo finance lead starts a scenario from
the catalogue's phlebotomy, gives the PCN level's figures, saves it and reads the results (the
paragraph, the charts and their tables), checked by axe; the practice manager then sees her own
practice's line of the demo's shared phlebotomy scenario, and no other practice's."""

import pytest
from playwright.sync_api import expect

from demo import DEMO_USERS
from tests.functional.conftest import ARTIFACTS, offline_context, sign_in
from tests.functional.test_accessibility import AXE, audit, with_axe

pytestmark = pytest.mark.browser

FED = "east-leicestershire-and-rutland-gp-federation"
FINANCE = next(u["email"] for u in DEMO_USERS if u["role"] == "finance_lead")
MANAGER = next(u["email"] for u in DEMO_USERS if u["role"] == "practice_manager")


def test_the_finance_lead_builds_a_scenario_and_the_manager_sees_her_line(
    browser, demo_site, screenshot, page
):
    sign_in(page, demo_site, FINANCE)
    page.goto(f"{demo_site}/economics/{FED}/")
    expect(page.get_by_role("heading", name="Service economics")).to_be_visible()
    expect(page.get_by_role("link", name="Phlebotomy hub at federation level")).to_be_visible()
    page.get_by_role("link", name="Phlebotomy", exact=True).click()
    expect(page.get_by_label("Name of the scenario")).to_have_value("Phlebotomy at scale")
    expect(page.get_by_label("Most likely Fixed cost a year in each practice (£)")).to_have_value(
        "11400"
    )
    # The catalogue has no PCN figures: leaving them out names the field.
    page.get_by_role("button", name="Save and work out the results").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    screenshot("60-economics-build-errors")
    page.get_by_label("Most likely Fixed cost a year in each PCN (£)").fill("20000")
    page.get_by_label("Low Cost per unit at a PCN (£)").fill("1.2")
    page.get_by_label("Most likely Cost per unit at a PCN (£)").fill("1.5")
    page.get_by_label("High Cost per unit at a PCN (£)").fill("2")
    page.get_by_label("Runs").fill("2000")
    page.get_by_role("button", name="Save and work out the results").click()
    expect(page.get_by_text("Saved as version 1")).to_be_visible()
    expect(page.get_by_role("heading", name="Phlebotomy at scale")).to_be_visible()
    expect(page.locator("#summary")).to_contain_text("At federation level")
    expect(page.get_by_role("img", name="Total net a year at each level (£)")).to_be_visible()
    expect(page.get_by_role("table", name="Total net a year at each level")).to_be_visible()
    expect(page.get_by_text("up to date with the registry")).to_be_visible()
    screenshot("61-economics-results")
    if AXE.exists():
        # axe goes into each page before its scripts, outside the Content Security Policy
        context = with_axe(offline_context(browser, viewport={"width": 1200, "height": 900}))
        checked = context.new_page()
        sign_in(checked, demo_site, FINANCE)
        found = []
        for path in (f"/economics/{FED}/", f"/economics/{FED}/new/", "/economics/"):
            checked.goto(demo_site + path)
            report = audit(checked)
            if report:
                found.append(f"{path}:\n{report}")
        checked.goto(f"{demo_site}/economics/{FED}/")
        checked.get_by_role("link", name="Phlebotomy at scale").click()
        report = audit(checked)
        if report:
            found.append(f"results:\n{report}")
        assert not found, "\n".join(found)
        context.close()

    context = offline_context(browser, viewport={"width": 1200, "height": 900})
    manager = context.new_page()
    sign_in(manager, demo_site, MANAGER)
    manager.goto(f"{demo_site}/economics/")
    manager.get_by_role("link", name="Phlebotomy hub at federation level").click()
    expect(manager.get_by_text("Other practices' figures are not shown")).to_be_visible()
    expect(manager.get_by_role("heading", name="C82001")).to_be_visible()
    assert "C82038" not in manager.content()
    assert manager.get_by_role("link", name="Phlebotomy at scale").count() == 0
    manager.screenshot(path=str(ARTIFACTS / "62-economics-manager.png"), full_page=True)
    context.close()
