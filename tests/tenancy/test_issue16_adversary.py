"""Issue 16's new actions, attacked as another federation's administrator, as a lesser role and
signed out: invitations revoked and sent again, leaving dates changed, the confirm pages, the
405 page, what needs me (page and API), events changed and cancelled, bulletins to directory
contacts and their unsubscribe link, reply-to settings, ARRS claims, and the audit trail's
filter, CSV and names. The ``world`` (tests/world.py) is ELR (A) with a person for each role and
"Other GP Federation" (B), whose administrator is the attacker. A test that passes proves a
defence; an ``xfail(strict=True)`` marks a hole."""

import json
import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.test import Client
from django.utils import timezone

from accounts.models import Invitation, RoleGrant
from accounts.services import api_token_create, invitation_create, user_deactivate
from audit.models import AuditEvent
from comms import events
from comms import services as comms
from comms.models import Bulletin, Event, MailSettings, Registration, Unsubscribe
from directory.models import Contact
from registry.models import PCN, Federation, FederationMembership, Practice
from tests.conftest import sign_in_verified
from tests.world import FED, OTHER

pytestmark = pytest.mark.django_db

BASE = "http://testserver/"


def elr():
    return Federation.objects.get(slug=FED)


def other():
    return Federation.objects.get(slug=OTHER)


def as_user(client, world, who):
    return sign_in_verified(client, world["users"][who])


def elr_invitation(world):
    invitation, _link = invitation_create(
        email="newcomer@elr.example.org",
        role="communications_lead",
        organisation=elr(),
        invited_to=elr(),
        by=world["users"]["federation_admin"],
        base_url=BASE,
    )
    return invitation


def other_practice():
    return FederationMembership.objects.get(federation__slug=OTHER).practice


# --- invitations: revoke and send again ------------------------------------------------------


@pytest.mark.parametrize("action", ["revoke", "resend"])
@pytest.mark.parametrize("query", ["", f"?federation={FED}", f"?federation={OTHER}"])
def test_another_federations_admin_cannot_revoke_or_resend_an_invitation_by_id(
    demo, world, client, action, query
):
    invitation = elr_invitation(world)
    before = Invitation.objects.get(pk=invitation.pk)
    as_user(client, world, "other_admin")
    mail.outbox.clear()
    response = client.post(f"/accounts/people/invitations/{invitation.pk}/{action}/{query}")
    assert response.status_code in (403, 404)
    after = Invitation.objects.get(pk=invitation.pk)
    assert after.revoked_at is None
    assert (after.token_hash, after.expires_at) == (before.token_hash, before.expires_at)
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action__startswith=f"invitation.{action}").exists()


@pytest.mark.parametrize("who", ["communications_lead", "finance_lead", "practice_manager"])
@pytest.mark.parametrize("action", ["revoke", "resend"])
def test_a_lesser_role_of_the_same_federation_cannot_revoke_or_resend(
    demo, world, client, who, action
):
    invitation = elr_invitation(world)
    as_user(client, world, who)
    response = client.post(f"/accounts/people/invitations/{invitation.pk}/{action}/")
    assert response.status_code in (403, 404)
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is None


def test_a_revoked_invitations_link_is_dead_and_a_resent_one_kills_the_old_link(
    demo, world, client
):
    invitation, link = invitation_create(
        email="newcomer@elr.example.org",
        role="communications_lead",
        organisation=elr(),
        invited_to=elr(),
        by=world["users"]["federation_admin"],
        base_url=BASE,
    )
    as_user(client, world, "federation_admin")
    client.post(f"/accounts/people/invitations/{invitation.pk}/resend/")
    anonymous = Client()
    old = link.removeprefix(BASE.rstrip("/"))
    page = anonymous.post(old, {"full_name": "X", "password1": "p" * 20, "password2": "p" * 20})
    assert not RoleGrant.objects.filter(user__email="newcomer@elr.example.org").exists()
    assert page.status_code in (200, 302, 400, 404, 410)
    client.post(f"/accounts/people/invitations/{invitation.pk}/revoke/")
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is not None


# --- confirm pages for ending a role and deactivating a person --------------------------------


