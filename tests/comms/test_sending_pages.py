"""Sending from the pages: the Send button asks first (to how many people, which audiences,
with which files; a plain form, no JavaScript), the archive lists newest first, and a sender's
reply-to address goes on its bulletins and event emails."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from comms import events, services
from comms.models import Bulletin, Event
from registry.models import PCN, Federation, Practice
from tests.conftest import sign_in_verified
from tests.factories.directory import ContactFactory

pytestmark = pytest.mark.django_db
FED = "east-leicestershire-and-rutland-gp-federation"


def person(name):
    return User.objects.get(email=f"{name}@demo.gpfed.example")


def elr():
    return Federation.objects.get(slug=FED)


def draft(title="Flu clinics", **extra):
    return services.bulletin_save(
        Bulletin(federation=elr(), title=title, body="Saturday clinics.", **extra), by=None
    )


def test_sending_confirms_first_with_the_audience_counts_and_files(
    client, demo, smtp_server, django_capture_on_commit_callbacks
):
    ContactFactory(federation=elr(), practice=Practice.objects.get(code="C82001"), email="a@x.org")
    ContactFactory(federation=elr(), practice=None, email="b@x.org")
    bulletin = draft(to_contacts=True, audience_roles=["practice_manager"])
    bulletin.audience_pcns.set([PCN.objects.get(code="U30213")])
    bulletin.audience_practices.set([Practice.objects.get(code="C82001")])
    services.bulletin_file_add(bulletin, file_name="times.txt", data=b"09:00 to 17:00", by=None)
    sign_in_verified(client, person("comms"))
    draft_page = client.get(f"/comms/bulletins/{bulletin.pk}/").content.decode()
    assert f'<form method="get" action="/comms/bulletins/{bulletin.pk}/send"' in draft_page
    assert "<strong>1</strong> directory contact by email only" in draft_page

    page = client.get(f"/comms/bulletins/{bulletin.pk}/send", {"send_at": ""})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Send “Flu clinics”?" in text
    assert "It will go now to <strong>2 people</strong>" in text
    assert "1 person: 1 by email (their preferences)" in text
    assert "1 directory contact, by email only" in text
    assert "PCNs: CROSS COUNTIES PCN" in text and "Only: Practice manager" in text
    assert "times.txt (14\xa0bytes): with every copy" in text
    assert f'<form method="post" action="/comms/bulletins/{bulletin.pk}/send"' in text
    assert "Send it now to 2 people" in text
    assert Bulletin.objects.get().status == "draft" and not smtp_server

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(f"/comms/bulletins/{bulletin.pk}/send", {"send_at": ""}, follow=True)
    assert "Sending to 2 people: the worker is delivering it." in sent.content.decode()
    assert sorted(m["To"] for m in smtp_server) == ["a@x.org", "manager.c82001@demo.gpfed.example"]
    # asking again, or posting again, sends nothing more
    again = client.get(f"/comms/bulletins/{bulletin.pk}/send", follow=True).content.decode()
    assert "has already been sent or scheduled" in again
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/comms/bulletins/{bulletin.pk}/send", {})
    assert len(smtp_server) == 2


def test_scheduling_confirms_first_and_a_bad_time_is_an_error(client, demo):
    bulletin = draft()
    sign_in_verified(client, person("comms"))
    bad = client.get(f"/comms/bulletins/{bulletin.pk}/send", {"send_at": "2026-13-40"}, follow=True)
    assert "Enter a valid date/time" in bad.content.decode()
    when = timezone.localtime() + timedelta(days=3)
    value = when.strftime("%Y-%m-%d %H:%M")
    page = client.get(f"/comms/bulletins/{bulletin.pk}/send", {"send_at": value}).content.decode()
    assert "Schedule “Flu clinics”?" in page and f'name="send_at" value="{value}"' in page
    assert f"On {when:%-d %B %Y} at {when:%H:%M} it will go" in page
    assert Bulletin.objects.get().status == "draft"
    done = client.post(f"/comms/bulletins/{bulletin.pk}/send", {"send_at": value}, follow=True)
    assert f"Scheduled for {when:%-d %B %Y at %H:%M}." in done.content.decode()
    assert Bulletin.objects.get().status == "scheduled"


def test_the_archive_lists_newest_first(client, demo):
    older, newer = draft("Older news"), draft("Newer news")
    services.bulletin_send(newer, by=None)
    services.bulletin_send(older, by=None)  # sent second, but dated earlier below
    now = timezone.now()
    Bulletin.objects.filter(pk=older.pk).update(sent_at=now - timedelta(days=9))
    Bulletin.objects.filter(pk=newer.pk).update(sent_at=now - timedelta(days=2))
    waiting = draft("A draft")
    sign_in_verified(client, person("comms"))
    page = client.get(f"/comms/federations/{FED}/").content.decode()
    assert "newest first" in page
    positions = [page.index(f">{b.title}<") for b in (waiting, newer, older)]
    assert positions == sorted(positions)


def test_the_reply_to_address_is_set_by_the_senders_and_goes_on_their_emails(
    client, demo, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.DEFAULT_FROM_EMAIL = "ELR via gpfed <bulletins@gpfed.example.org>"
    url = f"/comms/federations/{FED}/email"
    sign_in_verified(client, person("manager.c82001"))
    assert client.get(url).status_code == 404
    assert client.post(url, {"reply_to": "x@example.org"}).status_code == 404
    client.logout()

    sign_in_verified(client, person("comms"))
    archive = client.get(f"/comms/federations/{FED}/").content.decode()
    assert "no reply-to address is set" in archive and url in archive
    form = client.get(url).content.decode()
    assert "bulletins@gpfed.example.org" in form  # says where mail comes from
    for bad in ("not an address", "comms@example.org\r\nBcc: x@example.org", "a@b@c.org"):
        refused = client.post(url, {"reply_to": bad})
        assert refused.status_code == 200, bad
        assert "Enter an email address in the right form" in refused.content.decode(), bad
    assert not AuditEvent.objects.filter(action="comms.reply_to").exists()
    saved = client.post(url, {"reply_to": " comms@elr.example.org "}, follow=True)
    assert "now go to comms@elr.example.org" in saved.content.decode()
    [record] = AuditEvent.objects.filter(action="comms.reply_to")
    assert record.changes == {"reply_to": ["", "comms@elr.example.org"]}

    bulletin = draft(audience_roles=["practice_manager"])
    services.bulletin_send(bulletin, by=None)
    services.deliver_due()
    start = timezone.now() + timedelta(days=5)
    event = events.event_save(
        Event(
            federation=elr(),
            title="Forum",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            place="Hub",
        ),
        by=None,
    )
    with django_capture_on_commit_callbacks(execute=True):
        events.register(event, person("manager.c82001"))
    assert len(smtp_server) == 2
    for mail in smtp_server:
        assert mail["Reply-To"] == "comms@elr.example.org"
        assert mail["From"] == "ELR via gpfed <bulletins@gpfed.example.org>"

    client.post(url, {"reply_to": ""})  # cleared: no Reply-To
    smtp_server.clear()
    services.bulletin_send(draft(audience_roles=["practice_manager"]), by=None)
    services.deliver_due()
    assert smtp_server[0]["Reply-To"] is None
