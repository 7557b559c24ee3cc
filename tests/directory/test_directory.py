"""The network's members and the directory: join requests and decisions (with their emails
over real SMTP), leaving, the advisory board, search and filters, and who sees contacts."""

from datetime import date, timedelta

import pytest

from accounts.models import User
from accounts.services import role_grant
from audit.models import AuditEvent
from directory import selectors, services
from directory.models import BoardSeat, Contact, JoinRequest
from directory.services import DirectoryError
from registry.models import Federation, FederationMembership, Network, Practice
from registry.services import federation_create, federation_membership_add
from tests.conftest import sign_in_verified
from tests.factories import FederationFactory, UserFactory

pytestmark = pytest.mark.django_db

FED = "east-leicestershire-and-rutland-gp-federation"
NET = "primary-care-federation-network-demo"


def demo_user(name: str) -> User:
    return User.objects.get(email=f"{name}@demo.gpfed.example")


def unfolded(header: str) -> str:
    """A header as written, before SMTP folded it across lines."""
    return " ".join(header.split())


@pytest.fixture
def outsider(demo):
    """A federation outside the network, of one practice, with its administrator."""
    federation = federation_create(name="Other GP Federation", by=None)
    practice = (
        Practice.objects.exclude(pk__in=FederationMembership.objects.values("practice_id"))
        .filter(status="A")
        .order_by("code")
        .first()
    )
    federation_membership_add(
        federation=federation, practice=practice, start_date=date(2020, 4, 1), by=None
    )
    admin = UserFactory(email="admin@other.example", full_name="Olu Other")
    role_grant(user=admin, role="federation_admin", organisation=federation, by=None)
    return {"federation": federation, "practice": practice, "admin": admin}


@pytest.fixture
def network(demo):
    return Network.objects.get(slug=NET)


def test_a_federation_asks_to_join_and_the_network_approves(
    client, network, outsider, smtp_server, django_capture_on_commit_callbacks
):
    start = date.today() + timedelta(days=8)  # approved ahead: joining, then a member
    other = outsider["federation"]
    sign_in_verified(client, outsider["admin"])
    page = client.get(f"/directory/networks/{NET}/")
    assert b"Ask to join" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/directory/networks/{NET}/join/",
            {"federation": other.pk, "message": "We run two hubs"},
        )
    assert response.status_code == 302
    request = JoinRequest.objects.get(federation=other)
    assert request.status == "pending" and request.requested_by == outsider["admin"]
    (received,) = smtp_server
    assert received["To"] == "network@demo.gpfed.example"
    assert unfolded(received["Subject"]) == f"Other GP Federation asks to join {network}"
    assert "We run two hubs" in received.get_payload()

    again = client.post(f"/directory/networks/{NET}/join/", {"federation": other.pk})
    assert b"has already asked to join" in again.content
    assert JoinRequest.objects.filter(federation=other).count() == 1

    sign_in_verified(client, demo_user("network"))
    waiting = client.get(f"/directory/networks/{NET}/requests/")
    assert b"We run two hubs" in waiting.content
    assert b"1 practice in 1 PCN" in waiting.content  # what it would bring, before it joins
    no_date = client.post(
        f"/directory/requests/{request.pk}/decide/", {f"r{request.pk}-decision": "approve"}
    )
    assert no_date.status_code == 400 and b"Enter the date membership starts" in no_date.content
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/directory/requests/{request.pk}/decide/",
            {f"r{request.pk}-decision": "approve", f"r{request.pk}-start_date": start.isoformat()},
        )
    request.refresh_from_db()
    assert request.status == "approved" and request.decided_by == demo_user("network")
    assert request.membership.start_date == start
    welcome = smtp_server[-1]
    assert welcome["To"] == "admin@other.example"
    assert unfolded(welcome["Subject"]).startswith("Welcome to")
    assert f"{start:%-d %B %Y}" in welcome.get_payload()
    assert AuditEvent.objects.filter(action="directory.join_approve").exists()

    # A decision is final.
    with pytest.raises(DirectoryError, match="already approved"):
        services.join_decline(request, by=None, note="Changed our minds")
    # Until then the network says it is joining.
    joining = client.get(f"/directory/networks/{NET}/").content.decode()
    assert f"Other GP Federation: a member from {start:%-d %B %Y}" in joining
    # The new member is in the directory from its first day.
    names = [r.federation.name for r in selectors.member_rows(network, start)]
    assert "Other GP Federation" in names
    assert "Other GP Federation" not in [
        r.federation.name for r in selectors.member_rows(network, start - timedelta(days=1))
    ]


