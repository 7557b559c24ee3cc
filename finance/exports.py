"""A posted settlement as files other systems take in: the remittance advice practices
reconcile their bank statements against, and a journal accounting software imports."""

from __future__ import annotations

from django.db import transaction

from audit.services import audit_record
from finance.inputs import month_end
from finance.models import Settlement
from finance.services import finance_settings
from kernel.formats import money_csv


@transaction.atomic
def settlement_file(settlement: Settlement, kind: str, *, by) -> tuple[list[str], list[list]]:
    """The remittance or the journal of a posted settlement, audited whichever door it
    leaves by (the page, the API or the command line)."""
    made = {"remittance": remittance, "journal": journal}[kind](settlement)
    audit_record(
        by=by,
        action=f"finance.export.{kind}",
        obj=settlement,
        federation=settlement.federation,
    )
    return made


def remittance(settlement: Settlement) -> tuple[list[str], list[list]]:
    """One row per practice and service, a row of its own for each correction of an earlier
    settlement (naming it), and the practice's total on its last row."""
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
    for row in settlement.rows.select_related("practice", "service", "corrects").order_by(
        "practice__code", "service__name", "corrects__month"
    ):
        if not (row.income_pence or row.net_pence):
            continue  # the alone estimate only: nothing paid
        rows.append(
            [
                settlement.reference,
                f"{settlement.month:%Y-%m}",
                row.practice.code,
                row.practice.name,
                (row.service.name if row.service else "Other income")
                + (
                    f": correction to {row.corrects.reference} ({row.corrects.month:%B %Y})"
                    if row.corrects
                    else ""
                ),
                0 if row.corrects else row.activity_units,
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

    for line in settlement.lines.select_related("corrects").order_by("pk"):
        ref = f"{settlement.reference}/L{line.pk}"
        described = line.description + (
            f" (corrects {line.corrects.reference})" if line.corrects else ""
        )
        asset = (
            accounts.bank_account if line.status == "received" else accounts.accrued_income_account
        )
        entry(asset, line.gross_pence, True, ref, described)
        entry(accounts.income_account, line.gross_pence, False, ref, described)
    totals: dict[str, int] = {}
    for code, net in settlement.rows.values_list("practice__code", "net_pence"):
        totals[code] = totals.get(code, 0) + net
    for code, net in sorted(totals.items()):
        ref = f"{settlement.reference}/{code}"
        entry(accounts.distributions_account, net, True, ref, f"Distribution to {code}")
        entry(accounts.due_to_practices_account, net, False, ref, f"Due to {code}")
    return header, rows


RETURNS_HEADER = [
    "Period",
    "Line",
    "Code",
    "Name",
    "Registered patients",
    "Income attributed",
    "Costs of delivery",
    "Overhead",
    "Net paid",
    "Alone: cost",
    "Alone: net",
    "Difference",
    "Difference per patient",
    "Carried by the federation",
    "Note",
]


def returns(report: dict) -> tuple[list[str], list[list]]:
    """Returns to practices for a board pack: a line per practice (least gain first), their
    total, then the costs of delivery the federation carried, service by service, and their
    total. Every line has the same columns, so the file sorts and filters as one table."""
    period = report["period"]["key"]
    below = report["small_list_below"]

    def figures(f: dict) -> list[str]:
        return [
            money_csv(f["income_pence"]),
            money_csv(f["costs_pence"]),
            money_csv(f["overhead_pence"]),
            money_csv(f["net_pence"]),
            money_csv(f["alone_cost_pence"]),
            money_csv(f["alone_net_pence"]),
            money_csv(f["difference_pence"]),
        ]

    rows: list[list] = []
    for r in report["practices"]:
        per_patient = r["difference_per_patient"]
        rows.append(
            [
                period,
                "Practice",
                r["code"],
                r["name"],
                "" if r["registered_patients"] is None else r["registered_patients"],
                *figures(r),
                "" if per_patient is None else f"{per_patient:.2f}",
                "",
                f"Very small list (under {below:,} patients): per-patient figures mislead"
                if r["small_list"]
                else "",
            ]
        )
    rows.append([period, "Total", "", "All practices", "", *figures(report["totals"]), "", "", ""])
    blank = [""] * 9  # registered patients to difference per patient
    carried = report["carried"]
    for line in carried["services"]:
        rows.append(
            [
                period,
                "Costs carried by the federation",
                line["code"],
                line["service"],
                *blank,
                money_csv(line["carried_pence"]),
                "Costs of delivery no income recovered",
            ]
        )
    rows.append(
        [
            period,
            "Total carried by the federation",
            "",
            "All services",
            *blank,
            money_csv(carried["total_pence"]),
            "",
        ]
    )
    return RETURNS_HEADER, rows
