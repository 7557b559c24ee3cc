"""Month-end writes at the same moment: two people pressing *Accrue contract income*, and an
income line added, changed or removed, or activity recorded or imported, while someone posts.
The races run in two threads (and the accrual and the added line also in two processes) on
whichever database the tests run on: SQLite by default, PostgreSQL with ``DATABASE_URL``. Where
a race can go wrong the writers are made to meet at the worst moment (each waits a few seconds
at most for the other), so a broken lock fails every time rather than now and then."""

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from accounts.services import role_grant
from finance import services as finance
from finance.models import (
    Activity,
    Contract,
    ContractService,
    IncomeEntry,
    Rule,
    Settlement,
    SettlementLine,
    SettlementRow,
)
from finance.services import FinanceError
from registry.importers.base import ImportFileError
from tests.conftest import sign_in_verified

OCT = date(2026, 10, 1)
GOOD = (
    b"ODS code,Service,Month,Units\n"
    b"A10001,phlebotomy,2026-10,600\nB10002,phlebotomy,2026-10,300\nC10003,phlebotomy,2026-10,100\n"
)
# October's contract income, accrued once: DX's block 1,200,001p spread over twelve months
# is 100,000p in October (month 7) and 1,000 blood tests at 650p are 650,000p; HR's block of
# 240,000p a year is 20,000p a month.
ONCE = 100_000 + 650_000 + 20_000
PATIENCE = 1.5  # seconds a writer waits for the other to reach the worst moment

race = pytest.mark.django_db(transaction=True)


def _contracts(books, *, activity: bool = True) -> None:
    """October's activity, and two live contracts funding two lines a month."""
    if activity:
        finance.activity_import(
            federation=books.federation, data=GOOD, file_name="oct.csv", by=None
        )
    dx = finance.contract_save(
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
        contract=dx,
        service=books.phlebotomy,
        by=None,
        rule=Rule.ACTIVITY,
        unit_price_pence=650,
        block_share_percent=Decimal(100),
    )
    hr = finance.contract_save(
        federation=books.federation,
        by=None,
        reference="HR",
        title="HR support",
        other_body="Member practices",
        start_date=date(2025, 4, 1),
        basis=Contract.Basis.BLOCK,
        block_annual_pence=240_000,
    )
    finance.contract_service_set(
        contract=hr,
        service=books.hr,
        by=None,
        rule=Rule.EQUAL,
        block_share_percent=Decimal(100),
    )


