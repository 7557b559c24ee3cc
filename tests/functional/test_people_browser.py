"""Irreversible actions on people confirm first, with JavaScript off as well as on, and the pages
that confirm them (and the page for a form button's address opened on its own) meet WCAG 2.2 AA,
in real headless Chromium."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import RoleGrant, User
from accounts.services import api_token_create
from registry.models import FederationMembership
from registry.services import federation_membership_end
from tests.functional.conftest import offline_context, sign_in
from tests.functional.test_accessibility import AXE, audit, with_axe

pytestmark = pytest.mark.browser

FED = "east-leicestershire-and-rutland-gp-federation"


def test_ending_a_role_and_deactivating_confirm_first_without_javascript(browser, demo_site):
    staff = User.objects.get(email="staff.c82001@demo.gpfed.example")
    context = offline_context(browser, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, demo_site)
        page.goto(demo_site + "/accounts/people/")
        page.get_by_role("link", name=f"End role of {staff} as Practice staff").click()
        heading = f"End {staff}'s role as practice staff?"
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
        assert RoleGrant.objects.get(user=staff).end_date is None  # nothing yet
        page.get_by_role("button", name="End the role").click()
        expect(page.get_by_text(f"{staff}'s role as Practice staff of")).to_be_visible()
        assert RoleGrant.objects.get(user=staff).end_date == timezone.localdate()

        manager = User.objects.get(email="manager.c82001@demo.gpfed.example")
        page.get_by_role("link", name=f"Deactivate {manager}").click()
        expect(page.get_by_role("heading", name=f"Deactivate {manager}?")).to_be_visible()
        page.get_by_role("link", name="Cancel").click()
        manager.refresh_from_db()
        assert manager.is_active
        page.get_by_role("link", name=f"Deactivate {manager}").click()
        page.get_by_role("button", name=f"Deactivate {manager}").click()
        expect(page.get_by_text(f"{manager} can no longer sign in.")).to_be_visible()
        manager.refresh_from_db()
        assert not manager.is_active
    finally:
        context.close()


def test_the_confirm_pages_meet_wcag_22_aa(browser, demo_site):
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run make assets (npm ci)")
    staff = User.objects.get(email="staff.c82001@demo.gpfed.example")
    coo = User.objects.get(email="coo@demo.gpfed.example")
    token, _ = api_token_create(user=coo, name="nightly export", days=30)
    leaving = federation_membership_end(
        membership=FederationMembership.objects.get(
            federation__slug=FED, practice__code="C82013", end_date__isnull=True
        ),
        end_date=timezone.localdate() + timedelta(days=116),
        by=None,
    )
    paths = {
        f"/accounts/people/roles/{RoleGrant.objects.get(user=staff).pk}/end/?federation={FED}": 200,
        f"/accounts/people/{staff.pk}/deactivate/?federation={FED}": 200,
        f"/accounts/account/tokens/{token.pk}/revoke/": 200,
        f"/federations/{FED}/members/{leaving.pk}/leaving/": 200,
        "/accounts/account/tokens/": 405,  # a form button's address, opened on its own
    }
    context = with_axe(offline_context(browser, viewport={"width": 1200, "height": 900}))
    page = context.new_page()
    try:
        sign_in(page, demo_site)
        found = []
        for path, status in paths.items():
            response = page.goto(demo_site + path)
            assert response.status == status, f"{path}: {response.status}"
            report = audit(page)
            if report:
                found.append(f"{path}:\n{report}")
        assert not found, "\n".join(found)
    finally:
        context.close()
