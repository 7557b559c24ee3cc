"""What a second federation's administrator can reach by first doing what she is allowed to do.

Each test is a chain of allowed actions found by a hostile probe of the demo installation
(issue 12): federation B, with an administrator of its own, against the demo federation A
(East Leicestershire and Rutland). The adversary state machine (test_adversary.py) explores
other orders; these pin the chains that once worked.
"""

from datetime import date

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, RoleGrant, User
from accounts.services import AccountError, invitation_create, role_grant
from audit.models import AuditEvent
from demo import DEMO_PASSWORD
from registry.models import (
    PCN,
    Federation,
    FederationMembership,
    MembershipConsent,
    Practice,
    PracticePCN,
)
from registry.services import (
    RegistryError,
    federation_create,
    federation_membership_add,
    federation_membership_request,
)
from tests.conftest import sign_in_verified
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

A = "east-leicestershire-and-rutland-gp-federation"
SHARED_PCN = "U30213"  # Cross Counties PCN, whose clinical director is one of A's demo people


def demo_user(name):
    return User.objects.get(email=f"{name}@demo.gpfed.example")


@pytest.fixture
def b(demo):
    """Federation B: one practice of its own, put in a PCN with A's practices (PCNs cross
    federations), and an administrator."""
    federation = federation_create(name="B GP Federation", by=None)
    own = (
        Practice.objects.exclude(pk__in=FederationMembership.objects.values("practice_id"))
        .filter(status="A")
        .first()
    )
    PracticePCN.objects.filter(practice=own).delete()
    PracticePCN.objects.create(
        practice=own, pcn=PCN.objects.get(code=SHARED_PCN), start_date=date(2020, 1, 1)
    )
    federation_membership_add(
        federation=federation, practice=own, start_date=date(2020, 4, 1), by=None
    )
    admin = UserFactory(email="admin@b.example")
    role_grant(user=admin, role="federation_admin", organisation=federation, by=None)
    return {"federation": federation, "practice": own, "admin": admin}


def invite(client, federation, email, role, code):
    """As the signed-in administrator: invite someone from the People page; the link."""
    mail.outbox.clear()
    response = client.post(
        reverse("accounts:people") + f"?federation={federation.slug}",
        {"email": email, "role": role, "organisation": code, "federation": federation.slug},
    )
    return response, Invitation.objects.filter(email=email).first()


def accept(client, invitation, password="a long enough passphrase 2026", name="Someone"):
    """Accept an invitation through its link, as a person would (the raw token is only in the
    email, so the test makes a fresh one for the same invitation)."""
    from accounts.services import digest

    raw = f"test-token-{invitation.pk}-{password}"
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=digest(raw))
    return client.post(
        reverse("accounts:accept", args=[raw]),
        {"full_name": name, "password": password, "password_again": password},
    )


# --- 1. claiming another federation's practice ---------------------------------------------


def test_claiming_a_practice_held_by_another_federation_only_asks_it(client, b):
    sign_in_verified(client, b["admin"])
    response = client.post(
        reverse("registry:membership-add", args=[b["federation"].slug]),
        {"practice": "C82001", "start_date": "2026-04-01", "join_reason": "ours now"},
    )
    assert response.status_code == 302
    assert not FederationMembership.objects.filter(
        federation=b["federation"], practice__code="C82001"
    ).exists()
    consent = MembershipConsent.objects.get(federation=b["federation"])
    assert consent.status == "waiting"
    # Until the practice agrees, B reaches nothing of C82001's.
    assert client.get("/finance/statements/C82001/json/", {"period": "2026-10"}).status_code == 404
    assert (
        client.get("/api/v1/practices/C82001/statement", {"period": "2025-26"}).status_code == 404
    )
    _, invitation = invite(
        client, b["federation"], "outsider@b.example", "practice_manager", "C82001"
    )
    assert invitation is None
    # A's audit trail shows that B asked, not only B's.
    assert AuditEvent.objects.filter(
        federation__slug=A, action="federation.membership.consent_asked"
    ).exists()