@pytest.mark.parametrize("query", ["", f"?federation={FED}"])
def test_another_federations_admin_cannot_open_or_post_elrs_role_end_or_deactivate(
    demo, world, client, query
):
    grant = world["manager_grant"]
    manager = world["users"]["practice_manager"]
    as_user(client, world, "other_admin")
    for method in (client.get, client.post):
        assert method(f"/accounts/people/roles/{grant.pk}/end/{query}").status_code in (403, 404)
        response = method(f"/accounts/people/{manager.pk}/deactivate/{query}")
        assert response.status_code in (403, 404)
    grant.refresh_from_db()
    manager.refresh_from_db()
    assert grant.end_date is None and manager.is_active


def test_the_role_end_page_names_no_role_another_federation_granted(demo, world, client):
    """A person with a role in both: Other's admin ending her Other role sees nothing of ELR."""
    from accounts.services import role_grant

    manager = world["users"]["practice_manager"]
    mine = role_grant(user=manager, role="practice_staff", organisation=other_practice(), by=None)
    as_user(client, world, "other_admin")
    page = client.get(f"/accounts/people/roles/{mine.pk}/end/").content.decode()
    assert "C82001" not in page
    assert Practice.objects.get(code="C82001").name not in page


# --- a membership's leaving date --------------------------------------------------------------


def elr_membership_leaving():
    membership = FederationMembership.objects.get(federation__slug=FED, practice__code="C82001")
    membership.end_date = timezone.localdate() + timedelta(days=60)
    membership.save(update_fields=["end_date"])
    return membership


@pytest.mark.parametrize("slug", [FED, OTHER])
@pytest.mark.parametrize("action", ["change", "remove"])
def test_another_federations_admin_cannot_change_elrs_leaving_date(
    demo, world, client, slug, action
):
    membership = elr_membership_leaving()
    as_user(client, world, "other_admin")
    url = f"/federations/{slug}/members/{membership.pk}/leaving/"
    assert client.get(url).status_code in (403, 404)
    response = client.post(url, {"action": action, "end_date": "31/12/2099"})
    assert response.status_code in (403, 404)
    assert FederationMembership.objects.get(pk=membership.pk).end_date == membership.end_date


@pytest.mark.parametrize("who", ["communications_lead", "finance_lead", "practice_manager"])
def test_a_lesser_role_cannot_change_or_remove_a_leaving_date(demo, world, client, who):
    membership = elr_membership_leaving()
    as_user(client, world, who)
    url = f"/federations/{FED}/members/{membership.pk}/leaving/"
    response = client.post(url, {"action": "remove"})
    assert response.status_code in (403, 404)
    assert FederationMembership.objects.get(pk=membership.pk).end_date == membership.end_date


def test_other_cannot_remove_its_leaving_date_to_hold_a_practice_elr_holds_next(
    demo, world, client
):
    """Other's own practice leaves Other; ELR holds it from the next day. Removing Other's
    leaving date would make Other hold ELR's practice without the practice agreeing."""
    practice = other_practice()
    mine = FederationMembership.objects.get(federation__slug=OTHER, practice=practice)
    leaving = timezone.localdate() + timedelta(days=30)
    mine.end_date = leaving
    mine.save(update_fields=["end_date"])
    FederationMembership.objects.create(
        federation=elr(), practice=practice, start_date=leaving + timedelta(days=1)
    )
    as_user(client, world, "other_admin")
    url = f"/federations/{OTHER}/members/{mine.pk}/leaving/"
    client.post(url, {"action": "remove"})
    client.post(url, {"action": "change", "end_date": "31/12/2099"})
    assert FederationMembership.objects.get(pk=mine.pk).end_date == leaving


# --- the 405 page -----------------------------------------------------------------------------


def test_the_405_page_leads_back_only_to_this_site_and_says_nothing_of_the_object(
    demo, world, client
):
    invitation = elr_invitation(world)
    as_user(client, world, "other_admin")
    url = f"/accounts/people/invitations/{invitation.pk}/revoke/"
    for referer in (
        "https://evil.example/phish",
        "//evil.example/phish",
        "javascript:alert(1)",
        "http://testserver.evil.example/",
    ):
        page = client.get(url, headers={"Referer": referer})
        assert page.status_code == 405
        assert page["Allow"] == "POST"
        text = page.content.decode()
        assert "evil.example" not in text and "javascript:" not in text
        assert "newcomer@elr.example.org" not in text
    # the same answer for an invitation that does not exist: no oracle of ids
    missing = client.get("/accounts/people/invitations/999999/revoke/")
    assert missing.status_code == 405

    def unmasked(response):
        return re.sub(rb'value="[^"]{64}"', b"", response.content)

    assert unmasked(missing) == unmasked(client.get(url))


