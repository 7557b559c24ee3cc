"""Writes about people: roles, invitations, deactivation and API tokens. Each takes the acting
user as ``by=``, runs in one transaction and records an audit event. Whether ``by`` may do it
is decided by ``accounts.permissions`` in the view or command that calls these."""

# Over 500 lines: every write about a person (roles, invitations with revoke and resend,
# deactivation, tokens), each with its audit record; to split by section as it grows.

from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import (
    ROLE_ORGANISATION,
    ApiToken,
    Invitation,
    PasswordResetRequest,
    Role,
    RoleGrant,
    User,
)
from accounts.notify import in_a_sentence as _in_a_sentence
from accounts.notify import invitation_token
from accounts.permissions import forget_scope
from accounts.tasks import invitation_email, password_reset_email
from audit.services import audit_record
from kernel.errors import DomainError
from registry.selectors import federations_holding

INVITATION_DAYS = 7
TOKEN_PREFIX = "gpfed_"  # noqa: S105 - a label, not a secret # nosec B105


class AccountError(DomainError):
    """A change to people or their roles refused, with the reason."""


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
        words = {"pcn": "PCN"}
        given = organisation_kind(organisation)
        raise AccountError(
            f"A {_in_a_sentence(Role(role).label)} is granted on a {words.get(wanted, wanted)}, "
            f"not on a {words.get(given, given)}.",
            field="role",
        )


def _grant_snapshot(grant: RoleGrant) -> dict:
    return {
        "user": grant.user.email,
        "role": grant.role,
        "organisation": str(grant.organisation),
        "within": str(grant.through) if grant.through_id else "",
        "start_date": grant.start_date,
        "end_date": grant.end_date,
    }


def _within(organisation, federation, day: date):
    """The federation a role on ``organisation`` is granted within. A federation role: the
    federation itself. A practice or PCN role: a federation holding that practice (or a
    practice of that PCN) on ``day``; named, or implied when exactly one holds it."""
    kind = organisation_kind(organisation)
    if kind == "network":
        return None
    if kind == "federation":
        if federation is not None and federation.pk != organisation.pk:
            raise AccountError("A federation role is granted within that federation.")
        return organisation
    holders = federations_holding(organisation, day)
    if federation is not None:
        if federation.pk not in {f.pk for f in holders}:
            raise AccountError(
                f"{federation} does not hold {organisation} on {day:%-d %B %Y}: a role on it "
                "is granted by a federation that holds it.",
                field="organisation",
            )
        return federation
    if len(holders) != 1:
        raise AccountError(
            f"Name the federation this role on {organisation} is granted within: "
            + (
                f"{len(holders)} federations hold it."
                if holders
                else f"no federation holds it on {day:%-d %B %Y}."
            ),
            field="organisation",
        )
    return holders[0]


