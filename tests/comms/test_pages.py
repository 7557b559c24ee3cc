"""Bulletins from the browser's side: write, send, read, read rates, preferences."""

import pytest

from accounts.models import User
from comms.models import Bulletin, Delivery, Preference
from registry.models import PCN
from tests.conftest import sign_in_verified

pytestmark = pytest.mark.django_db
FED = "east-leicestershire-and-rutland-gp-federation"


def test_write_send_read_and_see_the_read_rate(
    client, demo, smtp_server, django_capture_on_commit_callbacks
):
    sign_in_verified(client, User.objects.get(email="comms@demo.gpfed.example"))
    response = client.post(
        f"/comms/federations/{FED}/new",
        {
            "title": "Cross Counties update",
            "category": "clinical",
            "body": "Flu clinics **start Monday**.",
            "audience_pcns": [PCN.objects.get(code="U30213").pk],
        },
    )
    bulletin = Bulletin.objects.get()
    assert response.status_code == 302 and bulletin.status == "draft"
    page = client.get(f"/comms/bulletins/{bulletin.pk}/").content.decode()
    assert "It would go to <strong>1</strong> person" in page
    # the Send button asks first: a page that says to whom, and sends nothing yet
    confirm = client.get(f"/comms/bulletins/{bulletin.pk}/send", {"send_at": ""})
    assert confirm.status_code == 200 and not smtp_server
    assert "It will go now to <strong>1 person</strong>" in confirm.content.decode()
    assert Bulletin.objects.get().status == "draft"
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(f"/comms/bulletins/{bulletin.pk}/send", {}, follow=True)
    assert "Sending to 1 person:" in sent.content.decode()
    assert [m["To"] for m in smtp_server] == ["cd.crosscounties@demo.gpfed.example"]
    assert Bulletin.objects.get().status == "sent"
    # a sent bulletin cannot be edited
    edit = client.get(f"/comms/bulletins/{bulletin.pk}/edit", follow=True)
    assert "cannot be changed" in edit.content.decode()

    client.logout()
    sign_in_verified(client, User.objects.get(email="cd.crosscounties@demo.gpfed.example"))
    inbox = client.get("/comms/").content.decode()
    assert "Cross Counties update" in inbox and "New" in inbox
    read = client.get(f"/comms/bulletins/{bulletin.pk}/").content.decode()
    assert "<strong>start Monday</strong>" in read
    assert Delivery.objects.get().read_at is not None
    assert client.get(f"/comms/federations/{FED}/").status_code == 404  # not a sender

    client.logout()
    sign_in_verified(client, User.objects.get(email="comms@demo.gpfed.example"))
    archive = client.get(f"/comms/federations/{FED}/").content.decode()
    assert "Cross Counties update" in archive and "100%" in archive


def test_preferences_are_saved(client, demo):
    manager = User.objects.get(email="manager.c82001@demo.gpfed.example")
    sign_in_verified(client, manager)
    data = {c: "email" for c, _ in Bulletin._meta.get_field("category").choices}
    data["finance"] = "digest"
    data["events"] = "off"
    assert client.post("/comms/preferences/", data).status_code == 302
    assert dict(Preference.objects.filter(user=manager).values_list("category", "choice")) == {
        **{c: "email" for c in data},
        "finance": "digest",
        "events": "off",
    }


def test_a_correction_from_the_page(client, demo, smtp_server, django_capture_on_commit_callbacks):
    from comms import services

    federation_bulletin = services.bulletin_save(
        Bulletin(
            federation_id=User.objects.get(email="comms@demo.gpfed.example")
            .role_grants.get()
            .federation_id,
            title="Rota",
            body="Hub opens 09:00",
            audience_roles=["practice_manager"],
        ),
        by=None,
    )
    services.bulletin_send(federation_bulletin, by=None)
    sign_in_verified(client, User.objects.get(email="comms@demo.gpfed.example"))
    response = client.post(
        f"/comms/bulletins/{federation_bulletin.pk}/correct", {"change_note": "It opens 08:30"}
    )
    fixed = Bulletin.objects.get(version=2)
    assert response.status_code == 302 and response["Location"].endswith(f"/{fixed.pk}/edit")
    assert fixed.change_note == "It opens 08:30" and fixed.audience_roles == ["practice_manager"]


def test_an_image_uploaded_to_a_draft_shows_in_the_bulletin(client, demo):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.comms.test_delivery import png

    sign_in_verified(client, User.objects.get(email="comms@demo.gpfed.example"))
    client.post(
        f"/comms/federations/{FED}/new",
        {"title": "Hub map", "category": "news", "body": "![The hubs](map.png)"},
    )
    bulletin = Bulletin.objects.get()
    upload = SimpleUploadedFile("map.png", png(), content_type="image/png")
    added = client.post(f"/comms/bulletins/{bulletin.pk}/files", {"file": upload}, follow=True)
    assert "map.png added: it shows where the body names it" in added.content.decode()
    attached = bulletin.files.get()
    page = client.get(f"/comms/bulletins/{bulletin.pk}/").content.decode()
    assert f'<img src="/comms/bulletins/{bulletin.pk}/files/{attached.pk}" alt="The hubs">' in page
    image = client.get(f"/comms/bulletins/{bulletin.pk}/files/{attached.pk}")
    assert image["Content-Type"] == "image/png" and b"".join(image.streaming_content) == png()
    bad = SimpleUploadedFile("notes.png", b"not a picture")
    refused = client.post(f"/comms/bulletins/{bulletin.pk}/files", {"file": bad}, follow=True)
    assert "named .png but its content is not" in refused.content.decode()
    assert bulletin.files.count() == 1
    removed = client.post(f"/comms/bulletins/{bulletin.pk}/files/{attached.pk}/remove")
    assert removed.status_code == 302 and not bulletin.files.exists()