def test_the_405_page_does_not_touch_the_api(demo, world):
    _token, raw = api_token_create(user=world["users"]["other_admin"], name="t")
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    response = api.post("/api/v1/me/needs")
    assert response.status_code == 405
    assert b"form's button" not in response.content  # the API's own answer, not the page
    assert b"<html" not in response.content


def test_signed_out_a_button_address_leads_to_sign_in_not_a_page(demo, world):
    invitation = elr_invitation(world)
    response = Client().get(f"/accounts/people/invitations/{invitation.pk}/revoke/")
    assert b"newcomer" not in response.content
    assert response.status_code in (302, 401, 403, 405)


# --- what needs me: the home page and the API ------------------------------------------------


def elr_secrets(world):
    """Things that only ELR's people should see, each named in ELR's needs."""
    start = timezone.now() + timedelta(days=3)
    comms.bulletin_save(
        Bulletin(
            federation=elr(),
            title="ELRSECRET scheduled bulletin",
            body="x",
            status=Bulletin.Status.SCHEDULED,
            send_at=start,
        ),
        by=None,
    )
    return ["ELRSECRET", elr().name]


def test_another_federations_people_see_none_of_elrs_needs_on_the_api_or_the_page(
    demo, world, client
):
    secrets = elr_secrets(world)
    _token, own = api_token_create(user=world["users"]["federation_admin"], name="t")
    mine = Client(headers={"Authorization": f"Bearer {own}"}).get("/api/v1/me/needs")
    assert mine.status_code == 200
    assert "ELRSECRET" in mine.content.decode()  # the check can see it when it is there
    for who in ("other_admin", "other_pcn_cd", "no_role"):
        _token, raw = api_token_create(user=world["users"][who], name="t")
        answer = Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/me/needs")
        assert answer.status_code == 200
        text = answer.content.decode()
        for secret in secrets:
            assert secret not in text, (who, secret)
        for need in answer.json()["needs"]:
            assert FED not in need["url"]
        sign_in_verified(client, world["users"][who])
        page = client.get("/").content.decode()
        assert "ELRSECRET" not in page
        client.logout()


def test_needs_api_signed_out_and_with_a_revoked_token(demo, world):
    assert Client().get("/api/v1/me/needs").status_code == 401
    token, raw = api_token_create(user=world["users"]["federation_admin"], name="t")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    answer = Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/me/needs")
    assert answer.status_code == 401


def test_a_lesser_role_sees_no_finance_or_rota_needs_of_its_federation(demo, world):
    elr_secrets(world)
    for who in ("practice_staff", "board_member"):
        _token, raw = api_token_create(user=world["users"][who], name="t")
        answer = Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/me/needs")
        assert answer.status_code == 200
        assert "ELRSECRET" not in answer.content.decode(), who


# --- events: changed and cancelled ------------------------------------------------------------


@pytest.mark.parametrize("who", ["other_admin", "practice_manager", "finance_lead"])
def test_another_federation_or_a_lesser_role_cannot_change_or_cancel_an_event(
    demo, world, client, who
):
    event = world["event"]
    as_user(client, world, who)
    assert client.get(f"/comms/events/{event.pk}/cancel").status_code in (403, 404)
    assert client.post(f"/comms/events/{event.pk}/cancel").status_code in (403, 404)
    assert client.get(f"/comms/events/{event.pk}/edit").status_code in (403, 404)
    start = event.starts_at + timedelta(days=1)
    response = client.post(
        f"/comms/events/{event.pk}/edit",
        {
            "title": "Hijacked",
            "kind": event.kind,
            "starts_at": f"{start:%Y-%m-%dT%H:%M}",
            "ends_at": f"{start + timedelta(hours=1):%Y-%m-%dT%H:%M}",
            "place": "Elsewhere",
        },
    )
    assert response.status_code in (403, 404)
    stored = Event.objects.get(pk=event.pk)
    assert stored.cancelled_at is None and stored.title == event.title


def test_a_change_that_narrows_the_audience_is_not_emailed_to_those_it_drops(
    demo, world, django_capture_on_commit_callbacks
):
    event = world["event"]
    staff = world["users"]["practice_staff"]
    manager = world["users"]["practice_manager"]
    with django_capture_on_commit_callbacks(execute=True):
        events.register(event, staff)
        events.register(event, manager)
    mail.outbox.clear()
    event.audience_roles = ["practice_manager"]
    event.place = "Secret new venue"
    with django_capture_on_commit_callbacks(execute=True):
        events.event_save(event, by=world["users"]["communications_lead"])
    told = {m.to[0] for m in mail.outbox}
    assert manager.email in told
    assert staff.email not in told


