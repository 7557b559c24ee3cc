"""Issue 14 in the browser, as the demo finance lead: the four things that would have paid
practices wrongly at month end, each shown fixed.

1. accrued income follows activity imported after it was accrued;
2. a contract whose notice date has passed is listed first, flagged;
3. activity missing for most of those taking part is warned of, and posting confirms first;
4. a clawback from one practice reaches it whole, with the sign in its place, in a line of its
   own naming the settlement it corrects."""

import csv
import io
import re
from datetime import date

import pytest
from playwright.sync_api import expect

from demo import DEMO_USERS
from kernel.formats import money_text
from tests.functional.conftest import sign_in

pytestmark = pytest.mark.browser

FINANCE = next(u["email"] for u in DEMO_USERS if u["role"] == "finance_lead")


def _activity(tmp_path, month: date, name: str, *, practices: int | None, pcns: int) -> str:
    """Phlebotomy for the first ``practices`` practices taking part (all if None), Enhanced
    Access for the first ``pcns`` PCNs."""
    from finance.models import ServiceParticipation

    spells = ServiceParticipation.objects.filter(
        service__code__in=["phlebotomy", "enhanced-access"], end_date__isnull=True
    ).select_related("practice", "pcn", "service")
    phlebotomy = sorted(s.practice.code for s in spells if s.service.code == "phlebotomy")
    access = sorted(s.pcn.code for s in spells if s.service.code == "enhanced-access")
    rows = ["ODS code,Service,Month,Units"]
    rows += [
        f"{c},phlebotomy,{month:%Y-%m},{150 + i}" for i, c in enumerate(phlebotomy[:practices])
    ]
    rows += [f"{c},enhanced-access,{month:%Y-%m},{400 + i}" for i, c in enumerate(access[:pcns])]
    path = tmp_path / name
    path.write_text("\n".join(rows) + "\n")
    return str(path)


def _import(page, path: str) -> None:
    page.get_by_role("link", name="Activity", exact=True).click()
    page.get_by_label("Activity file (CSV or XLSX)").set_input_files(path)
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_text("Activity imported")).to_be_visible()


def _accrued_phlebotomy(month: date):
    from finance.models import IncomeEntry

    return IncomeEntry.objects.get(
        month=month, service__code="phlebotomy", accrued_from__isnull=False
    )


def test_the_finance_lead_closes_a_month_she_can_trust(page, demo_site, screenshot, tmp_path):
    from finance.models import Settlement

    month = date.today().replace(day=1)
    november = Settlement.objects.filter(month__lt=month).order_by("-month").first()
    sign_in(page, demo_site, FINANCE)
    page.get_by_role("link", name="Finance", exact=True).click()
    page.get_by_role("link", name="East Leicestershire and Rutland GP Federation").click()

    # 2. the contract whose notice date passed is first on the register, flagged
    page.get_by_role("link", name="Contracts", exact=True).click()
    first = page.locator("table tbody tr").first.inner_text()
    assert "LLR-CD-2024-017" in first and "Notice date passed" in first
    screenshot("60-contracts-notice-passed-first")

    # 1. accrue after a partial file, then import the whole month: the line follows
    _import(page, _activity(tmp_path, month, "partial.csv", practices=3, pcns=1))
    page.get_by_role("link", name=f"Settlement for {month:%B %Y}").click()
    page.get_by_role("button", name="Accrue contract income").click()
    expect(page.get_by_text(re.compile(r"contract income lines? accrued"))).to_be_visible()
    partial = _accrued_phlebotomy(month).amount_pence
    _import(page, _activity(tmp_path, month, "whole.csv", practices=None, pcns=1))
    page.get_by_role("link", name=f"Settlement for {month:%B %Y}").click()
    whole = _accrued_phlebotomy(month)
    assert whole.amount_pence > partial and whole.follows_contract
    lines = page.get_by_role("table", name="Income lines").inner_text()
    assert money_text(whole.amount_pence) in lines and money_text(partial) not in lines
    screenshot("61-accrual-followed-activity")

    # 4. a clawback of £250 from one practice, first with the top-slice (refused, signs in
    # place), then without: it reaches the practice whole
    page.get_by_role("link", name="Add income").click()
    page.get_by_label("Description").fill(f"{november.month:%B} ECG overpaid to C82001")
    page.get_by_label("Amount (£)").fill("-250")
    page.get_by_label("Status").select_option(label="Received")
    page.get_by_label("Service").select_option(label="ECG")
    page.get_by_label("Share it").select_option(label="Fixed amounts")
    page.get_by_label("Fixed amounts, percentages or points").fill("C82001 -250")
    page.get_by_label("Corrects a posted settlement").select_option(label=november.reference)
    page.get_by_role("button", name="Add income").click()
    problems = page.locator(".nhsuk-error-summary").inner_text()
    assert (
        "add up to \u2212£250.00, more than the \u2212£240.00 left after the 4.00% top-slice"
        in (problems)
    )
    screenshot("62-clawback-top-slice-refused")
    page.get_by_label("No top-slice").check()
    page.get_by_role("button", name="Add income").click()
    lines = page.get_by_role("table", name="Income lines").inner_text()
    assert f"Adjusts {november.reference}" in lines and "No top-slice" in lines
    screenshot("63-clawback-whole")

    # 3. activity for one PCN of those taking part in Enhanced Access: warned, confirmed
    warnings = page.locator(".nhsuk-warning-callout").inner_text()
    assert "Enhanced Access hubs: no activity for" in warnings
    page.get_by_role("link", name=f"Post settlement for {month:%B %Y}").click()
    expect(
        page.get_by_role("heading", name=f"Post the settlement for {month:%B %Y}?")
    ).to_be_visible()
    expect(page.get_by_text("Enhanced Access hubs: no activity for")).to_be_visible()
    page.get_by_role("button", name=f"Post settlement for {month:%B %Y}").click()
    expect(page.get_by_text("Tick the box to confirm").first).to_be_visible()
    screenshot("64-post-confirm-warnings")
    assert not Settlement.objects.filter(month=month).exists()
    page.get_by_label("I have checked these warnings").check()
    page.get_by_role("button", name=f"Post settlement for {month:%B %Y}").click()
    expect(page.get_by_text("Settlement STL-").first).to_be_visible()
    posted = Settlement.objects.get(month=month)
    assert any("Enhanced Access hubs: no activity" in w for w in posted.warnings)

    remittance = page.request.get(
        demo_site
        + page.get_by_role("link", name="Download the remittance (CSV)").get_attribute("href")
    )
    rows = list(csv.DictReader(io.StringIO(remittance.text())))
    clawed = [r for r in rows if f"correction to {november.reference}" in r["Service"]]
    assert [(r["ODS code"], r["Net paid"]) for r in clawed] == [("C82001", "-250.00")]
    screenshot("65-posted-with-correction")