def test_declining_needs_a_reason_and_a_declined_federation_may_ask_again(
    network, outsider, smtp_server, django_capture_on_commit_callbacks
):
    other = outsider["federation"]
    request = services.join_request(
        network=network, federation=other, message="", by=outsider["admin"]
    )
    with pytest.raises(DirectoryError, match="Say why"):
        services.join_decline(request, by=None, note=" ")
    with django_capture_on_commit_callbacks(execute=True):
        services.join_decline(request, by=None, note="Members are federations in England")
    assert smtp_server[-1]["To"] == "admin@other.example"
    assert "Members are federations in England" in smtp_server[-1].get_payload()
    second = services.join_request(
        network=network, federation=other, message="Again", by=outsider["admin"]
    )
    services.join_withdraw(second, by=outsider["admin"])
    assert [r.status for r in JoinRequest.objects.filter(federation=other)] == [
        "withdrawn",
        "declined",
    ]


def test_a_member_cannot_ask_to_join_again(network):
    elr = Federation.objects.get(slug=FED)
    with pytest.raises(DirectoryError, match="already a member"):
        services.join_request(network=network, federation=elr, message="", by=None)


def test_leaving_dates_are_checked_and_a_former_member_leaves_the_directory(client, network):
    membership = network.memberships.get(federation__slug=FED)
    with pytest.raises(DirectoryError, match="cannot be before it joined"):
        services.membership_end(membership, end_date=date(2020, 1, 1), by=None)
    sign_in_verified(client, demo_user("network"))
    response = client.post(
        f"/directory/memberships/{membership.pk}/end/", {"end_date": "2026-03-31"}
    )
    assert response.status_code == 302
    assert selectors.member_rows(network) == []
    page = client.get(f"/directory/networks/{NET}/")
    assert b"Former members" in page.content and b"31 Mar 2026" in page.content
    assert AuditEvent.objects.get(action="directory.membership_end").changes == {
        "end_date": [None, "2026-03-31"]
    }


def test_the_advisory_board_has_one_chair_and_one_vice_chair_at_a_time(client, network):
    elr = Federation.objects.get(slug=FED)
    chair = services.board_seat_save(
        BoardSeat(network=network, position="chair", name="Dr A", start_date=date(2024, 4, 1)),
        by=None,
    )
    with pytest.raises(DirectoryError, match="Dr A is chair from 1 April 2024"):
        services.board_seat_save(
            BoardSeat(network=network, position="chair", name="Dr B", start_date=date(2026, 1, 1)),
            by=None,
        )
    services.board_seat_end(chair, end_date=date(2025, 12, 31), by=None)
    services.board_seat_save(
        BoardSeat(network=network, position="chair", name="Dr B", start_date=date(2026, 1, 1)),
        by=None,
    )
    services.board_seat_save(
        BoardSeat(
            network=network,
            position="vice_chair",
            name="Ms V",
            federation=elr,
            start_date=date(2024, 4, 1),
        ),
        by=None,
    )
    for name in ("Mr Z", "Mrs M"):
        services.board_seat_save(
            BoardSeat(network=network, position="member", name=name, start_date=date(2024, 4, 1)),
            by=None,
        )
    assert [s.name for s in selectors.board(network, date(2026, 6, 1))] == [
        "Dr B",
        "Ms V",
        "Mr Z",
        "Mrs M",
    ]
    assert next(s.name for s in selectors.board(network, date(2025, 6, 1))) == "Dr A"
    outsider = federation_create(name="Not A Member", by=None)
    with pytest.raises(DirectoryError, match="not a member of this network"):
        services.board_seat_save(
            BoardSeat(
                network=network,
                position="member",
                name="X",
                federation=outsider,
                start_date=date(2026, 1, 1),
            ),
            by=None,
        )
    sign_in_verified(client, demo_user("staff.c82001"))
    page = client.get(f"/directory/networks/{NET}/").content.decode()
    assert page.index("Dr B") < page.index("Ms V") < page.index("Mr Z") < page.index("Mrs M")


