"""Who may run, answer and read consultations and the federating programme, decided from the
roles ``accounts.permissions`` reads (voice sits above accounts, so its rules sit here):

* a federation's administrator and its company secretary run its consultations and its
  federating programme; a network's administrator runs the network's consultations;
* a practice's manager answers for the practice, a PCN's clinical director for the PCN (each
  only within the federation the role was granted within), a federation's administrator or
  company secretary for the federation in a network's consultation;
* the federation's own people (the network's, for a network's consultation) read the results
  and the outcome once the outcome is published, and the federation's people see its
  federating programme;
* everyone else gets 404 (ADR 0011).
"""

from __future__ import annotations

from accounts import permissions as perms
from accounts.models import Role
from registry.models import Federation, Network, NetworkMembership
from registry.selectors import covering

RUNNERS = (Role.FEDERATION_ADMIN, Role.COMPANY_SECRETARY)


def can_run(user, owner) -> bool:
    """Run a federation's (or a network's) consultations."""
    scope = perms.scope_for(user)
    if scope.superuser:
        return True
    if isinstance(owner, Network):
        return owner.pk in scope.network_ids()
    return owner.pk in scope.federation_ids(*RUNNERS)


def is_member(user, owner) -> bool:
    if isinstance(owner, Network):
        return perms.is_network_member(user, owner)
    return perms.is_federation_member(user, owner)


def answers_for(user, consultation, audience: dict[str, object]) -> dict[str, object]:
    """The organisations of the audience (key -> organisation) this person answers for."""
    scope = perms.scope_for(user)
    if scope.superuser:
        return dict(audience)
    mine = {}
    if consultation.federation_id:
        fed = consultation.federation_id
        practices = {p for p, f in scope.practice_pairs(Role.PRACTICE_MANAGER) if f == fed}
        pcns = {p for p, f in scope.pcn_pairs(Role.PCN_CLINICAL_DIRECTOR) if f == fed}
        for key, organisation in audience.items():
            kind = key.partition("-")[0]
            if (kind == "practice" and organisation.pk in practices) or (
                kind == "pcn" and organisation.pk in pcns
            ):
                mine[key] = organisation
    else:
        federations = scope.federation_ids(*RUNNERS)
        mine = {k: o for k, o in audience.items() if o.pk in federations}
    return mine


def can_see_results(user, consultation) -> bool:
    return can_run(user, consultation.owner) or (
        consultation.is_published and is_member(user, consultation.owner)
    )


def can_open(user, consultation, audience: dict[str, object]) -> bool:
    """Whether this person may open a consultation's page: its runners; once it is open,
    those who answer for an organisation asked; and those who may see its results."""
    if can_run(user, consultation.owner):
        return True
    if not consultation.is_draft and answers_for(user, consultation, audience):
        return True
    return can_see_results(user, consultation)


def can_see_programme(user, federation) -> bool:
    return perms.is_federation_member(user, federation)


def voice_owners(user) -> tuple[list[Federation], list[Network]]:
    """The federations and networks whose consultations this person may list: the federations
    their roles were granted within, the networks they administer and those their federations
    belong to (every one for an installation administrator)."""
    scope = perms.scope_for(user)
    if scope.superuser:
        return list(Federation.objects.all()), list(Network.objects.all())
    federations = list(Federation.objects.filter(pk__in=scope.within_ids()))
    member_of = covering(
        NetworkMembership.objects.filter(federation__in=federations), scope.day
    ).values("network_id")
    networks = Network.objects.filter(pk__in={*scope.network_ids()}) | Network.objects.filter(
        pk__in=member_of
    )
    return federations, sorted(set(networks), key=str)


def can_open_voice(user) -> bool:
    """Whether ``/voice/`` opens for this person (the header's link): without a query unless
    they are an installation administrator."""
    scope = perms.scope_for(user)
    if scope.superuser:
        return Federation.objects.exists() or Network.objects.exists()
    return bool(scope.within_ids() or scope.network_ids())
