"""Writes of the gifts and hospitality register: an entry (a gift or hospitality offered to
one of the federation's people, accepted or declined, or given by them), checked whole
against the federation's thresholds before anything is written; the thresholds themselves;
and the register's CSV, audited in the function that produces it."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from audit.services import audit_record, snapshot
from governance import register_selectors as reads
from governance import thresholds
from governance.errors import GovernanceError, refuse_nhs_numbers
from governance.models import Gift, GiftsPolicy
from kernel.headers import has_line_break, refusal
from registry.models import Federation
from registry.selectors import today

GIFT_FIELDS = [
    "user",
    "kind",
    "direction",
    "party",
    "supplier",
    "description",
    "value_pence",
    "on",
    "accepted",
    "approved_by",
]
POLICY_FIELDS = [
    "supplier_gift_decline_over_pence",
    "gift_declare_over_pence",
    "hospitality_declare_over_pence",
    "hospitality_approval_over_pence",
]
MOST_PENCE = 100_000_000  # £1,000,000: more than any gift or hospitality a register records


def _name(user) -> str:
    return user.full_name or user.email


def _text(value: str, what: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise GovernanceError(f"Enter {what}.", field=field)
    if has_line_break(value):
        raise GovernanceError(refusal(what), field=field)
    return value


@transaction.atomic
def gift_record(
    *,
    federation: Federation,
    user,
    kind: str,
    party: str,
    description: str,
    value_pence: int,
    on: date,
    accepted: bool,
    direction: str = Gift.Direction.OFFERED,
    supplier: bool = False,
    approved_by=None,
    by,
) -> Gift:
    """Record a gift or hospitality. Refused, before anything is written, when it breaks the
    federation's thresholds: a supplier's gift over the limit accepted, or hospitality over
    the approval limit accepted without an approver."""
    refuse_nhs_numbers(party=party, description=description)
    if not reads.federation_people(federation).filter(pk=user.pk).exists():
        raise GovernanceError(f"{_name(user)} has no role in {federation.name}.", field="user")
    if kind not in Gift.Kind.values:
        raise GovernanceError("Choose gift or hospitality.", field="kind")
    if direction not in Gift.Direction.values:
        raise GovernanceError("Choose offered to us or given by us.", field="direction")
    party = _text(party, "who it is from (or to)", "party")
    description = _text(description, "what it is", "description")
    if not 0 <= value_pence <= MOST_PENCE:
        raise GovernanceError("Enter its value, from £0 to £1,000,000.", field="value_pence")
    if on > today():
        raise GovernanceError("The date is today or before.", field="on")
    if approved_by is not None:
        if approved_by.pk == user.pk:
            raise GovernanceError(
                "Someone else approves: not the person offered it.", "approved_by"
            )
        if not reads.gift_approvers(federation).filter(pk=approved_by.pk).exists():
            raise GovernanceError(
                f"{_name(approved_by)} may not approve: the administrator, company secretary "
                "or a board member does.",
                field="approved_by",
            )
    rule = thresholds.requirement(
        reads.thresholds_of(federation),
        kind=kind,
        direction=direction,
        supplier=supplier,
        value_pence=value_pence,
        accepted=accepted,
        approved=approved_by is not None,
    )
    if rule.refusal:
        raise GovernanceError(rule.refusal, field=rule.field)
    gift = Gift.objects.create(
        federation=federation,
        user=user,
        kind=kind,
        direction=direction,
        party=party,
        supplier=supplier,
        description=description,
        value_pence=value_pence,
        on=on,
        accepted=accepted,
        approved_by=approved_by if accepted else None,
        recorded_by=by if getattr(by, "pk", None) else None,
    )
    audit_record(
        by=by,
        action="governance.gift.record",
        obj=gift,
        after=snapshot(gift, GIFT_FIELDS),
        federation=federation,
    )
    return gift


@transaction.atomic
def gifts_policy_set(
    *,
    federation: Federation,
    supplier_gift_decline_over_pence: int,
    gift_declare_over_pence: int,
    hospitality_declare_over_pence: int,
    hospitality_approval_over_pence: int,
    by,
) -> GiftsPolicy:
    values = {
        "supplier_gift_decline_over_pence": supplier_gift_decline_over_pence,
        "gift_declare_over_pence": gift_declare_over_pence,
        "hospitality_declare_over_pence": hospitality_declare_over_pence,
        "hospitality_approval_over_pence": hospitality_approval_over_pence,
    }
    for field, pence in values.items():
        if not 0 <= pence <= MOST_PENCE:
            raise GovernanceError("Enter an amount from £0 to £1,000,000.", field=field)
    if hospitality_approval_over_pence < hospitality_declare_over_pence:
        raise GovernanceError(
            "Hospitality needing approval is also declared: the approval threshold is at "
            "least the declaration threshold.",
            field="hospitality_approval_over_pence",
        )
    policy, _ = GiftsPolicy.objects.select_for_update().get_or_create(federation=federation)
    before = snapshot(policy, POLICY_FIELDS)
    for field, pence in values.items():
        setattr(policy, field, pence)
    policy.save()
    audit_record(
        by=by,
        action="governance.gifts.thresholds",
        obj=policy,
        before=before,
        after=snapshot(policy, POLICY_FIELDS),
        federation=federation,
    )
    return policy


def gifts_export(federation: Federation, *, by) -> list[list]:
    """The gifts and hospitality register as CSV rows, recorded in the audit trail."""
    rows = reads.gift_csv_rows(reads.gift_register(federation))
    audit_record(
        by=by,
        action="governance.gifts.export",
        obj=federation,
        after={"rows": len(rows)},
        federation=federation,
    )
    return rows
