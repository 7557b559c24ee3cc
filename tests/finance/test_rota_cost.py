"""The Enhanced Access rota's cost in the books (issue 14): a service may take each month's cost
of delivery from the rota (sessions x each person's hourly cost) instead of typed figures."""

from dataclasses import dataclass
from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.services import role_grant
from audit.models import AuditEvent
from finance import rota_cost
from finance import services as finance
from finance.inputs import load, rota_empty
from finance.models import Rule, Service
from registry.models import Federation, FederationMembership
from rota.models import RotaSession, Site, Staff
from rota.selectors import rota_cost_by_month
from tests.conftest import sign_in_verified
from tests.factories import ListSizeFactory, PCNFactory, PracticePCNFactory

SEP, OCT, NOV, DEC = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


@dataclass
class Hubs:
    ea: Service
    pcns: list
    hub: Site
    gp: Staff
    nurse: Staff


def staff(federation, name, pence_per_hour, hub) -> Staff:
    person = Staff.objects.create(
        federation=federation,
        name=name,
        role="gp" if "GP" in name else "practice_nurse",
        start_date=date(2024, 4, 1),
        pence_per_hour=pence_per_hour,
    )
    person.sites.add(hub)
    return person


def session(person, hub, pcn, start, end) -> RotaSession:
    return RotaSession.objects.create(
        federation=person.federation, staff=person, site=hub, pcn=pcn, start=start, end=end
    )


@pytest.fixture
def hubs(books) -> Hubs:
    """Enhanced Access for two PCNs (Riverside: Abbey and Brook; Hillside: Castle), costed from
    a hub rota with a GP at £90 an hour and a nurse at £30 an hour."""
    federation, lead = books.federation, books.lead
    hillside = PCNFactory(code="U10002", name="Hillside PCN")
    PracticePCNFactory(practice=books.practices[2], pcn=hillside)
    ea = finance.service_save(
        federation=federation,
        by=lead,
        code="enhanced-access",
        name="Enhanced Access hubs",
        level="pcn",
        unit="appointment",
        staff_monthly_pence=500_000,  # typed, and not used while the cost comes from the rota
        premises_monthly_pence=20_000,
        cost_per_unit_pence=100,
        alone_source="Quotes",
        costs_from_rota=True,
    )
    for pcn in (books.pcn, hillside):
        finance.participation_add(service=ea, pcn=pcn, start_date=date(2025, 4, 1), by=lead)
    hub = Site.objects.create(federation=federation, name="Town hub", rooms=2)
    hub.pcns.add(books.pcn, hillside)
    gp = staff(federation, "GP Gina", 9_000, hub)
    nurse = staff(federation, "Nurse Nina", 3_000, hub)
    riverside = books.pcn
    session(gp, hub, riverside, at(date(2026, 9, 30), 18, 30), at(date(2026, 9, 30), 20))  # 90'
    session(gp, hub, riverside, at(date(2026, 10, 5), 18, 30), at(date(2026, 10, 5), 21))  # 150'
    session(nurse, hub, riverside, at(date(2026, 10, 10), 9), at(date(2026, 10, 10), 12, 20))
    session(gp, hub, hillside, at(date(2026, 10, 31), 9), at(date(2026, 10, 31), 10, 25))  # 85'
    session(gp, hub, hillside, at(date(2026, 11, 2), 18, 30), at(date(2026, 11, 2), 20, 30))
    # another federation's hub, the same month, is not this federation's cost
    other = Federation.objects.create(name="Other Federation", slug="other-fed")
    elsewhere = Site.objects.create(federation=other, name="Their hub")
    locum = staff(other, "GP Lou", 12_000, elsewhere)
    session(locum, elsewhere, riverside, at(date(2026, 10, 6), 18), at(date(2026, 10, 6), 21))
    return Hubs(ea, [riverside, hillside], hub, gp, nurse)


# October: Riverside 150 minutes of GP at £90 (£225) and 200 of nurse at £30 (£100);
# Hillside 85 minutes of GP (£127.50). September 90 minutes of GP for Riverside (£135), and
# November 120 minutes of GP for Hillside (£180).
OCT_RIVERSIDE, OCT_HILLSIDE = 22_500 + 10_000, 12_750
OCT_COST = OCT_RIVERSIDE + OCT_HILLSIDE


def test_rota_cost_is_hours_times_hourly_cost_by_month_and_pcn(books, hubs):
    riverside, hillside = hubs.pcns
    fed = books.federation.pk
    costs = rota_cost_by_month([fed], SEP, date(2026, 12, 31))
    assert costs == {
        (fed, SEP): {riverside.pk: 13_500},
        (fed, OCT): {riverside.pk: OCT_RIVERSIDE, hillside.pk: OCT_HILLSIDE},
        (fed, NOV): {hillside.pk: 18_000},
    }


