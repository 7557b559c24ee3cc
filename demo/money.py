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
from registry.models import PCN, Commissioner, Federation, PracticePCN
from registry.selectors import federation_practices_on, list_sizes_on

SEED = 2026
STARTED = date(2025, 4, 1)

# code, name, category, level, unit, staff, premises, management, per unit (federation, in
# pounds); alone fixed a month, alone per unit; source; monthly units per 1,000 patients
SERVICES = [
    (
        "enhanced-access",
        "Enhanced Access hubs",
        "clinical",
        "pcn",
        "appointment",
        150_000,
        12_000,
        8_000,
        0,
        2_600,
        26.0,
        "One salaried GP session a week and a receptionist per practice, 2026/27 BMA model "
        "salary and Agenda for Change band 3 with on-costs; GP appointments at £26 each.",
        17.0,
    ),
    (
        "phlebotomy",
        "Phlebotomy",
        "clinical",
        "practice",
        "blood test",
        17_000,
        1_500,
        900,
        0.80,
        950,
        2.10,
        "A band 3 phlebotomist for 0.3 WTE at 2026/27 rates with on-costs, plus consumables.",
        18.0,
    ),
    (
        "ecg",
        "ECG",
        "clinical",
        "practice",
        "ECG",
        1_900,
        0,
        200,
        3.00,
        550,
        9.00,
        "Machine lease and maintenance, and 0.1 WTE band 4 time, from two supplier quotes.",
        2.0,
    ),
    (
        "spirometry",
        "Spirometry",
        "clinical",
        "practice",
        "test",
        1_500,
        300,
        150,
        6.00,
        700,
        14.00,
        "ARTP-certified nurse time (band 6) and a calibrated spirometer, shared across a year.",
        0.8,
    ),
    (
        "housebound-vaccination",
        "Housebound vaccination",
        "clinical",
        "practice",
        "vaccination",
        800,
        0,
        100,
        6.00,
        250,
        12.00,
        "A nurse and driver visit per patient: band 5 time, mileage at 45p a mile.",
        4.0,
    ),
    (
        "care-home-rounds",
        "Care-home ward rounds",
        "clinical",
        "practice",
        "bed",
        9_500,
        0,
        700,
        0,
        1_200,
        15.00,
        "Weekly GP round: 0.1 WTE salaried GP plus a care coordinator, per practice.",
        1.6,
    ),
    (
        "hr",
        "HR advice",
        "back_office",
        "federation",
        "case",
        2_200,
        0,
        0,
        0,
        420,
        0,
        "Retainer for an employment-law adviser, from three quotes to member practices.",
        0.05,
    ),
    (
        "payroll",
        "Payroll",
        "back_office",
        "federation",
        "payslip",
        900,
        0,
        0,
        2.50,
        150,
        6.00,
        "Bureau payroll at £6 a payslip plus an annual pension-return fee.",
        1.8,
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
    for (
        code,
        name,
        category,
        level,
        unit,
        staff,
        premises,
        management,
        per_unit,
        alone_fixed,
        alone_per_unit,
        source,
        _rate,
    ) in SERVICES:
        out[code] = finance.service_save(
            federation=federation,
            by=by,
            code=code,
            name=name,
            category=category,
            level=level,
            unit=unit,
            staff_monthly_pence=_pence(staff),
            premises_monthly_pence=_pence(premises),
            management_monthly_pence=_pence(management),
            cost_per_unit_pence=_pence(per_unit),
            alone_fixed_monthly_pence=_pence(alone_fixed),
            alone_per_unit_pence=_pence(alone_per_unit),
            alone_source=source,
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
    sizes = list_sizes_on([p.pk for p in inputs_practices], None)
    pcn_members: dict[int, list[int]] = {}
    for pcn_id, practice_id in PracticePCN.objects.filter(
        practice__in=inputs_practices, end_date__isnull=True
    ).values_list("pcn_id", "practice_id"):
        pcn_members.setdefault(pcn_id, []).append(practice_id)
    lines = ["ODS code,Service,Month,Units"]
    for code, *_rest, rate in SERVICES:
        service = services[code]
        factor = SEASONAL.get(code, {}).get(month.month, 0.0 if code in SEASONAL else 1.0)
        if factor == 0:
            continue
        spells = service.participations.select_related("practice", "pcn")
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
    finance.settlement_post(federation=federation, month=month, by=by)
