"""Messages in plain, correct English: counts with their nouns (1 practice, 2 practices, never
"practice(s)"), rates as money to the penny, an empty box named in the error summary ("Enter
the month", not "This field is required." on its own), and an activity file's problems listed
in the order of its rows."""

import re
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse

from accounts.services import role_grant
from finance import services as finance
from finance.engine import FIXED, EntryInput, MonthInputs, _recipients
from finance.models import Contract
from kernel.formats import counted, field_required, rate_text
from registry.importers.base import ImportFileError
from tests.conftest import sign_in_verified
from tests.factories import ContractFactory


def test_counts_have_their_nouns_in_the_singular_and_the_plural():
    assert counted(1, "practice") == "1 practice"
    assert counted(2, "practice") == "2 practices"
    assert counted(1, "person", "people") == "1 person"
    assert counted(33651, "weighted patient") == "33,651 weighted patients"


@pytest.mark.parametrize(
    ("rate", "text"),
    [
        (Decimal("7.4600"), "£7.46"),
        (Decimal("27.668"), "£27.668"),
        (Decimal("1234.5"), "£1,234.50"),
        (Decimal("0.0125"), "£0.0125"),
        (Decimal("-3"), "\u2212£3.00"),
    ],
)
def test_a_rate_is_money_to_the_penny_and_past_it_only_where_it_has_more(rate, text):
    assert rate_text(rate) == text
    assert Template("{% load gpfed %}{{ r|rate }}").render(Context({"r": rate})) == text


@pytest.mark.parametrize(
    ("label", "kind", "message"),
    [
        ("Period", "text", "Enter the period"),
        ("Practice or PCN ODS code", "text", "Enter the practice or PCN ODS code"),
        ("ODS code", "text", "Enter the ODS code"),
        ("Service", "select", "Choose the service"),
        ("Whose figures", "radio", "Choose an answer for “Whose figures”"),
        ("File", "file", "Choose a file to upload"),
    ],
)
def test_an_empty_box_is_named_in_its_message(label, kind, message):
    assert field_required(label, kind) == message


@pytest.mark.parametrize(
    ("outsiders", "words"),
    [
        ([9], "name 1 practice that is not a member of"),
        ([8, 9], "name 2 practices that are not members"),
    ],
)
def test_shares_naming_outsiders_are_counted_in_plain_english(outsiders, words):
    entry = EntryInput(
        key=1,
        description="Grant",
        amount_pence=100,
        rule=FIXED,
        shares=dict.fromkeys(outsiders, Decimal(1)),
    )
    inputs = MonthInputs(
        federation_id=1, month="2026-10", overhead_percent=Decimal(0), members=[1], codes={1: "A"}
    )
    problems: list[str] = []
    _recipients(entry, inputs, problems)
    assert any(words in p for p in problems), problems
    assert not any("(s)" in p for p in problems)


@pytest.fixture
def lead(client, books):
    role_grant(user=books.lead, role="finance_lead", organisation=books.federation, by=None)
    sign_in_verified(client, books.lead)
    return client


@pytest.mark.django_db
def test_the_error_summary_names_each_empty_box(lead, books):
    response = lead.post(reverse("finance:activity-record", args=[books.federation.slug]), {})
    summary = response.content.decode().split('nhsuk-error-summary__list"')[1]
    summary = summary.split("</ul>")[0]
    items = re.findall(r'<a href="#([^"]+)">([^<]*)</a>', summary)
    assert dict(items) == {
        "id_organisation": "Enter the practice or PCN ODS code",
        "id_service": "Choose the service",
        "id_month": "Enter the month",
        "id_units": "Enter the units",
    }
    assert "This field is required." not in response.content.decode()  # nor beside the box


@pytest.mark.django_db
def test_a_per_head_rate_shows_as_money_per_patient(lead, books):
    contract = ContractFactory(
        federation=books.federation,
        basis=Contract.Basis.PER_REGISTERED,
        block_annual_pence=0,
        per_head_rate=Decimal("7.4600"),
    )
    page = lead.get(reverse("finance:contract", args=[books.federation.slug, contract.pk]))
    text = page.content.decode()
    assert "£7.46 per patient a year" in text
    assert "7.4600" not in text


@pytest.mark.django_db
def test_an_activity_files_problems_are_listed_in_row_order(books):
    """The file's own problems (a negative count) are found before the federation's (a code
    gpfed does not know), but are listed by row."""
    data = (
        b"ODS code,Service,Month,Units\n"
        b"Z99999,phlebotomy,2026-10,5\n"  # row 2: not a practice gpfed knows
        b"A10001,phlebotomy,2026-10,-1\n"  # row 3: negative
        b"B10002,nothing,2026-10,3\n"  # row 4: not a service
        b"C10003,phlebotomy,2026-10,\n"  # row 5: no units
    )
    with pytest.raises(ImportFileError) as error:
        finance.activity_import(federation=books.federation, data=data, file_name="x.csv", by=None)
    rows = [p.row for p in error.value.problems]
    assert rows == sorted(rows) and set(rows) == {2, 3, 4, 5}


def test_accruing_says_what_it_did_in_one_sentence_and_names_what_it_left():
    from finance.views.settlements import _accrued_text

    assert _accrued_text([1, 2], []) == "2 contract income lines accrued."
    assert _accrued_text([1], ["DX Phlebotomy: already accrued"]) == (
        "1 contract income line accrued; 1 line accrued before was left as it was (DX Phlebotomy)."
    )
    hand = "HR HR support: already accrued, but entered or changed by hand since"
    assert _accrued_text([], ["A: already accrued", "B: already accrued", hand]) == (
        "No contract income lines accrued; 2 lines accrued before were left as they were (A, B)."
    )
