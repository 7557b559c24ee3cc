from datetime import date

from django.db.models import Q, QuerySet

from accounts import permissions as perms
from audit.models import AuditEvent


def audit_events_for(user) -> QuerySet[AuditEvent]:
    """The events a person may read: everything for an installation administrator, otherwise
    those of the federations they administer."""
    if perms.scope_for(user).superuser:
        return AuditEvent.objects.all()
    return AuditEvent.objects.filter(federation__in=perms.managed_federations(user))


def audit_filter(
    qs: QuerySet[AuditEvent],
    *,
    person: str = "",
    obj: str = "",
    action: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
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
