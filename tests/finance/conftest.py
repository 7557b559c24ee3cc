"""Fixtures the finance tests share (``books`` itself is in tests/conftest.py)."""

from datetime import date

import pytest

from finance import services as finance
from finance.models import Rule
from tests.finance.test_settlements import GOOD

OCT = date(2026, 10, 1)


@pytest.fixture
def october(books):
    """October posted from a full month of phlebotomy activity and one line shared by it,
    with whatever the preview warned of confirmed. A test module may define its own."""
    finance.activity_import(federation=books.federation, data=GOOD, file_name="a.csv", by=None)
    finance.income_entry_create(
        federation=books.federation,
        month=OCT,
        description="ECG payments",
        amount_pence=100_000,
        rule=Rule.ACTIVITY,
        service=books.phlebotomy,
        by=None,
    )
    warnings = finance.settlement_preview(books.federation, OCT).warnings
    return finance.settlement_post(
        federation=books.federation, month=OCT, by=None, confirmed_warnings=warnings
    )
