"""Everyday use of people and roles (issue 16): ending a role and deactivating a person confirm
first; invitations are revoked and sent again, and say who invites to what; a practice leaving
on a date to come can still have people invited to it; a GET to a form button's address answers
a page; the demo's one-time code works for a second sign-in within 30 seconds."""

import re
import time
from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, RoleGrant, User
from accounts.services import api_token_create, invitation_create, role_grant
from audit.models import AuditEvent
from demo import DEMO_PASSWORD
from registry.models import Federation, Practice
from registry.services import federation_create, federation_membership_end
from tests.conftest import sign_in_verified
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
FED = "east-leicestershire-and-rutland-gp-federation"
PEOPLE = f"/accounts/people/?federation={FED}"


def demo_user(name):
    return User.objects.get(email=f"{name}@demo.gpfed.example")


def elr():
    return Federation.objects.get(slug=FED)


def other_admin():
    """The administrator of another federation, which holds none of ELR's practices."""
    other = federation_create(name="Other GP Federation", by=None)
    admin = UserFactory(email="admin@other.example")
    role_grant(user=admin, role="federation_admin", organisation=other, by=None)
    return admin, other


# --- ending a role and deactivating a person confirm first -------------------------------


def test_the_people_page_leads_to_confirm_pages_not_to_buttons_that_act(client, demo):
    sign_in_verified(client, demo_user("coo"))
    grant = RoleGrant.objects.get(user=demo_user("staff.c82001"))
    content = client.get(PEOPLE).content.decode()
    end = reverse("accounts:grant-end", args=[grant.pk])
    deactivate = reverse("accounts:user-deactivate", args=[grant.user.pk])
    assert f'href="{end}?federation={FED}"' in content
    assert f'href="{deactivate}?federation={FED}"' in content
    # no form on the People page ends a role or deactivates anyone at once
    assert f'action="{end}"' not in content and f'action="{deactivate}"' not in content


def test_ending_a_role_confirms_first_and_says_whose_which_and_from_when(client, demo):
    sign_in_verified(client, demo_user("coo"))
    grant = RoleGrant.objects.get(user=demo_user("staff.c82001"))
    url = reverse("accounts:grant-end", args=[grant.pk]) + f"?federation={FED}"
    page = client.get(url)
    text = re.sub(r"\s+", " ", page.content.decode())
    today = timezone.localdate()
    assert page.status_code == 200
    assert f"End {grant.user}'s role as practice staff?" in text
    assert str(grant.practice) in text
    assert f"At the end of {today:%A %-d %B %Y}" in text
    assert f"It is their only role in {elr().name}" in text
    grant.refresh_from_db()
    assert grant.end_date is None and not AuditEvent.objects.filter(action="role.end").exists()

    done = client.post(url, {"federation": FED})
    assert done.status_code == 302
    grant.refresh_from_db()
    assert grant.end_date == today
    event = AuditEvent.objects.get(action="role.end")
    assert event.actor == demo_user("coo")
    assert f"ends today, {today:%-d %B %Y}." in client.get(PEOPLE).content.decode()


def test_deactivating_says_sign_in_sessions_tokens_and_roles_end_then_does_it(client, demo):
    staff = demo_user("staff.c82001")
    api_token_create(user=staff, name="script", days=30)
    sign_in_verified(client, demo_user("coo"))
    url = reverse("accounts:user-deactivate", args=[staff.pk]) + f"?federation={FED}"
    page = client.get(url)
    text = re.sub(r"\s+", " ", page.content.decode())
    assert page.status_code == 200
    assert f"Deactivate {staff}?" in text
    assert "can no longer sign in" in text
    assert "any session they have open ends at once" in text
    assert "their 1 API token stops working" in text
    assert f"their roles in {elr().name} end today" in text
    assert "Practice staff" in text
    staff.refresh_from_db()
    assert staff.is_active

    staff_client = type(client)()
    staff_client.force_login(staff)
    client.post(url, {"federation": FED})
    staff.refresh_from_db()
    assert not staff.is_active
    assert staff_client.get("/").status_code == 302  # signed out at once
    assert AuditEvent.objects.filter(action="user.deactivate", actor=demo_user("coo")).exists()
    # a second visit says it is done, and changes nothing
    again = client.get(url, follow=True)
    assert "is already deactivated" in again.content.decode()


def test_ending_a_role_names_no_role_another_federation_granted(client, demo):
    """A person with a role in another federation too: ELR's page lists only ELR's."""
    staff = demo_user("staff.c82001")
    _, other = other_admin()
    role_grant(user=staff, role="board_member", organisation=other, by=None)
    sign_in_verified(client, demo_user("coo"))
    grant = RoleGrant.objects.get(user=staff, through=elr())
    page = client.get(reverse("accounts:grant-end", args=[grant.pk]), {"federation": FED})
    content = page.content.decode()
    assert "Other GP Federation" not in content and "Board member" not in content


