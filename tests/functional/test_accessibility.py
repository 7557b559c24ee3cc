"""WCAG 2.2 AA, checked by axe-core (the engine most accessibility audits use) on the pages
each demo role uses most, in real headless Chromium. A rule axe reports on any of them fails
the test, naming the page, the rule and the elements.

Each page is opened at 375 px first and must not scroll sideways there (reflow, 1.4.10, which
axe cannot check; tests/functional/test_narrow_screens.py checks the other pages), and must not
have its Content Security Policy block anything or a script throw; then it is widened to 1200
px and audited."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from demo import DEMO_USERS
from tests.functional.conftest import (
    NARROW,
    offline_context,
    sideways,
    sign_in,
    sign_in_by_session,
    watch,
)

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDE = {"width": 1200, "height": 900}
# Resolves once the page has drawn twice: after the resize event has run its handlers (the NHS.UK
# header lays its menu out again) and the layout they changed is done.
SETTLED = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"
FED = "east-leicestershire-and-rutland-gp-federation"
NET = "primary-care-federation-network-demo"


def email(role: str) -> str:
    return next(u["email"] for u in DEMO_USERS if u["role"] == role)


# Each role's pages are also the ones checked at 375 px for sideways scrolling and for what the
# Content Security Policy blocks or a script throws: test_narrow_screens.py and the new areas' walk
# leave them to this test, so a role skipped or marked to fail here loses those checks too.
PAGES = {
    "federation_admin": [
        "/",
        f"/federations/{FED}/",
        "/search/?q=surgery",
        "/practices/C82001/",
        "/accounts/people/",
        "/audit/",
        "/imports/",
        f"/governance/{FED}/",
        f"/governance/{FED}/members/",
        f"/governance/{FED}/articles/",
        f"/governance/{FED}/shares/",
        f"/governance/{FED}/resolutions/new/",
        f"/voice/federations/{FED}/",
        f"/voice/federations/{FED}/consultations/new/",
        f"/voice/federations/{FED}/programme/",
        f"/governance/{FED}/bodies/",
        f"/governance/{FED}/interests/",
        f"/governance/{FED}/gifts/",
        f"/governance/{FED}/gifts/new/",
        f"/governance/{FED}/gifts/thresholds/",
        f"/governance/{FED}/risks/",
        f"/governance/{FED}/risks/new/",
    ],
    "finance_lead": [
        "/finance/",
        f"/finance/{FED}/",
        f"/finance/{FED}/services/",
        f"/finance/{FED}/contracts/",
        f"/finance/{FED}/activity/",
        f"/finance/{FED}/returns/",
        "/finance/statements/C82001/",
        f"/economics/{FED}/",
        f"/economics/{FED}/new/",
        f"/bids/{FED}/",
        f"/bids/{FED}/history/",
        f"/bids/{FED}/new/",
        f"/bids/{FED}/import/",
    ],
    "operations_lead": ["/rota/", f"/rota/{FED}/staff/", f"/rota/{FED}/sites/"],
    # his home page's "Your PCN": the PCN's Enhanced Access, week by week
    "pcn_clinical_director": [f"/rota/{FED}/pcns/U30213/access/"],
    "communications_lead": ["/comms/", "/comms/events/", "/comms/library/"],
    "network_admin": [
        "/",  # headed with the network, with the join requests waiting
        "/directory/",
        f"/directory/networks/{NET}/",
        f"/directory/networks/{NET}/requests/",
        f"/directory/networks/{NET}/members/{FED}/",
        f"/voice/networks/{NET}/",
    ],
    "practice_manager": [
        "/",  # headed with her practice, with her statement and unread bulletins
        f"/directory/federations/{FED}/",
        "/comms/preferences/",
        "/accounts/account/",
        "/voice/",
        f"/voice/federations/{FED}/",
        f"/bids/{FED}/",
    ],
}


# Pages for anyone, checked before signing in, with the answer each gives.
PUBLIC_PAGES = {
    "/accounts/password-reset/": 200,
    "/accounts/password-reset/sent/": 200,
    "/accounts/password-reset/done/": 200,
    "/accounts/password-reset/MQ/not-a-real-token/": 404,
    "/search/?q=%00": 400,  # the page saying what is wrong with the web address
}


def reset_link(email: str) -> str:
    """The path of a valid link to choose a new password, as the reset email carries."""
    from django.contrib.auth.tokens import default_token_generator
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from accounts.models import User

    user = User.objects.get(email=email)
    return reverse(
        "accounts:password-reset-confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )


@pytest.mark.parametrize("role", list(PAGES))
def test_the_pages_each_role_uses_meet_wcag_22_aa(browser, demo_site, role):
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run make assets (npm ci)")
    # axe goes into each page before its own scripts, which the Content Security Policy does not
    # govern: the pages are audited as they are served, policy and all.
    context = with_axe(offline_context(browser, viewport=WIDE))
    page = context.new_page()
    problems = watch(page)
    try:
        if role == "federation_admin":
            page.goto(demo_site + "/accounts/sign-in/")
            report = audit(page)
            assert not report, f"/accounts/login/:\n{report}"
            found = []
            public = {**PUBLIC_PAGES, reset_link(email(role)): 200}  # "Choose a new password"
            for path, status in public.items():
                response = page.goto(demo_site + path)
                assert response.status == status, f"{path}: {response.status}"
                report = audit(page)
                if report:
                    found.append(f"{path}:\n{report}")
            # The reset form showing an error.
            page.goto(demo_site + "/accounts/password-reset/")
            page.get_by_role("button", name="Send the link").click()
            expect(page.get_by_text("There is a problem")).to_be_visible()
            report = audit(page)
            if report:
                found.append(f"/accounts/password-reset/ with an error:\n{report}")
            assert not found, "\n".join(found)
            sign_in(page, demo_site, email(role))  # the sign-in pages, in the browser
        else:
            sign_in_by_session(page, demo_site, email(role))
        found, wide = [], []
        for path in PAGES[role]:
            page.set_viewport_size(NARROW)
            response = page.goto(demo_site + path)
            assert response.status == 200, f"{path}: {response.status}"
            page.wait_for_load_state()  # the header lays itself out once its script has run
            if report := sideways(page, path):
                wide.append(report)
            page.set_viewport_size(WIDE)
            page.evaluate(SETTLED)
            report = audit(page)
            if report:
                found.append(f"{path}:\n{report}")
        assert not (found or wide or problems), "\n".join(
            [*found, *wide, *(f"policy or script: {p}" for p in problems)]
        )
    finally:
        context.close()


def with_axe(context):
    """``context`` with axe-core loaded into every page before the page's own scripts."""
    context.add_init_script(path=str(AXE))
    return context


def audit(page) -> str:
    """What axe finds against WCAG 2.2 AA on the page as it is now, one line a rule; the page's
    context must put axe on every page (``with_axe``). Only violations are detailed: what passed
    or did not apply is not needed, and listing it takes axe longer."""
    assert page.evaluate("typeof window.axe !== 'undefined'"), (
        "axe-core is not on the page: open it in a context made by with_axe()"
    )
    result = page.evaluate(
        """async (tags) => await axe.run(document, {
            runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
        })""",
        WCAG_22_AA,
    )
    lines = []
    for violation in result["violations"]:
        targets = [", ".join(node["target"]) for node in violation["nodes"][:5]]
        lines.append(
            f"  {violation['id']} ({violation['impact']}): {violation['help']} -> "
            + " | ".join(targets)
        )
    return "\n".join(lines)