def test_the_practice_manager_decides_and_a_decision_is_final(client, b):
    consent = federation_membership_request(
        federation=b["federation"],
        practice=Practice.objects.get(code="C82001"),
        start_date=date(2026, 4, 1),
        by=b["admin"],
    )
    assert isinstance(consent, MembershipConsent)
    # B's administrator cannot answer for the practice.
    sign_in_verified(client, b["admin"])
    url = reverse("registry:consent-decide", args=["C82001", consent.pk])
    assert client.post(url, {"decision": "accept"}).status_code == 404
    # Its practice manager sees the request on the practice's page and declines.
    manager = demo_user("manager.c82001")
    sign_in_verified(client, manager)
    page = client.get(reverse("registry:practice", args=["C82001"]))
    assert b"B GP Federation" in page.content and b"Accept" in page.content
    assert client.post(url, {"decision": "decline", "note": "No thank you"}).status_code == 302
    consent.refresh_from_db()
    assert consent.status == "declined" and consent.decided_by == manager
    assert client.post(url, {"decision": "accept"}).status_code == 302
    consent.refresh_from_db()
    assert consent.status == "declined"
    assert (
        not FederationMembership.objects.filter(federation=b["federation"])
        .filter(practice__code="C82001")
        .exists()
    )


def test_the_service_refuses_a_second_federation_without_consent(b):
    with pytest.raises(RegistryError, match="only if it agrees"):
        federation_membership_add(
            federation=b["federation"],
            practice=Practice.objects.get(code="C82001"),
            start_date=date(2026, 4, 1),
            by=b["admin"],
        )


def test_with_consent_each_federation_sees_only_its_own_people(client, b):
    consent = federation_membership_request(
        federation=b["federation"],
        practice=Practice.objects.get(code="C82001"),
        start_date=date(2026, 4, 1),
        by=b["admin"],
    )
    sign_in_verified(client, demo_user("manager.c82001"))
    client.post(
        reverse("registry:consent-decide", args=["C82001", consent.pk]), {"decision": "accept"}
    )
    assert FederationMembership.objects.filter(
        federation=b["federation"], practice__code="C82001"
    ).exists()

    # B's People page lists none of A's people at C82001, and cannot end or deactivate them.
    sign_in_verified(client, b["admin"])
    people = client.get(reverse("accounts:people"), {"federation": b["federation"].slug})
    assert b"manager.c82001@demo.gpfed.example" not in people.content
    manager_grant = RoleGrant.objects.get(user=demo_user("manager.c82001"))
    staff = demo_user("staff.c82001")
    assert (
        client.post(
            reverse("accounts:grant-end", args=[manager_grant.pk]),
            {"federation": b["federation"].slug},
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("accounts:user-deactivate", args=[staff.pk]),
            {"federation": b["federation"].slug},
        ).status_code
        == 404
    )
    staff.refresh_from_db()
    assert staff.is_active
    # Two federations hold C82001: B's administrator may no longer correct its details.
    assert client.get(reverse("registry:practice-correct", args=["C82001"])).status_code == 404

    # B invites its own practice manager for C82001, who reaches B's data alone.
    _, invitation = invite(client, b["federation"], "pm@b.example", "practice_manager", "C82001")
    assert invitation is not None and invitation.invited_to == b["federation"]
    client.logout()
    assert accept(client, invitation).status_code == 302
    assert client.get(reverse("directory:federation", args=[A])).status_code == 404
    assert client.get(reverse("directory:contacts_csv", args=[A])).status_code == 404
    assert client.get(f"/api/v1/federations/{A}/directory").status_code == 404
    assert (
        client.get(reverse("directory:federation", args=[b["federation"].slug])).status_code == 200
    )


def test_a_practice_role_ends_with_the_federations_hold(client, b):
    practice = b["practice"]
    _, link = invitation_create(
        email="pm2@b.example",
        role="practice_manager",
        organisation=practice,
        invited_to=b["federation"],
        by=b["admin"],
        base_url="http://testserver",
    )
    client.get(link.removeprefix("http://testserver"))
    client.post(
        link.removeprefix("http://testserver"),
        {"full_name": "P M", "password": "x" * 20, "password_again": "x" * 20},
    )
    slug = b["federation"].slug
    assert client.get(reverse("directory:federation", args=[slug])).status_code == 200
    FederationMembership.objects.filter(federation=b["federation"], practice=practice).update(
        end_date=timezone.localdate() - timezone.timedelta(days=1)
    )
    assert client.get(reverse("directory:federation", args=[slug])).status_code == 404


# --- 2. a shared PCN ------------------------------------------------------------------------