@pytest.mark.parametrize("name", ["accounts:grant-end", "accounts:user-deactivate"])
def test_the_confirm_pages_keep_their_access_checks(client, demo, name):
    staff = demo_user("staff.c82001")
    pk = RoleGrant.objects.get(user=staff).pk if name == "accounts:grant-end" else staff.pk
    url = reverse(name, args=[pk])
    admin, other = other_admin()
    sign_in_verified(client, admin)
    assert client.get(url, {"federation": other.slug}).status_code == 404
    assert client.get(url, {"federation": FED}).status_code == 404
    manager = type(client)()
    sign_in_verified(manager, demo_user("manager.c82001"))
    assert manager.get(url, {"federation": FED}).status_code == 404


def test_revoking_a_token_confirms_first(client, demo):
    manager = demo_user("manager.c82001")
    token, raw = api_token_create(user=manager, name="nightly export", days=30)
    client.force_login(manager)
    account = client.get("/accounts/account/").content.decode()
    url = reverse("accounts:token-revoke", args=[token.pk])
    assert f'href="{url}"' in account and f'action="{url}"' not in account
    page = client.get(url)
    assert page.status_code == 200
    assert "Revoke the token “nightly export”?" in page.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None
    client.post(url)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert (
        type(client)().get("/api/v1/practices", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code
        == 401
    )
    # someone else's token is not found
    other = type(client)()
    other.force_login(demo_user("board"))
    assert other.get(url).status_code == 404


# --- a GET to a form button's address ----------------------------------------------------


def test_a_get_to_a_post_only_address_answers_405_with_a_page(client, demo):
    sign_in_verified(client, demo_user("coo"))
    for url in (
        reverse("accounts:token-create"),
        reverse("accounts:user-unlock", args=[demo_user("board").pk]),
        reverse("accounts:recovery-codes"),
        reverse("accounts:logout"),
    ):
        response = client.get(url, HTTP_REFERER="http://testserver/accounts/people/")
        assert response.status_code == 405, url
        assert "POST" in response["Allow"]
        content = response.content.decode()
        assert "This address is for a form's button" in content, url
        assert 'href="http://testserver/accounts/people/"' in content  # back where they were
        assert 'href="/"' in content


def test_the_405_page_leads_back_only_within_the_site(client, demo):
    sign_in_verified(client, demo_user("coo"))
    response = client.get(
        reverse("accounts:token-create"), HTTP_REFERER="https://elsewhere.example/x"
    )
    assert response.status_code == 405
    assert "elsewhere.example" not in response.content.decode()


def test_the_api_keeps_its_own_405():
    from django.http import HttpResponseNotAllowed

    from kernel.middleware import MethodNotAllowedPage

    middleware = MethodNotAllowedPage(lambda request: HttpResponseNotAllowed(["POST"]))
    response = middleware(RequestFactory().get("/api/v1/anything"))
    assert response.status_code == 405 and response.content == b""
    assert response["Allow"] == "POST"


# --- invitations -------------------------------------------------------------------------


def invite(email="new.person@example.org", role="practice_manager", code="C82002", by=None):
    organisation = Practice.objects.get(code=code) if code else elr()
    return invitation_create(
        email=email,
        role=role,
        organisation=organisation,
        invited_to=elr(),
        by=by,
        base_url="http://testserver",
    )


def path_of(link: str) -> str:
    return link[link.index("/accounts/") :]


def test_revoking_an_invitation_stops_its_link_at_once(client, demo):
    invitation, link = invite()
    visitor = type(client)()
    assert visitor.get(path_of(link)).status_code == 200
    sign_in_verified(client, demo_user("coo"))
    assert "new.person@example.org" in client.get(PEOPLE).content.decode()
    response = client.post(
        reverse("accounts:invitation-revoke", args=[invitation.pk]), {"federation": FED}
    )
    assert response.status_code == 302
    assert visitor.get(path_of(link)).status_code == 404
    # a form already open is refused too
    refused = visitor.post(
        path_of(link),
        {"full_name": "N", "password": "correct horse battery", "password_again": "x"},
    )
    assert refused.status_code == 404
    assert not User.objects.filter(email="new.person@example.org").exists()
    event = AuditEvent.objects.get(action="invitation.revoke")
    assert event.actor == demo_user("coo") and event.federation == elr()
    assert 'id="invitations"' not in client.get(PEOPLE).content.decode()


def test_sending_an_invitation_again_mails_a_new_link_and_kills_the_old(
    client, demo, smtp_server, django_capture_on_commit_callbacks
):
    coo = demo_user("coo")
    invitation, old_link = invite(by=coo)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(hours=1)  # expired: sending again renews it
    )
    sign_in_verified(client, coo)
    assert "Expired" in client.get(PEOPLE).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:invitation-resend", args=[invitation.pk]), {"federation": FED}
        )
    assert response.status_code == 302
    assert len(smtp_server) == 1
    message = smtp_server[0]
    body = message.get_payload()
    new_link = next(line for line in body.splitlines() if "/invitation/" in line)
    assert new_link != old_link
    visitor = type(client)()
    assert visitor.get(path_of(old_link)).status_code == 404
    assert visitor.get(path_of(new_link)).status_code == 200
    invitation.refresh_from_db()
    assert invitation.expires_at > timezone.now() + timedelta(days=6)
    event = AuditEvent.objects.get(action="invitation.resend")
    assert event.actor == coo and event.federation == elr()


