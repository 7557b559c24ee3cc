"""A federation's bulletins reach the contacts in its own directory who have no gpfed account:
by email only, once an address, each with a one-click unsubscribe that works without signing
in and is honoured for every later send. A token names one contact and one federation."""

from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client

from accounts.models import User
from audit.models import AuditEvent
from comms import services
from comms.models import Bulletin, Delivery, Unsubscribe
from directory.models import Contact
from registry.models import Federation, Network, Practice
from tests.factories.directory import ContactFactory
from tests.factories.registry import FederationFactory

pytestmark = pytest.mark.django_db
FED = "east-leicestershire-and-rutland-gp-federation"


def elr():
    return Federation.objects.get(slug=FED)


def draft(federation=None, **extra):
    return services.bulletin_save(
        Bulletin(
            federation=federation or elr(),
            title="Flu clinics",
            body="Saturday clinics start on **5 December**.",
            **extra,
        ),
        by=None,
    )


def contact_addresses(bulletin):
    return set(services.contact_recipients(bulletin).values())


def delivered(smtp_server):
    return {m["To"]: m for m in smtp_server}


def test_contacts_without_an_account_get_one_copy_each_by_email_with_an_unsubscribe(
    demo, smtp_server
):
    c82001 = Practice.objects.get(code="C82001")
    manager = User.objects.get(email="manager.c82001@demo.gpfed.example")
    linked = ContactFactory(federation=elr(), practice=c82001, email=manager.email, user=manager)
    ContactFactory(federation=elr(), practice=None, role="Chair", email="chair@example.org")
    ContactFactory(federation=FederationFactory(), practice=None, email="elsewhere@example.org")
    # a contact whose address is a gpfed account's, not linked to it: the account's copy only
    Contact.objects.create(
        federation=elr(),
        practice=c82001,
        name="Same person",
        role="Practice manager",
        email="STAFF.C82001@demo.gpfed.example",
    )
    # one address for two contacts: one copy
    for role in ("Reception lead", "Data lead"):
        Contact.objects.create(
            federation=elr(), practice=c82001, name="Sam Shared", role=role, email="sam@example.org"
        )
    without_contacts = draft()
    assert services.contact_recipients(without_contacts) == {}

    bulletin = draft(to_contacts=True, audience_roles=["practice_manager"])
    people = services.recipients(bulletin)
    contacts = services.contact_recipients(bulletin, people)
    addresses = set(contacts.values())
    assert {"sam@example.org", "chair@example.org"} <= addresses
    assert "manager.c82001@demo.gpfed.example" in people.values()  # an account: not a contact
    assert not {a.lower() for a in addresses} & {u.email.lower() for u in User.objects.all()}
    assert linked.pk not in contacts
    assert "elsewhere@example.org" not in addresses  # never another federation's contacts

    assert services.bulletin_send(bulletin, by=None) == len(people) + len(contacts)
    services.deliver_due()
    mail = delivered(smtp_server)
    assert len(smtp_server) == len(mail) == len(people) + len(contacts)  # nobody twice
    to_contact = mail["sam@example.org"]
    assert to_contact["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = "".join(str(to_contact["List-Unsubscribe"]).split()).strip("<>")  # unfolded
    assert link.startswith("http") and "/comms/unsubscribe/" in link
    text = next(p for p in to_contact.walk() if p.get_content_type() == "text/plain")
    body = text.get_payload(decode=True).decode()
    assert link in body and "Read it in gpfed" not in body
    assert "in East Leicestershire and Rutland GP Federation's directory" in body
    to_person = mail["manager.c82001@demo.gpfed.example"]
    assert to_person["List-Unsubscribe"] is None
    copy = Delivery.objects.get(email="sam@example.org")
    assert copy.user is None and copy.contact is not None and copy.status == "sent"
    # the link in the email works, from a browser that never signed in
    assert Client().post(urlsplit(link).path).status_code == 200
    assert list(Unsubscribe.objects.values_list("email", flat=True)) == ["sam@example.org"]


def test_narrowed_to_practices_only_their_contacts_go(demo):
    practice = Practice.objects.get(code="C82001")
    bulletin = draft(to_contacts=True)
    bulletin.audience_practices.set([practice])
    addresses = contact_addresses(bulletin)
    expected = set(
        Contact.objects.filter(federation=elr(), practice=practice, user__isnull=True)
        .exclude(email="")
        .values_list("email", flat=True)
    ) - {u.email for u in User.objects.all()}
    assert addresses == expected


def test_unsubscribing_works_without_signing_in_and_later_sends_leave_the_address_out(
    demo, smtp_server
):
    contact = Contact.objects.create(
        federation=elr(), name="Pat", role="Practice manager", email="Pat@Example.org"
    )
    token = services.unsubscribe_token(contact.pk, elr().pk)
    browser = Client(enforce_csrf_checks=True)  # not signed in, and no CSRF cookie
    asked = browser.get(f"/comms/unsubscribe/{token}")
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "Unsubscribe from East Leicestershire and Rutland GP Federation" in page
    assert 'method="post"' in page and "Pat@Example.org" in page
    assert not Unsubscribe.objects.exists()  # opening the link changes nothing
    # the mail program's one-click POST (RFC 8058)
    done = browser.post(
        f"/comms/unsubscribe/{token}",
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert done.status_code == 200 and "You are unsubscribed" in done.content.decode()
    assert list(Unsubscribe.objects.values_list("email", flat=True)) == ["pat@example.org"]
    [record] = AuditEvent.objects.filter(action="comms.unsubscribe")
    assert record.federation == elr() and "pat@example.org" in record.actor_label
    again = browser.post(f"/comms/unsubscribe/{token}")
    assert again.status_code == 200 and Unsubscribe.objects.count() == 1
    assert "You are unsubscribed" in browser.get(f"/comms/unsubscribe/{token}").content.decode()

    later = draft(to_contacts=True)
    assert "Pat@Example.org" not in contact_addresses(later)
    services.bulletin_send(later, by=None)
    services.deliver_due()
    assert "Pat@Example.org" not in delivered(smtp_server)
    assert not Delivery.objects.filter(email__iexact="pat@example.org").exists()


def test_a_token_unsubscribes_its_own_contact_only_and_a_tampered_one_is_refused(client, demo):
    pat = Contact.objects.create(federation=elr(), name="Pat", role="PM", email="pat@example.org")
    kim = Contact.objects.create(federation=elr(), name="Kim", role="PM", email="kim@example.org")
    token = services.unsubscribe_token(pat.pk, elr().pk)
    # posting another contact's id beside the token changes nothing: the token names Pat
    client.post(f"/comms/unsubscribe/{token}", {"contact": kim.pk, "c": kim.pk})
    assert list(Unsubscribe.objects.values_list("email", flat=True)) == ["pat@example.org"]
    assert kim.email in contact_addresses(draft(to_contacts=True))

    _payload, _, signature = token.rpartition(":")
    forged_payload = signing.dumps({"c": kim.pk, "f": elr().pk}, salt="comms.unsubscribe")
    for tampered in (
        token[:-1] + ("A" if token[-1] != "A" else "B"),  # a changed signature
        forged_payload.rpartition(":")[0] + ":" + signature,  # another contact, Pat's signature
        signing.dumps({"c": kim.pk, "f": elr().pk}),  # signed for something else
        "not-a-token",
    ):
        for method in (client.get, client.post):
            refused = method(f"/comms/unsubscribe/{tampered}")
            assert refused.status_code == 400, tampered
            page = refused.content.decode()
            assert "This link does not work" in page and "Nothing has changed" in page
    assert Unsubscribe.objects.count() == 1

    # a genuine token for a contact in one federation does not reach another federation's
    other = FederationFactory()
    crossed = services.unsubscribe_token(kim.pk, other.pk)
    client.post(f"/comms/unsubscribe/{crossed}")
    assert Unsubscribe.objects.count() == 1


def test_only_a_federations_own_bulletins_reach_its_contacts(client, demo):
    network = Network.objects.get()
    with pytest.raises(services.CommsError, match="federation's bulletin"):
        services.bulletin_save(
            Bulletin(network=network, title="News", body="Hello", to_contacts=True), by=None
        )
    ContactFactory(federation=elr(), practice=None, email="ours@example.org")
    other = FederationFactory()
    ContactFactory(federation=other, practice=None, email="theirs@example.org")
    assert contact_addresses(draft(federation=other, to_contacts=True)) == {"theirs@example.org"}
    assert "theirs@example.org" not in contact_addresses(draft(to_contacts=True))
    from tests.conftest import sign_in_verified

    sign_in_verified(client, User.objects.get(email="network@demo.gpfed.example"))
    page = client.get(f"/comms/networks/{network.slug}/new").content.decode()
    assert "to_contacts" not in page