@transaction.atomic
def role_grant(
    *, user: User, role: str, organisation, by, start_date: date | None = None, federation=None
) -> RoleGrant:
    """Grant a role. ``federation`` is the federation it is granted within: for a role on a
    practice or PCN, one that holds it (implied when only one does); the role reaches that
    federation's data alone and ends with its hold."""
    _check_role(role, organisation)
    start = start_date or timezone.localdate()
    within = _within(organisation, federation, max(start, timezone.localdate()))
    existing = RoleGrant.objects.filter(
        user=user,
        role=role,
        through=within,
        end_date__isnull=True,
        **{organisation_kind(organisation): organisation},
    )
    if existing.exists():
        raise AccountError(f"{user.email} already holds this role.", field="role")
    grant = RoleGrant.objects.create(
        user=user,
        role=role,
        start_date=start,
        through=within,
        granted_by=by if getattr(by, "pk", None) else None,
        **{organisation_kind(organisation): organisation},
    )
    forget_scope(user)
    audit_record(
        by=by,
        action="role.grant",
        obj=grant,
        after=_grant_snapshot(grant),
        federation=within,
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
        federation=grant.through or federation,
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
    if organisation_kind(organisation) == "network":
        raise AccountError("A network's administrators are appointed by the installation.")
    _within(organisation, invited_to, timezone.localdate())
    invitation = Invitation.objects.create(
        email=email,
        role=role,
        invited_to=invited_to,
        token_hash=secrets.token_hex(32),  # replaced at once: the link needs the row's id
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
        created_by=by if getattr(by, "pk", None) else None,
        **{organisation_kind(organisation): organisation},
    )
    raw = invitation_token(invitation)
    invitation.token_hash = digest(raw)
    invitation.save(update_fields=["token_hash"])
    link = _invitation_link(base_url, raw)
    audit_record(
        by=by,
        action="invitation.create",
        obj=invitation,
        after={"email": email, "role": role, "organisation": str(organisation)},
        federation=invited_to,
    )
    _send_invitation(invitation, by)
    return invitation, link


def _invitation_link(base_url: str, raw: str) -> str:
    return base_url.rstrip("/") + reverse("accounts:accept", args=[raw])


def _send_invitation(invitation: Invitation, by) -> None:
    """Email the link once the transaction commits, on the task worker: it mints the link
    again from the invitation (``invitation_token``), so the queue holds no secret, and sends
    nothing if the invitation was revoked, accepted or sent again in the meantime."""
    by_id = by.pk if getattr(by, "pk", None) else None
    transaction.on_commit(lambda: invitation_email.enqueue(invitation.pk, by_id))


def _pending(invitation: Invitation) -> Invitation:
    """The invitation, locked, if it has been neither accepted nor revoked."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at:
        raise AccountError(f"{invitation.email} has already accepted this invitation.")
    if invitation.revoked_at:
        raise AccountError(f"The invitation to {invitation.email} has been revoked.")
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by) -> Invitation:
    """Withdraw an invitation not yet accepted: its link stops working at once."""
    invitation = _pending(invitation)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        by=by,
        action="invitation.revoke",
        obj=invitation,
        before={"revoked": False},
        after={"email": invitation.email, "role": invitation.role, "revoked": True},
        federation=invitation.invited_to,
    )
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation, by, base_url: str) -> tuple[Invitation, str]:
    """Send an invitation not yet accepted again, with a new link that lasts
    ``INVITATION_DAYS`` from now: the link sent before stops working at once. The role's
    organisation must still be held by the federation that invites."""
    invitation = _pending(invitation)
    _within(invitation.organisation, invitation.invited_to, timezone.localdate())
    before = {"expires_at": invitation.expires_at}
    invitation.expires_at = timezone.now() + timedelta(days=INVITATION_DAYS)
    raw = invitation_token(invitation)  # a new expiry is a new link
    invitation.token_hash = digest(raw)
    invitation.save(update_fields=["token_hash", "expires_at"])
    audit_record(
        by=by,
        action="invitation.resend",
        obj=invitation,
        before=before,
        after={"email": invitation.email, "expires_at": invitation.expires_at},
        federation=invitation.invited_to,
    )
    link = _invitation_link(base_url, raw)
    _send_invitation(invitation, by)
    return invitation, link


def invitation_for_token(raw: str) -> Invitation | None:
    """The invitation behind a link, if it is unused, not revoked and has not expired."""
    invitation = Invitation.objects.filter(token_hash=digest(raw)).first()
    if (
        invitation is None
        or invitation.accepted_at
        or invitation.revoked_at
        or invitation.expires_at <= timezone.now()
    ):
        return None
    return invitation


class LockedOut(AccountError):
    """Too many wrong passwords: the same lockout as signing in."""


def invitation_accept(*, raw_token: str, full_name: str, password: str, request) -> User:
    """Take up an invited role. Someone who already has an account proves it with their
    current password, through the same lockout and audit as signing in; a deactivated
    account stays deactivated (only an installation administrator brings it back)."""
    invitation = invitation_for_token(raw_token)
    if invitation is None:
        raise AccountError("This invitation link has expired or has already been used.")
    user = User.objects.filter(email__iexact=invitation.email).first()
    if user is not None and not user.is_active:
        raise AccountError(
            "This account has been deactivated. Ask your installation's administrator to "
            "reactivate it first."
        )
    # Someone who already uses gpfed proves it with their current password; an invitation
    # never resets one. authenticate() counts and locks out (django-axes) as signing in does.
    existing = user is not None and user.has_usable_password()
    if existing and authenticate(request, username=user.email, password=password) is None:
        locked = getattr(request, "axes_locked_out", False)
        audit_record(
            by=None,
            action="invitation.wrong_password",
            obj=invitation,
            after={"email": user.email, "locked_out": locked},
            federation=invitation.invited_to,
        )
        if locked:
            raise LockedOut(
                "Too many wrong passwords: this account is locked for now. Try again later, "
                "or ask your federation's administrator.",
                field="password",
            )
        raise AccountError(
            "You already have a gpfed account: enter your current password.", field="password"
        )
    return _accept(invitation, user, full_name, password)


@transaction.atomic
def _accept(invitation: Invitation, user: User | None, full_name: str, password: str) -> User:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at or invitation.revoked_at or invitation.expires_at <= timezone.now():
        raise AccountError("This invitation link has expired or has already been used.")
    if user is None or not user.has_usable_password():
        user = user or User(email=invitation.email)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise AccountError(" ".join(exc.messages), field="password") from None
        user.set_password(password)
    user.full_name = full_name.strip() or user.full_name
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
    """Stop a person signing in, at once: their open sessions stop working too. Their roles
    within ``federation`` end today, so that nothing of it comes back with the account."""
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
    today = timezone.localdate()
    live = RoleGrant.objects.filter(user=user).filter(
        models.Q(end_date__isnull=True) | models.Q(end_date__gt=today)
    )
    if federation is not None:
        live = live.filter(through=federation)
    for grant in live:
        role_end(grant=grant, by=by, end_date=max(today, grant.start_date))
    return user


@transaction.atomic
def user_reactivate(*, user: User, by) -> User:
    """Let a deactivated person sign in again: an installation administrator's decision (the
    command line). Their ended roles stay ended; they are invited again to take one up."""
    if user.is_active:
        raise AccountError(f"{user.email} is not deactivated.")
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(
        by=by,
        action="user.reactivate",
        obj=user,
        before={"is_active": False},
        after={"is_active": True},
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


# --- forgotten passwords -----------------------------------------------------------------

RESET_WINDOW = timedelta(hours=1)  # requests are counted over this long
RESET_KEPT = timedelta(days=1)  # then their rows go (the audit trail keeps each for good)


class TooManyResets(AccountError):
    """Too many requests for a reset link for one address, or from one IP address."""


def user_federation(user: User):
    """The federation whose administrators read the person's sign-in records: the one a
    current role of theirs was granted within (a practice manager's too), if any."""
    grant = (
        user.role_grants.filter(through__isnull=False, end_date__isnull=True)
        .select_related("through")
        .order_by("start_date", "pk")
        .first()
    )
    return grant.through if grant else None


def password_reset_request(*, email: str, ip: str) -> None:
    """Someone asks, from ``ip``, for a link to reset the password of the account at
    ``email``. An active account with a password is sent one by email, from the worker
    (``accounts.notify``); any other address gets nothing, and the page that asked looks the
    same either way. Past ``GPFED_PASSWORD_RESETS_PER_EMAIL`` requests for the address or
    ``GPFED_PASSWORD_RESETS_PER_IP`` from the IP address in the last hour this refuses with
    ``TooManyResets``, whether or not the address has an account. Every request is audited,
    against the account when there is one."""
    email = email.strip().lower()
    # Written and committed before counting, so that requests arriving together count each
    # other: at worst one too many is refused, never one too many sent.
    asked = PasswordResetRequest.objects.create(email=email, ip=ip)
    recent = PasswordResetRequest.objects.filter(at__gt=timezone.now() - RESET_WINDOW)
    too_many = (
        recent.filter(email=email).count() > settings.GPFED_PASSWORD_RESETS_PER_EMAIL
        or recent.filter(ip=ip).count() > settings.GPFED_PASSWORD_RESETS_PER_IP
    )
    user = User.objects.filter(email__iexact=email).first()
    if too_many:
        outcome = "too many requests"
    elif user is None:
        outcome = "no account"
    elif not user.is_active:
        outcome = "deactivated: nothing sent"
    elif not user.has_usable_password():
        outcome = "no password yet: nothing sent"
    else:
        outcome = "link sent"
    with transaction.atomic():
        audit_record(
            by=None,
            actor_label=email,
            action="auth.password_reset_request",
            obj=user or asked,
            after={"outcome": outcome},
            federation=user_federation(user) if user else None,
        )
        if outcome == "link sent":
            transaction.on_commit(lambda: password_reset_email.enqueue(user.pk))
    PasswordResetRequest.objects.filter(at__lt=timezone.now() - RESET_KEPT).delete()
    if too_many:
        raise TooManyResets(
            "Too many requests to reset a password from here or for this address. "
            "Try again in an hour.",
            field="email",
        )


@transaction.atomic
def password_reset_complete(*, user: User, password: str) -> User:
    """Set the password chosen through a reset link (Django's PasswordResetConfirmView has
    checked the link, which works once, and the password rules). Every session signed in
    with the old password ends. A lockout after wrong passwords is lifted, deliberately: the
    person has just shown they hold the mailbox, which is all a reset needs, and the password
    being guessed no longer exists; the audit records that it was lifted. A deactivated
    account is refused: a reset never brings one back."""
    if not user.is_active:
        raise AccountError("This account has been deactivated.")
    user.set_password(password)
    user.save()
    attempts = AccessAttempt.objects.filter(username__iexact=user.email)
    lifted = attempts.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT).exists()
    for username in set(attempts.values_list("username", flat=True)):
        axes_reset(username=username)
    audit_record(
        by=user,
        action="auth.password_reset",
        obj=user,
        after={"lockout_lifted": lifted},
        federation=user_federation(user),
    )
    return user


@transaction.atomic
def user_unlock(*, person: User, federation, by) -> None:
    """Lift a lockout after too many failed sign-ins (django-axes' record), audited."""
    axes_reset(username=person.email)
    audit_record(by=by, action="user.unlock", obj=person, federation=federation)


def password_changed(*, user: User) -> None:
    """Record that a person changed their own password (Django's view changed it)."""
    audit_record(by=user, action="user.password_change", obj=user)
