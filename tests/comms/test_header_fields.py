"""Titles and names that become an email's subject are one line: a line break is refused with
a clear error on the form and by the service, so nothing is stored that every copy would then
fail to send (Django refuses a header with a line break, BadHeaderError, and the copy retries
for ever). One stored before the rule still goes out, on one line."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from comms import events, services
from comms.models import Bulletin, Delivery, Event
from comms.services import CommsError
from registry.models import Federation
from registry.services import RegistryError, federation_create
from tests.conftest import sign_in_verified

pytestmark = pytest.mark.django_db
FED = "east-leicestershire-and-rutland-gp-federation"
BREAKS = ["\n", "\r", "\r\n", "\u2028", "\x0b", "\x85"]


def comms_lead():
    return User.objects.get(email="comms@demo.gpfed.example")


def test_a_bulletin_title_with_a_line_break_is_refused_on_the_form(client, demo):
    sign_in_verified(client, comms_lead())
    for brk in BREAKS:
        response = client.post(
            f"/comms/federations/{FED}/new",
            {
                "title": f"Flu clinics{brk}Bcc: everyone@example.org",
                "category": "clinical",
                "body": "Start Monday.",
            },
        )
        assert response.status_code == 200, repr(brk)
        assert "one line" in response.content.decode()
    assert not Bulletin.objects.exists()


@pytest.mark.parametrize("brk", BREAKS)
def test_the_service_refuses_a_bulletin_title_with_a_line_break(demo, brk):
    federation = Federation.objects.get(slug=FED)
    with pytest.raises(CommsError, match="one line") as refused:
        services.bulletin_save(
            Bulletin(federation=federation, title=f"Flu{brk}clinics", body="Monday"), by=None
        )
    assert refused.value.field == "title"
    assert not Bulletin.objects.exists()


def test_an_event_title_with_a_line_break_is_refused_on_the_form_and_by_the_service(client, demo):
    sign_in_verified(client, comms_lead())
    response = client.post(
        f"/comms/federations/{FED}/events/new",
        {
            "title": "Forum\r\nBcc: everyone@example.org",
            "kind": "meeting",
            "starts_at": "2030-12-03 12:30",
            "ends_at": "2030-12-03 14:00",
            "place": "Hub",
        },
    )
    assert response.status_code == 200 and "one line" in response.content.decode()
    start = timezone.now() + timedelta(days=10)
    with pytest.raises(CommsError, match="one line"):
        events.event_save(
            Event(
                federation=Federation.objects.get(slug=FED),
                title="Forum\nagain",
                starts_at=start,
                ends_at=start + timedelta(hours=1),
                place="Hub",
            ),
            by=None,
        )
    assert not Event.objects.exists()


def test_a_federation_name_with_a_line_break_is_refused(client, demo):
    with pytest.raises(RegistryError, match="one line"):
        federation_create(name="North\nSouth GP Federation", by=None)
    superuser = User.objects.create_superuser(email="root@example.org", password="x" * 20)
    sign_in_verified(client, superuser)
    response = client.post(
        "/federations/new/", {"name": "North\r\nSouth GP Federation", "legal_form": "ltd"}
    )
    assert response.status_code == 200 and "one line" in response.content.decode()
    assert not Federation.objects.filter(name__startswith="North").exists()


def test_a_title_stored_with_a_line_break_before_the_rule_goes_out_on_one_line(demo, smtp_server):
    bulletin = services.bulletin_save(
        Bulletin(federation=Federation.objects.get(slug=FED), title="Flu clinics", body="Monday"),
        by=None,
    )
    Bulletin.objects.filter(pk=bulletin.pk).update(title="Flu clinics\nStart Monday")
    services.bulletin_send(Bulletin.objects.get(pk=bulletin.pk), by=None)
    assert services.deliver_due()["sent"] > 0
    assert Delivery.objects.filter(status="failed").count() == 0
    assert {m["Subject"] for m in smtp_server} == {"Flu clinics Start Monday"}
