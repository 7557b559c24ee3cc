"""Who may see and do what with saved scenarios, decided from the roles
``accounts.permissions`` reads:

* a federation's administrator and its finance lead build scenarios (create, save versions,
  work results out again, share a version with the members);
* they and the federation's board read every scenario, every version, every practice's line;
* a practice manager (whose role was granted within the federation) sees the versions shared
  with members, and in them their own practice's line alone, never another practice's;
* everyone else, another federation's administrator included, gets 404 (ADR 0011).
"""

from __future__ import annotations

from django.db.models import QuerySet

from accounts import permissions as perms
from accounts.models import Role
from registry.models import Federation

BUILDERS = (Role.FEDERATION_ADMIN, Role.FINANCE_LEAD)
READERS = (*BUILDERS, Role.BOARD_MEMBER)
MEMBERS = (Role.PRACTICE_MANAGER,)


def can_build(user, federation) -> bool:
    scope = perms.scope_for(user)
    return scope.superuser or federation.pk in scope.federation_ids(*BUILDERS)


def can_read_all(user, federation) -> bool:
    """Every scenario and every practice's line."""
    scope = perms.scope_for(user)
    return scope.superuser or federation.pk in scope.federation_ids(*READERS)


def own_practice_codes(user, federation) -> set[str]:
    """The practices whose line of a shared scenario this person may see in ``federation``:
    those they manage through a role granted within it, while it holds them."""
    scope = perms.scope_for(user)
    ids = {pk for pk, within in scope.practice_pairs(*MEMBERS) if within == federation.pk}
    if not ids:
        return set()
    return set(
        federation.memberships.filter(practice_id__in=ids).values_list("practice__code", flat=True)
    )


def can_see_shared(user, federation) -> bool:
    return bool(own_practice_codes(user, federation))


def can_open(user, federation) -> bool:
    return can_read_all(user, federation) or can_see_shared(user, federation)


def economics_federations(user) -> QuerySet:
    """The federations whose scenarios this person may open (all of them or their share)."""
    scope = perms.scope_for(user)
    if scope.superuser:
        return Federation.objects.all()
    ids = set(scope.federation_ids(*READERS))
    ids |= {within for _, within in scope.practice_pairs(*MEMBERS)}
    return Federation.objects.filter(pk__in=ids)