def test_the_invitation_email_names_the_federation_the_role_and_who_invited(
    client, demo, smtp_server, django_capture_on_commit_callbacks
):
    coo = demo_user("coo")
    coo.full_name = "Alex Morgan"
    coo.save()
    sign_in_verified(client, coo)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/accounts/people/",
            {"federation": FED, "email": "cd@example.org", "role": "pcn_clinical_director"}
            | {"organisation": "U30213"},
        )
        client.post(
            "/accounts/people/",
            {"federation": FED, "email": "money@example.org", "role": "finance_lead"},
        )
    assert len(smtp_server) == 2
    cd, money = smtp_server
    federation = elr().name
    body = " ".join(cd.get_payload().split())
    assert f"Alex Morgan ({coo.email}) has invited you to join {federation} on gpfed" in body
    assert "as PCN clinical director of CROSS COUNTIES PCN (U30213)" in body
    assert f"Federation: {federation}" in body
    assert "Role: PCN clinical director of CROSS COUNTIES PCN (U30213)" in body
    assert f"Invited by: Alex Morgan ({coo.email})" in body
    assert " ".join(cd["Subject"].split()) == f"Your invitation to {federation} on gpfed"
    body = " ".join(money.get_payload().split())
    assert f"has invited you to join {federation} on gpfed, as its finance lead." in body
    assert "Role: Finance lead " in body


@pytest.mark.parametrize("action", ["invitation-revoke", "invitation-resend"])
def test_another_federations_administrator_cannot_touch_an_invitation(client, demo, action):
    invitation, link = invite()
    url = reverse(f"accounts:{action}", args=[invitation.pk])
    admin, other = other_admin()
    sign_in_verified(client, admin)
    assert client.post(url, {"federation": other.slug}).status_code == 404
    assert client.post(url, {"federation": FED}).status_code == 404
    manager = type(client)()
    sign_in_verified(manager, demo_user("manager.c82001"))
    assert manager.post(url, {"federation": FED}).status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert type(client)().get(path_of(link)).status_code == 200
    assert not AuditEvent.objects.filter(action__startswith="invitation.re").exists()


def test_an_accepted_invitation_is_neither_revoked_nor_sent_again(client, demo):
    invitation, link = invite()
    type(client)().post(
        path_of(link),
        {
            "full_name": "New Manager",
            "password": "correct horse battery",
            "password_again": "correct horse battery",
        },
    )
    sign_in_verified(client, demo_user("coo"))
    for action in ("invitation-resend", "invitation-revoke"):
        response = client.post(
            reverse(f"accounts:{action}", args=[invitation.pk]), {"federation": FED}, follow=True
        )
        assert "has already accepted this invitation" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def leaving(code: str, days: int):
    membership = elr().memberships.get(practice__code=code, end_date__isnull=True)
    return federation_membership_end(
        membership=membership,
        end_date=timezone.localdate() + timedelta(days=days),
        leave_reason="Joining another federation",
        by=None,
    )


def test_a_practice_leaving_on_a_date_to_come_can_have_people_invited(client, demo):
    """The demo's Bushloe Surgery (C82013), leaving at the end of March: a member until then."""
    leaving("C82013", 116)
    sign_in_verified(client, demo_user("coo"))
    response = client.post(
        "/accounts/people/",
        {
            "federation": FED,
            "email": "manager@bushloe.example",
            "role": "practice_manager",
            "organisation": "c82013",
        },
    )
    assert "Invitation sent to manager@bushloe.example" in response.content.decode()
    invitation = Invitation.objects.get(email="manager@bushloe.example")
    assert invitation.practice.code == "C82013"


def test_a_practice_whose_membership_has_ended_stays_refused(client, demo):
    leaving("C82013", -1)
    sign_in_verified(client, demo_user("coo"))
    response = client.post(
        "/accounts/people/",
        {
            "federation": FED,
            "email": "manager@bushloe.example",
            "role": "practice_manager",
            "organisation": "C82013",
        },
    )
    assert "Enter the ODS code of a member practice" in response.content.decode()
    assert not Invitation.objects.exists()


