"""Who may see and do what in the bids pipeline, decided from the roles ``accounts.permissions``
reads (this area's rules sit here, above accounts in the layer order):

* a federation's administrator and its finance lead run it: opportunities, imports, stages,
  decisions, asking practices to commit and recording answers for them;
* its board members read the pipeline, every opportunity and the win/loss history;
* a practice manager sees the opportunities their practice is asked to commit to, and records
  their practice's answer (only their own practice's, only in the federation that granted
  the role);
* everyone else, another federation's administrator included, gets 404 (ADR 0011).
"""

from __future__ import annotations

from django.db.models import QuerySet

from accounts import permissions as perms
from accounts.models import Role
from registry.models import Federation

RUNNERS = (Role.FEDERATION_ADMIN, Role.FINANCE_LEAD)
READERS = (*RUNNERS, Role.BOARD_MEMBER)


def can_run_bids(user, federation) -> bool:
    scope = perms.scope_for(user)
    return scope.superuser or federation.pk in scope.federation_ids(*RUNNERS)


def can_read_bids(user, federation) -> bool:
    scope = perms.scope_for(user)
    return scope.superuser or federation.pk in scope.federation_ids(*READERS)


def managed_practice_ids(user, federation) -> set[int]:
    """The practices this person manages within ``federation`` (the federation that granted
    the role, while it holds the practice)."""
    scope = perms.scope_for(user)
    return {
        practice
        for practice, through in scope.practice_pairs(Role.PRACTICE_MANAGER)
        if through == federation.pk
    }


def can_open_bids(user, federation) -> bool:
    """Whether the federation's bids pages open for this person at all (what they then see
    depends on the rules above)."""
    return can_read_bids(user, federation) or bool(managed_practice_ids(user, federation))


def can_answer_for(user, federation, practice) -> bool:
    return can_run_bids(user, federation) or practice.pk in managed_practice_ids(user, federation)


def bids_federations(user) -> QuerySet:
    """The federations whose bids pages this person may open."""
    scope = perms.scope_for(user)
    if scope.superuser:
        return Federation.objects.all()
    ids = scope.federation_ids(*READERS) | {
        through for _, through in scope.practice_pairs(Role.PRACTICE_MANAGER)
    }
    return Federation.objects.filter(pk__in=ids)
