"""Returns to practices for board packs: the page, CSV and PDF for the period chosen, with
totals and the costs the federation carried, every download audited whichever door it
leaves by (the page, the API, the command line), and no cell a spreadsheet would run."""

import csv
import io
import json
import re
from datetime import date

import pytest
from django.db.models import Sum
from django.urls import reverse
from pypdf import PdfReader

from accounts.services import role_grant
from audit.models import AuditEvent
from finance import selectors
from finance import services as finance
from finance.models import Rule, Settlement, SettlementRow
from gpfed.cli import main
from registry.models import Practice
from tests.conftest import sign_in_verified
from tests.factories import ListSizeFactory, UserFactory

OCT = date(2026, 10, 1)
ACTIVITY = (
    b"ODS code,Service,Month,Units\n"
    b"A10001,phlebotomy,2026-10,600\nB10002,phlebotomy,2026-10,300\nC10003,phlebotomy,2026-10,100\n"
)
MONEY = [
    "Income attributed",
    "Costs of delivery",
    "Overhead",
    "Net paid",
    "Alone: cost",
    "Alone: net",
    "Difference",
]


@pytest.fixture
def october(books):
    """October posted from a real income line for phlebotomy, while payroll (£3,100 a month
    to run, for Abbey and Brook) has no income line: its cost is carried by the federation.
    Castle's list is very small."""
    payroll = finance.service_save(
        federation=books.federation,
        by=None,
        code="payroll",
        name="Payroll",
        category="back_office",
        level="federation",
        unit="payslip",
        management_monthly_pence=310_000,
        alone_fixed_monthly_pence=42_000,
    )
    for practice in books.practices[:2]:
        finance.participation_add(
            service=payroll, practice=practice, start_date=date(2025, 4, 1), by=None
        )
    ListSizeFactory(practice=books.practices[2], extract_date=date(2026, 10, 1), patients=46)
    finance.activity_import(
        federation=books.federation, data=ACTIVITY, file_name="oct.csv", by=None
    )
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


@pytest.fixture
def lead(client, books):
    role_grant(user=books.lead, role="finance_lead", organisation=books.federation, by=None)
    return sign_in_verified(client, books.lead)


def _returns(client, books, **query):
    return client.get(reverse("finance:returns", args=[books.federation.slug]), query)


def _exports():
    return AuditEvent.objects.filter(action="finance.export.returns").order_by("pk")


def _pence(text: str) -> int:
    return round(float(text.lstrip("'")) * 100)


def _csv(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode())))