# --- the demo's one-time codes -----------------------------------------------------------


def password_step(client, email):
    client.post(reverse("accounts:login"), {"username": email, "password": DEMO_PASSWORD})


def second_step(client):
    page = client.get(reverse("accounts:two-factor"))
    return page, client.post(
        reverse("accounts:two-factor"), {"code": page.context["demo_code"], "next": "/"}
    )


@pytest.fixture
def frozen(monkeypatch):
    """Time held one second into a 30-second window, moved on by ``frozen.at``."""

    class Clock:
        now = (int(time.time()) // 30) * 30 + 1.0

    monkeypatch.setattr(time, "time", lambda: Clock.now)
    return Clock


def test_a_demo_account_signs_in_twice_within_one_window(client, demo, settings, frozen):
    settings.DEMO_MODE = True
    first = type(client)()
    password_step(first, "coo@demo.gpfed.example")
    page, done = second_step(first)
    assert done["Location"] == "/" and not page.context["demo_next_step"]

    frozen.now += 5  # the same 30-second window: its code has been used
    second = type(client)()
    password_step(second, "coo@demo.gpfed.example")
    page, done = second_step(second)
    assert page.context["demo_next_step"]
    assert "here is the next window's code. It works now" in page.content.decode()
    assert done["Location"] == "/"
    assert second.get("/").status_code == 200
    assert not AuditEvent.objects.filter(action="auth.otp_failed").exists()
    assert AuditEvent.objects.filter(action="auth.otp_verified").count() == 2

    frozen.now += 3  # and a third time, still in the same window
    third = type(client)()
    password_step(third, "coo@demo.gpfed.example")
    page, done = second_step(third)
    assert done["Location"] == "/"
    assert not AuditEvent.objects.filter(action="auth.otp_failed").exists()


def test_a_demo_account_is_told_to_wait_when_no_code_would_work(client, demo, settings, frozen):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.DEMO_MODE = True
    TOTPDevice.objects.filter(user=demo_user("coo")).update(tolerance=0)
    first = type(client)()
    password_step(first, "coo@demo.gpfed.example")
    assert second_step(first)[1]["Location"] == "/"

    frozen.now += 5
    second = type(client)()
    password_step(second, "coo@demo.gpfed.example")
    page = second.get(reverse("accounts:two-factor"))
    assert page.context["demo_code"] is None
    assert page.context["demo_wait"] == 24  # 6 seconds into a 30-second window
    assert "Wait 24 seconds, then" in page.content.decode()

    frozen.now += 24  # the next window: its code shows, and works
    page, done = second_step(second)
    assert not page.context["demo_next_step"]
    assert done["Location"] == "/"
    assert not AuditEvent.objects.filter(action="auth.otp_failed").exists()


def test_outside_demo_mode_a_used_code_is_refused(client, demo, settings, frozen):
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.DEMO_MODE = False
    device = TOTPDevice.objects.get(user=demo_user("coo"))
    code = f"{TOTP(device.bin_key, drift=device.drift).token():06d}"
    first = type(client)()
    password_step(first, "coo@demo.gpfed.example")
    page = first.get(reverse("accounts:two-factor"))
    assert "demo_code" not in page.context
    assert first.post(reverse("accounts:two-factor"), {"code": code})["Location"] == "/"

    frozen.now += 5
    second = type(client)()
    password_step(second, "coo@demo.gpfed.example")
    refused = second.post(reverse("accounts:two-factor"), {"code": code})
    assert refused.status_code == 200
    assert "The code is not right" in refused.content.decode()
    assert AuditEvent.objects.filter(action="auth.otp_failed").count() == 1


def test_a_role_label_reads_inside_a_sentence():
    from registry.templatetags.gpfed import in_sentence

    assert in_sentence("Practice manager") == "practice manager"
    assert in_sentence("PCN clinical director") == "PCN clinical director"
    assert in_sentence("Federation administrator (COO)") == "federation administrator (COO)"


def test_the_worker_mints_the_invitation_link_again_and_sends_nothing_once_revoked(
    demo, smtp_server, django_capture_on_commit_callbacks
):
    """The queued email carries the invitation's id, not its link: the worker mints the same
    link again; revoked (or accepted) before the worker reaches it, nothing is sent."""
    from accounts.notify import send_invitation
    from accounts.services import invitation_revoke

    coo = demo_user("coo")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        invitation, link = invite(by=coo)
    assert len(queued) == 1 and not smtp_server  # queued for the worker, not sent
    assert send_invitation(invitation.pk, coo.pk) is True
    body = " ".join(smtp_server[0].get_payload().split())
    assert path_of(link) in body
    invitation_revoke(invitation=invitation, by=coo)
    assert send_invitation(invitation.pk, coo.pk) is False
    assert len(smtp_server) == 1
