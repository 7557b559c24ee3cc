"""The home page: what needs the person today, then their federations, the national registry's
search and the recent imports."""

from __future__ import annotations

from django.shortcuts import render

from accounts import permissions as perms
from accounts.models import Role
from home.needs import needs_for
from registry.models import PCN, Network, Practice

# Under a heading naming a network, PCN or practice, the federations the person sees.
FEDERATIONS_UNDER = {
    "network": "The network's federations",
    "pcn": "Your federation",
    "practice": "Your federation",
}


def heading(user) -> tuple[str, str]:
    """The page's heading, named for what the person's roles are on, and which kind that is:
    "Your federation" for a federation's own people; the network for its administrator; the
    PCN for its clinical director; the practice for its manager and staff."""
    scope = perms.scope_for(user)
    if scope.federation_ids():
        several = len(scope.federation_ids()) > 1
        return ("Your federations" if several else "Your federation"), "federation"
    for kind, ids, model in (
        ("network", scope.network_ids(), Network),
        ("pcn", scope.pcn_ids(Role.PCN_CLINICAL_DIRECTOR), PCN),
        ("practice", scope.practice_ids(), Practice),
    ):
        names = sorted(model.objects.filter(pk__in=ids).values_list("name", flat=True))
        if names:
            return (names[0] if len(names) == 1 else f"{names[0]} and {len(names) - 1} more"), kind
    if scope.superuser:
        return "Federations in gpfed", "superuser"
    return "Welcome to gpfed", "none"


def home(request):
    title, kind = heading(request.user)
    return render(
        request,
        "home/home.html",
        {
            "heading": title,
            "federations_heading": FEDERATIONS_UNDER.get(kind),
            "needs": needs_for(request.user),
            "federations": list(perms.visible_federations(request.user)),
            "recent_imports": perms.visible_imports(request.user)[:5],
            "practice_count": Practice.objects.filter(status=Practice.Status.ACTIVE).count(),
            "pcn_count": PCN.objects.filter(close_date__isnull=True).count(),
            "can_read_registry": perms.can_read_registry(request.user),
            "can_import": perms.can_import(request.user),
            "can_import_national": perms.can_import_national(request.user),
            "can_create_federation": perms.can_create_federation(request.user),
        },
    )
