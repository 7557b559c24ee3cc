"""The rota in the browser: the demo operations lead plans December, moves a session by hand
(a move that breaks a rule is refused with the rule named) and sees compliance update."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from demo import DEMO_USERS
from tests.functional.conftest import sign_in

pytestmark = pytest.mark.browser

OPERATIONS = next(u["email"] for u in DEMO_USERS if u["role"] == "operations_lead")
DECEMBER = date(2026, 12, 7)  # the first Monday of December 2026


def minutes_in(page, pcn: str, week: date) -> int:
    """The planned time in the compliance table, shown as "54 hours 46 minutes"."""
    row = page.locator("#compliance tr", has_text=pcn).filter(has_text=f"{week.day} {week:%B %Y}")
    shown = row.locator("td").nth(3).inner_text()
    hours = re.search(r"([\d,]+) hours?", shown)
    minutes = re.search(r"(\d+) minutes?", shown)
    return sum(
        int(found.group(1).replace(",", "")) * factor
        for found, factor in ((hours, 60), (minutes, 1))
        if found
    )


def test_operations_lead_plans_december_and_moves_a_session(
    page,
    demo_site,
    screenshot,
):
    from registry.models import Federation
    from rota.models import PlanRun, RotaSession, Site
    from rota.services import local

    sign_in(page, demo_site, OPERATIONS)
    page.get_by_role("link", name="Rota and staff").click()
    expect(page.get_by_role("heading", name="Enhanced Access rota")).to_be_visible()
    page.get_by_label("First week (a Monday)").fill(f"{DECEMBER:%Y-%m-%d}")
    page.get_by_label("Number of weeks").fill("4")
    page.get_by_role("button", name="Plan", exact=True).click()
    expect(page.get_by_text("Planning 4 weeks from 7 December 2026")).to_be_visible()
    run = PlanRun.objects.filter(start=DECEMBER).get()
    assert run.status == PlanRun.Status.DONE, run.error
    expect(page.locator(f"#run-{run.pk}").get_by_text("Done")).to_be_visible()
    expect(page.get_by_role("table").first).to_be_visible()
    screenshot("30-rota-planned")

    # a session at a hub that serves two PCNs, moved from one PCN to the other
    federation = Federation.objects.get(slug="east-leicestershire-and-rutland-gp-federation")
    hub = next(s for s in Site.objects.filter(federation=federation) if s.pcns.count() == 2)
    codes = sorted(p.code for p in hub.pcns.all())
    session = (
        RotaSession.objects.filter(
            site=hub, start__date__gte=DECEMBER, staff__role="practice_nurse"
        )
        .order_by("start")
        .first()
        or RotaSession.objects.filter(site=hub, start__date__gte=DECEMBER).order_by("start").first()
    )
    page.goto(
        f"{demo_site}/rota/{federation.slug}/sites/{hub.pk}/?week={local(session.start):%Y-%m-%d}"
    )
    screenshot("31-rota-site-week")
    page.locator(f'[data-session="{session.pk}"]').get_by_role("link").last.click()
    expect(page.get_by_role("heading", name="Move or change a session")).to_be_visible()

    # first, to a Sunday: refused, and the rule is named
    page.get_by_label("Day").fill("2026-12-13")
    page.get_by_role("button", name="Save session").click()
    screenshot("32-rota-move-refused")
    expect(page.get_by_text("no Sunday or bank-holiday sessions").first).to_be_visible()
    screenshot("32-rota-move-refused")

    other = codes[1] if session.pcn.code == codes[0] else codes[0]
    monday = local(session.start).date() - timedelta(days=local(session.start).weekday())
    page.goto(f"{demo_site}/rota/{federation.slug}/?start={monday:%Y-%m-%d}&weeks=1")
    before = minutes_in(page, other, monday)
    page.goto(f"{demo_site}/rota/{federation.slug}/sessions/{session.pk}/edit")
    target = next(p for p in hub.pcns.all() if p.code == other)
    page.get_by_label("PCN", exact=True).select_option(value=str(target.pk))
    page.get_by_role("button", name="Save session").click()
    expect(page.get_by_text("Session saved")).to_be_visible()
    minutes = int((session.end - session.start).total_seconds() // 60)
    page.goto(f"{demo_site}/rota/{federation.slug}/?start={monday:%Y-%m-%d}&weeks=1")
    assert minutes_in(page, other, monday) == before + minutes
    screenshot("33-rota-compliance-updated")
    session.refresh_from_db()
    assert session.pcn.code == other and session.edited_at is not None