def test_a_session_is_costed_as_a_plan_is_rounded_once(books, hubs):
    """Rounded half up once a session, as PlanRun.cost_pence is: 7 minutes at £30.10 an hour
    is 351.17p, so 351p."""
    hubs.nurse.pence_per_hour = 3_010
    hubs.nurse.save()
    RotaSession.objects.filter(staff=hubs.nurse).update(end=at(date(2026, 10, 10), 9, 7))
    costs = rota_cost_by_month([books.federation.pk], OCT, date(2026, 10, 31))
    assert costs[(books.federation.pk, OCT)][books.pcn.pk] == 22_500 + 351


def test_the_months_inputs_take_the_cost_of_delivery_from_the_rota(books, hubs):
    inputs = load([books.federation.pk], [SEP, OCT, NOV, DEC])
    ea = {m: inputs[(books.federation.pk, m)].services[hubs.ea.pk] for m in (SEP, OCT, NOV, DEC)}
    assert [ea[m].fixed_monthly_pence for m in (SEP, OCT, NOV, DEC)] == [
        13_500,
        OCT_COST,
        18_000,
        0,
    ]
    assert ea[OCT].cost_per_unit_pence == 100  # the typed cost per unit still counts
    # a service with typed figures keeps them
    phlebotomy = inputs[(books.federation.pk, OCT)].services[books.phlebotomy.pk]
    assert phlebotomy.fixed_monthly_pence == 100_000


def test_the_settlement_preview_recovers_the_rota_cost(books, hubs):
    finance.income_entry_create(
        federation=books.federation,
        month=OCT,
        description="Enhanced Access: PCN payments",
        amount_pence=1_000_000,
        rule=Rule.REGISTERED,
        service=hubs.ea,
        by=books.lead,
    )
    preview = finance.settlement_preview(books.federation, OCT)
    line = preview.lines[0]
    assert (line.gross_pence, line.overhead_pence, line.costs_pence) == (
        1_000_000,
        50_000,
        OCT_COST,
    )
    assert line.paid_pence == 1_000_000 - 50_000 - OCT_COST
    # with the typed figures instead, the typed staff and premises are the cost
    finance.service_save(
        federation=books.federation, by=books.lead, instance=hubs.ea, costs_from_rota=False
    )
    typed = finance.settlement_preview(books.federation, OCT)
    assert typed.lines[0].costs_pence == 520_000


def test_a_month_with_no_rota_sessions_is_named(books, hubs):
    fed = books.federation.pk
    assert rota_empty([fed], [SEP, OCT, NOV, DEC]) == {(fed, DEC): {hubs.ea.pk}}
    # the preview warns of it, so posting a month the rota cost nothing needs confirming
    warnings = finance.settlement_preview(books.federation, DEC).warnings
    assert any(
        w.startswith(f"{hubs.ea.name}: its cost of delivery comes from the rota") for w in warnings
    )
    assert not any(
        "comes from the rota" in w
        for w in finance.settlement_preview(books.federation, OCT).warnings
    )
    # a service with typed figures is never named, even in a month with no sessions
    hubs.ea.costs_from_rota = False
    hubs.ea.save()
    assert rota_empty([fed], [DEC]) == {}


@pytest.fixture
def lead(client, books):
    role_grant(user=books.lead, role="finance_lead", organisation=books.federation, by=None)
    return sign_in_verified(client, books.lead)


def test_the_service_form_saves_both_choices_with_an_audit_record(lead, books):
    page = reverse("finance:service-edit", args=[books.federation.slug, "hr"])
    form = lead.get(page)
    assert b"Cost of delivery from the rota" in form.content
    assert b"The alone fixed cost is a standing charge" in form.content
    saved = lead.post(
        page,
        {
            "name": "HR support",
            "code": "hr",
            "category": "back_office",
            "level": "federation",
            "unit": "case",
            "staff_monthly_pence": "0",
            "premises_monthly_pence": "0",
            "management_monthly_pence": "0",
            "cost_per_unit_pence": "0",
            "alone_fixed_monthly_pence": "500",
            "alone_per_unit_pence": "0",
            "alone_source": "Local HR adviser retainer quote",
            "alone_fixed_standing": "on",
            "costs_from_rota": "on",
            "active": "on",
        },
    )
    assert saved.status_code == 302, saved.context["form"].errors
    hr = Service.objects.get(pk=books.hr.pk)
    assert hr.alone_fixed_standing and hr.costs_from_rota
    event = AuditEvent.objects.filter(action="finance.service.update").latest("pk")
    assert event.actor == books.lead
    assert event.changes["alone_fixed_standing"] == [False, True]
    assert event.changes["costs_from_rota"] == [False, True]
    # the form opens on what is saved
    again = lead.get(page)
    assert again.context["form"].initial["costs_from_rota"] is True
    detail = lead.get(reverse("finance:service", args=[books.federation.slug, "hr"]))
    assert b"From the rota" in detail.content
    assert b"a standing charge paid every month" in detail.content


def test_the_service_page_says_where_its_cost_comes_from(lead, books, hubs):
    page = lead.get(reverse("finance:service", args=[books.federation.slug, "enhanced-access"]))
    assert b"From the rota" in page.content
    months = {m["month"]: m for m in page.context["rota_months"]}
    assert months[DEC]["empty"] and months[NOV]["cost_pence"] == 18_000
    assert months[OCT]["cost_pence"] == OCT_COST
    assert "£452.50" in page.content.decode() and "No sessions: £0" in page.content.decode()
    typed = lead.get(reverse("finance:service", args=[books.federation.slug, "phlebotomy"]))
    assert b"Typed figures" in typed.content and typed.context["rota_months"] is None


