import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, connections

from finance import services as finance
from finance.models import (
    Activity,
    IncomeEntry,
    Rule,
    Settlement,
    SettlementLine,
    SettlementRow,
)
from finance.services import FinanceError
from registry.importers.base import ImportFileError

OCT = date(2026, 10, 1)
NOV = date(2026, 11, 1)


def activity_csv(*rows: str, header: str = "ODS code,Service,Month,Units") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


GOOD = activity_csv(
    "A10001,phlebotomy,2026-10,600",
    "B10002,phlebotomy,2026-10,300",
    "C10003,phlebotomy,2026-10,100",
)


def test_activity_import_writes_and_is_idempotent(books):
    outcome = finance.activity_import(
        federation=books.federation, data=GOOD, file_name="oct.csv", by=books.lead
    )
    assert (outcome.created, outcome.updated, outcome.unchanged) == (3, 0, 0)
    again = finance.activity_import(
        federation=books.federation, data=GOOD, file_name="oct.csv", by=books.lead
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    changed = GOOD.replace(b"600", b"610")
    assert (
        finance.activity_import(
            federation=books.federation, data=changed, file_name="oct.csv", by=books.lead
        ).updated
        == 1
    )
    assert Activity.objects.get(practice=books.practices[0]).units == 610


def test_activity_from_xlsx(books, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["ODS code", "Service", "Month", "Units"])
    sheet.append(["A10001", "phlebotomy", date(2026, 10, 1), 12])
    sheet.append(["U10001", "phlebotomy", "2026-10", 8.0])
    path = tmp_path / "a.xlsx"
    book.save(path)
    # the PCN row is refused: phlebotomy is taken part in by practices, not by the PCN
    with pytest.raises(ImportFileError) as error:
        finance.activity_import(
            federation=books.federation, data=path.read_bytes(), file_name="a.xlsx", by=None
        )
    assert [(p.row, p.column) for p in error.value.problems] == [(3, "Service")]
    sheet.delete_rows(3)
    book.save(path)
    finance.activity_import(
        federation=books.federation, data=path.read_bytes(), file_name="a.xlsx", by=None
    )
    assert Activity.objects.get().units == 12


BAD_CASES = {
    "unknown ODS code": ("Z99999,phlebotomy,2026-10,5", 2, "ODS code", "not a practice or PCN"),
    "not a member": ("D10004,phlebotomy,2026-10,5", 2, "ODS code", "not a member"),
    "not in the service": ("C10003,hr,2026-10,5", 2, "Service", "does not take part"),
    "unknown service": ("A10001,ecg,2026-10,5", 2, "Service", "is not one of"),
    "negative": ("A10001,phlebotomy,2026-10,-5", 2, "Units", "cannot be negative"),
    "fraction": ("A10001,phlebotomy,2026-10,2.5", 2, "Units", "whole number"),
    "words": ("A10001,phlebotomy,2026-10,lots", 2, "Units", "whole number"),
    "bad month": ("A10001,phlebotomy,Oct 26,5", 2, "Month", "not a month"),
    "future month": ("A10001,phlebotomy,2099-01,5", 2, "Month", "has not happened"),
    "bad code": ("10001,phlebotomy,2026-10,5", 2, "ODS code", "is not a practice"),
}


@pytest.mark.parametrize("case", BAD_CASES)
def test_each_bad_activity_row_is_named_and_nothing_is_written(books, case):
    row, number, column, words = BAD_CASES[case]
    data = activity_csv("B10002,phlebotomy,2026-10,300", row)
    with pytest.raises(ImportFileError) as error:
        finance.activity_import(federation=books.federation, data=data, file_name="x.csv", by=None)
    problem = error.value.problems[0]
    assert (problem.row, problem.column) == (number + 1, column), problem
    assert words in problem.message
    assert not Activity.objects.exists()


def test_every_problem_in_a_file_is_listed(books):
    data = activity_csv(
        "A10001,phlebotomy,2026-10,-1",
        "Z99999,phlebotomy,2026-10,1",
        "B10002,phlebotomy,2026-10,1",
        "B10002,phlebotomy,2026-10,2",
    )
    with pytest.raises(ImportFileError) as error:
        finance.activity_import(federation=books.federation, data=data, file_name="x.csv", by=None)
    found = [(p.row, p.column) for p in error.value.problems]
    assert found == [(2, "Units"), (3, "ODS code"), (5, "ODS code")]  # in row order
    assert "already on row 4" in error.value.problems[2].message


def test_patient_identifiable_files_are_refused(books):
    with_nhs_number = activity_csv(
        "A10001,phlebotomy,2026-10,5,943 476 5919",
        header="ODS code,Service,Month,Units,NHS number",
    )
    with pytest.raises(ImportFileError) as error:
        finance.activity_import(
            federation=books.federation, data=with_nhs_number, file_name="x.csv", by=None
        )
    messages = " ".join(p.message for p in error.value.problems)
    assert "NHS number" in messages and "does not read this column" in messages
    assert not Activity.objects.exists()


def test_missing_columns_are_named(books):
    with pytest.raises(ImportFileError) as error:
        finance.activity_import(
            federation=books.federation,
            data=b"ODS code,Month\nA10001,2026-10\n",
            file_name="x.csv",
            by=None,
        )
    assert {p.column for p in error.value.problems} >= {"Service or Service code"}


def _october(books, amount=1_000_000):
    finance.activity_import(federation=books.federation, data=GOOD, file_name="oct.csv", by=None)
    return finance.income_entry_create(
        federation=books.federation,
        month=OCT,
        description="Phlebotomy payments",
        amount_pence=amount,
        rule=Rule.ACTIVITY,
        service=books.phlebotomy,
        by=books.lead,
    )


def test_preview_then_post_writes_exactly_what_was_previewed(books):
    _october(books)
    preview = finance.settlement_preview(books.federation, OCT)
    # £10,000: 5% top-slice £500; costs £1,000 + 1,000 tests x £1.50 = £2,500; £7,000 shared
    line = preview.lines[0]
    assert (line.overhead_pence, line.costs_pence, line.paid_pence) == (50_000, 250_000, 700_000)
    settlement = finance.settlement_post(
        federation=books.federation, month=OCT, by=books.lead, fingerprint=preview.fingerprint()
    )
    assert settlement.income_pence == 1_000_000
    assert settlement.paid_pence + settlement.kept_pence == settlement.income_pence
    nets = dict(
        SettlementRow.objects.filter(service=books.phlebotomy).values_list(
            "practice__code", "net_pence"
        )
    )
    assert nets == {"A10001": 420_000, "B10002": 210_000, "C10003": 70_000}
    # HR has no income, but the estimate of doing it alone is still on the statement rows
    hr = SettlementRow.objects.get(service=books.hr, practice=books.practices[0])
    assert (hr.net_pence, hr.alone_cost_pence) == (0, 50_000)
    assert IncomeEntry.objects.get().settlement == settlement


def test_posting_refuses_changed_figures(books):
    entry = _october(books)
    preview = finance.settlement_preview(books.federation, OCT)
    finance.income_entry_create(
        federation=books.federation,
        month=OCT,
        description="Late payment",
        amount_pence=100,
        rule=Rule.EQUAL,
        by=None,
    )
    with pytest.raises(FinanceError, match="changed since you previewed"):
        finance.settlement_post(
            federation=books.federation, month=OCT, by=None, fingerprint=preview.fingerprint()
        )
    assert not Settlement.objects.exists()
    assert entry.settlement_id is None


def test_a_posted_settlement_cannot_change_or_be_posted_twice(books):
    _october(books)
    settlement = finance.settlement_post(federation=books.federation, month=OCT, by=None)
    with pytest.raises(FinanceError, match="already been posted"):
        finance.settlement_post(federation=books.federation, month=OCT, by=None)
    settlement.paid_pence += 1
    with pytest.raises(ValueError, match="cannot be changed"):
        settlement.save()
    with pytest.raises(ValueError):
        SettlementLine.objects.first().save()
    with pytest.raises(ValueError):
        SettlementRow.objects.first().delete()
    # nor can the month's activity or income
    with pytest.raises(ImportFileError, match="already settled"):
        finance.activity_import(federation=books.federation, data=GOOD, file_name="x", by=None)
    with pytest.raises(FinanceError, match="already settled"):
        finance.income_entry_create(
            federation=books.federation,
            month=OCT,
            description="More",
            amount_pence=1,
            rule=Rule.EQUAL,
            by=None,
        )
    with pytest.raises(FinanceError):
        finance.income_entry_delete(entry=IncomeEntry.objects.get(), by=None)


def test_a_correction_is_an_adjusting_entry_in_a_later_month(books):
    _october(books)
    october = finance.settlement_post(federation=books.federation, month=OCT, by=None)
    with pytest.raises(FinanceError, match="month after"):
        finance.income_entry_create(
            federation=books.federation,
            month=date(2026, 9, 1),
            description="Back-dated",
            amount_pence=-100,
            rule=Rule.EQUAL,
            corrects=october,
            by=None,
        )
    with pytest.raises(FinanceError, match="which settlement it corrects"):
        finance.income_entry_create(
            federation=books.federation,
            month=NOV,
            description="Clawback",
            amount_pence=-60_000,
            rule=Rule.EQUAL,
            by=None,
        )
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
    # no phlebotomy activity in November: posting needs that warning confirmed
    warnings = finance.settlement_preview(books.federation, NOV).warnings
    assert any("Phlebotomy: no activity for November 2026" in w for w in warnings)
    with pytest.raises(FinanceError, match="not confirmed"):
        finance.settlement_post(federation=books.federation, month=NOV, by=None)
    november = finance.settlement_post(
        federation=books.federation, month=NOV, by=None, confirmed_warnings=warnings
    )
    assert november.warnings == warnings
    line = november.lines.get()
    assert line.corrects == october and line.costs_pence == 0
    # -60,000 less the returned top-slice (-3,000) = -57,000 split 6:3:1
    assert line.paid_pence == -57_000
    nets = dict(
        SettlementRow.objects.filter(settlement=november, service=books.phlebotomy).values_list(
            "practice__code", "net_pence"
        )
    )
    assert nets == {"A10001": -34_200, "B10002": -17_100, "C10003": -5_700}
    # October is untouched
    assert Settlement.objects.get(pk=october.pk).paid_pence == 700_000


@pytest.mark.django_db(transaction=True)
def test_two_posts_at_once_post_once(books):
    _october(books)
    barrier = threading.Barrier(2)
    outcomes = []

    def post():
        try:
            barrier.wait()
            finance.settlement_post(federation=books.federation, month=OCT, by=None)
            outcomes.append("posted")
        except FinanceError as error:
            outcomes.append(error.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[-1] == "posted", outcomes
    assert sum(o == "posted" for o in outcomes) == 1, outcomes
    assert "already been posted" in next(o for o in outcomes if o != "posted")
    assert Settlement.objects.count() == 1
    assert connection.vendor in ("sqlite", "postgresql")


def test_problems_block_posting(books):
    finance.income_entry_create(
        federation=books.federation,
        month=OCT,
        description="Weighted",
        amount_pence=1_000,
        rule=Rule.WEIGHTED,
        by=None,
    )
    preview = finance.settlement_preview(books.federation, OCT)
    assert "no weighted population" in preview.problems[0]
    with pytest.raises(FinanceError, match="cannot be posted"):
        finance.settlement_post(federation=books.federation, month=OCT, by=None)


def test_fixed_shares_are_stored_per_practice(books):
    a, b, _ = books.practices
    finance.income_entry_create(
        federation=books.federation,
        month=OCT,
        description="Clinical leads",
        amount_pence=100_000,
        rule=Rule.FIXED,
        shares={a: Decimal("300.00"), b: Decimal("200.00")},
        by=None,
    )
    preview = finance.settlement_preview(books.federation, OCT)
    assert preview.paid_pence == 50_000 and preview.kept_pence == 50_000


def test_every_change_to_the_money_is_audited(books):
    from audit.models import AuditEvent

    _october(books)
    finance.settlement_post(federation=books.federation, month=OCT, by=books.lead)
    finance.service_save(
        federation=books.federation, by=books.lead, instance=books.hr, alone_source="New quote"
    )
    actions = list(
        AuditEvent.objects.filter(federation=books.federation).values_list("action", flat=True)
    )
    for action in (
        "finance.settings.update",
        "finance.service.create",
        "finance.service.update",
        "finance.participation.add",
        "finance.activity.import",
        "finance.income.create",
        "finance.settlement.post",
    ):
        assert action in actions, action
    change = AuditEvent.objects.get(action="finance.service.update")
    assert change.changes["alone_source"] == ["Local HR adviser retainer quote", "New quote"]
