from datetime import date

from django.db.models import Q, QuerySet

from audit.models import AuditEvent


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
