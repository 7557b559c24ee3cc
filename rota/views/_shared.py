"""What the rota pages share: the federation (and whether the person may manage its rota),
the PCNs it runs Enhanced Access for, and a staff record with who may change that person's
availability."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts import permissions as perms
from registry.models import Federation
from rota.models import AccessPcn, Staff

DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _federation(request, slug: str, *, manage: bool = False) -> Federation:
    federation = get_object_or_404(perms.rota_federations(request.user), slug=slug)
    if manage:
        perms.require(perms.can_manage_rota(request.user, federation))
    return federation


def _pcn_ids(federation) -> list[int]:
    return list(AccessPcn.objects.filter(federation=federation).values_list("pcn_id", flat=True))


def _person(request, slug, pk) -> tuple[Federation, Staff]:
    """A staff record: for the federation's rota viewers, and for the person it belongs to."""
    person = get_object_or_404(
        Staff.objects.select_related("federation"), pk=pk, federation__slug=slug
    )
    own = person.user_id is not None and person.user_id == request.user.pk
    if not (own or perms.can_view_rota(request.user, person.federation)):
        raise Http404("No such person")
    return person.federation, person


def _can_edit_availability(user, person) -> bool:
    return perms.can_manage_rota(user, person.federation) or (
        person.user_id is not None and person.user_id == user.pk
    )
