"""The one place gpfed decides who may see and do what.

Views, the JSON API, htmx fragments, exports and the command line all ask this module. A role
is granted to a person on one organisation (a network, federation, PCN or practice) for a span
of dates; everything a person may see follows from the roles active today:

* the national registry of practices and PCNs is public NHS data: any signed-in person with an
  active role (or an installation administrator) may read it;
* every role except a network's is granted *within a federation* (``RoleGrant.through``): a
  federation role within that federation, a role on a practice or PCN within the federation that
  holds it. A practice or PCN role reaches that federation's data alone, and only while that
  federation holds the practice (or a practice of the PCN): holding the same practice in another
  federation grants nothing over it (docs/access.md, "What one federation can never do to
  another");
* a federation is visible to anyone with a role within it, and to the administrators of a
  network it belongs to;
* changing a federation's membership, users and audit trail needs its federation administrator;
* a practice's published details may be corrected by its practice manager, and by a
  federation's administrator only while hers is the one federation holding it;
* figures every federation shares (the registry, list sizes, the national populations and a
  PCN's national care-home beds and IIF points) are changed by the installation's operators
  alone. A federation keeps its own figures, used by it alone: a population for a practice or
  PCN it holds, and a PCN's care-home beds and IIF points, entered by its administrators and
  finance lead, or by the practice's manager or the PCN's clinical director whose role was
  granted within it; its own populations are imported by its administrators and operations
  lead.

An object outside a person's scope is answered with 404, never 403, so that nothing about it
leaks. Installation administrators (Django superusers) may do everything.
"""

# Over 500 lines: every rule of who may see and do what, in one place the matrix test covers.

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import Role, RoleGrant
from audit.models import AuditEvent
from registry.models import (
    PCN,
    Federation,
    FederationMembership,
    ImportRun,
    Network,
    NetworkMembership,
    Practice,
    PracticePCN,
)
from registry.selectors import federations_holding
from registry.services import consent_deciders

FEDERATION_ROLES = {
    Role.FEDERATION_ADMIN,
    Role.FINANCE_LEAD,
    Role.OPERATIONS_LEAD,
    Role.COMMUNICATIONS_LEAD,
    Role.BOARD_MEMBER,
    Role.COMPANY_SECRETARY,
}


@dataclass
class Scope:
    """What one person's active roles cover today."""

    user: object
    day: date
    superuser: bool = False
    grants: list[RoleGrant] = field(default_factory=list)

    def roles(self) -> set[str]:
        return {g.role for g in self.grants}

    def practice_pairs(self, *roles: str) -> set[tuple[int, int]]:
        """(practice, federation it was granted within) for practice roles."""
        return {
            (g.practice_id, g.through_id)
            for g in self.grants
            if g.practice_id and (not roles or g.role in roles)
        }

    def pcn_pairs(self, *roles: str) -> set[tuple[int, int]]:
        """(PCN, federation it was granted within) for PCN roles."""
        return {
            (g.pcn_id, g.through_id)
            for g in self.grants
            if g.pcn_id and (not roles or g.role in roles)
        }

    def within_ids(self) -> set[int]:
        """The federations this person's roles were granted within."""
        return {g.through_id for g in self.grants if g.through_id}

    def federation_ids(self, *roles: str) -> set[int]:
        return {
            g.federation_id
            for g in self.grants
            if g.federation_id and (not roles or g.role in roles)
        }

    def network_ids(self) -> set[int]:
        return {g.network_id for g in self.grants if g.network_id}

    def pcn_ids(self, *roles: str) -> set[int]:
        return {g.pcn_id for g in self.grants if g.pcn_id and (not roles or g.role in roles)}

    def practice_ids(self, *roles: str) -> set[int]:
        return {
            g.practice_id for g in self.grants if g.practice_id and (not roles or g.role in roles)
        }

    @property
    def active(self) -> bool:
        return self.superuser or bool(self.grants)


