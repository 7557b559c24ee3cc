import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken, Invitation, RoleGrant, User
from accounts.services import (
    AccountError,
    api_token_create,
    invitation_create,
    role_end,
    role_grant,
)
from audit.models import AuditEvent
from demo import DEMO_PASSWORD
from kernel.exports import safe_cell
from registry.importers.base import ImportFileError
from registry.importers.screening import is_nhs_number, screen
from registry.importing import import_file
from registry.models import Federation, ImportRun, Practice
from tests.conftest import sign_in_verified
from tests.factories import FederationFactory, UserFactory

pytestmark = pytest.mark.django_db
FED = "east-leicestershire-and-rutland-gp-federation"


def demo_user(name):
    return User.objects.get(email=f"{name}@demo.gpfed.example")


# --- NHS numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        ("9434765919", True),  # NHS England's published example
        ("9434765918", False),  # wrong check digit
        ("4010232137", True),
        ("4010232138", False),
        ("0000000060", False),  # the check digit would be 10: never valid
        ("943476591", False),
    ],
)
def test_nhs_number_check_digit(digits, valid):
    assert is_nhs_number(digits) is valid


@pytest.mark.parametrize("written", ["9434765919", "943 476 5919", "943-476-5919"])
def test_screen_finds_nhs_numbers_with_or_without_spaces(written):
    data = f"CODE,NOTE\nC82001,patient {written} seen\n".encode()
    problems = screen(data)
    assert [(p.row, p.column) for p in problems] == [(2, "NOTE")]
    assert written not in problems[0].message


def test_screen_ignores_other_numbers():
    data = b"CODE,PHONE,PATIENTS\nC82001,01642 672351,9434765918\nC82002,0116 2793308,12345\n"
    assert screen(data) == []


def test_screen_reads_workbooks():
    workbook = openpyxl.Workbook()
    workbook.active.append(["code", "number"])
    workbook.active.append(["C82001", 9434765919])
    out = io.BytesIO()
    workbook.save(out)
    problems = screen(out.getvalue())
    assert [(p.row, p.column) for p in problems] == [(2, "2")]


def test_import_refuses_a_file_with_an_nhs_number(demo_file):
    lines = demo_file("epraccur").decode().splitlines(keepends=True)
    lines = [
        line.replace('"0116 2793308"', '"943 476 5919"', 1) if line.startswith('"C82001"') else line
        for line in lines
    ]
    with pytest.raises(ImportFileError, match="looks like an NHS number"):
        import_file(data="".join(lines).encode(), file_name="e.csv", by=None)
    assert not Practice.objects.exists()


def test_upload_with_an_nhs_number_is_refused_and_nothing_stored(client, admin_user):
    client.force_login(admin_user)
    upload = SimpleUploadedFile(
        "pop.csv", b"CODE,FINANCIAL_YEAR,ADJUSTED_POPULATION\nU1,9434765919,1\n"
    )
    response = client.post("/imports/", {"file": upload})
    assert b"looks like an NHS number" in response.content
    assert b"Row 2, column FINANCIAL_YEAR" in response.content
    assert not ImportRun.objects.exists()


def test_upload_whose_contents_do_not_match_its_name_is_refused(client, admin_user):
    client.force_login(admin_user)
    upload = SimpleUploadedFile("list.xlsx", b"CODE,NAME\n")
    response = client.post("/imports/", {"file": upload})
    assert b"do not match its name" in response.content
    assert not ImportRun.objects.exists()


# --- exports -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+44 116", "'+44 116"),
        ("-1 ", "'-1 "),
        ("-1+cmd|' /C calc'!A0", "'-1+cmd|' /C calc'!A0"),
        # a plain negative number is a number, not a formula: money stays money in a sheet
        ("-240.00", "-240.00"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("Oadby", "Oadby"),
        (None, ""),
    ],
)
def test_safe_cell_neutralises_formulas(value, expected):
    assert safe_cell(value) == expected


