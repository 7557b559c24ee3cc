"""The directory's changes in the audit trail: a contact import records each contact it adds
or changes with the fields before and after, and the network's own changes (its board, join
decisions) are on the trail its administrators read (issue 12, item 10)."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from audit.models import AuditEvent
from directory import services
from directory.models import BoardSeat, Contact, JoinRequest
from registry.models import PCN, Federation, Network, Practice
from registry.services import federation_create
from tests.conftest import sign_in_verified

pytestmark = pytest.mark.django_db

FED = "east-leicestershire-and-rutland-gp-federation"
NET = "primary-care-federation-network-demo"


def demo_user(name: str) -> User:
    return User.objects.get(email=f"{name}@demo.gpfed.example")


@pytest.fixture
def contacts(demo):
    elr = Federation.objects.get(slug=FED)
    services.contact_save(
        Contact(
            federation=elr,
            name="Chris Chief",
            role="Chief operating officer",
            email="chris@elr.example",
            in_network_directory=True,
        ),
        by=None,
    )
    return services.contact_save(
        Contact(
            federation=elr,
            practice=Practice.objects.get(code="C82001"),
            name="Pat Manager",
            role="Practice manager",
            email="pat@c82001.example",
        ),
        by=None,
    )


def test_a_contact_import_records_each_change_with_before_and_after(client, contacts):
    comms = demo_user("comms")
    sign_in_verified(client, comms)
    already = AuditEvent.objects.count()
    upload = (
        "organisation,name,role,email,phone,network directory\n"
        ",Chris Chief,Chief operating officer,chris@elr.example,,yes\n"
        "C82001,Pat Manager,Practice manager,pat.manager@c82001.example,0116 496 0100,no\n"
        "U30213,Dr Cara Director,Clinical director,cara@example.org,,no\n"
    )
    done = client.post(
        f"/directory/federations/{FED}/contacts/import/",
        {"file": SimpleUploadedFile("contacts.csv", upload.encode())},
        follow=True,
    )
    assert b"Contacts imported: 1 new, 1 changed, 1 unchanged." in done.content
    written = list(AuditEvent.objects.order_by("pk")[already:])
    assert [e.action for e in written] == [
        "directory.contact.update",
        "directory.contact.create",
        "directory.contacts.import",
    ]
    changed, added, summary = written
    pat = Contact.objects.get(name="Pat Manager")
    assert (changed.object_id, changed.object_label) == (
        str(pat.pk),
        "Pat Manager, Practice manager",
    )
    assert changed.changes == {
        "email": ["pat@c82001.example", "pat.manager@c82001.example"],
        "phone": ["", "0116 496 0100"],
    }
    cara = Contact.objects.get(name="Dr Cara Director")
    assert added.object_id == str(cara.pk)
    assert added.changes == {
        "name": [None, "Dr Cara Director"],
        "role": [None, "Clinical director"],
        "email": [None, "cara@example.org"],
        "phone": [None, ""],
        "pcn_id": [None, PCN.objects.get(code="U30213").pk],
        "in_network_directory": [None, False],
    }
    assert summary.changes == {"created": [None, 1], "updated": [None, 1], "unchanged": [None, 1]}
    elr = Federation.objects.get(slug=FED)
    assert {(e.actor, e.federation) for e in written} == {(comms, elr)}


def test_the_networks_board_and_decisions_are_on_its_trail(client, demo):
    network = Network.objects.get(slug=NET)
    admin = demo_user("network")
    seat = services.board_seat_save(
        BoardSeat(network=network, position="chair", name="Dr A", start_date=date(2024, 4, 1)),
        by=admin,
    )
    services.board_seat_end(seat, end_date=date(2025, 3, 31), by=admin)
    created, ended = AuditEvent.objects.filter(action__startswith="directory.board_seat").order_by(
        "pk"
    )
    assert (created.action, ended.action) == (
        "directory.board_seat.create",
        "directory.board_seat.update",
    )
    assert ended.changes == {"end_date": [None, "2025-03-31"]}
    assert {(e.network, e.federation) for e in (created, ended)} == {(network, None)}

    other = federation_create(name="Other GP Federation", by=None)
    request = JoinRequest.objects.create(network=network, federation=other)
    services.join_decline(request, by=admin, note="Not in our area")
    decision = AuditEvent.objects.get(action="directory.join_decline")
    assert (decision.network, decision.federation) == (network, other)

    sign_in_verified(client, admin)
    page = client.get("/audit/", {"action": "directory"})
    assert page.status_code == 200
    assert {e.action for e in page.context["page"].object_list} == {
        "directory.board_seat.create",
        "directory.board_seat.update",
        "directory.join_decline",
    }
    # The federation's administrators do not read the network's board.
    sign_in_verified(client, demo_user("coo"))
    page = client.get("/audit/", {"action": "directory.board_seat"})
    assert list(page.context["page"].object_list) == []