def scope_for(user, day: date | None = None) -> Scope:
    """The person's scope, computed once per request (cached on the user object)."""
    day = day or timezone.localdate()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope(user=user, day=day)
    cached = getattr(user, "_gpfed_scope", None)
    if cached is not None and cached.day == day:
        return cached
    grants = _holding(
        list(
            RoleGrant.objects.filter(user=user, start_date__lte=day).filter(
                Q(end_date__isnull=True) | Q(end_date__gte=day)
            )
        ),
        day,
    )
    scope = Scope(user=user, day=day, superuser=user.is_superuser, grants=grants)
    user._gpfed_scope = scope
    return scope


def _holding(grants: list[RoleGrant], day: date) -> list[RoleGrant]:
    """The grants that still reach something on ``day``: a role on a practice or PCN counts
    only while the federation it was granted within holds that practice (or a practice of
    that PCN). When the federation lets the practice go, the role goes with it."""

    practice_grants = [g for g in grants if g.practice_id or g.pcn_id]
    if not practice_grants:
        return grants
    current = _current(day)
    held = set(
        FederationMembership.objects.filter(
            current, federation_id__in={g.through_id for g in practice_grants}
        ).values_list("practice_id", "federation_id")
    )
    pcn_practices: dict[int, set[int]] = {}
    pcn_ids = {g.pcn_id for g in practice_grants if g.pcn_id}
    if pcn_ids:
        for pcn_id, practice_id in PracticePCN.objects.filter(
            current, pcn_id__in=pcn_ids
        ).values_list("pcn_id", "practice_id"):
            pcn_practices.setdefault(pcn_id, set()).add(practice_id)

    def reaches(grant: RoleGrant) -> bool:
        if grant.practice_id:
            return (grant.practice_id, grant.through_id) in held
        if grant.pcn_id:
            return any(
                (practice_id, grant.through_id) in held
                for practice_id in pcn_practices.get(grant.pcn_id, ())
            )
        return True

    return [g for g in grants if reaches(g)]


def forget_scope(user) -> None:
    if hasattr(user, "_gpfed_scope"):
        del user._gpfed_scope


# --- federations -------------------------------------------------------------------------


def visible_federations(user) -> QuerySet:

    scope = scope_for(user)
    if scope.superuser:
        return Federation.objects.all()
    if not scope.grants:
        return Federation.objects.none()
    ids = _own_federation_ids(scope)
    if scope.network_ids():
        ids |= set(
            NetworkMembership.objects.filter(
                _current(scope.day), network_id__in=scope.network_ids()
            ).values_list("federation_id", flat=True)
        )
    return Federation.objects.filter(pk__in=ids)


def _current(day: date) -> Q:
    return Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day))


def _own_federation_ids(scope: Scope) -> set[int]:
    """The federations a person belongs to: those their roles were granted within (not as a
    network's administrator). A practice or PCN role counts only while its federation holds
    the practice (``_holding``)."""
    return scope.within_ids()


def can_view_federation(user, federation) -> bool:
    return visible_federations(user).filter(pk=federation.pk).exists()


def can_manage_federation(user, federation) -> bool:
    """Change its members, its users and roles, read and export its audit trail."""
    scope = scope_for(user)
    return scope.superuser or federation.pk in scope.federation_ids(Role.FEDERATION_ADMIN)


def can_create_federation(user) -> bool:
    scope = scope_for(user)
    return scope.superuser or bool(scope.network_ids())


