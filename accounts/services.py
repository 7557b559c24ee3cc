"""Writes about people: roles, invitations, deactivation and API tokens. Each takes the acting
user as ``by=``, runs in one transaction and records an audit event. Whether ``by`` may do it
is decided by ``accounts.permissions`` in the view or command that calls these."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import ROLE_ORGANISATION, ApiToken, Invitation, Role, RoleGrant, User
from accounts.permissions import forget_scope
from audit.services import audit_record

INVITATION_DAYS = 7
TOKEN_PREFIX = "gpfed_"  # noqa: S105 - a label, not a secret # nosec B105


class AccountError(Exception):
    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def organisation_kind(organisation) -> str:
    return {
        "Network": "network",
        "Federation": "federation",
        "PCN": "pcn",
        "Practice": "practice",
    }[type(organisation).__name__]


def _check_role(role: str, organisation) -> None:
    if role not in Role.values:
        raise AccountError(f"{role!r} is not a role.", field="role")
    wanted = ROLE_ORGANISATION[Role(role)]
    if organisation_kind(organisation) != wanted:
        raise AccountError(
            f"A {Role(role).label.lower()} is granted on a {wanted}, not on a "
            f"{organisation_kind(organisation)}.",
            field="role",
        )


def _grant_snapshot(grant: RoleGrant) -> dict:
    return {
        "user": grant.user.email,
        "role": grant.role,
        "organisation": str(grant.organisation),
        "start_date": grant.start_date,
        "end_date": grant.end_date,
    }


@transaction.atomic
def role_grant(
    *, user: User, role: str, organisation, by, start_date: date | None = None, federation=None
) -> RoleGrant:
    _check_role(role, organisation)
    start = start_date or timezone.localdate()
    existing = RoleGrant.objects.filter(
        user=user,
        role=role,
        end_date__isnull=True,
        **{organisation_kind(organisation): organisation},
    )
    if existing.exists():
        raise AccountError(f"{user.email} already holds this role.", field="role")
    grant = RoleGrant.objects.create(
        user=user,
        role=role,
        start_date=start,
        granted_by=by if getattr(by, "pk", None) else None,
        **{organisation_kind(organisation): organisation},
    )
    forget_scope(user)
    audit_record(
        by=by,
        action="role.grant",
        obj=grant,
        after=_grant_snapshot(grant),
        federation=federation or grant.federation,
    )
    return grant


@transaction.atomic
def role_end(*, grant: RoleGrant, by, end_date: date | None = None, federation=None) -> RoleGrant:
    grant = RoleGrant.objects.select_for_update().get(pk=grant.pk)
    before = _grant_snapshot(grant)
    end = end_date or timezone.localdate()
    if grant.end_date is not None and grant.end_date <= end:
        raise AccountError("This role has already ended.")
    if end < grant.start_date:
        raise AccountError("A role cannot end before it started.", field="end_date")
    grant.end_date = end
    grant.save(update_fields=["end_date"])
    forget_scope(grant.user)
    audit_record(
        by=by,
        action="role.end",
        obj=grant,
        before=before,
        after=_grant_snapshot(grant),
        federation=federation or grant.federation,
    )
    return grant


@transaction.atomic
def invitation_create(
    *, email: str, role: str, organisation, invited_to, by, base_url: str
) -> tuple[Invitation, str]:
    """Invite a person by email. Returns the invitation and the one-time link (also emailed)."""
    email = User.objects.normalize_email(email.strip()).lower()
    if not email:
        raise AccountError("Enter an email address.", field="email")
    _check_role(role, organisation)
    raw = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email,
        role=role,
        invited_to=invited_to,
        token_hash=digest(raw),
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
        created_by=by if getattr(by, "pk", None) else None,
        **{organisation_kind(organisation): organisation},
    )
    link = base_url.rstrip("/") + reverse("accounts:accept", args=[raw])
    audit_record(
        by=by,
        action="invitation.create",
        obj=invitation,
        after={"email": email, "role": role, "organisation": str(organisation)},
        federation=invited_to,
    )
    body = (
        f"You have been invited to gpfed as {Role(role).label.lower()} of {organisation}.\n\n"
        f"Set your password and sign in here within {INVITATION_DAYS} days:\n{link}\n\n"
        "The link works once. If you were not expecting this, ignore this email."
    )
    transaction.on_commit(
        lambda: send_mail("Your invitation to gpfed", body, settings.DEFAULT_FROM_EMAIL, [email])
    )
    return invitation, link


def invitation_for_token(raw: str) -> Invitation | None:
    """The invitation behind a link, if it is unused and has not expired."""
    invitation = Invitation.objects.filter(token_hash=digest(raw)).first()
    if invitation is None or invitation.accepted_at or invitation.expires_at <= timezone.now():
        return None
    return invitation


@transaction.atomic
def invitation_accept(*, raw_token: str, full_name: str, password: str) -> User:
    invitation = invitation_for_token(raw_token)
    if invitation is None:
        raise AccountError("This invitation link has expired or has already been used.")
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at:
        raise AccountError("This invitation link has expired or has already been used.")
    user = User.objects.filter(email__iexact=invitation.email).first()
    if user is not None and user.has_usable_password():
        # Someone who already uses gpfed proves it with their current password; an
        # invitation never resets one.
        if not user.check_password(password):
            raise AccountError(
                "You already have a gpfed account: enter your current password.",
                field="password",
            )
    else:
        user = user or User(email=invitation.email)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise AccountError(" ".join(exc.messages), field="password") from None
        user.set_password(password)
    user.full_name = full_name.strip() or user.full_name
    user.is_active = True
    user.save()
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit_record(
        by=user,
        action="invitation.accept",
        obj=invitation,
        after={"email": user.email},
        federation=invitation.invited_to,
    )
    role_grant(
        user=user,
        role=invitation.role,
        organisation=invitation.organisation,
        by=invitation.created_by,
        federation=invitation.invited_to,
    )
    return user


@transaction.atomic
def user_deactivate(*, user: User, by, federation=None) -> User:
    """Stop a person signing in, at once: their open sessions stop working too."""
    if user == by:
        raise AccountError("You cannot deactivate your own account.")
    before = {"is_active": user.is_active}
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_record(
        by=by,
        action="user.deactivate",
        obj=user,
        before=before,
        after={"is_active": False},
        federation=federation,
    )
    return user


@transaction.atomic
def api_token_create(*, user: User, name: str, days: int = 90, by=None) -> tuple[ApiToken, str]:
    """A personal token carrying the user's roles. Returns it and the token, shown once."""
    name = name.strip()
    if not name:
        raise AccountError(
            "Give the token a name, such as the script that will use it.", field="name"
        )
    if not 1 <= days <= 365:
        raise AccountError("A token lasts between 1 and 365 days.", field="days")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        token_hash=digest(raw),
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit_record(
        by=by or user, action="token.create", obj=token, after={"name": name, "days": days}
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(by=by, action="token.revoke", obj=token, after={"name": token.name})
    return token


def api_token_user(raw: str) -> User | None:
    """The user a presented token belongs to, if it is live; records its use."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(token_hash=digest(raw)).first()
    now = timezone.now()
    if token is None or token.revoked_at or token.expires_at <= now or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
