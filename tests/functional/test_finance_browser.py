"""The money in the browser: the demo finance lead imports a month of activity, previews and
posts the settlement, and the demo practice manager opens the practice's value statement."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from demo import DEMO_USERS
from tests.functional.conftest import menu, sign_in

pytestmark = pytest.mark.browser

FINANCE = next(u["email"] for u in DEMO_USERS if u["role"] == "finance_lead")
MANAGER = next(u["email"] for u in DEMO_USERS if u["role"] == "practice_manager")


def activity_file(tmp_path, month: date, *, bad: bool = False):
    from finance.models import ServiceParticipation

    rows = ["ODS code,Service,Month,Units"]
    for spell in ServiceParticipation.objects.filter(
        service__code__in=["phlebotomy", "ecg", "enhanced-access"], end_date__isnull=True
    ).select_related("practice", "pcn", "service"):
        org = spell.organisation
        rows.append(f"{org.code},{spell.service.code},{month:%Y-%m},{len(org.code) * 37}")
    if bad:
        rows.append(f"C82001,phlebotomy,{month:%Y-%m},12.5")
    path = tmp_path / ("bad.csv" if bad else f"activity-{month:%Y-%m}.csv")
    path.write_text("\n".join(rows) + "\n")
    return path


def test_finance_lead_posts_a_month_and_the_practice_manager_reads_the_statement(
    page,
    demo_site,
    screenshot,
    tmp_path,
):
    from finance.models import Settlement

    month = date.today().replace(day=1)
    sign_in(page, demo_site, FINANCE)
    menu(page, "Finance")  # the header menu, once laid out
    page.get_by_role("link", name="East Leicestershire and Rutland GP Federation").click()
    expect(page.get_by_role("heading", name="Settlements by month")).to_be_visible()
    screenshot("20-finance-months")

    page.get_by_role("link", name="Activity", exact=True).click()
    upload = page.get_by_label("Activity file (CSV or XLSX)")
    upload.set_input_files(str(activity_file(tmp_path, month, bad=True)))
    page.get_by_role("button", name="Check and import").click()
    problems = page.locator("#problems")
    expect(problems.get_by_text("units must be a whole number")).to_be_visible()
    screenshot("21-activity-problems")

    page.get_by_label("Activity file (CSV or XLSX)").set_input_files(
        str(activity_file(tmp_path, month))
    )
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_text("Activity imported")).to_be_visible()
    screenshot("22-activity-imported")

    page.get_by_role("link", name=f"Settlement for {month:%B %Y}").click()
    page.get_by_role("button", name="Accrue contract income").click()
    expect(page.get_by_text(re.compile(r"contract income lines? accrued"))).to_be_visible()
    expect(page.get_by_role("table", name="Income lines")).to_be_visible()
    screenshot("23-settlement-preview")
    page.get_by_role("link", name=f"Post settlement for {month:%B %Y}").click()
    # posting confirms first, and any warning the preview gives must be ticked as checked
    # (count() does not wait: wait for the confirmation page before asking)
    expect(page.get_by_role("button", name=f"Post settlement for {month:%B %Y}")).to_be_visible()
    confirm = page.get_by_label("I have checked", exact=False)
    if confirm.count():
        confirm.check()
    page.get_by_role("button", name=f"Post settlement for {month:%B %Y}").click()
    expect(page.get_by_text("posted", exact=False).first).to_be_visible()
    expect(page.get_by_role("link", name="Download the remittance (CSV)")).to_be_visible()
    screenshot("24-settlement-posted")
    assert Settlement.objects.filter(month=month).count() == 1

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, demo_site, MANAGER)
    menu(page, "Finance")  # the header menu, once laid out
    # a practice manager goes straight to the practice's statement
    expect(page.get_by_role("heading", name="Value statement")).to_be_visible()
    page.get_by_label("Period").fill(f"{month:%Y-%m}")
    page.get_by_role("button", name="Show").click()
    summary = page.locator("#summary").inner_text()
    assert "SOUTH LEICESTERSHIRE MEDICAL GROUP" in summary and "off" in summary
    expect(page.get_by_role("table", name=f"Service by service, {month:%B %Y}")).to_be_visible()
    screenshot("25-value-statement")
    page.get_by_label("Period").fill("2026-27")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("svg.gpfed-chart")).to_be_visible()
    screenshot("26-value-statement-year")
