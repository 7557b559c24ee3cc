"""What the gifts and hospitality rules require of an entry, from the federation's
thresholds (pure, no database; every comparison in integer pence). The common NHS rules,
each threshold the federation's own setting:

* a gift from a supplier (or would-be supplier) worth over £6 is declined;
* a gift worth over £50 is declared;
* hospitality worth over £25 is declared;
* hospitality worth over £75 is accepted only with approval, or refused.

Offered and accepted or declined, each entry is recorded; what breaks a rule is refused
with the reason, naming the form field it is about."""

from __future__ import annotations

from dataclasses import dataclass

GIFT = "gift"
HOSPITALITY = "hospitality"
OFFERED = "offered"
GIVEN = "given"


@dataclass(frozen=True)
class Thresholds:
    supplier_gift_decline_over_pence: int = 600
    gift_declare_over_pence: int = 5_000
    hospitality_declare_over_pence: int = 2_500
    hospitality_approval_over_pence: int = 7_500


@dataclass(frozen=True)
class Requirement:
    """What the rule asks (``says``), and a refusal (with its field) when the entry breaks
    it."""

    says: str
    refusal: str = ""
    field: str = ""


def pounds(pence: int) -> str:
    """£6, £50, £7.50: whole pounds without pence."""
    whole, pennies = divmod(int(pence), 100)
    return f"£{whole:,}" if not pennies else f"£{whole:,}.{pennies:02d}"


def requirement(
    limits: Thresholds,
    *,
    kind: str,
    direction: str,
    supplier: bool,
    value_pence: int,
    accepted: bool,
    approved: bool,
) -> Requirement:
    if direction == GIVEN:
        return Requirement("Given by us: recorded so the register is complete.")
    if kind == GIFT:
        decline = limits.supplier_gift_decline_over_pence
        if supplier and value_pence > decline:
            says = f"Decline: a gift from a supplier worth over {pounds(decline)} is declined."
            if accepted:
                return Requirement(
                    says,
                    f"A gift from a supplier worth over {pounds(decline)} must be declined: "
                    "record it as declined.",
                    "accepted",
                )
            return Requirement(says)
        declare = limits.gift_declare_over_pence
        if value_pence > declare:
            return Requirement(f"Declare: a gift worth over {pounds(declare)} is declared.")
        return Requirement(
            f"Under the thresholds: a gift worth up to {pounds(declare)} need not be declared."
        )
    approval = limits.hospitality_approval_over_pence
    if value_pence > approval:
        says = (
            f"Approval: hospitality worth over {pounds(approval)} is accepted only with "
            "approval, and declared."
        )
        if accepted and not approved:
            return Requirement(
                says,
                f"Hospitality worth over {pounds(approval)} can be accepted only with "
                "approval: name who approved it, or record it as declined.",
                "approved_by",
            )
        return Requirement(says)
    declare = limits.hospitality_declare_over_pence
    if value_pence > declare:
        return Requirement(f"Declare: hospitality worth over {pounds(declare)} is declared.")
    return Requirement(
        f"Under the thresholds: hospitality worth up to {pounds(declare)} need not be declared."
    )


def rules_text(limits: Thresholds) -> list[str]:
    """The rules in words, for the form and the register's page."""
    return [
        "Decline a gift from a supplier worth over "
        f"{pounds(limits.supplier_gift_decline_over_pence)}.",
        f"Declare a gift worth over {pounds(limits.gift_declare_over_pence)}.",
        f"Declare hospitality worth over {pounds(limits.hospitality_declare_over_pence)}.",
        f"Refuse hospitality worth over {pounds(limits.hospitality_approval_over_pence)} "
        "unless it is approved.",
    ]
