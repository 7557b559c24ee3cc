"""Sign-ins, failed sign-ins and lockouts go into the audit trail (infrastructure, so signals
are the right hook: Django and django-axes announce them)."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from accounts.middleware import session_started
from accounts.models import User
from accounts.notify import tell_practice_managers
from accounts.services import user_federation as _federation_of
from audit.services import audit_record
from registry.signals import consent_asked


@receiver(user_logged_in)
def signed_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        session_started(request)
    audit_record(by=user, action="auth.sign_in", obj=user, federation=_federation_of(user))


@receiver(user_login_failed)
def sign_in_failed(sender, credentials, request=None, **kwargs):
    email = (credentials or {}).get("username") or (credentials or {}).get("email") or ""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        return  # nothing to attach it to; axes still counts the attempt
    audit_record(
        by=None,
        actor_label=email,
        action="auth.sign_in_failed",
        obj=user,
        federation=_federation_of(user),
    )


@receiver(user_locked_out)
def locked_out(sender, request, username, ip_address, **kwargs):
    user = User.objects.filter(email__iexact=username or "").first()
    if user is not None:
        audit_record(
            by=None,
            actor_label=username,
            action="auth.locked_out",
            obj=user,
            federation=_federation_of(user),
        )


@receiver(consent_asked)
def consent_asked_tell_managers(sender, consent, holders, **kwargs):
    tell_practice_managers(consent, holders)
