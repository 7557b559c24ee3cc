import csv
import io
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.services import role_grant
from audit.models import AuditEvent
from finance import selectors
from finance import services as finance
from finance.inputs import add_months
from finance.models import Activity, ActivityUpload, Contract, ContractDocument, Rule, Settlement
from gpfed.cli import main
from tests.conftest import sign_in_verified
from tests.factories import UserFactory

OCT = date(2026, 10, 1)
GOOD = (
    b"ODS code,Service,Month,Units\n"
    b"A10001,phlebotomy,2026-10,600\nB10002,phlebotomy,2026-10,300\nC10003,phlebotomy,2026-10,100\n"
)


@pytest.fixture
def lead(client, books):
    role_grant(user=books.lead, role="finance_lead", organisation=books.federation, by=None)
    return sign_in_verified(client, books.lead)


def url(name, books, **kwargs):
    return reverse(f"finance:{name}", kwargs={"slug": books.federation.slug, **kwargs})


def test_a_bad_activity_file_lists_every_problem_and_writes_nothing(
    lead, books, django_capture_on_commit_callbacks
):
    bad = (
        b"ODS code,Service,Month,Units\nA10001,phlebotomy,2026-10,-4\nZ99999,phlebotomy,2026-10,3\n"
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        queued = lead.post(
            url("activity", books) + "?month=2026-10",
            {"file": SimpleUploadedFile("oct.csv", bad, "text/csv")},
        )
    assert len(callbacks) == 1  # the worker checks it, not the request
    page = lead.get(queued.url)
    assert page.status_code == 200
    problems = [(p["row"], p["column"]) for p in page.context["upload"].problems]
    assert problems == [(2, "Units"), (3, "ODS code")]
    assert b"Nothing was imported" in page.content
    assert not Activity.objects.exists()
    assert ActivityUpload.objects.get().upload == b""  # the file is not kept


def test_an_activity_file_waits_for_the_worker_and_the_page_follows_it(lead, books):
    queued = lead.post(url("activity", books), {"file": SimpleUploadedFile("oct.csv", GOOD)})
    waiting = lead.get(queued.url)
    assert (
        b"Waiting to be checked" in waiting.content and b'hx-trigger="every 1s"' in waiting.content
    )
    assert not Activity.objects.exists()
    from finance.tasks import import_activity

    import_activity.call(ActivityUpload.objects.get().pk)
    done = lead.get(queued.url, headers={"HX-Request": "true"})
    assert done.status_code == 204 and done["HX-Redirect"].endswith("?month=2026-10")
    assert Activity.objects.count() == 3


def test_preview_and_post_from_the_pages(lead, books, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queued = lead.post(url("activity", books), {"file": SimpleUploadedFile("oct.csv", GOOD)})
    done = lead.get(queued.url)
    assert done.status_code == 302 and Activity.objects.count() == 3
    listed = lead.get(done.url)
    assert listed.status_code == 200 and b"Abbey (A10001)" in listed.content
    assert b"Activity imported from oct.csv: 3 new" in listed.content
    added = lead.post(
        url("income-add", books, month="2026-10"),
        {
            "description": "ICB phlebotomy payment",
            "amount_pence": "10,000.00",
            "status": "received",
            "service": books.phlebotomy.pk,
            "rule": Rule.ACTIVITY,
        },
    )
    assert added.status_code == 302
    preview = lead.get(url("settlement", books, month="2026-10"))
    assert preview.status_code == 200
    result = preview.context["preview"]
    assert result.can_post and result.paid_pence == 700_000
    assert b"Post settlement for October 2026" in preview.content
    api = f"/api/v1/federations/{books.federation.slug}/settlements/2026-10"
    previewed = lead.get(api).json()
    assert (previewed["posted"], previewed["paid_pence"]) == (False, 700_000)
    assert previewed["fingerprint"] == result.fingerprint()
    posted = lead.post(
        url("post", books, month="2026-10"), {"fingerprint": result.fingerprint()}, follow=True
    )
    assert b"posted" in posted.content
    settlement = Settlement.objects.get()
    assert lead.get(api).json()["posted"] is True
    # the same page again (a second tab) cannot post twice
    again = lead.post(
        url("post", books, month="2026-10"), {"fingerprint": result.fingerprint()}, follow=True
    )
    assert b"cannot be posted twice" in again.content
    assert Settlement.objects.count() == 1
    page = lead.get(url("settlement", books, month="2026-10"))
    assert page.templates[0].name == "finance/settlement_posted.html"

    remittance = lead.get(url("remittance", books, month="2026-10"))
    rows = list(csv.reader(io.StringIO(remittance.content.decode())))
    assert rows[0][:3] == ["Settlement", "Month", "ODS code"]
    totals = {r[2]: r[9] for r in rows[1:] if r[3] == "TOTAL"}
    assert totals == {"A10001": "4200.00", "B10002": "2100.00", "C10003": "700.00"}

    journal = lead.get(url("journal", books, month="2026-10"))
    lines = list(csv.DictReader(io.StringIO(journal.content.decode())))
    debits = sum(Decimal(line["Debit"] or 0) for line in lines)
    credits = sum(Decimal(line["Credit"] or 0) for line in lines)
    assert debits == credits == Decimal("10000.00") + Decimal("7000.00")
    assert {line["Account"] for line in lines} == {"1200", "4000", "5100", "2100"}
    assert all(line["Reference"].startswith(settlement.reference) for line in lines)


def test_a_stale_preview_cannot_be_posted(lead, books):
    finance.income_entry_create(
        federation=books.federation,
        month=OCT,
        description="Block",
        amount_pence=3_000,
        rule=Rule.EQUAL,
        by=None,
    )
    page = lead.post(url("post", books, month="2026-10"), {"fingerprint": "0" * 64}, follow=True)
    assert b"changed since you previewed" in page.content
    assert not Settlement.objects.exists()


@pytest.fixture
def posted(books):
    finance.activity_import(federation=books.federation, data=GOOD, file_name="oct.csv", by=None)
    finance.income_entry_create(
        federation=books.federation,
        month=OCT,
        description="Phlebotomy payments",
        amount_pence=1_000_000,
        rule=Rule.ACTIVITY,
        service=books.phlebotomy,
        by=None,
    )
    return finance.settlement_post(federation=books.federation, month=OCT, by=None)


def test_value_statement_figures(posted, books):
    statement = selectors.practice_statement(
        books.practices[0], selectors.parse_period("2026-10"), federation=books.federation
    )
    phlebotomy = next(s for s in statement["services"] if s["code"] == "phlebotomy")
    # income 600/1000 of £10,000; costs 60% of £2,500; overhead 60% of £500; net £4,200
    assert (phlebotomy["income_pence"], phlebotomy["costs_pence"]) == (600_000, 150_000)
    assert (phlebotomy["overhead_pence"], phlebotomy["net_pence"]) == (30_000, 420_000)
    # alone: £800 + 600 x £4 = £3,200 of cost, so £2,800 kept; the federation pays £1,400 more
    assert phlebotomy["alone_cost_pence"] == 320_000
    assert phlebotomy["alone_net_pence"] == 280_000
    assert phlebotomy["difference_pence"] == 140_000
    hr = next(s for s in statement["services"] if s["code"] == "hr")
    assert hr["difference_pence"] == 50_000  # HR it would otherwise buy in
    assert statement["totals"]["difference_pence"] == 190_000
    assert statement["difference_per_patient"] == Decimal("0.32")  # £1,900 / 6,000
    assert "better off" in statement["summary"] and "£4,200.00" in statement["summary"]


def test_periods():
    assert selectors.parse_period("2026-10").months == [date(2026, 10, 1)]
    quarter = selectors.parse_period("2026-27-Q3")
    assert quarter.months == [date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)]
    year = selectors.parse_period("2026-27")
    assert (year.first, year.last) == (date(2026, 4, 1), date(2027, 3, 1))
    for bad in ("2026-13", "2026-28", "soon", "2026-27-Q5"):
        with pytest.raises(ValueError):
            selectors.parse_period(bad)


def test_practice_manager_reads_own_statement_only(client, posted, books):
    manager = UserFactory()
    role_grant(user=manager, role="practice_manager", organisation=books.practices[0], by=None)
    sign_in_verified(client, manager)
    code = books.practices[0].code
    page = client.get(reverse("finance:statement", args=[code]), {"period": "2026-10"})
    assert page.status_code == 200
    assert b"better off" in page.content and b"Phlebotomy" in page.content
    data = client.get(reverse("finance:statement-json", args=[code]), {"period": "2026-10"})
    assert data.json()["totals"]["net_pence"] == 420_000
    api = client.get(f"/api/v1/practices/{code}/statement", {"period": "2026-10"})
    assert api.json()["totals"]["difference_pence"] == 190_000
    other = books.practices[1].code
    assert client.get(reverse("finance:statement", args=[other])).status_code == 404
    assert client.get(url("federation", books)).status_code == 404
    # with one practice and no federation, the finance menu goes straight to the statement
    assert client.get(reverse("finance:index")).url == reverse("finance:statement", args=[code])


def test_statement_pdf_is_a_pdf_with_the_figures(client, posted, books, admin_user):
    from pypdf import PdfReader

    client.force_login(admin_user)
    response = client.get(
        reverse("finance:statement-pdf", args=[books.practices[0].code]), {"period": "2026-10"}
    )
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Value statement: Abbey (A10001)" in text
    assert "£4,200.00" in text  # net paid for phlebotomy
    assert "£1,900.00" in text  # total difference
    assert "better off" in text


def test_federation_returns_are_sorted_least_gain_first(posted, books, lead):
    rows = selectors.federation_returns(books.federation, selectors.parse_period("2026-10"))
    differences = [r["difference_pence"] for r in rows]
    assert differences == sorted(differences)
    assert {r["code"] for r in rows} == {"A10001", "B10002", "C10003"}
    page = lead.get(url("returns", books), {"period": "2026-10"})
    assert page.status_code == 200 and b"Castle" in page.content


def test_contracts_register_windows(books):
    today = date(2026, 11, 22)

    def contract(reference, end, notice):
        return finance.contract_save(
            federation=books.federation,
            by=None,
            reference=reference,
            title=reference,
            other_body="ICB",
            start_date=date(2024, 4, 1),
            end_date=end,
            notice_months=notice,
            basis=Contract.Basis.PER_UNIT,
        )

    contract("ENDS-SOON", today + timedelta(days=60), 0)
    contract("NOTICE-SOON", date(2027, 8, 31), 6)  # notice by 28 Feb 2027: within 6 months
    contract("LATER", date(2027, 10, 31), 1)  # notice by 30 Sep 2027: within 12 months
    contract("FAR", date(2029, 3, 31), 3)
    contract("OPEN", None, 3)
    contract("PASSED", date(2027, 1, 31), 3)  # notice date 31 Oct 2026 has passed
    register = {
        r["contract"].reference: r for r in selectors.contracts_register(books.federation, today)
    }
    assert register["ENDS-SOON"]["window"] == 3
    assert register["NOTICE-SOON"]["notice_date"] == date(2027, 2, 28)
    assert register["NOTICE-SOON"]["window"] == 6
    assert register["LATER"]["window"] == 12
    assert register["FAR"]["window"] is None and register["OPEN"]["window"] is None
    assert register["PASSED"]["notice_passed"]
    # Its notice date has passed but it has not ended: it ends within 3 months, needs
    # attention and comes first (LLR-CD-2024-017 once vanished from every list).
    assert register["PASSED"]["window"] == 3 and register["PASSED"]["attention"]
    contract("PASSED-LATER", date(2027, 4, 30), 9)  # notice by 31 Jul 2026; ends within 6 months
    ordered = selectors.contracts_register(books.federation, today)
    passed = [r["contract"].reference for r in ordered if r["notice_passed"]]
    assert [r["contract"].reference for r in ordered[:2]] == passed == ["PASSED", "PASSED-LATER"]
    later = next(r for r in ordered if r["contract"].reference == "PASSED-LATER")
    assert later["window"] == 6 and later["attention"]
    assert not next(r for r in ordered if r["contract"].reference == "FAR")["attention"]


def test_the_finance_home_lists_a_contract_whose_notice_date_passed(client, lead, books):
    today = timezone.localdate()
    end = add_months(today, 2)
    finance.contract_save(
        federation=books.federation,
        by=None,
        reference="NOTICE-GONE",
        title="Notice gone",
        other_body="ICB",
        start_date=date(2024, 4, 1),
        end_date=end,
        notice_months=3,
        basis=Contract.Basis.PER_UNIT,
    )
    home = client.get(f"/finance/{books.federation.slug}/").content.decode()
    assert "NOTICE-GONE" in home and "notice date passed" in home
    # A contract whose notice date is ahead says when notice is due, not that it ends soon.
    finance.contract_save(
        federation=books.federation,
        by=None,
        reference="NOTICE-AHEAD",
        title="Notice ahead",
        other_body="ICB",
        start_date=date(2024, 4, 1),
        end_date=add_months(today, 8),
        notice_months=6,
        basis=Contract.Basis.PER_UNIT,
    )
    home = client.get(f"/finance/{books.federation.slug}/").content.decode()
    line = next(part for part in home.split("<li>") if "NOTICE-AHEAD" in part)
    assert "notice due within 3 months" in line and "ends within" not in line
    listed = client.get(f"/finance/{books.federation.slug}/contracts/", {"within": "3"})
    assert "NOTICE-GONE" in listed.content.decode()


def test_contract_documents_with_nhs_numbers_are_refused(books, lead):
    contract = finance.contract_save(
        federation=books.federation,
        by=None,
        reference="X-1",
        title="X",
        other_body="ICB",
        start_date=date(2025, 4, 1),
        basis=Contract.Basis.PER_UNIT,
    )
    page = lead.post(
        url("contract-part", books, pk=contract.pk, part="documents"),
        {
            "title": "Audit",
            "file": SimpleUploadedFile("audit.csv", b"patient,nhs\nx,943 476 5919\n"),
        },
    )
    assert page.status_code == 200 and b"NHS number" in page.content
    assert not ContractDocument.objects.exists()
    ok = lead.post(
        url("contract-part", books, pk=contract.pk, part="documents"),
        {"title": "Spec", "file": SimpleUploadedFile("spec.txt", b"Service specification v2")},
    )
    assert ok.status_code == 302
    document = ContractDocument.objects.get()
    download = lead.get(url("document", books, pk=document.pk))
    assert b"".join(download.streaming_content) == b"Service specification v2"


def test_contract_income_accrues_by_basis(books):
    contract = finance.contract_save(
        federation=books.federation,
        by=None,
        reference="DX",
        title="Diagnostics",
        other_body="ICB",
        start_date=date(2025, 4, 1),
        basis=Contract.Basis.MIXED,
        block_annual_pence=1_200_001,
    )
    finance.contract_service_set(
        contract=contract,
        service=books.phlebotomy,
        by=None,
        rule=Rule.ACTIVITY,
        unit_price_pence=650,
        block_share_percent=Decimal(100),
    )
    finance.activity_import(federation=books.federation, data=GOOD, file_name="x", by=None)
    created, _ = finance.contract_income_accrue(federation=books.federation, month=OCT, by=None)
    # block: 1,200,001 spread over 12 months, October is month 7 of the year -> 100,000;
    # per unit: 1,000 tests x 650p
    assert [e.amount_pence for e in created] == [100_000 + 650_000]
    again, notes = finance.contract_income_accrue(federation=books.federation, month=OCT, by=None)
    assert again == [] and "already accrued" in notes[0]


def test_two_contracts_paying_per_unit_for_one_service_are_not_both_accrued(books):
    for reference, price in (("ICB-1", 650), ("LA-2", 700)):
        contract = finance.contract_save(
            federation=books.federation,
            by=None,
            reference=reference,
            title="Phlebotomy",
            other_body="A commissioner",
            start_date=date(2025, 4, 1),
            basis=Contract.Basis.PER_UNIT,
        )
        finance.contract_service_set(
            contract=contract,
            service=books.phlebotomy,
            by=None,
            rule=Rule.ACTIVITY,
            unit_price_pence=price,
        )
    finance.activity_import(federation=books.federation, data=GOOD, file_name="x", by=None)
    created, notes = finance.contract_income_accrue(federation=books.federation, month=OCT, by=None)
    assert created == []  # 1,000 tests are not paid for twice
    assert len(notes) == 2
    assert "ICB-1 and LA-2 both pay per unit" in notes[0] and "enter it by hand" in notes[0]


def test_cli_statement_settlement_and_activity(books, posted, capsys, tmp_path):
    assert main(["statement", "A10001", "--period", "2026-10", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["totals"]["net_pence"] == 420_000
    pdf = tmp_path / "s.pdf"
    assert (
        main(
            ["statement", "A10001", "--period", "2026-10", "--format", "pdf", "--output", str(pdf)]
        )
        == 0
    )
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert main(["statement", "A10001", "--period", "sometime"]) == 2
    assert "is not a period" in capsys.readouterr().err
    slug = books.federation.slug
    assert main(["settlement", "journal", slug, "--month", "2026-10", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["Account"] == "1200"
    assert main(["settlement", "post", slug, "--month", "2026-10"]) == 2
    assert "already posted" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("ODS code,Service,Month,Units\nA10001,phlebotomy,2026-09,1.5\n")
    assert main(["activity", "import", slug, str(bad)]) == 2
    assert "whole number" in capsys.readouterr().err
    good = tmp_path / "sep.csv"
    good.write_text("ODS code,Service,Month,Units\nA10001,phlebotomy,2026-09,15\n")
    assert main(["activity", "import", slug, str(good), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["created"] == 1
    finance.income_entry_create(
        federation=books.federation,
        month=date(2026, 9, 1),
        description="Block",
        amount_pence=5_000,
        rule=Rule.EQUAL,
        by=None,
    )
    assert main(["settlement", "preview", slug, "--month", "2026-09", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["paid_pence"] == 4_750
    # two practices taking part in phlebotomy have no September activity: post says so first
    assert main(["settlement", "post", slug, "--month", "2026-09"]) == 2
    assert "--confirm-warnings" in capsys.readouterr().err
    assert main(["settlement", "post", slug, "--month", "2026-09", "--confirm-warnings"]) == 0


def test_pcn_figures_feed_the_entitlements(books, client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("finance:pcn-figures", args=[books.pcn.code]),
        {"financial_year": 2025, "care_home_beds": 120, "iif_points": "300", "source": "CQC"},
    )
    assert response.status_code == 302
    figures = selectors.pcn_entitlements(books.pcn, 2025)
    lines = {line.item: line.annual_pence for line in figures["entitlements"].lines}
    # 2025/26: £130.253 per bed (registry/rates.py) -> 120 beds = £15,630.36; £198 a point
    assert lines["Care home premium"] == 1_563_036
    assert lines["Investment and Impact Fund"] == 5_940_000
    assert figures["not_held"] == []


def test_the_demo_has_a_year_of_reconciled_settlements(demo_books):
    from django.db.models import Sum

    from finance.models import SettlementLine, SettlementRow
    from registry.models import Practice

    settlements = Settlement.objects.all()
    assert settlements.count() == 12
    for s in settlements:
        assert s.paid_pence + s.kept_pence == s.income_pence
        rows = SettlementRow.objects.filter(settlement=s).aggregate(n=Sum("net_pence"))["n"]
        assert rows == s.paid_pence
    assert SettlementLine.objects.filter(corrects__isnull=False).exists()  # an adjusting entry
    statement = selectors.practice_statement(
        Practice.objects.get(code="C82001"),
        selectors.parse_period("2026-27"),
        federation=settlements.first().federation,
    )
    assert len(statement["services"]) >= 5 and statement["totals"]["net_pence"] > 0


def test_services_contracts_and_activity_through_the_forms(lead, books):
    created = lead.post(
        url("service-new", books),
        {
            "name": "ECG",
            "code": "ecg",
            "category": "clinical",
            "level": "practice",
            "unit": "ECG",
            "staff_monthly_pence": "1,900.00",
            "premises_monthly_pence": "0",
            "management_monthly_pence": "£200",
            "cost_per_unit_pence": "3",
            "alone_fixed_monthly_pence": "550",
            "alone_per_unit_pence": "9.00",
            "alone_source": "Two supplier quotes",
            "active": "on",
        },
    )
    assert created.status_code == 302, created.context["form"].errors
    from finance.models import Service, ServiceParticipation

    ecg = Service.objects.get(code="ecg")
    assert (ecg.fixed_monthly_pence, ecg.cost_per_unit_pence) == (210_000, 300)
    duplicate = lead.post(url("service-new", books), {"name": "x", "code": "ecg"})
    assert duplicate.status_code == 200
    added = lead.post(
        url("participation-add", books, code="ecg"),
        {"organisation": "a10001", "start_date": "1/4/2026"},
    )
    assert added.status_code == 302
    outsider = lead.post(
        url("participation-add", books, code="ecg"),
        {"organisation": "D10004", "start_date": "1/4/2026"},
    )
    assert b"is not a member" in outsider.content
    recorded = lead.post(
        url("activity-record", books),
        {"organisation": "A10001", "service": ecg.pk, "month": "2026-10", "units": "12"},
    )
    assert recorded.status_code == 302 and Activity.objects.get(service=ecg).units == 12
    refused = lead.post(
        url("activity-record", books),
        {"organisation": "B10002", "service": ecg.pk, "month": "2026-10", "units": "3"},
    )
    assert b"does not take part in ECG" in refused.content
    spell = ServiceParticipation.objects.get(service=ecg)
    ended = lead.post(
        url("participation-end", books, code="ecg", pk=spell.pk), {"end_date": "31/10/2026"}
    )
    assert ended.status_code == 302
    contract = lead.post(
        url("contract-new", books),
        {
            "reference": "LLR-1",
            "title": "Diagnostics",
            "commissioner": "",
            "other_body": "",
            "start_date": "1/4/2026",
            "notice_months": "3",
            "annual_value_pence": "10,000",
            "basis": "per_unit",
        },
    )
    assert b"name the other body" in contract.content  # neither an ICB nor another body
    contract = lead.post(
        url("contract-new", books),
        {
            "reference": "LLR-1",
            "title": "Diagnostics",
            "other_body": "The ICB",
            "start_date": "1/4/2026",
            "end_date": "31/3/2027",
            "notice_months": "3",
            "annual_value_pence": "10,000",
            "basis": "per_unit",
        },
    )
    assert contract.status_code == 302
    saved = Contract.objects.get(reference="LLR-1")
    assert saved.notice_date == date(2026, 12, 31)
    funded = lead.post(
        url("contract-part", books, pk=saved.pk, part="services"),
        {
            "service": ecg.pk,
            "rule": "activity",
            "unit_price_pence": "22",
            "block_share_percent": "0",
        },
    )
    assert funded.status_code == 302 and saved.funded.get().unit_price_pence == 2_200
    assert lead.get(url("contract", books, pk=saved.pk)).status_code == 200
    assert lead.get(url("contract-part", books, pk=saved.pk, part="nonsense")).status_code == 404


def test_the_difference_chart_draws_losses_below_the_line():
    from registry.charts import diverging_bar_chart

    chart = diverging_bar_chart("Difference", [("2026-09", 250_000), ("2026-10", -100_000)])
    gain, loss = chart.bars
    assert gain.y + gain.height == chart.baseline  # up from the zero line
    assert loss.y == chart.baseline and "negative" in loss.css  # down from it
    assert gain.height == 2.5 * loss.height
    assert [t["label"] for t in chart.y_ticks] == ["2.5k", "1.25k", "0", "-1.25k", "-2.5k"]


def test_an_income_line_changes_before_posting_and_never_after(lead, books):
    entry = finance.income_entry_create(
        federation=books.federation,
        month=OCT,
        description="ICB payment",
        amount_pence=100_000,
        rule=Rule.EQUAL,
        by=None,
    )
    page = lead.get(url("income-edit", books, month="2026-10", pk=entry.pk))
    assert page.status_code == 200 and b'value="ICB payment"' in page.content
    refused = lead.post(
        url("income-edit", books, month="2026-10", pk=entry.pk),
        {"description": "ICB payment", "amount_pence": "0", "status": "received", "rule": "equal"},
    )
    assert b"The amount cannot be zero." in refused.content
    changed = lead.post(
        url("income-edit", books, month="2026-10", pk=entry.pk),
        {
            "description": "ICB payment (corrected)",
            "amount_pence": "1,250.00",
            "status": "received",
            "rule": Rule.FIXED,
            "shares": "A10001 1000",
        },
    )
    assert changed.status_code == 302
    entry.refresh_from_db()
    assert (entry.description, entry.amount_pence, entry.rule) == (
        "ICB payment (corrected)",
        125_000,
        Rule.FIXED,
    )
    assert [(s.practice.code, s.value) for s in entry.shares.all()] == [("A10001", 1000)]
    event = AuditEvent.objects.get(action="finance.income.update")
    assert event.changes["amount_pence"] == [100_000, 125_000]
    assert event.changes["shares"] == [{}, {"A10001": "1000"}]
    finance.settlement_post(federation=books.federation, month=OCT, by=None)
    entry.refresh_from_db()
    with pytest.raises(finance.FinanceError, match="cannot change"):
        finance.income_entry_update(
            entry=entry,
            description="Later",
            amount_pence=1,
            rule=Rule.EQUAL,
            status="received",
            by=None,
        )
    after = lead.get(url("income-edit", books, month="2026-10", pk=entry.pk), follow=True)
    assert b"cannot change; post an adjusting entry" in after.content
