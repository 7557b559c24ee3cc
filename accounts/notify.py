"""Email from accounts, which knows who holds which role: the password reset (sent by the task
worker) and the note to a practice's managers that another federation asks it to join."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.models import Invitation, Role, RoleGrant, User
from kernel.headers import one_line
from registry.models import Federation, MembershipConsent


def send_password_reset(user_id: int) -> bool:
    """Email the person a one-time link to choose a new password: Django's own form, token
    and mail framework. The link is built from ``GPFED_BASE_URL``, never from the request's
    Host header. Nothing is sent if the account has since been deactivated."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password():
        return False
    form = PasswordResetForm({"email": user.email})
    if not form.is_valid():
        return False
    address = urlsplit(settings.GPFED_BASE_URL)
    form.save(
        domain_override=address.netloc,
        use_https=address.scheme == "https",
        subject_template_name="accounts/password_reset_subject.txt",
        email_template_name="accounts/password_reset_email.txt",
        extra_email_context={
            "base_url": settings.GPFED_BASE_URL,
            "minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        },
    )
    return True


def in_a_sentence(label: str) -> str:
    """A role's label within a sentence: "Practice manager" -> "practice manager", but
    "PCN clinical director" keeps its capitals."""
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


def invitation_token(invitation: Invitation) -> str:
    """The secret in an invitation's link as it stands: a keyed hash (``SECRET_KEY``) of the
    invitation and when its link expires, as Django's password reset tokens are made. Only
    its SHA-256 is stored, so the worker mints the link again to email it and the task queue
    holds no secret; sending again sets a new expiry, hence a new link, and the old one dies."""
    return salted_hmac(
        "gpfed.accounts.invitation",
        f"{invitation.pk}:{invitation.expires_at.timestamp():.6f}",
        algorithm="sha256",
    ).hexdigest()


def send_invitation(invitation_id: int, by_id: int | None) -> bool:
    """Email an invitation's link, saying who invites, to which federation and as what. The
    link is built from ``GPFED_BASE_URL``. Nothing is sent for an invitation revoked, accepted,
    expired or sent again since this was queued (its link would not work)."""
    import hashlib

    invitation = Invitation.objects.filter(
        pk=invitation_id, accepted_at__isnull=True, revoked_at__isnull=True
    ).first()
    if invitation is None or invitation.expires_at <= timezone.now():
        return False
    raw = invitation_token(invitation)
    if hashlib.sha256(raw.encode()).hexdigest() != invitation.token_hash:
        return False  # sent again since: that send carries the live link
    link = settings.GPFED_BASE_URL + reverse("accounts:accept", args=[raw])
    by = User.objects.filter(pk=by_id).first() if by_id else None
    federation = invitation.invited_to
    organisation = invitation.organisation
    role = Role(invitation.role).label
    if by is not None:
        inviter = f"{by} ({by.email})" if str(by) != by.email else by.email
    elif federation is not None:
        inviter = f"The administrator of {federation}"
    else:
        inviter = "The administrator of gpfed"
    own = organisation == federation  # a federation role: the federation's own
    joining = f"join {federation} on gpfed" if federation is not None else "join gpfed"
    days = max(1, round((invitation.expires_at - timezone.now()).total_seconds() / 86400))
    body = (
        f"{inviter} has invited you to {joining}, as "
        + (f"its {in_a_sentence(role)}" if own else f"{in_a_sentence(role)} of {organisation}")
        + ".\n\n"
        + (f"Federation: {federation}\n" if federation is not None else "")
        + f"Role: {role}{'' if own else f' of {organisation}'}\n"
        f"Invited by: {inviter}\n\n"
        f"Set your password and sign in here within {days} days:\n{link}\n\n"
        "The link works once. If you were not expecting this, ignore this email."
    )
    subject = one_line(
        f"Your invitation to {federation} on gpfed" if federation else "Your invitation to gpfed"
    )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    return True


def practice_managers(practice) -> list[str]:
    today = timezone.localdate()
    return sorted(
        set(
            RoleGrant.objects.filter(
                practice=practice,
                role=Role.PRACTICE_MANAGER,
                user__is_active=True,
                start_date__lte=today,
            )
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
            .values_list("user__email", flat=True)
        )
    )


def tell_practice_managers(consent, holders) -> None:
    """Ask the practice's managers, on the task worker once the request is saved."""
    from accounts.tasks import consent_request_email  # the task module imports this one

    consent_id, holder_ids = consent.pk, [f.pk for f in holders]
    transaction.on_commit(lambda: consent_request_email.enqueue(consent_id, holder_ids))


def send_consent_request(consent_id: int, holder_ids: list[int]) -> bool:
    """Email a practice's managers that a federation asks to add the practice for dates
    another federation holds it for. Nothing is sent once the request is decided or
    withdrawn."""
    consent = (
        MembershipConsent.objects.select_related("federation", "practice")
        .filter(pk=consent_id, status=MembershipConsent.Status.WAITING)
        .first()
    )
    if consent is None:
        return False
    recipients = practice_managers(consent.practice)
    if not recipients:
        return False
    holders = Federation.objects.filter(pk__in=holder_ids).order_by("name")
    held_by = " and ".join(f.name for f in holders)
    body = (
        f"{consent.federation.name} asks to add {consent.practice.name} "
        f"({consent.practice.code}) as a member from {consent.start_date:%-d %B %Y}. "
        f"It is a member of {held_by} for those dates.\n\n"
        "A practice may belong to two federations, but only if it agrees. Each federation then "
        "sees only its own records about the practice. Accept or decline on the practice's "
        "page in gpfed. Nothing changes until you do."
    )
    subject = one_line(f"{consent.federation.name} asks {consent.practice.code} to join")
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    return True
