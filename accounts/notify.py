"""The password reset email, sent by the task worker through Django's mail framework."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm

from accounts.models import User


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
