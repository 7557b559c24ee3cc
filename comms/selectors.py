"""Reads for bulletins: who a bulletin goes to, where its images are served, a person's inbox."""

from __future__ import annotations

from django.db.models import Q
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone

from accounts.models import User
from accounts.permissions import federation_grants
from comms.models import (
    ROLE_CHOICES,
    Bulletin,
    Delivery,
    MailSettings,
    Preference,
    Unsubscribe,
)
from directory.models import Contact
from registry.models import Network
from registry.selectors import covering, federation_member_ids_on


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


def contact_recipients(bulletin, people: dict[int, str] | None = None) -> dict[int, str]:
    """The federation's directory contacts a bulletin also goes to, contact id -> email, when
    it says so: those with an email address and no gpfed account (none linked, and no account
    with the same address), for the federation itself, its PCNs and its member practices of
    today, narrowed to the chosen PCNs and practices. One copy an address, none to an address
    that unsubscribed from this federation, none to anyone among ``people`` (the bulletin's
    recipients with accounts). Only a federation's bulletin reaches its own contacts."""
    if not bulletin.federation_id or not getattr(bulletin, "to_contacts", False):
        return {}
    federation = bulletin.federation
    contacts = (
        Contact.objects.filter(federation_id=federation.pk, user__isnull=True)
        .exclude(email="")
        .filter(
            Q(practice__isnull=True)
            | Q(practice_id__in=federation_member_ids_on(federation, timezone.localdate()))
        )
    )
    pcns = set(bulletin.audience_pcns.values_list("pk", flat=True))
    practices = set(bulletin.audience_practices.values_list("pk", flat=True))
    if pcns or practices:
        contacts = contacts.filter(Q(pcn_id__in=pcns) | Q(practice_id__in=practices))
    found = list(contacts.order_by("pk").values_list("pk", "email"))
    addresses = {email.strip().lower() for _pk, email in found}
    with_account = set(
        User.objects.annotate(address=Lower("email"))
        .filter(address__in=addresses)
        .values_list("address", flat=True)
    )
    unsubscribed = set(
        Unsubscribe.objects.filter(federation_id=federation.pk, email__in=addresses).values_list(
            "email", flat=True
        )
    )
    people = recipients(bulletin) if people is None else people
    taken = {email.strip().lower() for email in people.values()} | with_account | unsubscribed
    chosen: dict[int, str] = {}
    for pk, email in found:
        address = email.strip().lower()
        if address not in taken:
            taken.add(address)
            chosen[pk] = email.strip()
    return chosen


def reply_to(sender) -> str:
    """The address replies to a federation's (or network's) bulletins and event emails reach,
    or "" for none."""
    if sender is None:
        return ""
    field = "network" if isinstance(sender, Network) else "federation"
    found = MailSettings.objects.filter(**{field: sender}).values_list("reply_to", flat=True)
    return found.first() or ""


def send_preview(bulletin: Bulletin) -> dict:
    """What sending a draft would do, for the page that asks to confirm it: how many people
    with a gpfed account it reaches and how each will get it (by email, in the weekly digest,
    in gpfed only: their preferences, unless it is essential), how many directory contacts
    (email only), and who the audience is."""
    people = recipients(bulletin)
    contacts = contact_recipients(bulletin, people)
    chosen = dict(
        Preference.objects.filter(user_id__in=people, category=bulletin.category).values_list(
            "user_id", "choice"
        )
    )
    ways = {"email": 0, "digest": 0, "off": 0}
    for user_id in people:
        ways["email" if bulletin.essential else chosen.get(user_id, "email")] += 1
    return {
        "people": len(people),
        "contacts": len(contacts),
        "total": len(people) + len(contacts),
        "by_email": ways["email"],
        "by_digest": ways["digest"],
        "inbox_only": ways["off"],
        "federations": [str(f) for f in bulletin.audience_federations.all()],
        "pcns": [str(p) for p in bulletin.audience_pcns.all()],
        "practices": [str(p) for p in bulletin.audience_practices.all()],
        "roles": [
            label for value, label in ROLE_CHOICES if value in (bulletin.audience_roles or [])
        ],
    }


# A sender's archive, newest first on every database: each bulletin by when it was sent (a
# scheduled one by when it will be, a draft by when it was written), the latest first.
NEWEST_FIRST = (Coalesce("sent_at", "send_at", "created_at").desc(), "-pk")


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
