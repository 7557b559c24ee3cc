"""Issue 14 attacked: federation B's finance lead (full rights in B) and a practice
manager of a practice both hold, against federation A (the books fixture)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.services import api_token_create, role_grant
from finance import services as finance
from finance.models import Contract, IncomeEntry, Rule, Settlement
from finance.services import FinanceError
from registry.models import Federation, FederationMembership
from tests.conftest import sign_in_verified
from tests.factories import ListSizeFactory, PracticeFactory, PracticePCNFactory, UserFactory
from tests.finance.test_settlements import GOOD, activity_csv

OCT, NOV = date(2026, 10, 1), date(2026, 11, 1)


class B:
    pass


@pytest.fixture
def b(books):
    """Federation B holds Abbey (A10001, also A's) and one practice of its own in A's PCN,
    with a phlebotomy service of its own and a finance lead."""
    out = B()
    out.federation = Federation.objects.create(name="B Federation", slug="b-fed")
    out.own = PracticeFactory(code="E10005", name="Elm")
    PracticePCNFactory(practice=out.own, pcn=books.pcn)
    ListSizeFactory(practice=out.own, extract_date=date(2026, 9, 1), patients=2_000)
    shared = books.practices[0]
    for practice in (shared, out.own):
        FederationMembership.objects.create(
            federation=out.federation, practice=practice, start_date=date(2020, 4, 1)
        )
    out.lead = UserFactory(email="b-lead@example.org")
    role_grant(user=out.lead, role="finance_lead", organisation=out.federation, by=None)
    out.service = finance.service_save(
        federation=out.federation,
        by=out.lead,
        code="phlebotomy",
        name="B phlebotomy",
        unit="blood test",
        alone_source="x",
    )
    return out


@pytest.fixture
def b_client(client, b):
    return sign_in_verified(client, b.lead)


# --- the confirm page, returns
def test_b_cannot_open_or_post_as_confirm_page_for_a(books, october, b, b_client):
    finance.income_entry_create(
        federation=books.federation,
        month=NOV,
        description="Nov",
        amount_pence=10_000,
        rule=Rule.EQUAL,
        by=None,
    )
    url = reverse("finance:post", args=[books.federation.slug, "2026-11"])
    assert b_client.get(url).status_code == 404
    fp = finance.settlement_preview(books.federation, NOV).fingerprint()
    assert b_client.post(url, {"fingerprint": fp, "confirm": "yes"}).status_code == 404
    assert not Settlement.objects.filter(federation=books.federation, month=NOV).exists()


def test_b_cannot_read_as_returns_by_page_csv_pdf_api_or_cli(books, october, b, b_client):
    url = reverse("finance:returns", args=[books.federation.slug])
    for query in ({}, {"format": "csv"}, {"format": "pdf"}, {"period": "2026-10", "format": "csv"}):
        assert b_client.get(url, query).status_code == 404, query
    _, token = api_token_create(user=b.lead, name="script")
    api = b_client.get(
        f"/api/v1/federations/{books.federation.slug}/returns?period=2026-10",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert api.status_code == 404
    from gpfed.cli import main

    assert (
        main(
            [
                "--by",
                b.lead.email,
                "returns",
                books.federation.slug,
                "--period",
                "2026-10",
                "--format",
                "csv",
            ]
        )
        != 0
    )


def test_a_practice_manager_of_a_shared_practice_reads_no_returns(books, october, b, client):
    manager = UserFactory(email="pm@example.org")
    role_grant(
        user=manager,
        role="practice_manager",
        organisation=books.practices[0],
        by=None,
        federation=b.federation,
    )
    sign_in_verified(client, manager)
    for slug in (books.federation.slug, b.federation.slug):
        url = reverse("finance:returns", args=[slug])
        assert client.get(url, {"period": "2026-10", "format": "csv"}).status_code == 404
    statement = client.get(
        reverse("finance:statement-json", args=["A10001"]),
        {"period": "2026-10", "federation": books.federation.slug},
    )
    assert statement.status_code in (400, 404)


def test_b_cannot_correct_as_settlement_by_form_or_service(books, october, b, b_client):
    response = b_client.post(
        reverse("finance:income-add", args=[b.federation.slug, "2026-11"]),
        {
            "description": "Claw A's October back",
            "amount_pence": "-250",
            "status": "received",
            "rule": "fixed",
            "shares": "A10001 -250",
            "corrects": october.pk,
            "top_slice": "0",
        },
    )
    assert response.status_code == 200  # the form again, with an error
    assert not IncomeEntry.objects.filter(federation=b.federation).exists()
    with pytest.raises(FinanceError, match="another federation"):
        finance.income_entry_create(
            federation=b.federation,
            month=NOV,
            description="x",
            amount_pence=-25_000,
            rule=Rule.FIXED,
            corrects=october,
            top_slice=False,
            shares={books.practices[0]: Decimal("-250")},
            by=b.lead,
        )


def test_no_top_slice_on_a_line_that_corrects_nothing_by_crafted_post(b, b_client):
    response = b_client.post(
        reverse("finance:income-add", args=[b.federation.slug, "2026-11"]),
        {
            "description": "Whole",
            "amount_pence": "100",
            "status": "received",
            "rule": "equal",
            "top_slice": "0",
        },
    )
    assert response.status_code == 200 and b"only an adjusting entry" in response.content
    assert not IncomeEntry.objects.filter(federation=b.federation).exists()


def test_b_fixed_shares_naming_as_own_practice_cannot_be_posted(books, b):
    finance.income_entry_create(
        federation=b.federation,
        month=OCT,
        description="To Castle",
        amount_pence=10_000,
        rule=Rule.FIXED,
        shares={books.practices[2]: Decimal("50")},
        by=b.lead,
    )
    preview = finance.settlement_preview(b.federation, OCT)
    assert any("not a member" in p for p in preview.problems)
    with pytest.raises(FinanceError):
        finance.settlement_post(
            federation=b.federation, month=OCT, by=b.lead, confirmed_warnings=preview.warnings
        )


# --- accruals follow their own federation's data alone ---------------------------------------


def test_bs_participation_and_activity_never_move_as_accrued_income(books, b):
    finance.activity_import(federation=books.federation, data=GOOD, file_name="a.csv", by=None)
    contract = finance.contract_save(
        federation=books.federation,
        by=None,
        reference="A-UNIT",
        title="per unit",
        other_body="ICB",
        start_date=date(2025, 4, 1),
        basis=Contract.Basis.PER_UNIT,
    )
    finance.contract_service_set(
        contract=contract,
        service=books.phlebotomy,
        by=None,
        rule=Rule.ACTIVITY,
        unit_price_pence=650,
    )
    finance.contract_income_accrue(federation=books.federation, month=OCT, by=None)
    before = IncomeEntry.objects.get(federation=books.federation, month=OCT)
    fingerprint = finance.settlement_preview(books.federation, OCT).fingerprint()
    # B: the shared PCN, the shared practice, activity for both, its own per-unit contract
    finance.participation_add(
        service=b.service, pcn=books.pcn, start_date=date(2025, 4, 1), by=b.lead
    )
    finance.participation_add(
        service=b.service, practice=books.practices[0], start_date=date(2025, 4, 1), by=b.lead
    )
    finance.activity_import(
        federation=b.federation,
        data=activity_csv("A10001,phlebotomy,2026-10,5000", "U10001,phlebotomy,2026-10,900"),
        file_name="b.csv",
        by=b.lead,
    )
    b_contract = finance.contract_save(
        federation=b.federation,
        by=b.lead,
        reference="A-UNIT",
        title="same reference",
        other_body="ICB",
        start_date=date(2025, 4, 1),
        basis=Contract.Basis.PER_UNIT,
    )
    finance.contract_service_set(
        contract=b_contract,
        service=b.service,
        by=b.lead,
        rule=Rule.ACTIVITY,
        unit_price_pence=9_999,
    )
    finance.contract_income_accrue(federation=b.federation, month=OCT, by=b.lead)
    after = IncomeEntry.objects.get(federation=books.federation, month=OCT)
    assert (after.amount_pence, after.description) == (before.amount_pence, before.description)
    preview = finance.settlement_preview(books.federation, OCT)
    assert preview.fingerprint() == fingerprint and not preview.stale
    assert not any("B phlebotomy" in w or "U10001" in w for w in preview.warnings)


# --- the rota query parameter --------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["1900-01", "2200-12", "2026-13", "0000-01", "2026-1", "x", "2026-10-01", "9999-12"]
)
def test_odd_rota_months_answer_200_or_400(books, client, value):
    finance.service_save(
        federation=books.federation, by=None, instance=books.hr, costs_from_rota=True
    )
    role_grant(user=books.lead, role="finance_lead", organisation=books.federation, by=None)
    sign_in_verified(client, books.lead)
    response = client.get(
        reverse("finance:federation", args=[books.federation.slug]), {"rota": value}
    )
    assert response.status_code in (200, 400), value


# --- the confirmation carries a digest of the warnings it showed ------------------------------

SMALL = activity_csv("A10001,phlebotomy,2026-10,6")


@pytest.fixture
def lead(client, books):
    role_grant(user=books.lead, role="finance_lead", organisation=books.federation, by=None)
    return sign_in_verified(client, books.lead)


@pytest.fixture
def warned(books):
    finance.activity_import(federation=books.federation, data=SMALL, file_name="a.csv", by=None)
    finance.income_entry_create(
        federation=books.federation,
        month=OCT,
        description="Phlebotomy payments",
        amount_pence=100_000,
        rule=Rule.ACTIVITY,
        service=books.phlebotomy,
        by=None,
    )
    return finance.settlement_preview(books.federation, OCT)


def _post_url(books):
    return reverse("finance:post", args=[books.federation.slug, "2026-10"])


def _confirm(lead, books, preview, **extra):
    return lead.post(
        _post_url(books),
        {
            "fingerprint": preview.fingerprint(),
            "warnings": finance.warnings_digest(preview.warnings),
            "confirm": "yes",
            **extra,
        },
    )


def test_forged_confirmations_post_nothing(books, warned, lead):
    fingerprint = warned.fingerprint()
    lead.post(
        _post_url(books), {"fingerprint": fingerprint, "warnings": "0" * 64, "confirm": "yes"}
    )
    lead.post(_post_url(books), {"fingerprint": fingerprint, "confirm": "yes"})
    assert not Settlement.objects.exists()
    _confirm(lead, books, warned)
    assert Settlement.objects.get().warnings == warned.warnings


def test_a_stale_confirm_page_posts_nothing(books, warned, lead):
    assert lead.get(_post_url(books)).status_code == 200
    finance.activity_import(
        federation=books.federation,
        data=activity_csv("B10002,phlebotomy,2026-10,300"),
        file_name="b.csv",
        by=None,
    )
    refused = _confirm(lead, books, warned)
    assert refused.status_code == 400 and b"have changed since this page" in refused.content
    assert not Settlement.objects.exists()


def test_a_warning_with_a_line_break_can_be_confirmed_from_a_browser(books, lead):
    finance.income_entry_create(
        federation=books.federation,
        month=OCT,
        description="Oct\nshare",
        amount_pence=10_000,
        rule=Rule.ACTIVITY,
        service=books.hr,
        by=None,
    )
    preview = finance.settlement_preview(books.federation, OCT)
    assert any("\n" in w for w in preview.warnings)
    _confirm(lead, books, preview)
    assert Settlement.objects.exists()


def test_a_month_with_over_a_thousand_warnings_can_be_posted_from_the_page(books, lead):
    IncomeEntry.objects.bulk_create(
        IncomeEntry(
            federation=books.federation,
            month=OCT,
            description=f"Line {i}",
            amount_pence=100,
            rule=Rule.ACTIVITY,
            service=books.hr,
            status="received",
        )
        for i in range(1_001)
    )
    preview = finance.settlement_preview(books.federation, OCT)
    assert preview.can_post and len(preview.warnings) > 1_000
    assert _confirm(lead, books, preview).status_code == 302
    assert Settlement.objects.exists()


def test_the_command_line_journal_runs_no_formula(books, capsys):
    from gpfed.cli import main

    finance.income_entry_create(
        federation=books.federation,
        month=OCT,
        description='=HYPERLINK("http://x.example","Paid")',
        amount_pence=10_000,
        rule=Rule.EQUAL,
        by=None,
    )
    warnings = finance.settlement_preview(books.federation, OCT).warnings
    finance.settlement_post(
        federation=books.federation, month=OCT, by=None, confirmed_warnings=warnings
    )
    assert main(["settlement", "journal", books.federation.slug, "--month", "2026-10"]) == 0
    out = capsys.readouterr().out
    assert ",=HYPERLINK" not in out and ',"=HYPERLINK' not in out, out


@pytest.mark.parametrize(
    "text", ["-1+1", "-2+3+cmd|' /C calc'!A0", "-1e5", "-1\n=1+1", "-5,000.00", "--5", "-.5", "-١٢"]
)
def test_safe_cell_lets_only_plain_negative_numbers_through(text):
    from kernel.exports import read_cell, safe_cell

    assert safe_cell(text).startswith("'") and read_cell(safe_cell(text)) == text
    assert safe_cell("-240.00") == "-240.00" and safe_cell(-5) == "-5"


# --- the money: what the review found wrong ---------------------------------------------------


def test_a_second_service_cannot_take_its_cost_from_the_rota(books):
    finance.service_save(
        federation=books.federation,
        by=books.lead,
        code="enhanced-access",
        name="Enhanced Access hubs",
        level="pcn",
        unit="appointment",
        alone_source="x",
        costs_from_rota=True,
    )
    with pytest.raises(FinanceError, match="already takes its cost of delivery from the rota"):
        finance.service_save(
            federation=books.federation,
            by=books.lead,
            code="ea-extended",
            name="Extended hours",
            level="pcn",
            unit="appointment",
            alone_source="x",
            costs_from_rota=True,
        )


def test_the_alone_fixed_cost_does_not_count_in_a_month_nobody_used_a_measured_service(books):
    finance.activity_import(
        federation=books.federation,
        data=activity_csv("A10001,phlebotomy,2026-09,600", "B10002,phlebotomy,2026-09,300"),
        file_name="sep.csv",
        by=None,
    )
    finance.income_entry_create(
        federation=books.federation,
        month=OCT,
        description="Block",
        amount_pence=300_000,
        rule=Rule.EQUAL,
        service=books.phlebotomy,
        by=None,
    )
    brook = books.practices[1].pk

    def brook_alone():
        return next(
            r.alone_cost_pence
            for r in finance.settlement_preview(books.federation, OCT).rows
            if r.practice_id == brook and r.service_id == books.phlebotomy.pk
        )

    nobody = brook_alone()
    finance.activity_import(
        federation=books.federation,
        data=activity_csv("A10001,phlebotomy,2026-10,6"),
        file_name="oct.csv",
        by=None,
    )
    assert brook_alone() == 0 and nobody == 0


def test_a_clawback_with_nothing_to_share_it_by_is_not_paid_by_the_federation(books, october):
    finance.income_entry_create(
        federation=books.federation,
        month=NOV,
        description="October clawback",
        amount_pence=-25_000,
        rule=Rule.ACTIVITY,
        service=books.phlebotomy,
        corrects=october,
        top_slice=False,
        by=None,
    )
    preview = finance.settlement_preview(books.federation, NOV)
    assert preview.problems == [
        "October clawback: a clawback with nothing to share it by (the activity is zero for "
        "every practice) would be paid by the federation; share it by fixed amounts from the "
        "practices it is owed by"
    ]


def test_percentages_and_points_cannot_be_negative_in_the_service(books):
    for rule in (Rule.PERCENT, Rule.POINTS):
        with pytest.raises(FinanceError, match="cannot be negative"):
            finance.income_entry_create(
                federation=books.federation,
                month=OCT,
                description="Skewed",
                amount_pence=100_000,
                rule=rule,
                shares={books.practices[0]: Decimal("150"), books.practices[1]: Decimal("-50")},
                by=None,
            )


@pytest.mark.parametrize("figure", ["NaN", "sNaN", "Infinity", "1e30"])
@pytest.mark.parametrize("rule", ["percent", "fixed"])
def test_odd_share_figures_are_a_form_error_not_a_500(books, lead, figure, rule):
    response = lead.post(
        reverse("finance:income-add", args=[books.federation.slug, "2026-10"]),
        {
            "description": "Odd",
            "amount_pence": "100",
            "status": "received",
            "rule": rule,
            "shares": f"A10001 {figure}",
        },
    )
    assert response.status_code == 200 and b"is not a" in response.content
    assert not IncomeEntry.objects.exists()
