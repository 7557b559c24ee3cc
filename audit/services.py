from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.db import models

from audit.models import AuditEvent
from audit.origin import current_origin


def _plain(value):
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return str(value.pk)
    return value


def snapshot(instance: models.Model, fields: list[str]) -> dict:
    return {f: _plain(getattr(instance, f)) for f in fields}


def audit_record(
    *,
    by,
    action: str,
    obj: models.Model,
    before: dict | None = None,
    after: dict | None = None,
    federation=None,
    network=None,
    actor_label: str = "",
    origin: str | None = None,
) -> AuditEvent:
    """Record a change. Call inside the service's transaction, after the write.

    ``federation`` and ``network`` say whose administrators may read it. ``network`` defaults
    to the network the object belongs to (its ``network``, or the object itself when it is a
    network), so a network's own records (its bulletins, events, library, board, join
    requests) are never left without a reader. ``origin`` replaces where the change came from
    (the request's address), as a record in another federation's trail does."""
    changes = {}
    before = before or {}
    after = after or {}
    for key in sorted(set(before) | set(after)):
        old, new = _plain(before.get(key)), _plain(after.get(key))
        if old != new:
            changes[key] = [old, new]
    return AuditEvent.objects.create(
        actor=by if getattr(by, "pk", None) else None,
        actor_label=actor_label or getattr(by, "email", "") or "system",
        origin=current_origin() if origin is None else origin,
        action=action,
        object_type=obj._meta.label,
        object_id=str(obj.pk),
        object_label=str(obj)[:300],
        changes=changes,
        federation=federation,
        network_id=network.pk if network is not None else _network_id_of(obj),
    )


def _network_id_of(obj: models.Model) -> int | None:
    """The network an object belongs to, if any: a network itself, or a ``network`` field."""
    if obj._meta.label == "registry.Network":
        return obj.pk
    try:
        field = obj._meta.get_field("network")
    except FieldDoesNotExist:
        return None
    if field.is_relation and field.related_model._meta.label == "registry.Network":
        return getattr(obj, "network_id", None)
    return None


_STORED = object()


def save_audited(
    obj, *, action: str, fields: list[str], by, federation, network=None, before=_STORED
):
    """Save a new or changed object and record what changed as ``<action>.create`` or
    ``<action>.update``. ``before`` is the fields as they were (None for a new object); by
    default it is read from the stored row. Call inside the service's transaction. Returns
    ``before``."""
    if before is _STORED:
        before = snapshot(type(obj).objects.get(pk=obj.pk), fields) if obj.pk else None
    obj.save()
    audit_record(
        by=by,
        action=f"{action}.{'create' if before is None else 'update'}",
        obj=obj,
        before=before or {},
        after=snapshot(obj, fields),
        federation=federation,
        network=network,
    )
    return before


TRAIL_COLUMNS = [
    "when",
    "who",
    "from",
    "action",
    "object type",
    "object id",
    "object",
    "changes",
    "federation",
    "network",
]


def trail_export(events, *, by, filters: dict, federation=None, network=None) -> Iterator[tuple]:
    """Audit events as CSV rows (``TRAIL_COLUMNS``), the export itself recorded first (in
    ``federation``'s and ``network``'s trail) whichever door it leaves by. ``events`` is the
    queryset the reader may see, filtered; the rows are read as they are written."""
    audit_record(
        by=by,
        action="audit.export",
        obj=by,
        after={"filters": filters},
        federation=federation,
        network=network,
    )
    return (
        (
            e.at.isoformat(),
            e.actor_label,
            e.origin,
            e.action,
            e.object_type,
            e.object_id,
            e.object_label,
            json.dumps(e.changes, sort_keys=True),
            e.federation.name if e.federation else "",
            e.network.name if e.network else "",
        )
        for e in events.iterator()
    )
