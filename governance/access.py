"""Who may see and do what in governance, decided from the roles ``accounts.permissions``
reads (this area's rules sit here, above accounts in the layer order, because accounts'
domain may not know governance's):

* a federation's administrator and its company secretary run it: the articles, the register
  of members, share allocation, circulating resolutions and recording votes received on paper;
* the federation's own people (anyone with a role within it: its officers and board, the
  people of its member practices and PCNs) see the register and the resolutions with their
  results and who voted how; a practice's nominated voter casts its vote (the service checks
  the nomination);
* everyone else, another federation's administrator and a network's administrator included,
  gets 404 (ADR 0011); the public sees nothing.
"""

from __future__ import annotations

from django.db.models import QuerySet

from accounts import permissions as perms
from accounts.models import Role

RUNNERS = (Role.FEDERATION_ADMIN, Role.COMPANY_SECRETARY)


def can_run_governance(user, federation) -> bool:
    scope = perms.scope_for(user)
    return scope.superuser or federation.pk in scope.federation_ids(*RUNNERS)


def can_see_governance(user, federation) -> bool:
    return perms.is_federation_member(user, federation)


def governance_federations(user) -> QuerySet:
    """The federations whose governance pages this person may open."""
    scope = perms.scope_for(user)
    federations = perms.visible_federations(user)
    if scope.superuser:
        return federations
    return federations.filter(pk__in=scope.within_ids())