def test_a_clinical_director_granted_by_b_reaches_none_of_as_claims(client, b):
    from tests.rota.conftest import build_rota

    build_rota(Federation.objects.get(slug=A))
    sign_in_verified(client, b["admin"])
    _, invitation = invite(
        client, b["federation"], "cd@b.example", "pcn_clinical_director", SHARED_PCN
    )
    assert invitation is not None
    client.logout()
    assert accept(client, invitation).status_code == 302
    for name in ("rota:arrs", "rota:arrs_csv"):
        assert client.get(reverse(name, args=[A, SHARED_PCN])).status_code == 404
    assert client.post(reverse("rota:arrs_submit", args=[A, SHARED_PCN])).status_code == 404
    api = client.get(f"/api/v1/federations/{A}/arrs/{SHARED_PCN}/2026-10")
    assert api.status_code == 404
    # A's own clinical director still reads A's claim.
    client.logout()
    sign_in_verified(client, demo_user("cd.crosscounties"))
    assert client.get(reverse("rota:arrs", args=[A, SHARED_PCN])).status_code == 200


# --- 4. deactivation undone from outside ----------------------------------------------------


def test_an_invitation_does_not_bring_back_a_deactivated_account(client, b):
    staff = demo_user("staff.c82001")
    sign_in_verified(client, demo_user("coo"))
    client.post(reverse("accounts:user-deactivate", args=[staff.pk]), {"federation": A})
    staff.refresh_from_db()
    assert not staff.is_active
    assert not RoleGrant.objects.filter(user=staff, end_date__isnull=True).exists()

    _, link = invitation_create(
        email=staff.email,
        role="practice_staff",
        organisation=b["practice"],
        invited_to=b["federation"],
        by=b["admin"],
        base_url="http://testserver",
    )
    client.logout()
    response = client.post(
        link.removeprefix("http://testserver"),
        {"full_name": "S", "password": DEMO_PASSWORD, "password_again": DEMO_PASSWORD},
    )
    assert response.status_code == 200
    assert b"deactivated" in response.content
    staff.refresh_from_db()
    assert not staff.is_active
    assert not RoleGrant.objects.filter(user=staff, through=b["federation"]).exists()


# --- 5. invitation links and the lockout ----------------------------------------------------


def test_wrong_passwords_on_an_invitation_count_towards_the_lockout(client, b, settings):
    board = demo_user("board")
    _, link = invitation_create(
        email=board.email,
        role="practice_staff",
        organisation=b["practice"],
        invited_to=b["federation"],
        by=b["admin"],
        base_url="http://testserver",
    )
    path = link.removeprefix("http://testserver")
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        client.post(path, {"full_name": "B", "password": "wrong", "password_again": "wrong"})
    assert AuditEvent.objects.filter(action="invitation.wrong_password").count() >= (
        settings.AXES_FAILURE_LIMIT
    )
    right = client.post(
        path, {"full_name": "B", "password": DEMO_PASSWORD, "password_again": DEMO_PASSWORD}
    )
    # The same answer as signing in while locked out (django-axes' page, 429).
    assert right.status_code == 429 and b"Your account is locked" in right.content
    assert not RoleGrant.objects.filter(user=board, through=b["federation"]).exists()
    # Signing in is locked too: the invitation did not clear the lockout.
    signed = client.post(
        reverse("accounts:login"), {"username": board.email, "password": DEMO_PASSWORD}
    )
    assert "_auth_user_id" not in client.session, signed


def test_invitation_links_are_shown_only_for_demo_addresses(client, b):
    sign_in_verified(client, b["admin"])
    response, _ = invite(client, b["federation"], "real.person@nhs.example", "board_member", "")
    assert b"/accounts/invitation/" not in response.content
    response, _ = invite(client, b["federation"], "new@demo.gpfed.example", "board_member", "")
    assert b"/accounts/invitation/" in response.content


def test_a_role_on_a_practice_is_granted_only_by_a_federation_holding_it(b):
    with pytest.raises(AccountError, match="does not hold"):
        invitation_create(
            email="x@b.example",
            role="practice_manager",
            organisation=Practice.objects.get(code="C82001"),
            invited_to=b["federation"],
            by=b["admin"],
            base_url="http://testserver",
        )


# --- 9. lifting another federation's lockout -----------------------------------------------


def test_an_admin_cannot_unlock_or_deactivate_someone_with_roles_elsewhere(client, b):
    # B's administrator also has a staff role at one of A's practices, granted by A.
    role_grant(
        user=b["admin"],
        role="practice_staff",
        organisation=Practice.objects.get(code="C82001"),
        federation=Federation.objects.get(slug=A),
        by=demo_user("coo"),
    )
    sign_in_verified(client, demo_user("coo"))
    people = client.get(reverse("accounts:people"), {"federation": A})
    assert b"admin@b.example" in people.content  # A sees the role it granted
    for name in ("accounts:user-unlock", "accounts:user-deactivate"):
        response = client.post(reverse(name, args=[b["admin"].pk]), {"federation": A})
        assert response.status_code == 404, name
    b["admin"].refresh_from_db()
    assert b["admin"].is_active
    assert not AuditEvent.objects.filter(action="user.unlock").exists()