def _at_once(*writes) -> list:
    """Run each write in a thread of its own, all starting together: what each returned, the
    message it was refused with, or the exception nobody expected."""
    outcomes: list = [None] * len(writes)
    start = threading.Barrier(len(writes))

    def run(i, write):
        try:
            start.wait()
            outcomes[i] = write()
        except FinanceError as error:
            outcomes[i] = error.message
        except Exception as error:  # reported by the assertion below, not lost in a thread
            outcomes[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(writes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
    return outcomes


def _in_processes(tmp_path, *commands: list[str]) -> list[dict]:
    """Run each command of ``tests/finance/race_worker.py`` in a process of its own against
    the test database, all starting together; the JSON each printed."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"  # a file (settings.py): processes share it
    else:
        url = (
            f"postgres://{quote(db['USER'])}:{quote(db['PASSWORD'])}@{db['HOST']}:{db['PORT']}"
            f"/{db['NAME']}"
        )
    env = {**os.environ, "DATABASE_URL": url}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.finance.race_worker", str(tmp_path), f"p{i}", *command],
            cwd=Path(settings.BASE_DIR),
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i, command in enumerate(commands)
    ]
    try:
        for process in processes:
            ready = process.stdout.readline().strip()
            assert ready == "ready", process.communicate(timeout=60)
        for process in processes:
            process.stdin.write("go\n")
            process.stdin.flush()
        finished = [process.communicate(timeout=120) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    for process, (_, err) in zip(processes, finished, strict=True):
        assert process.returncode == 0, err
    return [json.loads(out.strip().splitlines()[-1]) for out, _ in finished]


def _meet_before_writing(monkeypatch) -> None:
    """Each thread's first income line waits until the other thread has got as far (has read
    what the month already holds), or until PATIENCE runs out."""
    meeting = threading.Barrier(2, timeout=PATIENCE)
    met = threading.local()
    save = IncomeEntry.save

    def save_after_meeting(entry, *args, **kwargs):
        if not getattr(met, "done", False):
            met.done = True
            # broken after PATIENCE: the other is waiting for the lock, not for us
            with contextlib.suppress(threading.BrokenBarrierError):
                meeting.wait()
        return save(entry, *args, **kwargs)

    monkeypatch.setattr(IncomeEntry, "save", save_after_meeting)


def _assert_accrued_once_and_posts(books) -> None:
    """October holds each contract line once, and posting it reconciles."""
    entries = IncomeEntry.objects.filter(federation=books.federation, month=OCT)
    assert sorted(entries.values_list("contract__reference", "service__code")) == [
        ("DX", "phlebotomy"),
        ("HR", "hr"),
    ]
    assert sum(entries.values_list("amount_pence", flat=True)) == ONCE
    preview = finance.settlement_preview(books.federation, OCT)
    settlement = finance.settlement_post(
        federation=books.federation, month=OCT, by=None, fingerprint=preview.fingerprint()
    )
    assert settlement.income_pence == ONCE
    assert settlement.paid_pence + settlement.kept_pence == settlement.income_pence
    lines = SettlementLine.objects.filter(settlement=settlement)
    assert sum(lines.values_list("gross_pence", flat=True)) == ONCE
    assert not entries.filter(settlement__isnull=True).exists()


# --- two accruals at once ----------------------------------------------------------------


@race
def test_two_accruals_at_once_accrue_once(books, monkeypatch):
    _contracts(books)
    _meet_before_writing(monkeypatch)

    def accrue():
        return finance.contract_income_accrue(federation=books.federation, month=OCT, by=None)

    outcomes = _at_once(accrue, accrue)
    accrued = [o for o in outcomes if isinstance(o, tuple) and o[0]]
    assert len(accrued) == 1, outcomes
    assert len(accrued[0][0]) == 2
    other = next(o for o in outcomes if o is not accrued[0])
    said = other if isinstance(other, str) else " ".join(other[1])
    assert "already accrued" in said, outcomes
    _assert_accrued_once_and_posts(books)


@race
def test_two_accruals_in_two_processes_accrue_once(books, tmp_path):
    _contracts(books)
    slug = books.federation.slug
    outcomes = _in_processes(tmp_path, ["accrue", slug, "2026-10"], ["accrue", slug, "2026-10"])
    assert sorted(o.get("created", 0) for o in outcomes) == [0, 2], outcomes
    other = next(o for o in outcomes if o.get("created", 0) == 0)
    assert "already accrued" in (other.get("refused") or " ".join(other["notes"])), outcomes
    _assert_accrued_once_and_posts(books)


# --- an income line added, changed or removed while the month is posted ------------------


def _two_october_lines(books) -> tuple[IncomeEntry, IncomeEntry]:
    finance.activity_import(federation=books.federation, data=GOOD, file_name="oct.csv", by=None)
    phlebotomy = finance.income_entry_create(
        federation=books.federation,
        month=OCT,
        description="Phlebotomy payments",
        amount_pence=1_000_000,
        rule=Rule.ACTIVITY,
        service=books.phlebotomy,
        by=None,
    )
    hr = finance.income_entry_create(
        federation=books.federation,
        month=OCT,
        description="HR support",
        amount_pence=20_000,
        rule=Rule.EQUAL,
        service=books.hr,
        by=None,
    )
    return phlebotomy, hr


def _write_after_posting_read_the_month(monkeypatch) -> None:
    """The writer thread writes its income line only once the posting thread has read the
    month (or PATIENCE has run out): the moment a line could slip in unposted."""
    read = threading.Event()
    load_one = finance.load_one
    save, delete = IncomeEntry.save, IncomeEntry.delete

    def load_and_say(*args, **kwargs):
        inputs = load_one(*args, **kwargs)
        read.set()
        return inputs

    def save_when_read(entry, *args, **kwargs):
        if threading.current_thread().name == "writer":
            read.wait(PATIENCE)
        return save(entry, *args, **kwargs)

    def delete_when_read(entry, *args, **kwargs):
        if threading.current_thread().name == "writer":
            read.wait(PATIENCE)
        return delete(entry, *args, **kwargs)

    monkeypatch.setattr(finance.settlements, "load_one", load_and_say)
    monkeypatch.setattr(IncomeEntry, "save", save_when_read)
    monkeypatch.setattr(IncomeEntry, "delete", delete_when_read)


REFUSED_AFTER_POSTING = {
    "create": "October 2026 is already settled",
    "update": "A posted income line cannot change",
    "delete": "A posted income line cannot be removed",
}


def _assert_posted_or_refused(books, posting, writing, change: str) -> None:
    """Either the change came first and posting was refused (the figures changed since the
    preview), or posting came first and the change was refused; never both, never neither,
    and a posted month holds every one of its lines exactly as they now stand."""
    settled = Settlement.objects.filter(federation=books.federation, month=OCT).first()
    if settled is None:
        assert "changed since you previewed" in posting, (posting, writing)
        assert not isinstance(writing, str), (posting, writing)
        return
    assert isinstance(writing, str) and REFUSED_AFTER_POSTING[change] in writing, writing
    entries = IncomeEntry.objects.filter(federation=books.federation, month=OCT)
    assert not entries.filter(settlement__isnull=True).exists(), "a line slipped in unposted"
    lines = SettlementLine.objects.filter(settlement=settled).select_related("entry")
    assert sorted(line.entry_id for line in lines) == sorted(entries.values_list("pk", flat=True))
    for line in lines:
        assert line.gross_pence == line.entry.amount_pence, line.description
    assert settled.income_pence == sum(line.gross_pence for line in lines) == 1_020_000
    assert settled.paid_pence + settled.kept_pence == settled.income_pence


def _change(books, hr: IncomeEntry, change: str):
    if change == "create":
        return lambda: finance.income_entry_create(
            federation=books.federation,
            month=OCT,
            description="Late payment",
            amount_pence=100_000,
            rule=Rule.EQUAL,
            by=None,
        )
    if change == "update":
        return lambda: finance.income_entry_update(
            entry=hr,
            description="HR support",
            amount_pence=25_000,
            rule=Rule.EQUAL,
            status=hr.status,
            service=books.hr,
            by=None,
        )
    return lambda: finance.income_entry_delete(entry=hr, by=None)


@race
@pytest.mark.parametrize("change", ["create", "update", "delete"])
def test_an_income_change_racing_a_post_cannot_slip_past_it(books, monkeypatch, change):
    _, hr = _two_october_lines(books)
    fingerprint = finance.settlement_preview(books.federation, OCT).fingerprint()
    _write_after_posting_read_the_month(monkeypatch)
    write = _change(books, hr, change)

    def post():
        return finance.settlement_post(
            federation=books.federation, month=OCT, by=None, fingerprint=fingerprint
        )

    def as_writer():
        threading.current_thread().name = "writer"
        return write()

    posting, writing = _at_once(post, as_writer)
    _assert_posted_or_refused(books, posting, writing, change)


@race
def test_income_added_in_another_process_while_posting_cannot_slip_past_it(books, tmp_path):
    _two_october_lines(books)
    fingerprint = finance.settlement_preview(books.federation, OCT).fingerprint()
    slug = books.federation.slug
    posting, writing = _in_processes(
        tmp_path, ["post", slug, "2026-10", fingerprint], ["income", slug, "2026-10"]
    )
    _assert_posted_or_refused(
        books,
        posting.get("refused", ""),
        writing.get("refused", writing),
        "create",
    )


# --- activity recorded or imported while the month is posted -----------------------------

LATE = b"ODS code,Service,Month,Units\nA10001,phlebotomy,2026-10,700\n"


def _record_activity(books, how: str):
    """A10001's October blood tests go from 600 to 700: typed in, or in a file (whose
    refusal, an ImportFileError, is told as its first problem)."""
    if how == "record":
        return lambda: finance.activity_record(
            federation=books.federation,
            service=books.phlebotomy,
            month=OCT,
            units=700,
            practice=books.practices[0],
            by=None,
        )

    def import_file():
        try:
            return finance.activity_import(
                federation=books.federation, data=LATE, file_name="late.csv", by=None
            )
        except ImportFileError as error:
            return error.problems[0].message

    return import_file


def _activity_checked_before_posting_read_the_month(monkeypatch) -> None:
    """The worst moment: the activity's checks find October not yet posted (the posting
    thread, having read the month, waits for them), and only then does it write, once the
    posting thread has read the month; each wait gives up after PATIENCE."""
    read, checked = threading.Event(), threading.Event()
    load_one, outcome = finance.load_one, finance.ActivityOutcome

    def load_and_wait(*args, **kwargs):
        inputs = load_one(*args, **kwargs)
        read.set()
        checked.wait(PATIENCE)
        return inputs

    def checked_then_wait(*args, **kwargs):  # made once every row is checked, before writing
        if threading.current_thread().name == "writer":
            checked.set()
            read.wait(PATIENCE)
        return outcome(*args, **kwargs)

    monkeypatch.setattr(finance.settlements, "load_one", load_and_wait)
    monkeypatch.setattr(finance.activity, "ActivityOutcome", checked_then_wait)


@race
@pytest.mark.parametrize("how", ["record", "import"])
def test_activity_racing_a_post_cannot_slip_into_the_posted_month(books, monkeypatch, how):
    _two_october_lines(books)
    fingerprint = finance.settlement_preview(books.federation, OCT).fingerprint()
    _activity_checked_before_posting_read_the_month(monkeypatch)
    write = _record_activity(books, how)

    def post():
        return finance.settlement_post(
            federation=books.federation, month=OCT, by=None, fingerprint=fingerprint
        )

    def as_writer():
        threading.current_thread().name = "writer"
        return write()

    posting, writing = _at_once(post, as_writer)
    units = Activity.objects.get(
        federation=books.federation, month=OCT, practice=books.practices[0]
    ).units
    settled = Settlement.objects.filter(federation=books.federation, month=OCT).first()
    if settled is None:  # the activity came first: posting was refused, preview again
        assert "changed since you previewed" in posting, (posting, writing)
        assert not isinstance(writing, str) and units == 700, (posting, writing)
        return
    assert isinstance(writing, str), "activity was written into a month being posted"
    assert "October 2026 is already settled" in writing, writing
    assert units == 600
    posted = SettlementRow.objects.filter(settlement=settled, service=books.phlebotomy)
    recorded = Activity.objects.filter(
        federation=books.federation, month=OCT, service=books.phlebotomy
    )
    assert sum(posted.values_list("activity_units", flat=True)) == sum(
        recorded.values_list("units", flat=True)
    )


# --- the lock every month-end write takes ------------------------------------------------


@race
@pytest.mark.parametrize(
    "write", ["accrue", "create", "update", "delete", "post", "record", "import"]
)
def test_every_month_end_write_waits_for_the_month_end_lock(books, write):
    """Whoever holds the federation's month-end lock, each of these writes waits for it (on
    SQLite for the database's write lock, which every transaction takes first)."""
    _, hr = _two_october_lines(books)
    _contracts(books, activity=False)
    writes = {
        "accrue": lambda: finance.contract_income_accrue(
            federation=books.federation, month=OCT, by=None
        ),
        # the contracts are not accrued: the preview warns of it, and the post confirms that
        "post": lambda: finance.settlement_post(
            federation=books.federation,
            month=OCT,
            by=None,
            confirmed_warnings=finance.settlement_preview(books.federation, OCT).warnings,
        ),
    }
    if write in ("record", "import"):
        writes[write] = _record_activity(books, write)
    do = writes.get(write) or _change(books, hr, write)
    held, released, done = threading.Event(), [], []

    def hold():
        with transaction.atomic():
            finance.month_end_lock(books.federation)
            held.set()
            time.sleep(1)
            released.append(time.monotonic())

    def wait_then_write():
        held.wait()
        result = do()
        done.append(time.monotonic())
        return result

    _, outcome = _at_once(hold, wait_then_write)
    assert not isinstance(outcome, str), outcome  # it was done, once the lock was free
    assert done[0] > released[0]


