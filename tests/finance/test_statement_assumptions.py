"""A value statement states what its comparison rests on, and states it right: "Other income"
is not a service; a standing charge says so, and otherwise the fixed cost of doing it alone
counts only in months the practice used a service measured by activity; per-patient figures
of a very small list are flagged; a correction is a line of its own naming the settlement it
corrects."""

import io
import re
from datetime import date

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.services import role_grant
from finance import selectors
from finance import services as finance
from finance.models import Rule, SettlementRow
from tests.conftest import sign_in_verified
from tests.factories import ListSizeFactory

OCT = date(2026, 10, 1)
NOV = date(2026, 11, 1)


def _activity(books, month: date) -> None:
    data = (
        "ODS code,Service,Month,Units\n"
        f"A10001,phlebotomy,{month:%Y-%m},600\n"
        f"B10002,phlebotomy,{month:%Y-%m},300\n"
        f"C10003,phlebotomy,{month:%Y-%m},100\n"
    ).encode()
    finance.activity_import(
        federation=books.federation, data=data, file_name=f"{month:%Y-%m}.csv", by=None
    )


def _phlebotomy_income(books, month: date) -> None:
    finance.income_entry_create(
        federation=books.federation,
        month=month,
        description="Phlebotomy payments",
        amount_pence=1_000_000,
        rule=Rule.ACTIVITY,
        service=books.phlebotomy,
        by=None,
    )


@pytest.fixture
def october(books):
    """October posted from real income lines: phlebotomy by activity, and a block paid for
    no particular service ("Other income"), shared equally."""
    _activity(books, OCT)
    _phlebotomy_income(books, OCT)
    finance.income_entry_create(
        federation=books.federation,
        month=OCT,
        description="PCN admin block",
        amount_pence=30_000,
        rule=Rule.EQUAL,
        by=None,
    )
    return finance.settlement_post(federation=books.federation, month=OCT, by=None)


@pytest.fixture
def lead(client, books):
    role_grant(user=books.lead, role="finance_lead", organisation=books.federation, by=None)
    return sign_in_verified(client, books.lead)


def _statement(books, practice, period: str) -> dict:
    return selectors.practice_statement(
        practice, selectors.parse_period(period), federation=books.federation
    )


def _page(lead, books, practice, period: str, fmt: str = "statement"):
    return lead.get(
        reverse(f"finance:{fmt}", args=[practice.code]),
        {"period": period, "federation": books.federation.slug},
    )


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_headline_does_not_count_other_income_as_a_service(books, october):
    abbey = books.practices[0]
    statement = _statement(books, abbey, "2026-10")
    lines = [s["service"] for s in statement["services"]]
    assert lines == ["HR support", "Phlebotomy", "Other income"]
    assert "from 2 services and other income" in statement["summary"]
    assert "3 services" not in statement["summary"]
    assert statement["service_count"] == 2
    # a practice paid other income alone is paid from no service at all
    castle = books.practices[2]
    assert "from 1 service and other income" in _statement(books, castle, "2026-10")["summary"]


def test_a_standing_charge_is_stated_and_otherwise_the_fixed_cost_counts_in_months_used(
    books, lead
):
    finance.service_save(
        federation=books.federation, by=None, instance=books.hr, alone_fixed_standing=True
    )
    _activity(books, OCT)
    _phlebotomy_income(books, OCT)
    finance.settlement_post(federation=books.federation, month=OCT, by=None)
    abbey = books.practices[0]
    page = _words(_page(lead, books, abbey, "2026-10").content.decode())
    assert "standing charge: counted every month" in page
    assert "counts only in months the practice used a service measured by activity" in page
    statement = _statement(books, abbey, "2026-10")
    by_code = {s["code"]: s for s in statement["services"]}
    assert "standing charge: counted every month" in by_code["hr"]["alone_basis"]
    assert "only in months the practice used it" in by_code["phlebotomy"]["alone_basis"]
    said = " ".join(statement["assumptions"])
    assert (
        "the fixed cost of doing it alone counts only in months the practice used a service "
        "measured by activity" in said
    )
    assert "HR support: the fixed cost of doing it alone is a standing charge" in said
    pdf = _page(lead, books, abbey, "2026-10", "statement-pdf")
    text = _words(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages))
    assert "standing charge: counted every month" in text
    assert "counts only in months the practice used a service measured by activity" in text
    as_json = _page(lead, books, abbey, "2026-10", "statement-json").json()
    assert as_json["assumptions"] == statement["assumptions"]


def test_per_patient_figures_of_a_very_small_list_are_flagged(books, october, lead):
    castle, abbey = books.practices[2], books.practices[0]
    ListSizeFactory(practice=castle, extract_date=date(2026, 10, 1), patients=46)
    small = _statement(books, castle, "2026-10")
    assert "list of 46 patients is very small, so per-patient figures mislead" in small["summary"]
    assert small["registered_patients"] == 46 and small["small_list"] is True
    assert small["difference_per_patient"] is not None  # shown, and flagged
    assert any("very small (46 patients" in said for said in small["assumptions"])
    page = _words(_page(lead, books, castle, "2026-10").content.decode())
    assert "very small list (46 patients): per-patient figures mislead" in page

    large = _statement(books, abbey, "2026-10")
    assert large["small_list"] is False and "very small" not in large["summary"]
    assert "very small list" not in _page(lead, books, abbey, "2026-10").content.decode()


def test_a_correction_is_a_line_of_its_own_naming_the_settlement_it_corrects(books, october, lead):
    _activity(books, NOV)
    _phlebotomy_income(books, NOV)
    finance.income_entry_create(
        federation=books.federation,
        month=NOV,
        description="ICB clawback on October phlebotomy",
        amount_pence=-60_000,
        rule=Rule.REGISTERED,
        service=books.phlebotomy,
        corrects=october,
        by=None,
    )
    finance.settlement_post(federation=books.federation, month=NOV, by=None)
    abbey = books.practices[0]
    for period in ("2026-11", "2026-27-Q3"):
        statement = _statement(books, abbey, period)
        phlebotomy = [s for s in statement["services"] if s["code"] == "phlebotomy"]
        own, correction = phlebotomy
        assert own["corrects"] is None
        assert correction["corrects"] == october.reference
        assert correction["line"] == f"Phlebotomy: correction to {october.reference}"
        # -£600 less the returned 5% top-slice, by registered list 6:3:1: Abbey -£342
        assert correction["net_pence"] == -34_200
        rows = SettlementRow.objects.filter(practice=abbey, service=books.phlebotomy)
        assert correction["net_pence"] == sum(
            r.net_pence for r in rows if r.corrects_id == october.pk
        )
        assert own["net_pence"] == sum(
            r.net_pence
            for r in rows
            if r.corrects_id is None and r.month >= selectors.parse_period(period).first
        )
        assert statement["service_count"] == 2  # a correction is the same service
        assert statement["corrections"] == [october.reference]
        assert statement["totals"]["net_pence"] == sum(
            s["net_pence"] for s in statement["services"]
        )
    page = _words(_page(lead, books, abbey, "2026-11").content.decode())
    assert f"correction to {october.reference}" in page
    assert "from 2 services" in page
