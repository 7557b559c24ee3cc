"""What the browser tests share: Chromium, a page that fails on a CSP or script error, screenshots,
and the demo federation served by the live server (``demo_site``) with the two-step ``sign_in``.

The demo is loaded once per test run (by the first xdist worker to need it), not once per test.
Loading it takes about 10 seconds; ``demo_whole`` (tests/conftest.py) loads it once into a test
database, copies every row (tests/snapshot.py) and empties the database again; each browser test
then gets a database holding exactly that demo, restored in a fraction of a second, and emptied
again after it (``transactional_db``). So a browser test
may change anything -- post a month, plan a rota, send a bulletin -- without the next one seeing
it, and the tests that are not browser tests never see the demo. The demo's documents are copied
into each test's own MEDIA_ROOT for the same reason.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction

from demo import DEMO_PASSWORD, DEMO_USERS
from tests import snapshot
from tests.conftest import sign_in_verified

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# A port on this machine nothing listens on (the discard port), as the proxy for every address
# that is not this machine's (offline_context).
CLOSED_PROXY = "http://127.0.0.1:9"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Playwright's sync API runs an event loop in the test thread; the ORM calls the fixtures make
# beside it are still ordinary synchronous calls.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def offline_context(browser, **options):
    """A browser context that never reaches the internet. The NHS.UK frontend's fonts come from
    assets.nhs.uk, which a test machine may not resolve: a DNS failure takes Chromium one to five
    seconds, and each page's load event waits for it. Here every address but this machine's goes
    to a proxy on a port nothing listens on, so those requests fail at once. (A proxy, not
    Playwright's request routing: routing turns the browser's cache off, and every page would
    fetch its stylesheets and scripts again.)"""
    return browser.new_context(
        proxy={"server": CLOSED_PROXY, "bypass": "127.0.0.1,localhost,[::1]"}, **options
    )


def watch(page) -> list[str]:
    """What goes wrong on ``page`` from now on: anything the Content Security Policy blocks (the
    NHS.UK frontend and htmx must work under it) and any error a script throws."""
    problems = []
    page.on(
        "console",
        lambda msg: (
            problems.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


@pytest.fixture
def page(browser):
    """A page that fails the test if the Content Security Policy blocks anything on it or a
    script throws (``watch``)."""
    context = offline_context(browser, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    problems = watch(page)
    yield page
    context.close()
    assert not problems, problems


@pytest.fixture
def screenshot(page):
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def demo_site(transactional_db, live_server, demo_whole, settings) -> str:
    """The live server's address, serving the whole demo federation, fresh for this test (which
    ``transactional_db`` empties again afterwards)."""
    if not snapshot.is_empty(demo_whole.snapshot):
        call_command("flush", interactive=False, verbosity=0)
    with transaction.atomic():
        snapshot.restore(demo_whole.snapshot)
    shutil.copytree(demo_whole.media, settings.MEDIA_ROOT, dirs_exist_ok=True)
    return live_server.url


def sign_in(page, url, email=DEMO_USERS[0]["email"]):
    """Both steps: the password, then (the demo federation admin's role needs it) the
    one-time code, which demo mode shows on the page."""
    page.goto(url + "/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # is_visible() does not wait: wait for the next page to have loaded before asking it
    page.wait_for_url(lambda address: "/accounts/sign-in/" not in address)
    if page.get_by_role("heading", name="Enter your one-time code").is_visible():
        code = page.get_by_test_id("demo-code").inner_text()
        page.get_by_label("Code", exact=True).fill(code)
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(lambda address: "/accounts/two-factor/" not in address)


def sign_in_by_session(page, url, email) -> None:
    """``page``'s browser signed in as ``email``, both steps done, without the sign-in pages: the
    session ``sign_in_verified`` makes (as signing in makes one), its cookie given to the
    browser. For the tests of what each person sees once signed in; signing in itself is walked
    in the browser (``sign_in``) by the accounts tests, the accessibility test's federation
    administrator and each story."""
    from django.test import Client

    from accounts.models import User

    client = sign_in_verified(Client(), User.objects.get(email=email))
    name = settings.SESSION_COOKIE_NAME
    page.context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": url}])


NARROW = {"width": 375, "height": 800}
# Elements reaching past the right edge of the page that no scrolling region holds, outermost
# first (the table, not each of its cells), each named by tag, id and classes and its right edge.
OVERFLOW = """() => {
  const edge = document.documentElement.clientWidth;
  const scrolled = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(p).overflowX)) return true;
    }
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + [...el.classList].map((c) => "." + c).join("");
  const past = (el) => el.getBoundingClientRect().right > edge + 0.5;
  const found = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (!box.width || !past(el) || scrolled(el)) continue;
    if (el.parentElement && el.parentElement !== document.body && past(el.parentElement)) continue;
    const text = (el.innerText || "").trim().slice(0, 40);
    found.push(`${name(el)} (right edge ${Math.round(box.right)} px) "${text}"`);
  }
  // Text wider than its box (a long word or code) overflows without any element doing so.
  if (!found.length) {
    for (const el of document.body.querySelectorAll("*")) {
      if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === "visible"
          && !scrolled(el) && el.clientWidth) {
        found.push(`${name(el)} (content ${el.scrollWidth} px in ${el.clientWidth} px)`);
      }
    }
  }
  return {width: document.documentElement.scrollWidth, edge, found: found.slice(0, 8)};
}"""


def sideways(page, path: str) -> str:
    """What scrolls sideways on the page as it is laid out now (nothing: ""), for a report."""
    result = page.evaluate(OVERFLOW)
    if result["width"] <= result["edge"]:
        return ""
    return (
        f"{path} is {result['width']} px wide on a {result['edge']} px screen:\n  "
        + "\n  ".join(result["found"] or ["(no element found)"])
    )


def menu(page, name: str) -> None:
    """Follow a link in the header menu, opening "More" first if the link has moved there
    (the NHS.UK header does that when the menu is wider than the page, once its script has run:
    so wait for the page to finish loading first)."""
    page.wait_for_load_state()
    link = page.locator(".nhsuk-header__navigation-list").get_by_role("link", name=name, exact=True)
    if not link.is_visible():
        page.get_by_role("button", name="Browse More").click()
    link.click()
