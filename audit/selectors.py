from collections.abc import Iterable
from datetime import date

from django.apps import apps
from django.contrib.auth import get_user_model
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


def _scope_fields(model: type[Model]) -> tuple[str, ...]:
    """The fields tying a model's rows to a federation or a network, if it has any."""
    names = {f.name for f in model._meta.get_fields()}
    return tuple(n for n in ("federation", "network") if n in names)


def _named_rows(model: type[Model], keys: set[str], events: list[AuditEvent]) -> dict:
    """The rows of ``model`` among ``keys`` that a reader of these events may see named, each
    with the federations and networks it belongs to (None: national, named in every trail).

    A trail names only what its readers could see anyway: a national registry record (a
    practice, a PCN, a federation), a row of the event's own federation or network, or a
    person holding a role there. Anything else stays an id, so an id of another federation's
    object written into one's own trail never shows that federation's data."""
    rows = model._default_manager.filter(pk__in=sorted(keys))
    scope = _scope_fields(model)
    if model is get_user_model():
        federations = {e.federation_id for e in events if e.federation_id}
        networks = {e.network_id for e in events if e.network_id}
        grants = (
            apps.get_model("accounts", "RoleGrant")
            ._default_manager.filter(user_id__in=sorted(keys))
            .filter(
                Q(federation_id__in=federations)
                | Q(through_id__in=federations)
                | Q(network_id__in=networks)
            )
            .values_list("user_id", "federation_id", "through_id", "network_id")
        )
        where: dict[int, set] = {}
        for user_id, federation_id, through_id, network_id in grants:
            where.setdefault(user_id, set()).update(
                {("federation", federation_id), ("federation", through_id)}
                | {("network", network_id)}
            )
        return {str(u.pk): (str(u)[:300], where.get(u.pk, set())) for u in rows}
    if scope:
        return {
            str(obj.pk): (
                str(obj)[:300],
                {(name, getattr(obj, f"{name}_id")) for name in scope},
            )
            for obj in rows
        }
    if model._meta.app_label == "registry":
        return {str(obj.pk): (str(obj)[:300], None) for obj in rows}
    return {}


def change_lines(events: Iterable[AuditEvent]) -> dict[int, list[tuple[str, str, str]]]:
    """Each event's changes as (field, before, after) text, by event id: a foreign key's id as
    the name (and code) of what it names, when that still exists and the event's readers may
    see it (``_named_rows``), else the id. The objects are read in one query for each kind
    named, however many events there are."""
    events = list(events)
    wanted: dict[type[Model], set[str]] = {}
    for event in events:
        for name, pair in (event.changes or {}).items():
            model = _foreign_key(event.object_type, name)
            if model is None or not isinstance(pair, list):
                continue
            wanted.setdefault(model, set()).update(k for k in map(_key, pair) if k)
    names = {model: _named_rows(model, keys, events) for model, keys in wanted.items()}

    def text(event, model, value) -> str:
        if value is None or value == "":
            return "–"
        key = _key(value) if model is not None else None
        found = names.get(model, {}).get(key) if key else None
        if found is None:
            return str(value)
        label, where = found
        if where is None:
            return label
        if event.federation_id and ("federation", event.federation_id) in where:
            return label
        if event.network_id and ("network", event.network_id) in where:
            return label
        return str(value)

    lines: dict[int, list[tuple[str, str, str]]] = {}
    for event in events:
        rows = []
        for name, pair in (event.changes or {}).items():
            model = _foreign_key(event.object_type, name)
            if isinstance(pair, list) and len(pair) == 2:
                rows.append((name, text(event, model, pair[0]), text(event, model, pair[1])))
            else:
                rows.append((name, "–", text(event, None, pair)))
        lines[event.pk] = rows
    return lines