# --- the database's own refusal ----------------------------------------------------------


def _dx_phlebotomy() -> ContractService:
    return ContractService.objects.get(contract__reference="DX", service__code="phlebotomy")


def test_the_database_refuses_a_contract_service_accrued_twice_in_a_month(books):
    _contracts(books)
    finance.contract_income_accrue(federation=books.federation, month=OCT, by=None)
    link = _dx_phlebotomy()
    first = IncomeEntry.objects.get(accrued_from=link)
    # marked received and re-described by hand, it is still the month's accrual
    finance.income_entry_update(
        entry=first,
        description="Phlebotomy (paid)",
        amount_pence=first.amount_pence,
        rule=first.rule,
        status=IncomeEntry.Status.RECEIVED,
        service=first.service,
        by=None,
    )
    with pytest.raises(FinanceError, match="DX Phlebotomy is already accrued for October 2026"):
        finance.income_entry_create(
            federation=books.federation,
            month=OCT,
            description="Phlebotomy again",
            amount_pence=1,
            rule=Rule.EQUAL,
            status=IncomeEntry.Status.ACCRUED,
            service=books.phlebotomy,
            contract=link.contract,
            accrued_from=link,
            by=None,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        IncomeEntry.objects.create(
            federation=books.federation,
            month=OCT,
            description="Phlebotomy again",
            amount_pence=1,
            rule=Rule.EQUAL,
            service=books.phlebotomy,
            contract=link.contract,
            accrued_from=link,
        )
    again, notes = finance.contract_income_accrue(federation=books.federation, month=OCT, by=None)
    assert again == [] and all("already accrued" in note for note in notes)
    # a line entered by hand for the same contract and service is not an accrual
    finance.income_entry_create(
        federation=books.federation,
        month=OCT,
        description="Phlebotomy top-up",
        amount_pence=5_000,
        rule=Rule.EQUAL,
        service=books.phlebotomy,
        contract=link.contract,
        by=None,
    )
    assert IncomeEntry.objects.filter(contract=link.contract, month=OCT).count() == 2


def test_an_accrued_line_whose_service_was_changed_is_not_accrued_again(books):
    _contracts(books)
    finance.contract_income_accrue(federation=books.federation, month=OCT, by=None)
    line = IncomeEntry.objects.get(accrued_from=_dx_phlebotomy())
    finance.income_entry_update(
        entry=line,
        description=line.description,
        amount_pence=line.amount_pence,
        rule=Rule.EQUAL,
        status=line.status,
        service=books.hr,
        by=None,
    )
    again, notes = finance.contract_income_accrue(federation=books.federation, month=OCT, by=None)
    assert again == [] and any(n.startswith("DX Phlebotomy: already accrued") for n in notes)


# --- through the page, as the two people pressed it --------------------------------------


@pytest.fixture
def finance_leads(books) -> list[Client]:
    """The finance lead signed in twice: two browsers, each with its own session."""
    role_grant(user=books.lead, role="finance_lead", organisation=books.federation, by=None)
    return [sign_in_verified(Client(), books.lead) for _ in range(2)]


def _press_accrue_at_once(books, browsers: list[Client]) -> list[str]:
    """A POST to the accrue page from each browser at once; the message each is then shown
    (the pages are read one after the other: the test client's record of what a page
    rendered is shared between threads)."""
    url = reverse("finance:accrue", kwargs={"slug": books.federation.slug, "month": "2026-10"})
    pressed = _at_once(*(lambda b=b: b.post(url) for b in browsers))
    said = []
    for browser, response in zip(browsers, pressed, strict=True):
        assert response.status_code == 302, response.status_code
        page = browser.get(response.url)
        said.append(" ".join(str(m) for m in page.context["messages"]))
    return said


@race
def test_two_people_pressing_accrue_at_once_accrue_once(books, finance_leads, monkeypatch):
    _contracts(books)
    _meet_before_writing(monkeypatch)
    said = _press_accrue_at_once(books, finance_leads)
    assert sorted(said) == [
        "2 contract income lines accrued.",
        "No contract income lines accrued; 2 lines accrued before were left as they were "
        "(DX Phlebotomy, HR HR support).",
    ]
    _assert_accrued_once_and_posts(books)


@race
def test_without_the_lock_the_database_still_accrues_once(books, finance_leads, monkeypatch):
    """Were a path to forget the month-end lock, the unique constraint stops the double and
    the second person is told so (on PostgreSQL; SQLite's write lock serialises anyway)."""
    _contracts(books)
    _meet_before_writing(monkeypatch)
    for part in (finance.accruals, finance.income):  # accruing takes it, and so does each line
        monkeypatch.setattr(part, "month_end_lock", lambda federation: None)
    said = _press_accrue_at_once(books, finance_leads)
    assert "2 contract income lines accrued." in said
    other = next(message for message in said if message != "2 contract income lines accrued.")
    assert "already accrued" in other or "accrued before" in other, said
    _assert_accrued_once_and_posts(books)


# --- data from before the constraint -----------------------------------------------------


@race
def test_a_month_accrued_twice_before_the_constraint_still_migrates(books):
    """Months accrued twice by the race keep both lines: the first becomes the accrual, the
    second an ordinary line (which the month's page shows, and which can be removed)."""
    _contracts(books)
    before = [("finance", "0002_activity_uploads")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps.get_model("finance", "IncomeEntry")
        link = ContractService.objects.values("contract_id", "service_id").get(
            contract__reference="DX"
        )
        twice = [
            old.objects.create(
                federation_id=books.federation.pk,
                month=month,
                description="Phlebotomy (DX, block)",
                amount_pence=100_000,
                status="accrued",
                rule=Rule.ACTIVITY,
                **link,
            ).pk
            for month in (OCT, OCT, date(2026, 11, 1))
        ]
        by_hand = old.objects.create(
            federation_id=books.federation.pk,
            month=OCT,
            description="Late payment",
            amount_pence=5_000,
            rule=Rule.EQUAL,
        ).pk
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    marked = dict(IncomeEntry.objects.values_list("pk", "accrued_from__contract__reference"))
    assert marked == {twice[0]: "DX", twice[1]: None, twice[2]: "DX", by_hand: None}
    again, notes = finance.contract_income_accrue(federation=books.federation, month=OCT, by=None)
    assert [e.description for e in again] == ["HR support (HR, block)"]
    assert "DX Phlebotomy: already accrued" in notes