def test_a_cancellation_is_not_emailed_to_a_deactivated_person(
    demo, world, django_capture_on_commit_callbacks
):
    event = world["event"]
    staff = world["users"]["practice_staff"]
    with django_capture_on_commit_callbacks(execute=True):
        events.register(event, staff)
    user_deactivate(user=staff, by=world["users"]["federation_admin"], federation=elr())
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        events.event_cancel(event, by=world["users"]["communications_lead"])
    assert staff.email not in {m.to[0] for m in mail.outbox}


def test_other_cannot_register_for_elrs_event(demo, world, client):
    event = world["event"]
    as_user(client, world, "other_admin")
    response = client.post(f"/comms/events/{event.pk}/", {"action": "register"})
    assert response.status_code in (403, 404)
    assert not Registration.objects.filter(event=event, user=world["users"]["other_admin"]).exists()


# --- bulletins: sending confirms first; directory contacts ------------------------------------


@pytest.mark.parametrize("who", ["other_admin", "practice_manager", "board_member"])
def test_another_federation_or_a_lesser_role_cannot_open_or_post_the_send_confirm(
    demo, world, client, who
):
    draft = world["draft"]
    as_user(client, world, who)
    assert client.get(f"/comms/bulletins/{draft.pk}/send").status_code in (403, 404)
    assert client.post(f"/comms/bulletins/{draft.pk}/send").status_code in (403, 404)
    assert Bulletin.objects.get(pk=draft.pk).status == Bulletin.Status.DRAFT


def test_others_bulletin_to_contacts_never_reaches_elrs_contacts(demo, world):
    """Other's bulletin to its contacts, aimed at ELR's practice and at the shared PCN, and a
    contact of Other's with the same address as ELR's: none of ELR's contacts is reached."""
    elr_contact = world["contact"]
    Contact.objects.create(
        federation=other(),
        practice=other_practice(),
        name="Other's own",
        role="Manager",
        email="own@other.example",
    )
    bulletin = comms.bulletin_save(
        Bulletin(federation=other(), title="Hi", body="x", to_contacts=True), by=None
    )
    reached = comms.contact_recipients(bulletin)
    assert elr_contact.pk not in reached
    assert set(reached.values()) == {"own@other.example"}
    bulletin.audience_practices.set([Practice.objects.get(code="C82001")])
    bulletin.audience_pcns.set([PCN.objects.get(code="U30213")])
    reached = comms.contact_recipients(bulletin)
    assert elr_contact.pk not in reached
    assert not set(reached) - set(
        Contact.objects.filter(federation=other()).values_list("pk", flat=True)
    )


def test_others_admin_cannot_aim_a_bulletin_at_elrs_practices_through_the_form(demo, world, client):
    as_user(client, world, "other_admin")
    c82001 = Practice.objects.get(code="C82001")
    client.post(
        f"/comms/federations/{OTHER}/new",
        {
            "title": "Aimed",
            "category": "news",
            "body": "x",
            "to_contacts": "on",
            "audience_practices": [c82001.pk],
        },
    )
    bulletin = Bulletin.objects.filter(federation=other(), title="Aimed").first()
    if bulletin is not None:
        assert c82001 not in bulletin.audience_practices.all()


# --- the unsubscribe link ---------------------------------------------------------------------


def other_contact(email="mine@other.example"):
    return Contact.objects.create(
        federation=other(), practice=other_practice(), name="Mine", role="Manager", email=email
    )


def tampered(token: str, contact_id: int, federation_id: int) -> str:
    """The token with its payload swapped and the signature kept, as an attacker would."""
    payload = signing.b64_encode(json.dumps({"c": contact_id, "f": federation_id}).encode())
    _old, _colon, rest = token.partition(":")
    return payload.decode() + ":" + rest


def test_a_token_for_others_contact_with_elrs_contact_id_unsubscribes_nobody(demo, world):
    mine = other_contact()
    token = comms.unsubscribe_token(mine.pk, other().pk)
    target = world["contact"]
    anonymous = Client(enforce_csrf_checks=True)
    for forged in (
        tampered(token, target.pk, elr().pk),
        tampered(token, target.pk, other().pk),
        token.replace(str(mine.pk), str(target.pk), 1),
        signing.dumps({"c": target.pk, "f": elr().pk}),  # the right data, another salt
        signing.dumps({"c": target.pk, "f": elr().pk}, salt="comms.unsubscribe", key="guess"),
    ):
        if forged == token:  # the id's digits were not in the text: nothing was forged
            continue
        answer = anonymous.post(f"/comms/unsubscribe/{forged}")
        assert answer.status_code == 400, forged
        assert target.name.encode() not in answer.content
    assert not Unsubscribe.objects.filter(federation=elr()).exists()
    assert not AuditEvent.objects.filter(action="comms.unsubscribe").exists()


