"""Issue 14: a month end a finance lead can trust. Accrued income follows what it rests on
(for each payment basis and each thing it rests on), activity missing or far from usual is
warned of and must be confirmed before posting, and a correction reaches one practice whole,
in a line of its own that names the settlement it corrects."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from finance import exports
from finance import services as finance
from finance.models import Contract, IncomeEntry, Rule, Settlement
from finance.services import FinanceError
from tests.conftest import sign_in_verified
from tests.factories import ListSizeFactory
from tests.finance.test_settlements import GOOD, activity_csv

OCT, NOV = date(2026, 10, 1), date(2026, 11, 1)
SMALL = activity_csv("A10001,phlebotomy,2026-10,6")  # the first, partial file


def _contract(books, basis, *, service=None, rule=Rule.ACTIVITY, price=None, block=0, **terms):
    contract = finance.contract_save(
        federation=books.federation,
        by=None,
        reference=f"C-{basis}",
        title=f"A {basis} contract",
        other_body="ICB",
        start_date=date(2025, 4, 1),
        basis=basis,
        block_annual_pence=block,
        **terms,
    )
    finance.contract_service_set(
        contract=contract,
        service=service or books.phlebotomy,
        by=None,
        rule=rule,
        unit_price_pence=price,
        block_share_percent=Decimal(100) if block else Decimal(0),
    )
    return contract


def _accrued(month=OCT) -> IncomeEntry:
    return IncomeEntry.objects.get(month=month, accrued_from__isnull=False)


# --- accruals are derived, never stale ------------------------------------------------------


def test_per_unit_income_follows_the_activity_imported_after_it_was_accrued(books):
    """The November demo: accrued after a partial file, the line stayed at the partial figure
    and Accrue again changed nothing."""
    finance.activity_import(federation=books.federation, data=SMALL, file_name="a.csv", by=None)
    _contract(books, Contract.Basis.PER_UNIT, price=650)
    finance.contract_income_accrue(federation=books.federation, month=OCT, by=None)
    assert _accrued().amount_pence == 6 * 650
    outcome = finance.activity_import(
        federation=books.federation, data=GOOD, file_name="full.csv", by=books.lead
    )
    assert _accrued().amount_pence == 1_000 * 650
    assert outcome.followed == [
        "Phlebotomy (C-per_unit, per unit): £39.00 became £6,500.00 (activity changed)"
    ]
    event = AuditEvent.objects.filter(action="finance.income.follow").get()
    assert event.changes["amount_pence"] == [3_900, 650_000]
    assert not finance.settlement_preview(books.federation, OCT).problems


def test_block_income_follows_the_contract_terms(books):
    contract = _contract(books, Contract.Basis.BLOCK, rule=Rule.REGISTERED, block=1_200_000)
    finance.contract_income_accrue(federation=books.federation, month=OCT, by=None)
    assert _accrued().amount_pence == 100_000
    finance.contract_save(
        federation=books.federation,
        by=None,
        instance=contract,
        block_annual_pence=2_400_000,
    )
    assert _accrued().amount_pence == 200_000


def test_per_head_income_follows_who_takes_part(books):
    _contract(
        books,
        Contract.Basis.PER_REGISTERED,
        service=books.hr,
        rule=Rule.EQUAL,
        per_head_rate=Decimal("1.20"),
    )
    finance.contract_income_accrue(federation=books.federation, month=OCT, by=None)
    assert _accrued().amount_pence == 9_000 * 120 // 12  # Abbey and Brook take part
    finance.participation_add(
        service=books.hr, practice=books.practices[2], start_date=OCT, by=books.lead
    )
    assert _accrued().amount_pence == 10_000 * 120 // 12


def test_per_head_income_on_lists_imported_since_is_out_of_date_until_refreshed(books):
    """Lists arrive in national imports: the preview names the line with both figures and
    the post is refused until the accrued lines are refreshed."""
    _contract(
        books,
        Contract.Basis.PER_REGISTERED,
        service=books.hr,
        rule=Rule.EQUAL,
        per_head_rate=Decimal("1.20"),
    )
    finance.contract_income_accrue(federation=books.federation, month=OCT, by=None)
    ListSizeFactory(practice=books.practices[0], extract_date=OCT, patients=9_000)
    preview = finance.settlement_preview(books.federation, OCT)
    assert preview.problems == [
        "HR support (C-per_registered, per head): accrued £900.00, but £1,200.00 is due now "
        "(what it rests on has changed); refresh the accrued lines"
    ]
    assert preview.stale[0]["difference_pence"] == 30_000
    with pytest.raises(FinanceError, match="refresh the accrued lines"):
        finance.settlement_post(federation=books.federation, month=OCT, by=None)
    created, notes = finance.contract_income_accrue(federation=books.federation, month=OCT, by=None)
    assert created == [] and "£900.00 became £1,200.00" in notes[0]
    assert _accrued().amount_pence == 120_000
    assert not finance.settlement_preview(books.federation, OCT).problems


def test_mixed_income_follows_activity_and_is_removed_when_nothing_is_due(books):
    finance.activity_import(federation=books.federation, data=GOOD, file_name="a.csv", by=None)
    contract = _contract(books, Contract.Basis.MIXED, price=650, block=120_000)
    finance.contract_income_accrue(federation=books.federation, month=OCT, by=None)
    assert _accrued().amount_pence == 10_000 + 650_000
    finance.activity_import(
        federation=books.federation,
        data=activity_csv(
            "A10001,phlebotomy,2026-10,0",
            "B10002,phlebotomy,2026-10,0",
            "C10003,phlebotomy,2026-10,0",
        ),
        file_name="b.csv",
        by=None,
    )
    assert _accrued().amount_pence == 10_000
    # the contract ends before October: nothing is due, so the accrued line goes
    finance.contract_save(
        federation=books.federation, by=None, instance=contract, end_date=date(2026, 9, 30)
    )
    assert not IncomeEntry.objects.filter(month=OCT).exists()


def test_a_line_changed_by_hand_is_never_touched(books):
    finance.activity_import(federation=books.federation, data=SMALL, file_name="a.csv", by=None)
    _contract(books, Contract.Basis.PER_UNIT, price=650)
    finance.contract_income_accrue(federation=books.federation, month=OCT, by=None)
    line = _accrued()
    finance.income_entry_update(
        entry=line,
        description=line.description,
        amount_pence=5_000,
        rule=line.rule,
        status=IncomeEntry.Status.RECEIVED,
        service=line.service,
        by=books.lead,
    )
    finance.activity_import(federation=books.federation, data=GOOD, file_name="b.csv", by=None)
    assert _accrued().amount_pence == 5_000 and not _accrued().follows_contract
    assert not finance.settlement_preview(books.federation, OCT).stale
    _, notes = finance.contract_income_accrue(federation=books.federation, month=OCT, by=None)
    assert "due now: £6,500.00" in notes[-1]
    assert _accrued().amount_pence == 5_000


def test_a_posted_accrual_never_follows(books):
    finance.activity_import(federation=books.federation, data=GOOD, file_name="a.csv", by=None)
    _contract(books, Contract.Basis.PER_UNIT, price=650)
    finance.contract_income_accrue(federation=books.federation, month=OCT, by=None)
    finance.settlement_post(federation=books.federation, month=OCT, by=None)
    finance.participation_add(
        service=books.hr, practice=books.practices[2], start_date=OCT, by=books.lead
    )
    assert _accrued().amount_pence == 650_000 and _accrued().settlement_id


# --- completeness before posting ------------------------------------------------------------


def test_activity_missing_for_some_who_take_part_is_warned_of_and_must_be_confirmed(books):
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
    warnings = finance.settlement_preview(books.federation, OCT).warnings
    assert (
        "Phlebotomy: no activity for October 2026 from 2 of the 3 taking part (B10002 Brook, "
        "C10003 Castle); income shared by activity goes to the others alone"
    ) in warnings
    with pytest.raises(FinanceError, match=r"warns of .* not confirmed"):
        finance.settlement_post(federation=books.federation, month=OCT, by=books.lead)
    with pytest.raises(FinanceError, match="not confirmed"):
        finance.settlement_post(
            federation=books.federation, month=OCT, by=books.lead, confirmed_warnings=["other"]
        )
    done = finance.settlement_post(
        federation=books.federation, month=OCT, by=books.lead, confirmed_warnings=warnings
    )
    assert done.warnings == warnings and done.posted_by == books.lead
    event = AuditEvent.objects.get(action="finance.settlement.post")
    assert event.changes["warnings_confirmed"] == [None, warnings] and event.actor == books.lead


def test_activity_far_from_a_practices_own_months_is_warned_of(books):
    for month, units in (("2026-06", 500), ("2026-07", 620), ("2026-08", 580), ("2026-09", 600)):
        finance.activity_import(
            federation=books.federation,
            data=activity_csv(
                f"A10001,phlebotomy,{month},{units}",
                f"B10002,phlebotomy,{month},300",
                f"C10003,phlebotomy,{month},100",
            ),
            file_name=f"{month}.csv",
            by=None,
        )
    finance.activity_import(
        federation=books.federation,
        data=activity_csv(
            "A10001,phlebotomy,2026-10,6000",
            "B10002,phlebotomy,2026-10,90",
            "C10003,phlebotomy,2026-10,100",
        ),
        file_name="oct.csv",
        by=None,
    )
    warnings = finance.settlement_preview(books.federation, OCT).warnings
    assert (
        "Phlebotomy: A10001 Abbey recorded 6,000 blood tests in October 2026, over 3 times "
        "its median of 590 over the months before"
    ) in warnings
    assert (
        "Phlebotomy: B10002 Brook recorded 90 blood tests in October 2026, under a third of "
        "its median of 300 over the months before"
    ) in warnings
    assert not any("C10003" in w for w in warnings)


def test_posting_in_the_browser_confirms_first_and_names_the_warnings(books, client):
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
    from accounts.services import role_grant

    role_grant(user=books.lead, role="finance_lead", organisation=books.federation, by=None)
    sign_in_verified(client, books.lead)
    url = reverse("finance:post", args=[books.federation.slug, "2026-10"])
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Post the settlement for October 2026?" in text
    assert "no activity for October 2026 from 2 of the 3 taking part" in text
    fingerprint = finance.settlement_preview(books.federation, OCT).fingerprint()
    warnings = finance.settlement_preview(books.federation, OCT).warnings
    digest = finance.warnings_digest(warnings)
    refused = client.post(url, {"fingerprint": fingerprint, "warnings": digest})
    assert refused.status_code == 400 and b"Tick the box" in refused.content
    assert not Settlement.objects.exists()
    client.post(url, {"fingerprint": fingerprint, "warnings": digest, "confirm": "yes"})
    assert Settlement.objects.get().warnings == warnings


# --- one-practice corrections -----------------------------------------------------------------


def _clawback(books, october, *, top_slice: bool, shares=None, amount=-25_000):
    return finance.income_entry_create(
        federation=books.federation,
        month=NOV,
        description="October phlebotomy overpaid to Abbey",
        amount_pence=amount,
        rule=Rule.FIXED,
        service=books.phlebotomy,
        corrects=october,
        top_slice=top_slice,
        shares=shares or {books.practices[0]: Decimal("-250")},
        by=None,
    )


def test_a_clawback_from_one_practice_reaches_it_whole(books, october):
    _clawback(books, october, top_slice=False)
    preview = finance.settlement_preview(books.federation, NOV)
    assert not preview.problems
    line = preview.lines[0]
    assert (line.gross_pence, line.overhead_pence, line.paid_pence) == (-25_000, 0, -25_000)
    row = next(r for r in preview.rows if r.corrects_id == october.pk)
    assert (row.practice_id, row.net_pence) == (books.practices[0].pk, -25_000)
    november = finance.settlement_post(
        federation=books.federation, month=NOV, by=None, confirmed_warnings=preview.warnings
    )
    posted = november.rows.get(corrects=october)
    assert (posted.practice, posted.net_pence, posted.income_pence) == (
        books.practices[0],
        -25_000,
        -25_000,
    )
    header, rows = exports.remittance(november)
    named = [r for r in rows if october.reference in r[header.index("Service")]]
    assert len(named) == 1 and named[0][header.index("Net paid")] == "-250.00"
    assert named[0][header.index("ODS code")] == "A10001"
    header, rows = exports.journal(november)
    described = {r[header.index("Description")] for r in rows}
    assert f"October phlebotomy overpaid to Abbey (corrects {october.reference})" in described


def test_a_clawback_with_the_top_slice_says_what_fits_with_the_sign_in_place(books, october):
    with pytest.raises(FinanceError) as refused:
        _clawback(books, october, top_slice=True)
    assert refused.value.message == (
        "The fixed amounts add up to \u2212£250.00, more than the \u2212£237.50 left after the "
        "5.00% top-slice; choose no top-slice to pass the correction on whole."
    )
    # one that fits is shared after the top-slice, and the preview says so in the same words
    _clawback(books, october, top_slice=True, shares={books.practices[0]: Decimal("-237.50")})
    assert not finance.settlement_preview(books.federation, NOV).problems


def test_a_correction_is_refused_plainly_when_its_amounts_do_not_add_up(books, october):
    with pytest.raises(FinanceError, match=r"add up to −£200\.00 but the line is −£250\.00"):
        _clawback(books, october, top_slice=False, shares={books.practices[0]: Decimal("-200")})
    with pytest.raises(FinanceError, match="with the line's sign"):
        _clawback(books, october, top_slice=False, shares={books.practices[0]: Decimal("250")})
    with pytest.raises(FinanceError, match="only an adjusting entry"):
        finance.income_entry_create(
            federation=books.federation,
            month=NOV,
            description="Whole",
            amount_pence=1_000,
            rule=Rule.EQUAL,
            top_slice=False,
            by=None,
        )


def test_the_income_form_takes_a_signed_fixed_amount_and_no_top_slice(books, october, client):
    from accounts.services import role_grant

    role_grant(user=books.lead, role="finance_lead", organisation=books.federation, by=None)
    sign_in_verified(client, books.lead)
    response = client.post(
        reverse("finance:income-add", args=[books.federation.slug, "2026-11"]),
        {
            "description": "October phlebotomy overpaid to Abbey",
            "amount_pence": "-250",
            "status": "received",
            "service": books.phlebotomy.pk,
            "rule": "fixed",
            "shares": "A10001 -250",
            "corrects": october.pk,
            "top_slice": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = IncomeEntry.objects.get(month=NOV)
    assert (entry.amount_pence, entry.top_slice, entry.corrects) == (-25_000, False, october)
    assert entry.shares.get().value == Decimal("-250")


def test_a_remittance_from_the_command_line_is_audited_like_one_from_the_page(
    books, october, capsys
):
    from gpfed.cli import main

    slug = books.federation.slug
    assert main(["settlement", "remittance", slug, "--month", "2026-10"]) == 0
    assert "TOTAL" in capsys.readouterr().out
    assert main(["settlement", "journal", slug, "--month", "2026-10", "--format", "json"]) == 0
    audited = AuditEvent.objects.filter(
        object_id=str(october.pk), action__startswith="finance.export."
    )
    assert sorted(audited.values_list("action", flat=True)) == [
        "finance.export.journal",
        "finance.export.remittance",
    ]


# --- what the walk-through as a finance lead found --------------------------------------------


def test_a_month_that_has_not_begun_cannot_be_accrued_or_posted(books):
    next_month = (timezone.localdate().replace(day=1) + timedelta(days=32)).replace(day=1)
    finance.income_entry_create(
        federation=books.federation,
        month=next_month,
        description="Paid in advance",
        amount_pence=1_000,
        rule=Rule.EQUAL,
        by=None,
    )
    with pytest.raises(FinanceError, match="has not begun yet, so it cannot be accrued"):
        finance.contract_income_accrue(federation=books.federation, month=next_month, by=None)
    with pytest.raises(FinanceError, match="has not begun yet, so it cannot be posted"):
        finance.settlement_post(federation=books.federation, month=next_month, by=None)


def test_income_due_since_the_month_was_accrued_is_warned_of(books):
    """Accrued before any phlebotomy activity, the per-unit contract was due nothing; once the
    activity is in, the preview says what is now due and has no line."""
    _contract(books, Contract.Basis.PER_UNIT, price=650)
    _contract(
        books,
        Contract.Basis.PER_REGISTERED,
        service=books.hr,
        rule=Rule.EQUAL,
        per_head_rate=Decimal("1.20"),
    )
    _, notes = finance.contract_income_accrue(federation=books.federation, month=OCT, by=None)
    assert "C-per_unit Phlebotomy: nothing due this month" in notes
    finance.activity_import(federation=books.federation, data=GOOD, file_name="a.csv", by=None)
    warnings = finance.settlement_preview(books.federation, OCT).warnings
    assert (
        "Phlebotomy (C-per_unit, per unit): £6,500.00 is due this month and has no income "
        "line; Accrue contract income adds it"
    ) in warnings
    created, _ = finance.contract_income_accrue(federation=books.federation, month=OCT, by=None)
    assert [e.amount_pence for e in created] == [650_000]


def test_a_service_whose_income_is_not_shared_by_activity_says_so(books):
    finance.activity_import(federation=books.federation, data=SMALL, file_name="a.csv", by=None)
    finance.income_entry_create(
        federation=books.federation,
        month=OCT,
        description="Phlebotomy block",
        amount_pence=100_000,
        rule=Rule.EQUAL,
        service=books.phlebotomy,
        by=None,
    )
    warnings = finance.settlement_preview(books.federation, OCT).warnings
    assert any(
        w.startswith("Phlebotomy: no activity for October 2026 from 2 of the 3")
        and w.endswith("no income this month is shared by its activity")
        for w in warnings
    )


def test_the_posted_page_lists_the_warnings_confirmed(books, client):
    from accounts.services import role_grant

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
    warnings = finance.settlement_preview(books.federation, OCT).warnings
    finance.settlement_post(
        federation=books.federation, month=OCT, by=books.lead, confirmed_warnings=warnings
    )
    role_grant(user=books.lead, role="finance_lead", organisation=books.federation, by=None)
    sign_in_verified(client, books.lead)
    page = client.get(reverse("finance:settlement", args=[books.federation.slug, "2026-10"]))
    text = page.content.decode()
    n = len(warnings)
    assert f"Posted with {n} warning{'s' if n > 1 else ''}, confirmed as checked by" in text
    assert "no activity for October 2026 from 2 of the 3 taking part" in text


def test_the_activity_upload_says_which_accrued_lines_it_moved(books, client):
    from accounts.services import role_grant
    from finance.models import ActivityUpload
    from finance.tasks import import_activity

    finance.activity_import(federation=books.federation, data=SMALL, file_name="a.csv", by=None)
    _contract(books, Contract.Basis.PER_UNIT, price=650)
    finance.contract_income_accrue(federation=books.federation, month=OCT, by=None)
    role_grant(user=books.lead, role="finance_lead", organisation=books.federation, by=None)
    sign_in_verified(client, books.lead)
    queued = client.post(
        reverse("finance:activity", args=[books.federation.slug]),
        {"file": SimpleUploadedFile("oct.csv", GOOD)},
    )
    import_activity.call(ActivityUpload.objects.get().pk)
    done = client.get(queued.url, follow=True)
    assert (
        "Accrued income worked out again: Phlebotomy (C-per_unit, per unit): £39.00 became "
        "£6,500.00 (activity changed)."
    ) in done.content.decode()


def test_removing_an_income_line_confirms_first(books, client):
    from accounts.services import role_grant

    entry = finance.income_entry_create(
        federation=books.federation,
        month=OCT,
        description="Block",
        amount_pence=5_000,
        rule=Rule.EQUAL,
        by=None,
    )
    role_grant(user=books.lead, role="finance_lead", organisation=books.federation, by=None)
    sign_in_verified(client, books.lead)
    url = reverse("finance:income-delete", args=[books.federation.slug, "2026-10", entry.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Remove “Block”?" in page.content.decode()
    assert IncomeEntry.objects.filter(pk=entry.pk).exists()
    client.post(url)
    assert not IncomeEntry.objects.filter(pk=entry.pk).exists()
    assert AuditEvent.objects.filter(action="finance.income.delete").exists()
