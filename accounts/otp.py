"""Two-step sign-in with time-based one-time passwords (django-otp) and recovery codes."""

from __future__ import annotations

import math
import secrets
import time
from dataclasses import dataclass

import segno
from django.db import transaction
from django.db.models import Exists, OuterRef
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ROLES_NEEDING_OTP, User
from accounts.permissions import scope_for
from audit.services import audit_record

RECOVERY_CODES = 10


def has_device(user) -> bool:
    """A confirmed authenticator or recovery codes: the two kinds of device gpfed installs
    (asked of each directly; django-otp's ``devices_for_user`` looks through every model of
    every app for device kinds, on every page), in one question: most people have neither, and
    this is asked on each of their requests."""
    confirmed = {"user": OuterRef("pk"), "confirmed": True}
    return (
        User.objects.filter(pk=user.pk)
        .filter(
            Exists(TOTPDevice.objects.filter(**confirmed))
            | Exists(StaticDevice.objects.filter(**confirmed))
        )
        .exists()
    )


def role_needs_otp(user) -> bool:
    return any(g.role in ROLES_NEEDING_OTP for g in scope_for(user).grants)


def needs_second_step(user) -> bool:
    """Required for federation administrators and finance leads; anyone who has set it up
    uses it too."""
    return role_needs_otp(user) or has_device(user)


def pending_device(user) -> TOTPDevice:
    """The authenticator being set up (created on first visit, confirmed by a first code)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def qr_svg(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#212b32")


def secret_for_humans(device: TOTPDevice) -> str:
    from base64 import b32encode

    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@transaction.atomic
def otp_confirm(*, user, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm a new authenticator with its first code. Returns new recovery codes, or None
    if the code was wrong."""
    if not device.verify_token(code.replace(" ", "")):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = recovery_codes_new(user=user)
    audit_record(by=user, action="otp.enrol", obj=user)
    return codes


@transaction.atomic
def recovery_codes_new(*, user) -> list[str]:
    """Ten single-use recovery codes, replacing any earlier ones."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name="Recovery codes", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [f"{secrets.randbelow(10**8):08d}" for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def wait_seconds(devices) -> int:
    """How long before another code may be tried, after wrong ones (django-otp doubles the
    wait after each failure), or 0."""
    from django.utils import timezone

    waits = []
    for device in devices:
        allowed, details = device.verify_is_allowed()
        if allowed:
            return 0
        locked_until = (details or {}).get("locked_until")
        if locked_until:
            waits.append(max(1, int((locked_until - timezone.now()).total_seconds()) + 1))
    return min(waits) if waits else 0


def otp_check(user, code: str):
    """The device that accepts this code (an authenticator code or a recovery code), if any."""
    return match_token(user, code.replace(" ", "").strip())


def otp_verify(user, code: str):
    """Check a second-step code at sign-in and record the outcome (``auth.otp_verified`` or
    ``auth.otp_failed``): the device that accepted it, or None."""
    matched = otp_check(user, code)
    action = "auth.otp_verified" if matched is not None else "auth.otp_failed"
    audit_record(by=user, action=action, obj=user)
    return matched


def recovery_codes_renew(*, user) -> list[str]:
    """New recovery codes asked for from the account page, replacing the old, audited."""
    codes = recovery_codes_new(user=user)
    audit_record(by=user, action="otp.recovery_codes", obj=user)
    return codes


# --- the demo ----------------------------------------------------------------------------
# Demo accounts whose roles need a one-time password share a published key, and the sign-in
# page shows the current code in demo mode, so the demo can be tried without a phone.
DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test key, hex


def demo_device(user) -> TOTPDevice:
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="Demo authenticator", defaults={"key": DEMO_TOTP_KEY, "confirmed": True}
    )
    return device


@dataclass(frozen=True)
class DemoCode:
    """What the two-step page tells a demo account in demo mode: a code it will accept now
    (``code``; ``next_step`` when it is the next 30-second window's, because this window's
    was used at the last sign-in), or, failing one, how many seconds to wait (``wait``)."""

    code: str | None
    next_step: bool = False
    wait: int = 0


def demo_code(user, now: float | None = None) -> DemoCode | None:
    """A code the demo account's authenticator accepts at ``now``. A code works once:
    django-otp refuses any code of a window no later than the last one used (``last_t``), so
    a second sign-in within the same 30 seconds cannot reuse the code shown for the first.
    The device accepts codes up to ``tolerance`` windows ahead, so the next window's code
    works at once; were it further ahead than that, the page says how long to wait instead.
    None when the account has no demo authenticator."""
    from django_otp.oath import TOTP

    device = TOTPDevice.objects.filter(user=user, name="Demo authenticator").first()
    if device is None:
        return None
    now = time.time() if now is None else now
    current = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    current.time = now
    window = current.t()
    wanted = max(window, device.last_t + 1)
    ahead = wanted - window
    if ahead > device.tolerance:
        # When the window ``wanted - tolerance`` begins, the wanted code is accepted.
        starts = device.t0 + (wanted - device.tolerance - device.drift) * device.step
        return DemoCode(code=None, wait=max(1, math.ceil(starts - now)))
    shown = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift + ahead)
    shown.time = now
    return DemoCode(code=f"{shown.token():0{device.digits}d}", next_step=ahead > 0)
