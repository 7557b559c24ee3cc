from collections.abc import Iterable
from datetime import date

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, Q, QuerySet

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
        qs = qs.filter(action__icontains=action.strip())
    if date_from:
        qs = qs.filter(at__date__gte=date_from)
    if date_to:
        qs = qs.filter(at__date__lte=date_to)
    return qs


def _foreign_key(object_type: str, name: str):
    """The model a change's field points at (``practice`` or ``practice_id`` on the event's
    object type), or None when it is not a foreign key of a model gpfed still has."""
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return None
    for candidate in (name, name.removesuffix("_id")):
        try:
            field = model._meta.get_field(candidate)
        except FieldDoesNotExist:
            continue
        if field.many_to_one or field.one_to_one:
            return field.related_model
        return None
    return None


def _key(value) -> str | None:
    if isinstance(value, bool) or value is None or value == "":
        return None
    return str(value) if isinstance(value, int | str) and str(value).isdigit() else None


def change_lines(events: Iterable[AuditEvent]) -> dict[int, list[tuple[str, str, str]]]:
    """Each event's changes as (field, before, after) text, by event id: a foreign key's id as
    the name (and code) of what it names, when that still exists, else the id. The objects
    are read in one query for each kind named, however many events there are."""
    events = list(events)
    wanted: dict[type[Model], set[str]] = {}
    for event in events:
        for name, pair in (event.changes or {}).items():
            model = _foreign_key(event.object_type, name)
            if model is None or not isinstance(pair, list):
                continue
            wanted.setdefault(model, set()).update(k for k in map(_key, pair) if k)
    names: dict[tuple[type[Model], str], str] = {}
    for model, keys in wanted.items():
        for obj in model._default_manager.filter(pk__in=sorted(keys)):
            names[model, str(obj.pk)] = str(obj)[:300]

    def text(model, value) -> str:
        if value is None or value == "":
            return "–"
        key = _key(value) if model is not None else None
        return names.get((model, key), str(value)) if key else str(value)

    lines: dict[int, list[tuple[str, str, str]]] = {}
    for event in events:
        rows = []
        for name, pair in (event.changes or {}).items():
            model = _foreign_key(event.object_type, name)
            if isinstance(pair, list) and len(pair) == 2:
                rows.append((name, text(model, pair[0]), text(model, pair[1])))
            else:
                rows.append((name, "–", text(None, pair)))
        lines[event.pk] = rows
    return lines