def federations_of_practices(practice_ids, day: date) -> set[int]:

    return set(
        FederationMembership.objects.filter(practice_id__in=practice_ids, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .values_list("federation_id", flat=True)
    )


# --- the registry ------------------------------------------------------------------------


def can_read_registry(user) -> bool:
    return scope_for(user).active


def can_import(user) -> bool:
    """Open the Imports page: the installation's operators, who import the national NHS
    publications every federation shares (``can_import_national``), and a federation's
    administrators and operations lead, who import their federation's own population figures
    (``import_federations``)."""
    scope = scope_for(user)
    return scope.superuser or bool(
        scope.federation_ids(Role.FEDERATION_ADMIN, Role.OPERATIONS_LEAD)
    )


def can_import_national(user) -> bool:
    """Import the national NHS publications (practices, PCNs, list sizes, the national
    populations), which every federation shares: the installation's operators alone."""
    return scope_for(user).superuser


def import_federations(user) -> QuerySet:
    """The federations whose own population figures this person may import: those they
    administer or are the operations lead of."""

    scope = scope_for(user)
    return Federation.objects.filter(
        pk__in=scope.federation_ids(Role.FEDERATION_ADMIN, Role.OPERATIONS_LEAD)
    )


def visible_imports(user) -> QuerySet:
    """The imports this person may see, with their uploaders, file names and problems: a
    federation's own by its administrators and operations lead; the national ones by the
    installation's operators alone (who see every import)."""

    scope = scope_for(user)
    runs = ImportRun.objects.defer("upload").select_related("created_by", "federation")
    if scope.superuser:
        return runs
    return runs.filter(
        federation_id__in=scope.federation_ids(Role.FEDERATION_ADMIN, Role.OPERATIONS_LEAD)
    )


def can_correct_practice(user, practice) -> bool:
    """A practice's published details are shared by every federation holding it. While one
    federation holds it, its administrator and the practice manager it granted may correct
    them; once two do, only the installation's operators (neither federation may change what
    the other shows)."""
    scope = scope_for(user)
    if scope.superuser:
        return True
    holders = federations_of_practices([practice.pk], scope.day)
    if len(holders) != 1:
        return False
    (holder,) = holders
    return holder in scope.federation_ids(Role.FEDERATION_ADMIN) or (
        practice.pk,
        holder,
    ) in scope.practice_pairs(Role.PRACTICE_MANAGER)


def can_decide_consent(user, practice, consent=None) -> bool:
    """Agree (or not) that a practice joins another federation: its practice manager, granted
    within a federation that holds it for the dates asked (never within the federation
    asking), or an installation administrator. Without ``consent``: whether this person answers
    any request for the practice."""

    scope = scope_for(user)
    if scope.superuser:
        return True
    within = {f for p, f in scope.practice_pairs(Role.PRACTICE_MANAGER) if p == practice.pk}
    if consent is None:
        return bool(within)
    return bool(within & consent_deciders(consent))


def can_set_population(user, org) -> bool:
    """Enter a population figure for this PCN or practice: the national one, which every
    federation shares (``can_set_national_population``), or a federation's own
    (``population_federations``)."""
    return can_set_national_population(user) or population_federations(user, org).exists()


def can_set_national_population(user) -> bool:
    """Change a national population figure, which every federation's money, rota and ARRS
    pot use unless it keeps its own: the installation's operators alone."""
    return scope_for(user).superuser


def population_federations(user, org) -> QuerySet:
    """The federations, among those holding this practice (or a practice of this PCN) today,
    whose own figure for its population this person may enter: the federation's
    administrators and finance lead; a PCN's clinical director and a practice's manager for
    the federation their role was granted within; an installation operator for any of them.
    The same people enter a PCN's care-home beds and IIF points as their federation's own
    (``finance.views.pcn_figures``). A federation's own figure changes nothing for anyone
    else."""

    scope = scope_for(user)
    holders = {f.pk for f in federations_holding(org, scope.day)}
    if scope.superuser:
        return Federation.objects.filter(pk__in=holders)
    ids = set(scope.federation_ids(Role.FEDERATION_ADMIN, Role.FINANCE_LEAD))
    if isinstance(org, PCN):
        ids |= {f for pcn, f in scope.pcn_pairs(Role.PCN_CLINICAL_DIRECTOR) if pcn == org.pk}
    else:
        ids |= {f for p, f in scope.practice_pairs(Role.PRACTICE_MANAGER) if p == org.pk}
    return Federation.objects.filter(pk__in=ids & holders)


def own_population_federations(user, org) -> QuerySet:
    """The federations whose own figures for this PCN or practice its pages may show this
    person, in place of the national ones and labelled: the federations they belong to that
    hold it today (an installation operator: any that does)."""

    scope = scope_for(user)
    holders = {f.pk for f in federations_holding(org, scope.day)}
    if not scope.superuser:
        holders &= _own_federation_ids(scope)
    return Federation.objects.filter(pk__in=holders)


# --- answers -----------------------------------------------------------------------------


def require(allowed: bool) -> None:
    """Out of scope answers 404: the same as an object that does not exist."""
    if not allowed:
        raise Http404("Not found")


# --- people and the audit trail ----------------------------------------------------------


def managed_federations(user) -> QuerySet:
    """Federations whose people, roles and audit trail this person administers."""

    scope = scope_for(user)
    if scope.superuser:
        return Federation.objects.all()
    return Federation.objects.filter(pk__in=scope.federation_ids(Role.FEDERATION_ADMIN))


def audit_networks(user) -> QuerySet:
    """Networks whose own audit trail this person reads (its bulletins, events, library,
    board and join decisions): those they administer."""

    scope = scope_for(user)
    if scope.superuser:
        return Network.objects.all()
    return Network.objects.filter(pk__in=scope.network_ids())


def can_read_audit(user) -> bool:
    return (
        scope_for(user).superuser
        or managed_federations(user).exists()
        or audit_networks(user).exists()
    )


def federation_grants(federation, day: date | None = None) -> QuerySet:
    """The roles granted within a federation: on the federation, and on the practices and
    PCNs it holds. The people its administrators look after; never a role another federation
    granted, even on a practice both hold. A role on a practice or PCN the federation no longer
    holds (on ``day``, today by default) has ended with that hold and is not listed."""

    day = day or timezone.localdate()
    held = federation.memberships.filter(_current(day)).values("practice_id")
    pcns = PracticePCN.objects.filter(_current(day), practice_id__in=held).values("pcn_id")
    return RoleGrant.objects.filter(
        Q(federation=federation) | Q(practice_id__in=held) | Q(pcn_id__in=pcns),
        through=federation,
    ).select_related("user", "federation", "pcn", "practice")


def can_manage_person(user, person, federation) -> bool:
    """Deactivate a person or lift their lockout: only when every role the person holds now
    was granted within the federation this admin manages (so never another federation's
    people, nor an installation administrator)."""
    if not can_manage_federation(user, federation) or person == user:
        return False
    if scope_for(user).superuser:
        return True
    if person.is_superuser:
        return False
    day = timezone.localdate()
    active = RoleGrant.objects.filter(user=person, start_date__lte=day).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=day)
    )
    return active.exists() and not active.exclude(through=federation).exists()


