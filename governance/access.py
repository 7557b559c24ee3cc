"""Who may see and do what in governance, decided from the roles ``accounts.permissions``
reads (this area's rules sit here, above accounts in the layer order, because accounts'
domain may not know governance's):

* a federation's administrator and its company secretary run it: the articles, the register
  of members, share allocation, circulating resolutions and recording votes received on paper;
* the federation's own people (anyone with a role within it: its officers and board, the
  people of its member practices and PCNs) see the register and the resolutions with their
  results and who voted how; a practice's nominated voter casts its vote (the service checks
  the nomination);
* the gifts and hospitality register is the federation's people's to see, each recording
  their own entries (those who run governance record anyone's); the risk register is for
  those who run governance and the board's members and decision-makers;
* everyone else, another federation's administrator and a network's administrator included,
  gets 404 (ADR 0011); the public sees nothing.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts import permissions as perms
from accounts.models import Role
from governance.board_selectors import decision_makers

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


def can_see_body(user, body) -> bool:
    """A body's meetings, papers and pack: those who run governance, the body's members
    today and, for the board of directors, the federation's board members by role."""
    if can_run_governance(user, body.federation):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    scope = perms.scope_for(user)
    if body.kind == "board" and body.federation_id in scope.federation_ids(Role.BOARD_MEMBER):
        return True
    return body.seats.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=scope.day),
        user=user,
        start_date__lte=scope.day,
    ).exists()


def is_decision_maker(user, federation) -> bool:
    """A board member or decision-maker who declares interests in this federation."""
    return getattr(user, "pk", None) in decision_makers(federation)


def can_see_risks(user, federation) -> bool:
    """The risk register: those who run governance, and the board's members and
    decision-makers (a seat on one of its bodies, the board member role)."""
    return can_run_governance(user, federation) or is_decision_maker(user, federation)
