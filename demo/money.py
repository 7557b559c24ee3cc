"""A year of the demo federation's money: services, contracts, activity and posted settlements.

The services, prices and costs are illustrative (they are not any real federation's figures),
set at the scale of real ones so the statements read true: phlebotomy tariffs of a few pounds a
test, Enhanced Access paid per registered patient, care-home rounds on a block. Activity is
generated from each practice's real registered list with a fixed random seed, so every load
gives the same figures.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from django.db import transaction

from finance import services as finance
from finance.inputs import add_months, month_start
from finance.models import Activity, Contract, IncomeEntry, Rule, Service, Settlement
from kernel.dates import month_end
from registry.models import PCN, Commissioner, Federation, PracticePCN
from registry.selectors import federation_practices_on, list_sizes_on

SEED = 2026
STARTED = date(2025, 4, 1)

# Each service: what it costs the federation (pounds a month: staff, premises, management; and
# per unit), what one practice would pay alone (a month, and per unit) with the source of that
# estimate, and how many units a month per 1,000 registered patients the demo generates.
# The Enhanced Access hubs keep typed costs, not the rota's: the demo's rota is planned for the
# coming weeks only (demo/rota.py), after the year of settlements, so the rota has no sessions
# in any settled month and its cost there would be £0.
SERVICES = [
    dict(
        code="enhanced-access",
        name="Enhanced Access hubs",
        category="clinical",
        level="pcn",
        unit="appointment",
        staff=150000,
        premises=12000,
        management=8000,
        per_unit=0,
        alone_fixed=2600,
        alone_per_unit=26.0,
        alone_source=(
            "One salaried GP session a week and a receptionist per practice, 2026/27 BMA "
            "model salary and Agenda for Change band 3 with on-costs; GP appointments at "
            "£26 each."
        ),
        per_1000=17.0,
    ),
    dict(
        code="phlebotomy",
        name="Phlebotomy",
        category="clinical",
        level="practice",
        unit="blood test",
        staff=17000,
        premises=1500,
        management=900,
        per_unit=0.8,
        alone_fixed=950,
        alone_per_unit=2.1,
        alone_source=(
            "A band 3 phlebotomist for 0.3 WTE at 2026/27 rates with on-costs, plus consumables."
        ),
        per_1000=18.0,
    ),
    dict(
        code="ecg",
        name="ECG",
        category="clinical",
        level="practice",
        unit="ECG",
        staff=1900,
        premises=0,
        management=200,
        per_unit=3.0,
        alone_fixed=550,
        alone_per_unit=9.0,
        alone_source=(
            "Machine lease and maintenance, and 0.1 WTE band 4 time, from two supplier quotes."
        ),
        per_1000=2.0,
    ),
    dict(
        code="spirometry",
        name="Spirometry",
        category="clinical",
        level="practice",
        unit="test",
        staff=1500,
        premises=300,
        management=150,
        per_unit=6.0,
        alone_fixed=700,
        alone_per_unit=14.0,
        alone_source=(
            "ARTP-certified nurse time (band 6) and a calibrated spirometer, shared across a year."
        ),
        per_1000=0.8,
    ),
    dict(
        code="housebound-vaccination",
        name="Housebound vaccination",
        category="clinical",
        level="practice",
        unit="vaccination",
        staff=800,
        premises=0,
        management=100,
        per_unit=6.0,
        alone_fixed=250,
        alone_per_unit=12.0,
        alone_source=("A nurse and driver visit per patient: band 5 time, mileage at 45p a mile."),
        per_1000=4.0,
    ),
    dict(
        code="care-home-rounds",
        name="Care-home ward rounds",
        category="clinical",
        level="practice",
        unit="bed",
        staff=9500,
        premises=0,
        management=700,
        per_unit=0,
        alone_fixed=1200,
        alone_per_unit=15.0,
        alone_source=(
            "Weekly GP round: 0.1 WTE salaried GP plus a care coordinator, per practice."
        ),
        per_1000=1.6,
    ),
    dict(
        code="hr",
        name="HR advice",
        category="back_office",
        level="federation",
        unit="case",
        staff=2200,
        premises=0,
        management=0,
        per_unit=0,
        alone_fixed=420,
        alone_per_unit=0,
        alone_source=(
            "Retainer for an employment-law adviser, from three quotes to member practices."
        ),
        alone_fixed_standing=True,  # a retainer: paid every month, whether used or not
        per_1000=0.05,
    ),
    dict(
        code="payroll",
        name="Payroll",
        category="back_office",
        level="federation",
        unit="payslip",
        staff=900,
        premises=0,
        management=0,
        per_unit=2.5,
        alone_fixed=150,
        alone_per_unit=6.0,
        alone_source="Bureau payroll at £6 a payslip plus an annual pension-return fee.",
        per_1000=1.8,
    ),
]

SEASONAL = {  # vaccination runs from September to March
    "housebound-vaccination": {9: 1.6, 10: 2.2, 11: 1.6, 12: 1.0, 1: 0.6, 2: 0.4, 3: 0.3},
}


def _pence(pounds) -> int:
    return int(Decimal(str(pounds)) * 100)


def demo_money(federation: Federation, *, by, months: int = 12) -> dict:
    """Services, contracts and a year of posted settlements ending last month. Run once:
    a federation that already has services is left alone."""
    if Service.objects.filter(federation=federation).exists():
        return {"created": False}
    # Repeatable demo figures, not security: a seeded pseudo-random generator is right here.
    rng = random.Random(SEED)  # noqa: S311 # nosec B311
    today = date.today()
    last = add_months(month_start(today), -1)
    first = add_months(last, -(months - 1))
    with transaction.atomic():
        services = _services(federation, by)
        practices = federation_practices_on(federation, today)
        _participation(federation, services, practices, rng, by)
        _contracts(federation, services, by)
    month = first
    while month <= last:
        _month(federation, services, month, rng, by)
        month = add_months(month, 1)
    return {
        "created": True,
        "services": len(services),
        "settlements": Settlement.objects.filter(federation=federation).count(),
        "activity_rows": Activity.objects.filter(federation=federation).count(),
    }


def _services(federation, by) -> dict[str, Service]:
    finance.finance_settings_update(federation=federation, by=by, overhead_percent=Decimal("4"))
    out = {}
    for spec in SERVICES:
        out[spec["code"]] = finance.service_save(
            federation=federation,
            by=by,
            **{k: spec[k] for k in ("code", "name", "category", "level", "unit", "alone_source")},
            staff_monthly_pence=_pence(spec["staff"]),
            premises_monthly_pence=_pence(spec["premises"]),
            management_monthly_pence=_pence(spec["management"]),
            cost_per_unit_pence=_pence(spec["per_unit"]),
            alone_fixed_monthly_pence=_pence(spec["alone_fixed"]),
            alone_per_unit_pence=_pence(spec["alone_per_unit"]),
            alone_fixed_standing=spec.get("alone_fixed_standing", False),
        )
    return out


def _participation(federation, services, practices, rng, by) -> None:
    share = {
        "phlebotomy": 1.0,
        "ecg": 0.8,
        "spirometry": 0.6,
        "housebound-vaccination": 0.9,
        "care-home-rounds": 0.5,
        "hr": 0.7,
        "payroll": 0.5,
    }
    for code, fraction in share.items():
        chosen = [p for p in practices if rng.random() < fraction] or practices[:1]
        for practice in chosen:
            finance.participation_add(
                service=services[code], practice=practice, start_date=STARTED, by=by
            )
    pcn_ids = set(
        PracticePCN.objects.filter(practice__in=practices, end_date__isnull=True).values_list(
            "pcn_id", flat=True
        )
    )
    for pcn in PCN.objects.filter(pk__in=pcn_ids).order_by("code"):
        finance.participation_add(
            service=services["enhanced-access"], pcn=pcn, start_date=STARTED, by=by
        )


# Long: the demo's illustrative contracts, written out one by one.
def _contracts(federation, services, by) -> None:
    icb = Commissioner.objects.filter(code="QK1").first()
    sub_icb = Commissioner.objects.filter(code="03W").first()
    commissioner = {"commissioner": icb} if icb else {"other_body": "The ICB"}
    local = {"commissioner": sub_icb} if sub_icb else commissioner
    diagnostics = finance.contract_save(
        federation=federation,
        by=by,
        reference="LLR-CD-2024-017",
        title="Community diagnostics in primary care",
        start_date=date(2024, 4, 1),
        end_date=date(2027, 3, 31),
        notice_months=6,
        annual_value_pence=_pence(310_000),
        basis=Contract.Basis.PER_UNIT,
        notes="Phlebotomy, ECG and spirometry for registered patients of member practices.",
        **commissioner,
    )
    for code, price in (("phlebotomy", "6.50"), ("ecg", "22.00"), ("spirometry", "45.00")):
        finance.contract_service_set(
            contract=diagnostics,
            service=services[code],
            by=by,
            rule=Rule.ACTIVITY,
            unit_price_pence=_pence(price),
        )
    finance.kpi_add(
        contract=diagnostics,
        by=by,
        name="Blood tests within 5 working days of request",
        target="95%",
        measure="Monthly audit of 50 requests",
    )
    finance.kpi_add(contract=diagnostics, by=by, name="ECGs reported within 48 hours", target="98%")
    ea = finance.contract_save(
        federation=federation,
        by=by,
        reference="ELR-PCN-EA-2024",
        title="Enhanced Access subcontract from member PCNs",
        other_body="Member PCNs (Network Contract DES Enhanced Access)",
        start_date=date(2024, 4, 1),
        end_date=date(2027, 3, 31),
        notice_months=3,
        annual_value_pence=_pence(2_300_000),
        basis=Contract.Basis.PER_REGISTERED,
        per_head_rate=Decimal("7.4600"),
        notes="PCNs pass their Enhanced Access payment to the federation, which runs the hubs.",
    )
    finance.contract_service_set(
        contract=ea, service=services["enhanced-access"], by=by, rule=Rule.ACTIVITY
    )
    finance.kpi_add(
        contract=ea,
        by=by,
        name="Minutes of appointments per 1,000 adjusted population a week",
        target="60",
    )
    care = finance.contract_save(
        federation=federation,
        by=by,
        reference="LLR-CH-2025-003",
        title="Enhanced health in care homes: ward rounds",
        start_date=date(2025, 7, 1),
        end_date=date(2027, 6, 30),
        notice_months=6,
        annual_value_pence=_pence(180_000),
        basis=Contract.Basis.BLOCK,
        block_annual_pence=_pence(180_000),
        **local,
    )
    finance.contract_service_set(
        contract=care,
        service=services["care-home-rounds"],
        by=by,
        rule=Rule.ACTIVITY,
        block_share_percent=Decimal(100),
    )
    finance.kpi_add(contract=care, by=by, name="Weekly round in every aligned home", target="100%")
    vaccination = finance.contract_save(
        federation=federation,
        by=by,
        reference="NHSE-MID-VAC-2025",
        title="Housebound vaccination (item of service)",
        other_body="NHS England Midlands",
        start_date=date(2025, 9, 1),
        end_date=date(2027, 8, 31),
        notice_months=3,
        annual_value_pence=_pence(42_000),
        basis=Contract.Basis.PER_UNIT,
    )
    finance.contract_service_set(
        contract=vaccination,
        service=services["housebound-vaccination"],
        by=by,
        rule=Rule.ACTIVITY,
        unit_price_pence=_pence("16.30"),
    )
    first_practice = (
        services["phlebotomy"].participations.order_by("practice__code").first().practice
    )
    finance.subcontract_add(
        contract=diagnostics,
        by=by,
        practice=first_practice,
        share_percent=Decimal(10),
        description="Hosts the spirometry clinic",
    )


def _month(federation, services, month, rng, by) -> None:
    inputs_practices = federation_practices_on(federation, month)
    # Activity follows the list the month's money uses: the latest extract by the month's end.
    sizes = list_sizes_on([p.pk for p in inputs_practices], month_end(month))
    pcn_members: dict[int, list[int]] = {}
    for pcn_id, practice_id in PracticePCN.objects.filter(
        practice__in=inputs_practices, end_date__isnull=True
    ).values_list("pcn_id", "practice_id"):
        pcn_members.setdefault(pcn_id, []).append(practice_id)
    lines = ["ODS code,Service,Month,Units"]
    for spec in SERVICES:
        code, rate = spec["code"], spec["per_1000"]
        service = services[code]
        factor = SEASONAL.get(code, {}).get(month.month, 0.0 if code in SEASONAL else 1.0)
        if factor == 0:
            continue
        # in one order on every database (the draws follow it)
        spells = service.participations.select_related("practice", "pcn").order_by(
            "start_date", "pk"
        )
        for spell in spells:
            org = spell.organisation
            if spell.practice_id:
                members = [spell.practice_id]
            else:
                members = pcn_members.get(spell.pcn_id, [])
            patients = sum(sizes[p].patients for p in members if p in sizes)
            expected = patients / 1000 * rate * factor
            units = max(0, round(rng.gauss(expected, max(1.0, expected * 0.08))))
            if units or code not in ("hr",):
                lines.append(f"{org.code},{code},{month:%Y-%m},{units}")
    finance.activity_import(
        federation=federation,
        data=("\n".join(lines) + "\n").encode(),
        file_name=f"demo-activity-{month:%Y-%m}.csv",
        by=by,
    )
    finance.contract_income_accrue(federation=federation, month=month, by=by)
    # payments more than two months old have arrived in the bank
    if month <= add_months(month_start(date.today()), -3):
        IncomeEntry.objects.filter(
            federation=federation, month=month, settlement__isnull=True
        ).update(status=IncomeEntry.Status.RECEIVED)
    march = date(2026, 3, 1)
    if (
        month == add_months(march, 3)
        and Settlement.objects.filter(federation=federation, month=march).exists()
    ):
        finance.income_entry_create(
            federation=federation,
            month=month,
            description="ICB validation: 65 March blood tests not evidenced",
            amount_pence=-65 * 650,
            rule=Rule.ACTIVITY,
            service=services["phlebotomy"],
            corrects=Settlement.objects.get(federation=federation, month=march),
            status=IncomeEntry.Status.RECEIVED,
            by=by,
        )
    # the demo's finance lead has read the preview's warnings and confirms them
    warnings = finance.settlement_preview(federation, month).warnings
    finance.settlement_post(federation=federation, month=month, by=by, confirmed_warnings=warnings)
