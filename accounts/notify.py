"""Email from accounts, which knows who holds which role: the password reset (sent by the task
worker) and the note to a practice's managers that another federation asks it to join."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Role, RoleGrant, User
from kernel.headers import one_line


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
    recipients = practice_managers(consent.practice)
    if not recipients:
        return
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
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients))