def can_deactivate(user, person, federation) -> bool:
    return can_manage_person(user, person, federation)


def can_reactivate(user) -> bool:
    """A deactivated account is brought back by an installation administrator alone."""
    return scope_for(user).superuser


# --- the federation's money --------------------------------------------------------------

FINANCE_VIEWERS = (
    Role.FEDERATION_ADMIN,
    Role.FINANCE_LEAD,
    Role.BOARD_MEMBER,
    Role.OPERATIONS_LEAD,
)


def finance_federations(user) -> QuerySet:
    """Federations whose services, contracts, settlements and returns this person may read:
    its administrators, finance lead, operations lead and board."""

    scope = scope_for(user)
    if scope.superuser:
        return Federation.objects.all()
    return Federation.objects.filter(pk__in=scope.federation_ids(*FINANCE_VIEWERS))


def can_view_finance(user, federation) -> bool:
    scope = scope_for(user)
    return scope.superuser or federation.pk in scope.federation_ids(*FINANCE_VIEWERS)


def can_manage_finance(user, federation) -> bool:
    """Change services, contracts and income, and preview and post settlements."""
    scope = scope_for(user)
    return scope.superuser or federation.pk in scope.federation_ids(
        Role.FEDERATION_ADMIN, Role.FINANCE_LEAD
    )


def can_record_activity(user, federation) -> bool:
    scope = scope_for(user)
    return scope.superuser or federation.pk in scope.federation_ids(
        Role.FEDERATION_ADMIN, Role.FINANCE_LEAD, Role.OPERATIONS_LEAD
    )