def test_only_the_installation_reactivates_an_account(capsys, demo):
    from gpfed.cli import main

    staff = demo_user("staff.c82001")
    assert main(["user", "reactivate", staff.email]) == 2
    assert "is not deactivated" in capsys.readouterr().err
    User.objects.filter(pk=staff.pk).update(is_active=False)
    assert main(["--by", "coo@demo.gpfed.example", "user", "reactivate", staff.email]) == 2
    assert "only installation administrators" in capsys.readouterr().err
    User.objects.filter(pk=staff.pk).update(is_active=False)
    assert main(["user", "reactivate", staff.email, "--format", "json"]) == 0
    assert '"is_active": true' in capsys.readouterr().out
    staff.refresh_from_db()
    assert staff.is_active
    assert AuditEvent.objects.filter(action="user.reactivate").count() == 1


# --- after the practice agrees --------------------------------------------------------------


def test_after_consent_bs_own_practice_manager_answers_nothing_and_corrects_nothing(client, b):
    """B's administrator, once C82001 agreed to join B, makes herself its practice manager
    within B: that role reaches B's records alone. She cannot change the details A shows,
    nor answer for the practice, and B's trail does not name A's people."""
    practice = Practice.objects.get(code="C82001")
    consent = federation_membership_request(
        federation=b["federation"], practice=practice, start_date=date(2015, 4, 1), by=b["admin"]
    )
    manager = demo_user("manager.c82001")
    sign_in_verified(client, manager)
    client.post(
        reverse("registry:consent-decide", args=["C82001", consent.pk]), {"decision": "accept"}
    )
    role_grant(
        user=b["admin"],
        role="practice_manager",
        organisation=practice,
        federation=b["federation"],
        by=b["admin"],
    )
    third = federation_create(name="Third GP Federation", by=None)
    asked = federation_membership_request(
        federation=third, practice=practice, start_date=date(2026, 4, 1), by=None
    )
    sign_in_verified(client, b["admin"])
    assert client.get(reverse("registry:practice-correct", args=["C82001"])).status_code == 404
    response = client.post(
        reverse("registry:practice-correct", args=["C82001"]),
        {"name": "TAKEN OVER BY B", "postcode": "ZZ1 1ZZ"},
    )
    assert response.status_code == 404
    practice.refresh_from_db()
    assert practice.name != "TAKEN OVER BY B"
    # A's practice manager answers the third federation; B's own does not (nor sees it asked).
    page = client.get(reverse("registry:practice", args=["C82001"]))
    assert b"Third GP Federation" not in page.content
    url = reverse("registry:consent-decide", args=["C82001", asked.pk])
    assert client.post(url, {"decision": "accept"}).status_code == 404
    asked.refresh_from_db()
    assert asked.status == "waiting"
    # B's trail records the practice's answer, not A's manager's address nor where she was.
    trail = AuditEvent.objects.filter(federation=b["federation"])
    assert trail.filter(action="federation.membership.consent_accepted").exists()
    assert not trail.filter(actor=manager).exists()
    assert not trail.filter(actor_label__icontains=manager.email).exists()
    assert trail.filter(actor_label__startswith="C82001's practice manager").exists()


def test_a_shared_practices_details_are_corrected_by_the_operators_and_both_trails_show_it(
    client, b
):
    from registry.services import practice_correct

    practice = Practice.objects.get(code="C82001")
    consent = federation_membership_request(
        federation=b["federation"], practice=practice, start_date=date(2026, 4, 1), by=b["admin"]
    )
    sign_in_verified(client, demo_user("manager.c82001"))
    client.post(
        reverse("registry:consent-decide", args=["C82001", consent.pk]), {"decision": "accept"}
    )
    # Two federations hold it now: neither's people change what the other shows.
    assert client.get(reverse("registry:practice-correct", args=["C82001"])).status_code == 404
    practice_correct(
        practice=practice, by=UserFactory(is_superuser=True), values={"phone": "0116 496 0111"}
    )
    for slug in (A, b["federation"].slug):
        assert AuditEvent.objects.filter(federation__slug=slug, action="practice.correct").exists()


def test_a_practice_managers_failed_sign_ins_reach_her_federations_trail(client, demo):
    client.post(
        reverse("accounts:login"),
        {"username": "manager.c82001@demo.gpfed.example", "password": "not her password"},
    )
    failed = AuditEvent.objects.get(action="auth.sign_in_failed")
    assert failed.federation.slug == A