def test_the_returns_csv_has_totals_and_the_costs_carried(books, october, lead):
    response = _returns(lead, books, period="2026-10", format="csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"returns-{books.federation.slug}-2026-10.csv" in response["Content-Disposition"]
    lines = _csv(response.content)
    practices = [r for r in lines if r["Line"] == "Practice"]
    assert [r["Code"] for r in practices] == [
        r["code"]
        for r in selectors.federation_returns(books.federation, selectors.parse_period("2026-10"))
    ]
    (total,) = [r for r in lines if r["Line"] == "Total"]
    for column in MONEY:
        assert _pence(total[column]) == sum(_pence(r[column]) for r in practices), column
    posted = SettlementRow.objects.filter(settlement=october).aggregate(
        net=Sum("net_pence"), income=Sum("income_pence"), alone=Sum("alone_cost_pence")
    )
    assert _pence(total["Net paid"]) == posted["net"] == october.paid_pence == 700_000
    assert _pence(total["Income attributed"]) == posted["income"]
    assert _pence(total["Alone: cost"]) == posted["alone"]

    carried = [r for r in lines if r["Line"] == "Costs carried by the federation"]
    assert [(r["Code"], r["Name"], r["Carried by the federation"]) for r in carried] == [
        ("payroll", "Payroll", "3100.00")
    ]
    (carried_total,) = [r for r in lines if r["Line"] == "Total carried by the federation"]
    assert _pence(carried_total["Carried by the federation"]) == sum(
        Settlement.objects.get(pk=october.pk).carried_pence.values()
    )

    castle = next(r for r in practices if r["Code"] == "C10003")
    assert "Very small list" in castle["Note"] and castle["Registered patients"] == "46"
    assert next(r for r in practices if r["Code"] == "A10001")["Note"] == ""

    (event,) = _exports()
    assert (event.federation, event.actor) == (books.federation, books.lead)
    assert event.changes == {"format": [None, "csv"], "period": [None, "2026-10"]}


def test_the_period_chosen_applies_to_the_download(books, october, lead):
    september = _csv(_returns(lead, books, period="2026-09", format="csv").content)
    assert [r["Line"] for r in september] == ["Total", "Total carried by the federation"]
    assert _pence(september[0]["Net paid"]) == 0
    assert _pence(september[1]["Carried by the federation"]) == 0
    year = _csv(_returns(lead, books, period="2026-27", format="csv").content)
    assert {r["Period"] for r in year} == {"2026-27"}
    assert _pence(next(r for r in year if r["Line"] == "Total")["Net paid"]) == 700_000
    assert [e.changes["period"][1] for e in _exports()] == ["2026-09", "2026-27"]


def test_the_returns_csv_runs_no_formula(books, october, lead):
    Practice.objects.filter(code="C10003").update(name='=HYPERLINK("http://x.example","Castle")')
    lines = _csv(_returns(lead, books, period="2026-10", format="csv").content)
    castle = next(r for r in lines if r["Code"] == "C10003")
    assert castle["Name"] == '\'=HYPERLINK("http://x.example","Castle")'


def test_the_returns_pdf_has_totals_and_the_costs_carried(books, october, lead):
    response = _returns(lead, books, period="2026-10", format="pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert f"returns-{books.federation.slug}-2026-10.pdf" in response["Content-Disposition"]
    text = re.sub(
        r"\s+",
        " ",
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages),
    )
    assert "Returns to practices: Test Federation, October 2026" in text
    assert "Total" in text and "£7,000.00" in text  # the net paid to all three practices
    assert "Costs carried by the federation" in text
    assert "Payroll £3,100.00" in text
    assert "very small list" in text
    assert [e.changes["format"][1] for e in _exports()] == ["pdf"]


def test_the_returns_page_shows_totals_small_lists_and_the_costs_carried(books, october, lead):
    page = _returns(lead, books, period="2026-10")
    assert page.status_code == 200
    html = re.sub(r"\s+", " ", page.content.decode())
    assert 'id="returns-total"' in html and "£7,000.00" in html
    assert "very small list: per-patient figures mislead" in html
    assert "Costs carried by the federation: October 2026" in html
    assert "Payroll" in html and "£3,100.00" in html
    assert "?period=2026-10&amp;format=csv" in html and "?period=2026-10&amp;format=pdf" in html
    assert not _exports().exists()  # reading the page is not a download


def test_a_refused_download_records_nothing(client, books, october, lead):
    assert _returns(lead, books, period="2026-10", format="xlsx").status_code == 400
    assert _returns(lead, books, period="2026-13", format="csv").status_code == 400
    stranger = sign_in_verified(client, UserFactory())
    assert _returns(stranger, books, period="2026-10", format="csv").status_code == 404
    assert not _exports().exists()


def test_the_api_returns_are_audited(books, october, lead):
    api = lead.get(f"/api/v1/federations/{books.federation.slug}/returns", {"period": "2026-10"})
    assert api.status_code == 200
    castle = next(r for r in api.json() if r["code"] == "C10003")
    assert castle["small_list"] is True
    assert [e.changes["format"][1] for e in _exports()] == ["api"]


def test_cli_returns_audits_every_export_and_refuses_in_one_line(books, october, capsys):
    slug = books.federation.slug
    assert main(["returns", slug, "--period", "2026-10", "--format", "csv"]) == 0
    lines = _csv(capsys.readouterr().out.encode())
    assert _pence(next(r for r in lines if r["Line"] == "Total")["Net paid"]) == 700_000
    assert main(["returns", slug, "--period", "2026-10", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["totals"]["net_pence"] == 700_000
    assert data["carried"]["total_pence"] == 310_000
    assert main(["returns", slug, "--period", "2026-10"]) == 0
    out = capsys.readouterr().out
    assert "Costs carried by the federation: £3,100.00" in out and "very small list" in out
    events = list(_exports())
    assert [(e.changes["format"][1], e.origin, e.federation) for e in events] == [
        ("csv", "command line", books.federation),
        ("json", "command line", books.federation),
        ("text", "command line", books.federation),
    ]

    assert main(["returns", slug, "--period", "sometime"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert main(["returns", "no-such-federation", "--period", "2026-10"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    stranger = UserFactory()
    assert main(["--by", stranger.email, "returns", slug, "--period", "2026-10"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert _exports().count() == 3


def test_the_pdf_headers_read_names_as_written(books, october, lead):
    """A practice's name with an apostrophe or an ampersand, and a quarter's label, are
    printed at the top of every page as they are written (not as CSS escapes, u0027)."""
    Practice.objects.filter(code="C10003").update(name="St John's & Wigston")
    pdfs = [
        _returns(lead, books, period="2026-27-Q3", format="pdf"),
        lead.get(
            reverse("finance:statement-pdf", args=["C10003"]),
            {"period": "2026-27-Q3", "federation": books.federation.slug},
        ),
    ]
    returns, statement = (
        [page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages] for pdf in pdfs
    )
    assert "Returns to practices, October to December 2026 (Q3 2026-27)" in returns[-1]
    for page in statement:
        assert (
            "St John's & Wigston (C10003) Value statement, October to December 2026 (Q3 2026-27)"
            in page
        )


def test_the_finance_home_shows_the_costs_carried_this_year(books, october, lead):
    page = lead.get(reverse("finance:federation", args=[books.federation.slug]))
    carried = page.content.decode().split('id="carried-costs"')[1].split("</table>")[0]
    assert "Payroll" in carried and "£3,100.00" in carried
