from datetime import date

from django.db.models import Q, QuerySet

from accounts import permissions as perms
from audit.models import AuditEvent


def audit_events_for(user) -> QuerySet[AuditEvent]:
    """The events a person may read: everything for an installation administrator, otherwise
    those of the federations they administer and of the networks they administer."""
    if perms.scope_for(user).superuser:
        return AuditEvent.objects.all()
    return AuditEvent.objects.filter(
        Q(federation__in=perms.managed_federations(user))
        | Q(network__in=perms.audit_networks(user))
    )


def audit_trails(user) -> list[tuple[str, str]]:
    """The trails a person may read, as (value, label) choices: each federation and network
    they administer."""
    return [
        *((f"federation:{f.slug}", f.name) for f in perms.managed_federations(user)),
        *((f"network:{n.slug}", n.name) for n in perms.audit_networks(user)),
    ]


def audit_filter(
    qs: QuerySet[AuditEvent],
    *,
    trail: str = "",
    person: str = "",
    obj: str = "",
    action: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    if trail:
        kind, _, slug = trail.partition(":")
        qs = qs.filter(**{f"{kind}__slug": slug}) if kind in ("federation", "network") else qs
    if person:
        qs = qs.filter(actor_label__icontains=person)
    if obj:
        qs = qs.filter(Q(object_label__icontains=obj) | Q(object_type__icontains=obj))
    if action:
        qs = qs.filter(action__startswith=action)
    if date_from:
        qs = qs.filter(at__date__gte=date_from)
    if date_to:
        qs = qs.filter(at__date__lte=date_to)
    return qs