def test_search_and_filters(client, network, outsider):
    other = outsider["federation"]
    services.join_approve(
        services.join_request(network=network, federation=other, message="", by=None),
        start_date=date(2026, 1, 1),
        by=None,
    )
    rows = selectors.member_rows(network)
    assert [r.federation.name for r in rows] == [
        "East Leicestershire and Rutland GP Federation",
        "Other GP Federation",
    ]
    elr = rows[0]
    assert (elr.practices, elr.pcns, elr.patients) == (31, 9, 361969)
    assert elr.extracts == "latest extracts, 1 January 2021 to 1 April 2026"
    assert [c.code for c in elr.regions] == ["Y60"] and [c.code for c in elr.icbs] == ["QK1"]

    def names(**filters):
        return [r.federation.name for r in selectors.member_rows(network, **filters)]

    code = outsider["practice"].code
    assert names(q=code) == ["Other GP Federation"]
    assert names(q="C82001") == names(q="cross counties") == names(q="leicestershire and")
    assert names(q="C82001") == ["East Leicestershire and Rutland GP Federation"]
    assert names(region="Y60")[0] == "East Leicestershire and Rutland GP Federation"
    assert "East Leicestershire and Rutland GP Federation" in names(icb="QK1")
    assert names(icb="QE1") == names(region="Y62") == []
    assert names(sort="joined")[-1] == "Other GP Federation"
    assert names(q="nothing like this") == []

    sign_in_verified(client, demo_user("staff.c82001"))
    fragment = client.get(f"/directory/networks/{NET}/", {"q": code}, HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert "<html" not in body and "Other GP Federation" in body and "1 of 2 members" in body
    assert "East Leicestershire" not in body


@pytest.fixture
def contacts(network):
    elr = Federation.objects.get(slug=FED)
    listed = services.contact_save(
        Contact(
            federation=elr,
            name="Chris Chief",
            role="Chief operating officer",
            email="chris@elr.example",
            phone="0116 496 0000",
            in_network_directory=True,
        ),
        by=None,
    )
    manager = services.contact_save(
        Contact(
            federation=elr,
            practice=Practice.objects.get(code="C82001"),
            name="Pat Manager",
            role="Practice manager",
            email="pat@c82001.example",
        ),
        by=None,
    )
    return {"listed": listed, "manager": manager}


def test_contact_details_are_shown_only_to_members(client, network, outsider, contacts):
    member_page = f"/directory/networks/{NET}/members/{FED}/"
    own = f"/directory/federations/{FED}/"

    # Someone from a federation outside the network: the entry, not the contacts.
    sign_in_verified(client, outsider["admin"])
    page = client.get(member_page)
    assert page.status_code == 200 and b"31 practices" in page.content
    assert b"chris@elr.example" not in page.content
    assert b"shown to the network's members only" in page.content
    assert client.get(own).status_code == 404
    api = client.get(f"/api/v1/networks/{NET}/members").json()
    assert api["members"][0]["contacts"] is None

    # The network's administrator: the network-listed contacts, not the practices'.
    sign_in_verified(client, demo_user("network"))
    assert b"chris@elr.example" in client.get(member_page).content
    page = client.get(own)
    assert page.status_code == 200 and b"SOUTH LEICESTERSHIRE MEDICAL GROUP" in page.content
    assert b"pat@c82001.example" not in page.content
    assert client.get(f"/api/v1/federations/{FED}/directory").json()["contacts"] is None

    # Anyone in the federation: every contact, and search.
    sign_in_verified(client, demo_user("staff.c82001"))
    page = client.get(own)
    assert b"pat@c82001.example" in page.content and b"chris@elr.example" in page.content
    found = client.get(own, {"q": "practice manager"})
    assert b"1 contact match" in found.content
    data = client.get(f"/api/v1/federations/{FED}/directory").json()
    c82001 = next(p for p in data["practices"] if p["code"] == "C82001")
    assert c82001["contacts"][0]["email"] == "pat@c82001.example"
    listed = client.get(f"/api/v1/networks/{NET}/members").json()["members"][0]["contacts"]
    assert [c["email"] for c in listed] == ["chris@elr.example"]


def test_contacts_are_checked_and_audited(network, outsider, contacts):
    elr = Federation.objects.get(slug=FED)
    with pytest.raises(DirectoryError, match="is not a member of East Leicestershire"):
        services.contact_save(
            Contact(
                federation=elr,
                practice=outsider["practice"],
                name="X",
                role="Practice manager",
                email="x@example.org",
            ),
            by=None,
        )
    with pytest.raises(DirectoryError, match="email address or a phone number"):
        services.contact_save(Contact(federation=elr, name="X", role="Chair"), by=None)
    with pytest.raises(DirectoryError, match="Enter a phone number"):
        services.contact_save(
            Contact(federation=elr, name="X", role="Chair", phone="call me maybe"), by=None
        )
    with pytest.raises(DirectoryError, match="valid email"):
        services.contact_save(
            Contact(federation=elr, name="X", role="Chair", email="not-an-email"), by=None
        )
    assert Contact.objects.count() == 2
    manager = contacts["manager"]
    manager.phone = "0116 496 0123"
    services.contact_save(manager, by=None)
    event = AuditEvent.objects.filter(action="directory.contact.update").get()
    assert event.changes == {"phone": ["", "0116 496 0123"]}


def test_a_practice_manager_keeps_their_own_practice_contacts(client, contacts):
    elr = Federation.objects.get(slug=FED)
    other_practice = next(
        p
        for p in Practice.objects.filter(federation_memberships__federation=elr, status="A")
        if p.code != "C82001"
    )
    sign_in_verified(client, demo_user("manager.c82001"))
    form = client.get(f"/directory/federations/{FED}/contacts/new/")
    assert form.status_code == 200
    assert b"C82001" in form.content and other_practice.code.encode() not in form.content
    refused = client.post(
        f"/directory/federations/{FED}/contacts/new/",
        {
            "name": "Sneaky",
            "role": "Partner",
            "email": "s@example.org",
            "practice": other_practice.pk,
        },
    )
    assert refused.status_code == 200 and b"Select a valid choice" in refused.content
    unreachable = client.post(
        f"/directory/federations/{FED}/contacts/new/",
        {"name": "Nobody", "role": "Partner", "practice": Practice.objects.get(code="C82001").pk},
    )
    assert b"Enter an email address or a phone number." in unreachable.content
    added = client.post(
        f"/directory/federations/{FED}/contacts/new/",
        {
            "name": "Dee Deputy",
            "role": "Deputy practice manager",
            "phone": "0116 496 0999",
            "practice": Practice.objects.get(code="C82001").pk,
        },
    )
    assert added.status_code == 302
    assert Contact.objects.get(name="Dee Deputy").practice.code == "C82001"
    # The federation's own contacts are not theirs to change.
    assert client.get(f"/directory/contacts/{contacts['listed'].pk}/").status_code == 404
    assert client.post(f"/directory/contacts/{contacts['manager'].pk}/delete/").status_code == 302
    assert not Contact.objects.filter(pk=contacts["manager"].pk).exists()
    assert AuditEvent.objects.filter(action="directory.contact.delete").exists()


def test_the_directory_on_the_command_line(capsys, network, contacts, demo):
    import json

    from gpfed.cli import main

    assert main(["directory", NET, "--format", "json", "--search", "C82001"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [m["slug"] for m in data["members"]] == [FED]
    assert data["members"][0]["contacts"][0]["name"] == "Chris Chief"
    stranger = UserFactory(email="nobody@example.org")
    outside = FederationFactory()  # a federation that is not a member of the network
    role_grant(user=stranger, role="board_member", organisation=outside, by=None)
    assert main(["--by", stranger.email, "directory", NET, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["members"][0]["contacts"] is None
    assert main(["directory", NET, "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("federation,joined,practices") and "361969" in lines[1]
    assert lines[0].endswith(",list_size_extracts") and lines[1].endswith("2021-01-01; 2026-04-01")
    assert main(["directory", "no-such-network"]) == 2
    assert "there is no network no-such-network" in capsys.readouterr().err


def test_membership_day_boundaries(network):
    membership = network.memberships.get(federation__slug=FED)
    services.membership_end(membership, end_date=date.today() + timedelta(days=30), by=None)
    assert len(selectors.member_rows(network)) == 1
    assert selectors.member_rows(network, date.today() + timedelta(days=31)) == []


def test_contacts_go_out_and_come_back_as_csv(client, contacts):
    sign_in_verified(client, demo_user("comms"))
    exported = client.get(f"/directory/federations/{FED}/contacts.csv")
    text = exported.content.decode()
    assert text.splitlines()[0] == "organisation,name,role,email,phone,network directory"
    assert ",Chris Chief,Chief operating officer,chris@elr.example,0116 496 0000,yes" in text
    assert "C82001,Pat Manager,Practice manager,pat@c82001.example,,no" in text
    assert AuditEvent.objects.filter(action="directory.contacts.export").exists()

    from django.core.files.uploadedfile import SimpleUploadedFile

    changed = (
        text.replace("pat@c82001.example,,no", "pat@c82001.example,0116 496 0100,no")
        + "U30213,Dr Cara Director,Clinical director,cara@example.org,,no\r\n"
    )
    done = client.post(
        f"/directory/federations/{FED}/contacts/import/",
        {"file": SimpleUploadedFile("contacts.csv", changed.encode())},
        follow=True,
    )
    assert b"Contacts imported: 1 new, 1 changed, 1 unchanged." in done.content
    assert Contact.objects.get(name="Pat Manager").phone == "0116 496 0100"
    assert Contact.objects.get(name="Dr Cara Director").pcn.code == "U30213"


def test_a_bad_contacts_file_names_every_problem_and_imports_nothing(client, contacts):
    from django.core.files.uploadedfile import SimpleUploadedFile

    sign_in_verified(client, demo_user("coo"))
    bad = (
        "organisation,name,role,email,phone,network directory\n"
        "Z99999,Someone,Partner,a@example.org,,no\n"
        "C82001,,Partner,not-an-email,,no\n"
        "C82001,Ann,Nurse,,call me,no\n"
        "C82001,Bob,Partner,b@example.org,,yes\n"
        "C82001,Cy,Partner,c@example.org,,perhaps\n"
    )
    page = client.post(
        f"/directory/federations/{FED}/contacts/import/",
        {"file": SimpleUploadedFile("contacts.csv", bad.encode())},
    )
    problems = [(p.row, p.column) for p in page.context["problems"]]
    assert problems == [
        (2, "organisation"),
        (3, "name"),
        (3, "email"),
        (4, "phone"),
        (5, "network directory"),
        (6, "network directory"),
    ]
    assert b"Nothing was imported" in page.content
    assert Contact.objects.count() == 2
    nhs = "organisation,name,role,email,phone\nC82001,Pat,Manager,pat@x.org,943 476 5919\n"
    refused = client.post(
        f"/directory/federations/{FED}/contacts/import/",
        {"file": SimpleUploadedFile("contacts.csv", nhs.encode())},
    )
    assert b"NHS number" in refused.content and Contact.objects.count() == 2
