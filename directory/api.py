"""The member directory as JSON: the same rows as the pages and ``gpfed directory``."""

from __future__ import annotations

from datetime import date

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from accounts import permissions as perms
from directory import selectors
from registry.models import Network

router = Router(tags=["directory"])


class Organisation(Schema):
    code: str
    name: str


class DirectoryContact(Schema):
    name: str
    role: str
    email: str
    phone: str
    organisation: dict[str, str]


class Member(Schema):
    slug: str
    name: str
    joined: str
    leaves: str | None
    practices: int
    pcns: int
    registered_patients: int
    practices_without_list_size: int
    list_size_extract_dates: list[date] = Field(
        description="The extracts the practices' latest list sizes come from"
    )
    regions: list[Organisation]
    icbs: list[Organisation]
    contacts: list[DirectoryContact] | None


class Directory(Schema):
    network: str
    members: list[Member]


@router.get(
    "/networks/{slug}/members",
    response=Directory,
    summary="A network's member federations; contacts only for the network's members",
)
def network_members(
    request, slug: str, q: str = "", region: str = "", icb: str = "", sort: str = "name"
):
    if not perms.can_read_registry(request.user):
        raise Http404("No such network")
    network = get_object_or_404(Network, slug=slug)
    rows = selectors.member_rows(network, q=q, region=region.upper(), icb=icb.upper(), sort=sort)
    return {
        "network": network.slug,
        "members": selectors.members_as_dicts(
            rows, contacts=perms.is_network_member(request.user, network)
        ),
    }


@router.get(
    "/federations/{slug}/directory",
    response=dict,
    summary="A federation's own directory: practices, PCNs and, for its members, contacts",
)
def federation_directory(request, slug: str):
    federation = get_object_or_404(perms.visible_federations(request.user), slug=slug)
    member = perms.is_federation_member(request.user, federation)
    entry = selectors.federation_directory(federation)

    def contacts(items):
        return [selectors.contact_dict(c) for c in items] if member else None

    return {
        "federation": federation.slug,
        "as_at": entry["as_at"].isoformat(),
        "registered_patients": entry["patients"],
        "list_size_extract_dates": [d.isoformat() for d in entry["extract_dates"]],
        "contacts": contacts(entry["federation_contacts"]),
        "pcns": [
            {
                "code": p["pcn"].code,
                "name": p["pcn"].name,
                "member_practices": p["practices"],
                "contacts": contacts(p["contacts"]),
            }
            for p in entry["pcns"]
        ],
        "practices": [
            {
                "code": e.practice.code,
                "name": e.practice.name,
                "pcn": e.pcn.code if e.pcn else None,
                "registered_patients": e.patients,
                "list_size_extract_date": e.extract_date.isoformat() if e.extract_date else None,
                "contacts": contacts(e.contacts),
            }
            for e in entry["practices"]
        ],
    }