STATEMENT_READERS = (Role.PRACTICE_MANAGER, Role.PRACTICE_STAFF)


def _statement_spells(scope: Scope) -> QuerySet:
    """The memberships (a practice in a federation, from one date to another) whose value
    statements this person may read: every membership of a federation whose money they may
    read (its finance viewers), and their own practice's memberships of the federation that
    granted their role on it (practice manager and staff)."""

    spells = FederationMembership.objects.all()
    if scope.superuser:
        return spells
    within = Q(federation_id__in=scope.federation_ids(*FINANCE_VIEWERS))
    for grant in scope.grants:
        if grant.practice_id and grant.role in STATEMENT_READERS:
            within |= Q(practice_id=grant.practice_id, federation_id=grant.through_id)
    return spells.filter(within)


def statement_federations(
    user, practice, *, first: date | None = None, last: date | None = None
) -> QuerySet:
    """The federations through which this person may read a practice's value statement. A
    statement read through a federation shows that federation's settlements alone, for the
    dates the practice was its member: given ``first`` and ``last`` (days), only the
    federations whose membership of the practice overlaps them."""

    spells = _statement_spells(scope_for(user)).filter(practice_id=practice.pk)
    if first is not None:
        spells = spells.filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
    if last is not None:
        spells = spells.filter(start_date__lte=last)
    return Federation.objects.filter(pk__in=spells.values("federation_id"))


def statement_practices(user) -> QuerySet:
    """Practices whose value statement this person may read through at least one federation
    (``statement_federations``)."""

    return Practice.objects.filter(pk__in=_statement_spells(scope_for(user)).values("practice_id"))


def can_view_statement(user, practice, federation=None) -> bool:
    """Whether this person may read the practice's value statement through ``federation``, or
    through any federation when none is named."""
    federations = statement_federations(user, practice)
    if federation is not None:
        federations = federations.filter(pk=federation.pk)
    return federations.exists()


# --- shared staff, the Enhanced Access rota and ARRS claims ------------------------------

ROTA_VIEWERS = FINANCE_VIEWERS


def rota_federations(user) -> QuerySet:
    """Federations whose staff, sites and rota this person may read: its administrators,
    operations lead, finance lead and board."""

    scope = scope_for(user)
    if scope.superuser:
        return Federation.objects.all()
    return Federation.objects.filter(pk__in=scope.federation_ids(*ROTA_VIEWERS))


def can_view_rota(user, federation) -> bool:
    scope = scope_for(user)
    return scope.superuser or federation.pk in scope.federation_ids(*ROTA_VIEWERS)


def can_view_pcn_access(user, federation, pcn) -> bool:
    """One PCN's Enhanced Access from a federation (its weeks, what is met and what falls
    short): the federation's rota viewers and the PCN's clinical director."""
    scope = scope_for(user)
    return (
        scope.superuser
        or federation.pk in scope.federation_ids(*ROTA_VIEWERS)
        or (pcn.pk, federation.pk) in scope.pcn_pairs(Role.PCN_CLINICAL_DIRECTOR)
    )


def can_manage_rota(user, federation) -> bool:
    """Plan, edit and lock sessions; add staff and sites; change anyone's availability."""
    scope = scope_for(user)
    return scope.superuser or federation.pk in scope.federation_ids(
        Role.FEDERATION_ADMIN, Role.OPERATIONS_LEAD
    )


def can_view_arrs(user, federation, pcn) -> bool:
    """A PCN's ARRS claims from a federation: the federation's finance viewers and the PCN's
    clinical director."""
    scope = scope_for(user)
    return (
        scope.superuser
        or federation.pk in scope.federation_ids(*FINANCE_VIEWERS)
        or (pcn.pk, federation.pk) in scope.pcn_pairs(Role.PCN_CLINICAL_DIRECTOR)
    )


def can_submit_arrs(user, federation, pcn) -> bool:
    scope = scope_for(user)
    return (
        scope.superuser
        or federation.pk in scope.federation_ids(Role.FEDERATION_ADMIN, Role.FINANCE_LEAD)
        or (pcn.pk, federation.pk) in scope.pcn_pairs(Role.PCN_CLINICAL_DIRECTOR)
    )