def test_a_valid_token_for_others_contact_stops_only_others_bulletins_to_that_address(demo, world):
    """Other's admin sets her contact to her own address, gets the link, then changes the
    contact's address to ELR's contact's and uses the link: only Other's sends stop."""
    target = world["contact"]
    mine = other_contact()
    token = comms.unsubscribe_token(mine.pk, other().pk)
    mine.email = target.email
    mine.save(update_fields=["email"])
    Client().post(f"/comms/unsubscribe/{token}")
    assert set(Unsubscribe.objects.values_list("federation__slug", "email")) == {
        (OTHER, target.email)
    }
    elr_bulletin = comms.bulletin_save(
        Bulletin(federation=elr(), title="Hi", body="x", to_contacts=True), by=None
    )
    assert target.pk in comms.contact_recipients(elr_bulletin)
    assert not AuditEvent.objects.filter(action="comms.unsubscribe", federation=elr()).exists()


def test_the_unsubscribe_get_changes_nothing_and_shows_only_that_contacts_address(demo, world):
    target = world["contact"]
    token = comms.unsubscribe_token(target.pk, elr().pk)
    page = Client().get(f"/comms/unsubscribe/{token}")
    assert page.status_code == 200
    assert not Unsubscribe.objects.exists()  # a mail scanner's GET unsubscribes nobody
    text = page.content.decode()
    assert target.email in text
    assert target.name not in text and target.practice.name not in text
    assert "no-cache" in page.get("Cache-Control", "") or "max-age=0" in page.get(
        "Cache-Control", ""
    )


# --- reply-to settings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "me@other.example\r\nBcc: victim@elr.example.org",
        "me@other.example\nBcc: victim@elr.example.org",
        "me@other.example, victim@elr.example.org",
        '"x\r\nBcc: v@e.org" <me@other.example>',
        "me@other.example\u2028Bcc: v@e.org",
    ],
)
def test_a_reply_to_with_a_header_injection_is_refused(demo, world, client, address):
    as_user(client, world, "other_admin")
    client.post(f"/comms/federations/{OTHER}/email", {"reply_to": address})
    assert not MailSettings.objects.exclude(reply_to="").exists()


@pytest.mark.parametrize("who", ["other_admin", "practice_manager", "finance_lead"])
def test_another_federation_or_a_lesser_role_cannot_set_elrs_reply_to(demo, world, client, who):
    as_user(client, world, who)
    url = f"/comms/federations/{FED}/email"
    assert client.get(url).status_code in (403, 404)
    response = client.post(url, {"reply_to": "attacker@other.example"})
    assert response.status_code in (403, 404)
    assert not MailSettings.objects.filter(federation=elr()).exists()


def test_signed_out_the_reply_to_page_leads_to_sign_in(demo, world):
    response = Client().post(f"/comms/federations/{FED}/email", {"reply_to": "a@b.org"})
    assert response.status_code in (302, 401, 403, 404)
    assert not MailSettings.objects.exists()


def test_others_reply_to_is_never_on_elrs_event_emails(
    demo, world, django_capture_on_commit_callbacks
):
    comms.reply_to_save(other(), "attacker@other.example", by=None)
    with django_capture_on_commit_callbacks(execute=True):
        events.register(world["event"], world["users"]["practice_manager"])
    assert mail.outbox
    for message in mail.outbox:
        assert "attacker@other.example" not in (message.reply_to or [])


# --- ARRS claim confirm -----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["other_admin", "other_pcn_cd", "practice_manager"])
def test_the_arrs_confirm_page_is_not_open_to_another_federation_or_a_lesser_role(
    demo, world, client, who
):
    as_user(client, world, who)
    url = f"/rota/{FED}/arrs/U30213/submit"
    assert client.get(url).status_code in (403, 404)
    assert client.post(url, {"fingerprint": "x"}).status_code in (403, 404)


# --- the audit trail: filter, CSV, names ------------------------------------------------------