def _income(books, hubs, month, pounds):
    finance.income_entry_create(
        federation=books.federation,
        month=month,
        description=f"Enhanced Access {month:%B}",
        amount_pence=pounds * 100,
        rule=Rule.REGISTERED,
        service=hubs.ea,
        by=books.lead,
    )


def test_the_finance_home_sets_rota_cost_against_enhanced_access_income_by_pcn(lead, books, hubs):
    """October posted, November previewed: income by registered list (6,000 / 3,000 in
    Riverside, 1,000 in Hillside)."""
    _income(books, hubs, OCT, 10_000)
    finance.settlement_post(federation=books.federation, month=OCT, by=books.lead)
    _income(books, hubs, NOV, 8_000)
    home = reverse("finance:federation", args=[books.federation.slug])
    # by default the panel ends with the month being closed (this one)
    this_month = timezone.localdate().replace(day=1)
    assert lead.get(home).context["rota_cost"]["months"][-1]["month"] == this_month
    page = lead.get(home, {"rota": "2026-11"})  # to November
    panel = page.context["rota_cost"]
    assert [(m["month"], m["posted"]) for m in panel["months"]] == [
        (SEP, False),
        (OCT, True),
        (NOV, False),
    ]
    by_pcn = {p["pcn"].code: p for p in panel["pcns"]}
    assert by_pcn["U10001"]["rota_pence"] == 13_500 + OCT_RIVERSIDE
    assert by_pcn["U10001"]["income_pence"] == 900_000 + 720_000
    assert by_pcn["U10002"]["rota_pence"] == OCT_HILLSIDE + 18_000
    assert by_pcn["U10002"]["income_pence"] == 100_000 + 80_000
    assert by_pcn["U10002"]["difference_pence"] == 180_000 - 30_750
    assert (panel["rota_pence"], panel["income_pence"]) == (76_750, 1_800_000)
    text = page.content.decode()
    assert "Rota cost against Enhanced Access income" in text
    assert "Hillside PCN (U10002)" in text and "£307.50" in text and "£1,800.00" in text
    # a chosen month: October alone among the three to October
    chosen = lead.get(
        reverse("finance:federation", args=[books.federation.slug]), {"rota": "2026-12"}
    )
    months = chosen.context["rota_cost"]["months"]
    assert [m["month"] for m in months] == [OCT, NOV, DEC]
    assert months[-1]["empty"] and "No sessions: £0" in chosen.content.decode()
    assert lead.get(page.request["PATH_INFO"], {"rota": "13"}).status_code == 400


def test_the_comparison_takes_the_same_queries_for_more_pcns(books, hubs):
    _income(books, hubs, OCT, 10_000)
    finance.settlement_post(federation=books.federation, month=OCT, by=books.lead)
    _income(books, hubs, NOV, 8_000)
    with CaptureQueriesContext(connection) as two:
        rota_cost.rota_cost_against_income(books.federation, [OCT, NOV])
    for n in range(3):
        pcn = PCNFactory()
        practice = PracticePCNFactory(pcn=pcn).practice
        FederationMembership.objects.create(
            federation=books.federation, practice=practice, start_date=date(2020, 4, 1)
        )
        ListSizeFactory(practice=practice, extract_date=date(2026, 9, 1), patients=2_000)
        finance.participation_add(
            service=hubs.ea, pcn=pcn, start_date=date(2025, 4, 1), by=books.lead
        )
        session(
            hubs.gp, hubs.hub, pcn, at(date(2026, 11, 3 + n), 18), at(date(2026, 11, 3 + n), 20)
        )
    with CaptureQueriesContext(connection) as five:
        found = rota_cost.rota_cost_against_income(books.federation, [OCT, NOV])
    assert len(found["pcns"]) == 5
    assert all(p["income_pence"] and p["rota_pence"] for p in found["pcns"])
    assert len(five.captured_queries) == len(two.captured_queries)


def test_the_finance_home_asks_for_the_rota_only_when_there_is_one(lead, books, hubs):
    hubs.ea.costs_from_rota = False
    hubs.ea.save()
    page = lead.get(reverse("finance:federation", args=[books.federation.slug]))
    assert page.context["rota_cost"] is None
    assert b"No service takes its cost of delivery from the rota" in page.content
    RotaSession.objects.filter(federation=books.federation).delete()
    quiet = lead.get(reverse("finance:federation", args=[books.federation.slug]))
    assert b"Rota cost against" not in quiet.content


def test_a_rota_that_covers_part_of_the_month_is_warned_of(books, hubs):
    november = finance.settlement_preview(books.federation, NOV).warnings
    assert (
        "Enhanced Access hubs: the rota has sessions only from 2 November to 2 November 2026; "
        "the rest of the month costs nothing"
    ) in november
    october = finance.settlement_preview(books.federation, OCT).warnings
    assert not any("rota" in w for w in october)
