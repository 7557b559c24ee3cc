"""The finance error, the federation's finance settings and the month-end lock every write
deciding what a month settles to takes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from audit.services import save_audited, snapshot
from finance.inputs import (
    month_start,
)
from finance.models import (
    FinanceSettings,
    Settlement,
)
from kernel.errors import DomainError
from registry.models import Federation


class FinanceError(DomainError):
    """A change to the federation's money refused, with the reason."""


def finance_settings(federation: Federation) -> FinanceSettings:
    found, _ = FinanceSettings.objects.get_or_create(federation=federation)
    return found


SETTINGS_FIELDS = [
    "overhead_percent",
    "bank_account",
    "accrued_income_account",
    "due_to_practices_account",
    "income_account",
    "distributions_account",
]


@transaction.atomic
def finance_settings_update(*, federation: Federation, by, **values) -> FinanceSettings:
    current = finance_settings(federation)
    if not Decimal(0) <= Decimal(values.get("overhead_percent", 0)) <= 100:
        raise FinanceError("The top-slice must be between 0% and 100%.", "overhead_percent")
    before = snapshot(current, SETTINGS_FIELDS)
    _assign(current, SETTINGS_FIELDS, values)
    return _save_audited(
        current,
        fields=SETTINGS_FIELDS,
        before=before,
        noun="settings",
        by=by,
        federation=federation,
    )


def is_posted(federation: Federation, month: date) -> bool:
    return Settlement.objects.filter(federation=federation, month=month_start(month)).exists()


def _not_yet(month: date, done: str) -> None:
    """A month that has not begun has no activity yet (the importer refuses it), so nothing
    can be worked out or paid for it."""
    if month > month_start(timezone.localdate()):
        raise FinanceError(f"{month:%B %Y} has not begun yet, so it cannot be {done}.", "month")


def month_end_lock(federation: Federation) -> None:
    """Take the lock that every write deciding what a federation's month settles to holds:
    accruing contract income, adding, changing or removing an income line, recording or
    importing activity, and posting. Call it inside the write's transaction, before reading
    whether the month is posted or what it already holds; the lock is held until the
    transaction ends, so the second of two writers reads what the first wrote.

    It is a row lock on the federation's finance settings (SELECT ... FOR UPDATE), so one lock
    covers all the federation's months: an adjusting entry, which names another month's
    settlement, needs no second lock, and two writers can never take two locks in opposite
    orders. Take it before any other row lock (an income line's, say) for the same reason.
    SQLite ignores FOR UPDATE; there every transaction begins IMMEDIATE (settings.py), taking
    the database's write lock, which serialises these writes just the same. The unique
    constraints on settlements and accrued lines catch any path that forgets the lock."""
    FinanceSettings.objects.select_for_update().get_or_create(federation=federation)


def _assign(obj, fields: list[str], values: dict) -> None:
    for name, value in values.items():
        if name not in fields:
            raise FinanceError(f"unknown field {name}")
        setattr(obj, name, value)


def _save_audited(obj, *, fields: list[str], before: dict | None, noun: str, by, federation):
    """Save a new or changed object and record it: ``before`` is None for a new one."""
    save_audited(
        obj, action=f"finance.{noun}", fields=fields, by=by, federation=federation, before=before
    )
    return obj
