"""The one place gpfed decides who may see and do what.

Views, the JSON API, htmx fragments, exports and the command line all ask this module. A role
is granted to a person on one organisation (a network, federation, PCN or practice) for a span
of dates; everything a person may see follows from the roles active today:

* the national registry of practices and PCNs is public NHS data: any signed-in person with an
  active role (or an installation administrator) may read it;
* a federation is visible to anyone with a role on it, on one of its member practices or on a
  PCN of those practices, and to the administrators of a network it belongs to;
* changing a federation's membership, users and audit trail needs its federation administrator;
* a practice's details may be corrected by its practice manager or an administrator of a
  federation it belongs to; populations may be entered by them, by the federation's finance
  lead and, for a PCN, by its clinical director.

An object outside a person's scope is answered with 404, never 403, so that nothing about it
leaks. Installation administrators (Django superusers) may do everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import Role, RoleGrant

FEDERATION_ROLES = {
    Role.FEDERATION_ADMIN,
    Role.FINANCE_LEAD,
    Role.OPERATIONS_LEAD,
    Role.COMMUNICATIONS_LEAD,
    Role.BOARD_MEMBER,
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
    grants = list(
        RoleGrant.objects.filter(user=user, start_date__lte=day).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=day)
        )
    )
    scope = Scope(user=user, day=day, superuser=user.is_superuser, grants=grants)
    user._gpfed_scope = scope
    return scope


def forget_scope(user) -> None:
    if hasattr(user, "_gpfed_scope"):
        del user._gpfed_scope


# --- federations -------------------------------------------------------------------------


def visible_federations(user) -> QuerySet:
    from registry.models import Federation, NetworkMembership

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
    """The federations a person belongs to: a role on the federation, on one of its member
    practices, or on a PCN of those practices (not as a network's administrator)."""
    from registry.models import FederationMembership, PracticePCN

    current = _current(scope.day)
    ids = set(scope.federation_ids())
    practice_ids = set(scope.practice_ids())
    if scope.pcn_ids():
        practice_ids |= set(
            PracticePCN.objects.filter(current, pcn_id__in=scope.pcn_ids()).values_list(
                "practice_id", flat=True
            )
        )
    if practice_ids:
        ids |= set(
            FederationMembership.objects.filter(current, practice_id__in=practice_ids).values_list(
                "federation_id", flat=True
            )
        )
    return ids


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
    from registry.models import FederationMembership

    return set(
        FederationMembership.objects.filter(practice_id__in=practice_ids, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .values_list("federation_id", flat=True)
    )


# --- the registry ------------------------------------------------------------------------


def can_read_registry(user) -> bool:
    return scope_for(user).active


def can_import(user) -> bool:
    """Bring in NHS publications, which update the registry every federation shares."""
    scope = scope_for(user)
    return scope.superuser or bool(
        scope.federation_ids(Role.FEDERATION_ADMIN, Role.OPERATIONS_LEAD)
    )


def can_correct_practice(user, practice) -> bool:
    scope = scope_for(user)
    if scope.superuser or practice.pk in scope.practice_ids(Role.PRACTICE_MANAGER):
        return True
    admin_of = scope.federation_ids(Role.FEDERATION_ADMIN)
    return bool(admin_of & federations_of_practices([practice.pk], scope.day))


def can_set_population(user, org) -> bool:
    from registry.models import PCN, PracticePCN

    scope = scope_for(user)
    if scope.superuser:
        return True
    leads = scope.federation_ids(Role.FEDERATION_ADMIN, Role.FINANCE_LEAD)
    if isinstance(org, PCN):
        if org.pk in scope.pcn_ids(Role.PCN_CLINICAL_DIRECTOR):
            return True
        day = scope.day
        practice_ids = (
            PracticePCN.objects.filter(pcn=org, start_date__lte=day)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
            .values_list("practice_id", flat=True)
        )
        return bool(leads & federations_of_practices(practice_ids, day))
    if org.pk in scope.practice_ids(Role.PRACTICE_MANAGER):
        return True
    return bool(leads & federations_of_practices([org.pk], scope.day))


# --- answers -----------------------------------------------------------------------------


def require(allowed: bool) -> None:
    """Out of scope answers 404: the same as an object that does not exist."""
    if not allowed:
        raise Http404("Not found")


# --- people and the audit trail ----------------------------------------------------------


def managed_federations(user) -> QuerySet:
    """Federations whose people, roles and audit trail this person administers."""
    from registry.models import Federation

    scope = scope_for(user)
    if scope.superuser:
        return Federation.objects.all()
    return Federation.objects.filter(pk__in=scope.federation_ids(Role.FEDERATION_ADMIN))


def can_read_audit(user) -> bool:
    return scope_for(user).superuser or managed_federations(user).exists()


def federation_grants(federation, day: date | None = None) -> QuerySet:
    """Role grants on a federation, its member practices and the PCNs of those practices:
    the people its administrators look after."""
    from registry.models import PracticePCN

    day = day or timezone.localdate()
    practice_ids = list(
        federation.memberships.filter(start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .values_list("practice_id", flat=True)
    )
    pcn_ids = (
        PracticePCN.objects.filter(practice_id__in=practice_ids, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .values_list("pcn_id", flat=True)
    )
    return RoleGrant.objects.filter(
        Q(federation=federation) | Q(practice_id__in=practice_ids) | Q(pcn_id__in=pcn_ids)
    ).select_related("user", "federation", "pcn", "practice")


def can_deactivate(user, person, federation) -> bool:
    """Only when every role the person holds is within the federation this admin manages."""
    if not can_manage_federation(user, federation) or person == user:
        return False
    if scope_for(user).superuser:
        return True
    day = timezone.localdate()
    active = RoleGrant.objects.filter(user=person, start_date__lte=day).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=day)
    )
    inside = set(federation_grants(federation).filter(user=person).values_list("pk", flat=True))
    return all(g.pk in inside for g in active) and not person.is_superuser


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
    from registry.models import Federation

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


def statement_practices(user) -> QuerySet:
    """Practices whose value statements this person may read: their own practice's (practice
    manager and staff), and every practice that has been a member of a federation whose money
    they may read."""
    from registry.models import FederationMembership, Practice

    scope = scope_for(user)
    if scope.superuser:
        return Practice.objects.all()
    ids = set(scope.practice_ids(Role.PRACTICE_MANAGER, Role.PRACTICE_STAFF))
    federations = scope.federation_ids(*FINANCE_VIEWERS)
    if federations:
        ids |= set(
            FederationMembership.objects.filter(federation_id__in=federations).values_list(
                "practice_id", flat=True
            )
        )
    return Practice.objects.filter(pk__in=ids)


def can_view_statement(user, practice) -> bool:
    return statement_practices(user).filter(pk=practice.pk).exists()


# --- shared staff, the Enhanced Access rota and ARRS claims ------------------------------

ROTA_VIEWERS = FINANCE_VIEWERS


def rota_federations(user) -> QuerySet:
    """Federations whose staff, sites and rota this person may read: its administrators,
    operations lead, finance lead and board."""
    from registry.models import Federation

    scope = scope_for(user)
    if scope.superuser:
        return Federation.objects.all()
    return Federation.objects.filter(pk__in=scope.federation_ids(*ROTA_VIEWERS))


def can_view_rota(user, federation) -> bool:
    scope = scope_for(user)
    return scope.superuser or federation.pk in scope.federation_ids(*ROTA_VIEWERS)


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
        or pcn.pk in scope.pcn_ids(Role.PCN_CLINICAL_DIRECTOR)
    )


def can_submit_arrs(user, federation, pcn) -> bool:
    scope = scope_for(user)
    return (
        scope.superuser
        or federation.pk in scope.federation_ids(Role.FEDERATION_ADMIN, Role.FINANCE_LEAD)
        or pcn.pk in scope.pcn_ids(Role.PCN_CLINICAL_DIRECTOR)
    )


def arrs_pcns(user) -> list:
    """(federation, PCN) pairs whose ARRS claims a PCN clinical director may open: the
    federations employing ARRS posts for their PCN."""
    from rota.models import Staff

    scope = scope_for(user)
    pcns = scope.pcn_ids(Role.PCN_CLINICAL_DIRECTOR)
    if not pcns:
        return []
    return list(
        Staff.objects.filter(pcn_id__in=pcns, arrs_funded=True)
        .values_list("federation__slug", "federation__name", "pcn__code", "pcn__name")
        .distinct()
    )


# --- bulletins ------------------------------------------------------------------------------


def can_send_bulletins(user, sender) -> bool:
    """Write and send a federation's bulletins (its administrators and communications lead),
    or a network's (its administrators)."""
    from registry.models import Network

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
    from registry.models import Federation, Network

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
    from registry.models import NetworkMembership

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
    return bool(contact.practice_id) and contact.practice_id in scope_for(user).practice_ids(
        Role.PRACTICE_MANAGER
    )


def join_request_federations(user) -> QuerySet:
    """The federations this person may ask to join a network: those they administer."""
    from registry.models import Federation

    scope = scope_for(user)
    if scope.superuser:
        return Federation.objects.all()
    return Federation.objects.filter(pk__in=scope.federation_ids(Role.FEDERATION_ADMIN))
