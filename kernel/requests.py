"""Who is asking: the address a request came from, as gpfed records and limits it."""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    """The address of the person's machine. Straight to gpfed it is ``REMOTE_ADDR``. Behind the
    reverse proxy (``GPFED_BEHIND_PROXY``; deploy/nginx/gpfed.conf), every request comes from
    the proxy, which sets ``X-Forwarded-For`` to the address it was reached from (replacing
    anything the caller sent), so that is the person's: sign-in lockouts, the per-address limit
    on password resets and the audit trail then see people, not the proxy. Only the last entry
    counts (the one the proxy wrote) and only if it is an address; anything else falls back."""
    remote = request.META.get("REMOTE_ADDR", "")
    if not getattr(settings, "GPFED_BEHIND_PROXY", False):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(forwarded))
    except ValueError:
        return remote