# --- bulletins ------------------------------------------------------------------------------


def can_send_bulletins(user, sender) -> bool:
    """Write and send a federation's bulletins (its administrators and communications lead),
    or a network's (its administrators)."""

    scope = scope_for(user)
    if scope.superuser:
        return True
    if isinstance(sender, Network):
        return sender.pk in scope.network_ids()
    return sender.pk in scope.federation_ids(Role.FEDERATION_ADMIN, Role.COMMUNICATIONS_LEAD)


def can_read_bulletin(user, bulletin) -> bool:
    """Its recipients, and whoever may send for its sender."""
    return (
        can_send_bulletins(user, bulletin.sender)
        or bulletin.deliveries.filter(user_id=getattr(user, "pk", None)).exists()
    )


def bulletin_senders(user) -> list:
    """The federations and networks whose bulletins this person may write."""

    scope = scope_for(user)
    if scope.superuser:
        return [*Federation.objects.all(), *Network.objects.all()]
    return [
        *Federation.objects.filter(
            pk__in=scope.federation_ids(Role.FEDERATION_ADMIN, Role.COMMUNICATIONS_LEAD)
        ),
        *Network.objects.filter(pk__in=scope.network_ids()),
    ]


# --- the network's members and the directory -------------------------------------------------


def can_manage_network(user, network) -> bool:
    """Decide join requests, record when members leave, keep the advisory board."""
    scope = scope_for(user)
    return scope.superuser or network.pk in scope.network_ids()


def is_network_member(user, network) -> bool:
    """Someone who belongs to the network: its administrators, and the people of its current
    member federations (a role on the federation, one of its practices or PCNs)."""

    scope = scope_for(user)
    if scope.superuser or network.pk in scope.network_ids():
        return True
    own = _own_federation_ids(scope)
    return bool(own) and (
        NetworkMembership.objects.filter(
            _current(scope.day), network=network, federation_id__in=own
        ).exists()
    )


def is_federation_member(user, federation) -> bool:
    """Someone who belongs to the federation itself: the only people who see the contact
    details of its practices and PCNs."""
    scope = scope_for(user)
    return scope.superuser or federation.pk in _own_federation_ids(scope)


def can_manage_contacts(user, federation) -> bool:
    scope = scope_for(user)
    return scope.superuser or federation.pk in scope.federation_ids(
        Role.FEDERATION_ADMIN, Role.COMMUNICATIONS_LEAD
    )


def can_edit_contact(user, contact) -> bool:
    """The federation's administrators and communications lead, and a practice's manager
    for the contacts of that practice."""
    if can_manage_contacts(user, contact.federation):
        return True
    return bool(contact.practice_id) and (
        contact.practice_id,
        contact.federation_id,
    ) in scope_for(user).practice_pairs(Role.PRACTICE_MANAGER)


def join_request_federations(user) -> QuerySet:
    """The federations this person may ask to join a network: those they administer."""

    scope = scope_for(user)
    if scope.superuser:
        return Federation.objects.all()
    return Federation.objects.filter(pk__in=scope.federation_ids(Role.FEDERATION_ADMIN))


# --- the audit trail -------------------------------------------------------------------------


def audit_events_for(user) -> QuerySet[AuditEvent]:
    """The events a person may read: everything for an installation administrator, otherwise
    those of the federations they administer and of the networks they administer."""
    if scope_for(user).superuser:
        return AuditEvent.objects.all()
    return AuditEvent.objects.filter(
        Q(federation__in=managed_federations(user)) | Q(network__in=audit_networks(user))
    )


def audit_trails(user) -> list[tuple[str, str]]:
    """The trails a person may read, as (value, label) choices: each federation and network
    they administer."""
    return [
        *((f"federation:{f.slug}", f.name) for f in managed_federations(user)),
        *((f"network:{n.slug}", n.name) for n in audit_networks(user)),
    ]
