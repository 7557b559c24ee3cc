"""Reads for bulletins: who a bulletin goes to, where its images are served, a person's inbox."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from accounts.permissions import federation_grants
from comms.models import Bulletin, Delivery
from registry.selectors import covering


def recipients(bulletin) -> dict[int, str]:
    """Active people in the sender's membership that the audience picks, user id -> email:
    everyone with a role on the federation, its member practices or their PCNs (for a network,
    on its member federations), narrowed by the federations, PCNs, practices and roles chosen.
    Deactivated accounts receive nothing."""
    if bulletin.federation_id:
        federations = [bulletin.federation]
    else:
        federations = [
            m.federation
            for m in covering(bulletin.network.memberships, timezone.localdate()).select_related(
                "federation"
            )
        ]
    chosen_federations = set(bulletin.audience_federations.values_list("pk", flat=True))
    if chosen_federations:
        federations = [f for f in federations if f.pk in chosen_federations]
    pcns = set(bulletin.audience_pcns.values_list("pk", flat=True))
    practices = set(bulletin.audience_practices.values_list("pk", flat=True))
    roles = set(bulletin.audience_roles or [])
    found: dict[int, str] = {}
    for federation in federations:
        grants = covering(federation_grants(federation), timezone.localdate()).filter(
            user__is_active=True
        )
        if pcns or practices:
            grants = grants.filter(Q(pcn_id__in=pcns) | Q(practice_id__in=practices))
        if roles:
            grants = grants.filter(role__in=roles)
        for user_id, email in grants.values_list("user_id", "user__email"):
            found[user_id] = email
    return found


def file_urls(bulletin: Bulletin) -> dict[str, str]:
    """Where each of a bulletin's images is served in gpfed, by file name."""
    return {
        f.file_name: f"/comms/bulletins/{bulletin.pk}/files/{f.pk}"
        for f in bulletin.files.all()
        if f.is_image
    }


def inbox(user):
    return (
        Delivery.objects.filter(user=user, bulletin__status__in=["sending", "sent"])
        .select_related("bulletin", "bulletin__federation", "bulletin__network")
        .order_by("-bulletin__sent_at")
    )