def elr_audit_marker(world):
    comms.reply_to_save(
        elr(), "ELRAUDITSECRET@elr.example.org", by=world["users"]["federation_admin"]
    )
    return "ELRAUDITSECRET"


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"trail": f"federation:{FED}"},
        {"trail": f"network:{FED}"},
        {"trail": "federation__in:x"},
        {"action": "reply_to"},
        {"action": "%"},
        {"action": "_"},
        {"obj": "mailsettings"},
        {"person": "@"},
        {"date_from": "1/1/2000", "date_to": "31/12/2099"},
    ],
)
def test_another_federations_admin_reads_none_of_elrs_audit_by_filter_or_csv(
    demo, world, client, query
):
    marker = elr_audit_marker(world)
    as_user(client, world, "other_admin")
    page = client.get("/audit/", query)
    assert page.status_code == 200
    assert marker not in page.content.decode()
    csv = client.get("/audit/export.csv", query)
    assert csv.status_code == 200
    body = b"".join(csv.streaming_content) if csv.streaming else csv.content
    assert marker not in body.decode()
    assert elr().name not in body.decode()


@pytest.mark.parametrize("who", ["communications_lead", "finance_lead", "practice_manager"])
def test_a_lesser_role_reads_no_audit(demo, world, client, who):
    as_user(client, world, who)
    assert client.get("/audit/").status_code in (403, 404)
    assert client.get("/audit/export.csv", {"trail": f"federation:{FED}"}).status_code in (
        403,
        404,
    )


def test_signed_out_the_audit_csv_is_closed(demo, world):
    response = Client().get("/audit/export.csv", {"trail": f"federation:{FED}"})
    assert response.status_code in (302, 401, 403)


def test_the_csv_export_is_recorded_on_the_readers_own_trail_only(demo, world, client):
    as_user(client, world, "other_admin")
    response = client.get("/audit/export.csv", {"trail": f"federation:{FED}"})
    assert response.status_code == 200
    export = AuditEvent.objects.filter(action="audit.export").get()
    assert export.federation == other()


def test_names_not_ids_do_not_name_another_federations_objects(demo, world, client):
    """A row in Other's trail whose change names an ELR person's id (a contact's user): the
    trail should show the id, not ELR's person's name. No action found writes such a row
    (Contact.user is not in any form; every FK a form sets is narrowed to the federation), so
    the row is written directly."""
    elr_person = world["users"]["practice_manager"]
    elr_person.full_name = "Zelda ELRONLY Person"
    elr_person.save()
    mine = other_contact()
    AuditEvent.objects.create(
        actor_label="admin@other.example",
        action="directory.contact",
        object_type="directory.contact",
        object_id=str(mine.pk),
        object_label=str(mine),
        changes={"user_id": [None, elr_person.pk]},
        federation=other(),
    )
    as_user(client, world, "other_admin")
    page = client.get("/audit/").content.decode()
    assert "ELRONLY" not in page


def test_a_tampered_trail_choice_does_not_widen_a_single_trail_reader(demo, world, client):
    marker = elr_audit_marker(world)
    as_user(client, world, "other_admin")
    for trail in (f"federation:{FED}", f"federation:{FED}:x", "federation:", ":"):
        page = client.get("/audit/", {"trail": trail})
        assert marker not in page.content.decode()
    assert AuditEvent.objects.filter(federation=elr()).exists()


def test_others_own_actions_put_no_elr_persons_name_in_others_trail(demo, world, client):
    """What Other's admin may do that touches ELR's things (invite to the PCN both share, ask
    to hold ELR's practice, add a contact, set a reply-to, export): her trail names no ELR
    person, even with names resolved from ids."""
    for who in ("practice_manager", "pcn_cd", "federation_admin"):
        person = world["users"][who]
        person.full_name = f"Zelda ELRONLY {who}"
        person.save()
    as_user(client, world, "other_admin")
    client.post(
        "/accounts/people/",
        {"email": "new@other.example", "role": "pcn_clinical_director", "organisation": "U30213"},
    )
    other_contact()
    client.post(f"/comms/federations/{OTHER}/email", {"reply_to": "me@other.example"})
    client.get("/audit/export.csv")
    assert AuditEvent.objects.filter(federation=other()).count() >= 3
    page = client.get("/audit/").content.decode()
    assert "ELRONLY" not in page
    csv = client.get("/audit/export.csv")
    assert csv.status_code == 200
    body = b"".join(csv.streaming_content) if csv.streaming else csv.content
    assert "ELRONLY" not in body.decode()
