"""Emails about join requests, sent by the task worker through Django's mail framework."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from accounts.models import Role, RoleGrant, User
from directory.models import JoinRequest
from kernel.headers import one_line
from registry.selectors import covering, today

SUBJECTS = {
    "received": "{federation} asks to join {network}",
    "approved": "Welcome to {network}: {federation}'s request is approved",
    "declined": "{federation}'s request to join {network}",
}


def _active_grants(**organisation):
    return covering(RoleGrant.objects.filter(**organisation), today()).filter(user__is_active=True)


def join_email_recipients(request: JoinRequest, kind: str) -> list[str]:
    """Who hears about a request: its network's administrators when it arrives; the person
    who asked and the federation's administrators when it is decided."""
    if kind == "received":
        ids = _active_grants(network=request.network, role=Role.NETWORK_ADMIN).values("user_id")
    else:
        ids = _active_grants(federation=request.federation, role=Role.FEDERATION_ADMIN).values(
            "user_id"
        )
    users = set(User.objects.filter(pk__in=ids).values_list("email", flat=True))
    if kind != "received" and request.requested_by and request.requested_by.is_active:
        users.add(request.requested_by.email)
    return sorted(users)


def send_join_email(join_request_id: int, kind: str) -> int:
    request = (
        JoinRequest.objects.select_related("network", "federation", "requested_by")
        .filter(pk=join_request_id)
        .first()
    )
    if request is None:
        return 0
    to = join_email_recipients(request, kind)
    if not to:
        return 0
    path = (
        f"/directory/networks/{request.network.slug}/requests/"
        if kind == "received"
        else f"/directory/networks/{request.network.slug}/"
    )
    body = render_to_string(
        "directory/join_email.txt",
        {"request": request, "kind": kind, "url": f"{settings.GPFED_BASE_URL}{path}"},
    )
    subject = one_line(
        SUBJECTS[kind].format(federation=request.federation, network=request.network)
    )
    EmailMessage(subject=subject, body=body, to=to).send()
    return len(to)