def test_audit_export_is_neutralised_and_itself_audited(client, demo):
    admin = demo_user("coo")
    federation = Federation.objects.get(slug=FED)
    from registry.services import federation_membership_end

    membership = federation.memberships.get(practice__code="C82001")
    federation_membership_end(
        membership=membership,
        end_date=timezone.localdate(),
        leave_reason="=cmd|' /C calc'!A0",
        by=admin,
    )
    sign_in_verified(client, admin)
    response = client.get("/audit/export.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["when", "who", "from", "action"]
    changes = next(r for r in rows if r[3] == "federation.membership.end")[7]
    assert "=cmd" in changes
    assert all(not cell.startswith("=") for row in rows for cell in row)
    assert AuditEvent.objects.filter(action="audit.export", actor=admin).exists()


def test_audit_page_shows_only_the_admins_federation(client, demo):
    other = FederationFactory(name="Elsewhere Federation")
    from audit.services import audit_record

    audit_record(by=None, action="secret.thing", obj=other, federation=other)
    sign_in_verified(client, demo_user("coo"))
    page = client.get("/audit/", {"action": "federation.membership"})
    assert b"federation.<wbr>membership.<wbr>add" in page.content  # may wrap at the dots
    assert b"secret.<wbr>thing" not in client.get("/audit/", {"action": "secret"}).content
    filtered = client.get("/audit/", {"action": "role"})
    assert all("role" in e.action for e in filtered.context["page"].object_list)


# --- signing in --------------------------------------------------------------------------


def sign_in(client, email, password=DEMO_PASSWORD):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_sign_ins_and_failures_are_audited(client, demo):
    sign_in(client, "board@demo.gpfed.example", "wrong")
    sign_in(client, "board@demo.gpfed.example")
    actions = list(
        AuditEvent.objects.filter(object_label__icontains="board").values_list("action", flat=True)
    )
    assert "auth.sign_in_failed" in actions
    assert "auth.sign_in" in actions


def test_repeated_failed_sign_ins_lock_the_account_until_an_admin_unlocks_it(client, demo):
    for _ in range(5):
        sign_in(client, "board@demo.gpfed.example", "wrong password")
    response = sign_in(client, "board@demo.gpfed.example")  # even the right password
    assert response.status_code == 429
    assert b"Your account is locked" in response.content
    assert AuditEvent.objects.filter(action="auth.locked_out").exists()

    admin_client = type(client)()
    sign_in_verified(admin_client, demo_user("coo"))
    people = admin_client.get("/accounts/people/")
    assert b"Locked out" in people.content
    board = demo_user("board")
    admin_client.post(f"/accounts/people/{board.pk}/unlock/", {"federation": FED})
    response = sign_in(client, "board@demo.gpfed.example")
    assert response.status_code == 302


def test_role_needing_otp_cannot_use_the_api_by_session_before_the_second_step(client, demo):
    sign_in(client, "finance@demo.gpfed.example")
    assert client.get("/federations/")["Location"].startswith("/accounts/two-factor/")
    assert client.get("/api/v1/federations").status_code == 401


def test_the_second_step_knows_every_kind_of_device_installed():
    """``accounts.otp.has_device`` asks the authenticator and recovery-code tables alone: a kind
    of device added to INSTALLED_APPS must be added there too, or its holders would skip the
    second step."""
    from django_otp import device_classes
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    assert set(device_classes()) == {TOTPDevice, StaticDevice}


def test_someone_with_only_recovery_codes_is_asked_for_the_second_step(db):
    from django_otp.plugins.otp_static.models import StaticDevice

    from accounts.otp import needs_second_step

    person = UserFactory()
    assert not needs_second_step(person)
    StaticDevice.objects.create(user=person, name="Recovery codes", confirmed=True)
    assert needs_second_step(person)


def test_only_a_confirmed_device_of_ones_own_asks_for_the_second_step(db):
    """One question answers for both kinds: an authenticator not yet confirmed, or someone
    else's, does not count; a confirmed one does, and so does either kind alone."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.otp import has_device

    person, other = UserFactory(), UserFactory()
    TOTPDevice.objects.create(user=person, name="Authenticator app", confirmed=False)
    TOTPDevice.objects.create(user=other, name="Authenticator app", confirmed=True)
    StaticDevice.objects.create(user=other, name="Recovery codes", confirmed=True)
    StaticDevice.objects.create(user=person, name="Recovery codes", confirmed=False)
    assert not has_device(person)
    TOTPDevice.objects.filter(user=person).update(confirmed=True)
    assert has_device(person)
    TOTPDevice.objects.filter(user=person).delete()
    StaticDevice.objects.filter(user=person).update(confirmed=True)
    assert has_device(person)


def test_password_change(client, demo):
    sign_in(client, "board@demo.gpfed.example")
    response = client.post(
        "/accounts/account/password/",
        {
            "old_password": "demo-federation-2026",
            "new_password1": "a much longer passphrase",
            "new_password2": "a much longer passphrase",
        },
    )
    assert response.status_code == 302
    assert demo_user("board").check_password("a much longer passphrase")
    assert AuditEvent.objects.filter(action="user.password_change").exists()


def test_deactivated_user_is_signed_out_at_once(client, demo):
    staff = demo_user("staff.c82001")
    client.force_login(staff)
    assert client.get("/").status_code == 200
    admin_client = type(client)()
    sign_in_verified(admin_client, demo_user("coo"))
    admin_client.post(f"/accounts/people/{staff.pk}/deactivate/", {"federation": FED})
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="user.deactivate").exists()


# --- roles -------------------------------------------------------------------------------


def test_role_must_match_its_organisation(demo):
    user = UserFactory()
    with pytest.raises(AccountError, match="granted on a practice"):
        role_grant(
            user=user, role="practice_manager", organisation=Federation.objects.get(), by=None
        )


def test_role_grant_and_end_are_audited_and_change_what_is_visible(client, demo):
    user = UserFactory()
    federation = Federation.objects.get()
    client.force_login(user)
    assert client.get(f"/federations/{FED}/").status_code == 404
    grant = role_grant(user=user, role="board_member", organisation=federation, by=None)
    assert client.get(f"/federations/{FED}/").status_code == 200
    role_end(grant=grant, by=None, end_date=timezone.localdate() - timedelta(days=0))
    grant.refresh_from_db()
    # Ended today: still held today, gone tomorrow.
    assert grant.end_date == timezone.localdate()
    actions = set(
        AuditEvent.objects.filter(object_type="accounts.RoleGrant").values_list("action", flat=True)
    )
    assert actions == {"role.grant", "role.end"}


# --- invitations -------------------------------------------------------------------------


def test_invitation_by_email_over_smtp_then_accepted(
    client, demo, smtp_server, django_capture_on_commit_callbacks
):
    sign_in_verified(client, demo_user("coo"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/people/",
            {
                "federation": FED,
                "email": "New.Manager@Example.org",
                "role": "practice_manager",
                "organisation": "c82002",
            },
        )
    assert response.status_code == 200
    assert len(smtp_server) == 1
    message = smtp_server[0]
    assert message["To"] == "new.manager@example.org"
    subject = " ".join(message["Subject"].split())  # long headers are folded
    assert subject == "Your invitation to East Leicestershire and Rutland GP Federation on gpfed"
    link = next(line for line in message.get_payload().splitlines() if "/invitation/" in line)
    path = link[link.index("/accounts/") :]

    visitor = type(client)()
    assert visitor.get(path).status_code == 200
    response = visitor.post(
        path,
        {
            "full_name": "New Manager",
            "password": "correct horse battery",
            "password_again": "correct horse battery",
        },
    )
    assert response["Location"] == "/"
    user = User.objects.get(email="new.manager@example.org")
    grant = RoleGrant.objects.get(user=user)
    assert (grant.role, grant.practice.code) == ("practice_manager", "C82002")
    # The link works once.
    assert visitor.get(path).status_code == 404
    # Its token is stored hashed.
    assert path.rstrip("/").rsplit("/", 1)[1] not in str(Invitation.objects.values_list())


def test_invitation_for_an_organisation_outside_the_federation_is_refused(client, demo):
    sign_in_verified(client, demo_user("coo"))
    outside = Practice.objects.exclude(federation_memberships__isnull=False).first()
    response = client.post(
        "/accounts/people/",
        {
            "federation": FED,
            "email": "x@example.org",
            "role": "practice_manager",
            "organisation": outside.code,
        },
    )
    assert b"Enter the ODS code of a member practice" in response.content
    assert not Invitation.objects.exists()


def test_expired_invitation_cannot_be_used(client, demo):
    _, link = invitation_create(
        email="late@example.org",
        role="board_member",
        organisation=Federation.objects.get(),
        invited_to=Federation.objects.get(),
        by=None,
        base_url="http://testserver",
    )
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    path = link.removeprefix("http://testserver")
    response = client.get(path)
    assert response.status_code == 404
    assert b"has expired or has already been used" in response.content


# --- API tokens --------------------------------------------------------------------------


def test_api_token_is_shown_once_stored_hashed_and_carries_roles(client, demo):
    manager = demo_user("manager.c82001")
    client.force_login(manager)
    response = client.post("/accounts/account/tokens/", {"name": "my script", "days": "30"})
    raw = response.context["new_token"]
    assert raw.startswith("gpfed_")
    assert raw not in str(ApiToken.objects.values_list())
    assert raw not in client.get("/accounts/account/").content.decode()

    api = type(client)()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert api.get(f"/api/v1/federations/{FED}", **auth).status_code == 200
    assert api.get("/api/v1/imports", **auth).status_code == 404  # not a practice manager's
    assert (
        api.get(f"/api/v1/federations/{FED}", HTTP_AUTHORIZATION="Bearer gpfed_nope").status_code
        == 401
    )


def test_revoked_and_expired_tokens_stop_working(client, demo):
    manager = demo_user("manager.c82001")
    token, raw = api_token_create(user=manager, name="t", days=30)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get("/api/v1/practices/C82001", **auth).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/v1/practices/C82001", **auth).status_code == 401
    token2, raw2 = api_token_create(user=manager, name="t2", days=30)
    client.force_login(manager)
    client.post(f"/accounts/account/tokens/{token2.pk}/revoke/")
    assert client.get(
        "/api/v1/practices/C82001", HTTP_AUTHORIZATION=f"Bearer {raw2}"
    ).status_code in (200, 401)
    other = type(client)()
    assert (
        other.get("/api/v1/practices/C82001", HTTP_AUTHORIZATION=f"Bearer {raw2}").status_code
        == 401
    )
    assert AuditEvent.objects.filter(action="token.revoke").exists()


def test_token_of_a_deactivated_user_stops_working(client, demo):
    staff = demo_user("staff.c82001")
    _, raw = api_token_create(user=staff, name="t", days=30)
    User.objects.filter(pk=staff.pk).update(is_active=False)
    assert client.get("/api/v1/practices", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_invitation_to_an_existing_user_adds_the_role_without_changing_the_password(client, demo):
    board = demo_user("board")
    _, link = invitation_create(
        email=board.email,
        role="practice_staff",
        organisation=Practice.objects.get(code="C82001"),
        invited_to=Federation.objects.get(),
        by=None,
        base_url="http://testserver",
    )
    path = link.removeprefix("http://testserver")
    data = {
        "full_name": "Board",
        "password": "new password 123",
        "password_again": "new password 123",
    }
    response = client.post(path, data)
    assert b"enter your current password" in response.content
    data.update(password=DEMO_PASSWORD, password_again=DEMO_PASSWORD)
    assert client.post(path, data).status_code == 302
    board.refresh_from_db()
    assert board.check_password(DEMO_PASSWORD)
    assert set(board.role_grants.values_list("role", flat=True)) == {
        "board_member",
        "practice_staff",
    }
