"""Narrow screens: at 375 px (a small phone) no page the demo roles use scrolls sideways. A wide
table scrolls inside its own labelled region, its first column fixed, as the NHS.UK frontend's
scroll pattern does; the page around it stays the width of the screen. At 1280 px the value
statement shows every column, up to "Per patient", without scrolling.

The pages the accessibility test audits are loaded there at 375 px first and checked for this
too (WCAG 2.2's reflow, 1.4.10, which axe cannot check), so each is opened once; here are the
others."""

import contextlib
from datetime import date

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from demo import DEMO_USERS
from tests.functional.conftest import NARROW, sideways, sign_in_by_session
from tests.functional.test_accessibility import FED, PAGES

pytestmark = pytest.mark.browser

WIDE = {"width": 1280, "height": 900}
# Beyond the accessibility test's pages (checked at 375 px there): those with the wide tables (a
# posted settlement and a month's preview, the rota, a statement for a year, the audit trail),
# detail pages and forms with file inputs, and two roles it does not visit (a clinical director,
# a board member).
EXTRA = {
    "federation_admin": [
        "/audit/?action=federation",
        "/pcns/U30213/",
    ],
    "finance_lead": [
        "{settlement}",
        "{preview}",
        "/finance/statements/C82001/?period=2026-27",
        f"/finance/{FED}/contracts/{{contract}}/",
        f"/finance/{FED}/services/{{service}}/",
        f"/finance/{FED}/activity/record/",
    ],
    "operations_lead": [
        f"/rota/{FED}/",
        f"/rota/{FED}/sites/{{site}}/",
        f"/rota/{FED}/staff/{{staff}}/",
        f"/rota/{FED}/pcns/",
        f"/rota/{FED}/arrs/U30213/",
        f"/rota/{FED}/staff/import",
    ],
    "communications_lead": [
        f"/comms/federations/{FED}/",
        f"/comms/federations/{FED}/new",
        "/comms/bulletins/{bulletin}/",
        "/comms/events/{event}/",
        "/comms/library/{resource}/",
    ],
    "pcn_clinical_director": ["/", "/rota/", f"/rota/{FED}/arrs/U30213/"],
    "board_member": ["/", "/finance/"],
    "practice_manager": ["/", "/finance/statements/C82001/"],
}


def email(role: str) -> str:
    return next(u["email"] for u in DEMO_USERS if u["role"] == role)


def pages_of(role: str) -> list[str]:
    from comms.models import Bulletin, Event, Resource
    from finance.inputs import add_months, month_start
    from finance.models import Contract, Service
    from rota.models import Site, Staff

    last = add_months(month_start(date.today()), -1)  # the demo's latest posted month
    values = {
        "settlement": f"/finance/{FED}/settlements/{last:%Y-%m}/",
        "preview": f"/finance/{FED}/settlements/{date.today():%Y-%m}/",
        "site": Site.objects.filter(federation__slug=FED).order_by("pk").first().pk,
        "staff": Staff.objects.filter(federation__slug=FED).order_by("pk").first().pk,
        "contract": Contract.objects.filter(federation__slug=FED).order_by("pk").first().pk,
        "service": Service.objects.filter(federation__slug=FED).order_by("pk").first().code,
        "bulletin": Bulletin.objects.filter(federation__slug=FED).order_by("pk").first().pk,
        "event": Event.objects.filter(federation__slug=FED).order_by("pk").first().pk,
        "resource": Resource.objects.filter(federation__slug=FED).order_by("pk").first().pk,
    }
    audited = set(PAGES.get(role, []))  # opened at 375 px by the accessibility test
    return list(dict.fromkeys(p.format(**values) for p in EXTRA[role] if p not in audited))


@pytest.mark.parametrize("role", list(EXTRA))
def test_no_page_a_role_uses_scrolls_sideways_at_375_px(page, demo_site, screenshot, role):
    page.set_viewport_size(NARROW)
    sign_in_by_session(page, demo_site, email(role))
    wide = []
    for path in pages_of(role):
        response = page.goto(demo_site + path)
        assert response.status == 200, f"{path}: {response.status}"
        page.wait_for_load_state()
        if report := sideways(page, path):
            wide.append(report)
        if role == "finance_lead" and "/settlements/" in path and "preview" not in path:
            screenshot("70-narrow-settlement")
        if role == "operations_lead" and path == f"/rota/{FED}/":
            screenshot("71-narrow-rota")
        if role == "practice_manager" and path.startswith("/finance/statements/"):
            screenshot("72-narrow-statement")
    assert not wide, "\n".join(wide)


def test_the_wide_tables_scroll_in_a_labelled_region_with_the_first_column_fixed(page, demo_site):
    """The statement's table at 375 px: a region named by its caption that a keyboard can reach
    and scroll, its first column staying in view as the rest scrolls past."""
    page.set_viewport_size(NARROW)
    sign_in_by_session(page, demo_site, email("practice_manager"))
    page.goto(demo_site + "/finance/statements/C82001/")
    region = page.get_by_role("region", name="Service by service")
    expect(region).to_be_visible()
    assert region.get_attribute("tabindex") == "0"
    first = page.locator("#statement-services tbody tr").first.locator("td").first
    before = first.bounding_box()["x"]
    region.focus()
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    # the browser may scroll smoothly, a frame or two after the key: wait for it (5 s at most)
    with contextlib.suppress(PlaywrightTimeoutError):  # said plainly by the assertion below
        page.wait_for_function("el => el.scrollLeft > 0", arg=region.element_handle(), timeout=5000)
    assert region.evaluate("el => el.scrollLeft") > 0, "the keyboard does not scroll the table"
    region.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    assert abs(first.bounding_box()["x"] - before) < 1, "the first column scrolled away"


@pytest.mark.parametrize("role", ["finance_lead", "practice_manager"])
def test_the_statement_shows_per_patient_at_1280_px(page, demo_site, role):
    page.set_viewport_size(WIDE)
    sign_in_by_session(page, demo_site, email(role))
    page.goto(demo_site + "/finance/statements/C82001/")
    header = page.locator("#statement-services").get_by_role("columnheader", name="Per patient")
    box = header.bounding_box()
    assert box is not None, "no Per patient column"
    # Within the screen, and not hidden past the edge of a region the table scrolls in.
    shown = header.evaluate(
        """el => {
          let right = document.documentElement.clientWidth;
          for (let p = el.parentElement; p; p = p.parentElement) {
            if (getComputedStyle(p).overflowX !== "visible") {
              right = Math.min(right, p.getBoundingClientRect().right);
            }
          }
          return right;
        }"""
    )
    assert box["x"] + box["width"] <= shown + 0.5, (
        f"Per patient ends at {box['x'] + box['width']:.0f} px, past what shows ({shown:.0f} px)"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate(
        "document.documentElement.clientWidth"
    )
