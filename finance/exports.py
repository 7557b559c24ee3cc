"""A posted settlement as files other systems take in: the remittance advice practices
reconcile their bank statements against, and a journal accounting software imports."""

from __future__ import annotations

from finance.inputs import month_end
from finance.models import Settlement
from gpfed.formats import money_csv


def remittance(settlement: Settlement) -> tuple[list[str], list[list]]:
    """One row per practice and service, with the practice's total on its last row."""
    header = [
        "Settlement",
        "Month",
        "ODS code",
        "Practice",
        "Service",
        "Activity units",
        "Income attributed",
        "Costs of delivery",
        "Overhead",
        "Net paid",
    ]
    rows = []
    by_practice: dict[str, int] = {}
    for row in settlement.rows.select_related("practice", "service").order_by(
        "practice__code", "service__name"
    ):
        if not (row.income_pence or row.net_pence):
            continue  # the alone estimate only: nothing paid
        rows.append(
            [
                settlement.reference,
                f"{settlement.month:%Y-%m}",
                row.practice.code,
                row.practice.name,
                row.service.name if row.service else "Other income",
                row.activity_units,
                money_csv(row.income_pence),
                money_csv(row.costs_pence),
                money_csv(row.overhead_pence),
                money_csv(row.net_pence),
            ]
        )
        by_practice[row.practice.code] = by_practice.get(row.practice.code, 0) + row.net_pence
    for code, net in sorted(by_practice.items()):
        rows.append(
            [
                settlement.reference,
                f"{settlement.month:%Y-%m}",
                code,
                "TOTAL",
                "",
                "",
                "",
                "",
                "",
                money_csv(net),
            ]
        )
    return header, rows


def journal(settlement: Settlement) -> tuple[list[str], list[list]]:
    """Double entry, balanced: income recognised (bank or accrued income against contract
    income), then each practice's distribution (distributions against amounts due)."""
    from finance.services import finance_settings

    accounts = finance_settings(settlement.federation)
    day = f"{month_end(settlement.month):%Y-%m-%d}"
    header = ["Date", "Account", "Debit", "Credit", "Reference", "Description"]
    rows = []

    def entry(account: str, pence: int, debit: bool, reference: str, description: str):
        if pence == 0:
            return
        if pence < 0:  # a refund reverses the sides
            pence, debit = -pence, not debit
        money = money_csv(pence)
        rows.append(
            [day, account, money if debit else "", "" if debit else money, reference, description]
        )

    for line in settlement.lines.order_by("pk"):
        ref = f"{settlement.reference}/L{line.pk}"
        asset = (
            accounts.bank_account if line.status == "received" else accounts.accrued_income_account
        )
        entry(asset, line.gross_pence, True, ref, line.description)
        entry(accounts.income_account, line.gross_pence, False, ref, line.description)
    totals: dict[str, int] = {}
    for code, net in settlement.rows.values_list("practice__code", "net_pence"):
        totals[code] = totals.get(code, 0) + net
    for code, net in sorted(totals.items()):
        ref = f"{settlement.reference}/{code}"
        entry(accounts.distributions_account, net, True, ref, f"Distribution to {code}")
        entry(accounts.due_to_practices_account, net, False, ref, f"Due to {code}")
    return header, rows
