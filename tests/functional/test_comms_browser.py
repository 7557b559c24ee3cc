"""Bulletins in the browser: the demo communications lead writes a bulletin to every practice
manager and sends it; the demo practice manager finds it in gpfed and reads it."""

import pytest
from playwright.sync_api import expect

from demo import DEMO_USERS
from tests.comms.test_delivery import pdf
from tests.functional.conftest import menu, sign_in

pytestmark = pytest.mark.browser

COMMS = next(u["email"] for u in DEMO_USERS if u["role"] == "communications_lead")
MANAGER = next(u["email"] for u in DEMO_USERS if u["role"] == "practice_manager")


def test_communications_lead_sends_and_practice_manager_reads(
    page,
    demo_site,
    screenshot,
    smtp_server,
):
    from datetime import timedelta

    from django.utils import timezone

    from comms.models import Delivery, Event

    forum = Event.objects.filter(title="Practice managers' forum").first()
    assert forum and forum.starts_at > timezone.now() + timedelta(days=1)
    sign_in(page, demo_site, COMMS)
    menu(page, "Bulletins")  # the header menu, once laid out
    page.get_by_role(
        "link", name="Bulletins from East Leicestershire and Rutland GP Federation"
    ).click()
    expect(page.get_by_role("heading", name="Bulletins from East Leicestershire")).to_be_visible()
    screenshot("40-bulletin-archive")
    page.get_by_role("link", name="Write a bulletin").click()
    page.get_by_label("Title").fill("Winter pressures: Saturday hubs")
    page.get_by_label("Body").fill(
        "The hubs open **every Saturday** in December.\n\n- 09:00 to 17:00"
    )
    page.get_by_label("Practice manager", exact=True).check()
    screenshot("41-bulletin-write")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("It would go to")).to_be_visible()
    page.get_by_label("Add an image or a file").set_input_files(
        files=[{"name": "hub-times.pdf", "mimeType": "application/pdf", "buffer": pdf()}]
    )
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("hub-times.pdf will be sent with the bulletin")).to_be_visible()
    page.get_by_role("button", name="Send").click()
    # sending confirms first: a page that says to whom, with the file, and sends nothing yet
    expect(
        page.get_by_role("heading", name="Send “Winter pressures: Saturday hubs”?")
    ).to_be_visible()
    expect(page.locator("#send-summary").get_by_text("hub-times.pdf")).to_be_visible()
    assert not smtp_server
    page.get_by_role("button", name="Send it now to 1 person").click()
    expect(page.get_by_text("Sending to 1 person")).to_be_visible()
    screenshot("42-bulletin-sent")
    assert [m["To"] for m in smtp_server] == [MANAGER]
    (attached,) = [p for p in smtp_server[0].walk() if p.get_filename() == "hub-times.pdf"]
    assert attached.get_payload(decode=True) == pdf()

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, demo_site, MANAGER)
    menu(page, "Bulletins")  # the header menu, once laid out
    page.get_by_role("link", name="Winter pressures: Saturday hubs").click()
    expect(page.locator(".gpfed-bulletin strong").get_by_text("every Saturday")).to_be_visible()
    screenshot("43-bulletin-read")
    assert Delivery.objects.get(bulletin__title="Winter pressures: Saturday hubs").read_at

    # and registers for an upcoming event, full but for one place
    menu(page, "Bulletins")  # the header menu, once laid out
    page.get_by_role("link", name="Events", exact=True).click()
    page.get_by_role("link", name="Practice managers' forum").click()
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("You are registered").first).to_be_visible()
    screenshot("44-event-registered")
    invite = next(m for m in smtp_server if m["Subject"].startswith("You are registered"))
    assert invite["To"] == MANAGER
    assert any(p.get_content_type() == "text/calendar" for p in invite.walk())
