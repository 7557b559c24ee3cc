"""Activity files: one row per practice (or PCN), service and month, as CSV or XLSX.

    ODS code,Service,Month,Units
    C82001,phlebotomy,2026-10,412

The whole file is checked before anything is written; every problem is reported with its row
and column, and a file with any problem writes nothing. Columns other than these four are
refused, so a file cannot carry patient details in with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from kernel.uploads import UploadRefused, check_size, open_workbook, workbook_rows
from registry.importers.base import (
    PCN_CODE,
    PRACTICE_CODE,
    Columns,
    ImportFileError,
    Problem,
    Problems,
    normalise_header,
    read_csv,
)
from registry.importers.screening import screen

COLUMNS = {
    "code": ("ODS code", "Practice code", "PCN code", "Code"),
    "service": ("Service", "Service code"),
    "month": ("Month",),
    "units": ("Units", "Activity"),
}
KNOWN = {normalise_header(n) for names in COLUMNS.values() for n in names}
MONTH_TEXT = re.compile(r"^(\d{4})-(\d{1,2})(?:-01)?(?: 00:00:00)?$")
WHOLE = re.compile(r"^\d+$")


@dataclass(frozen=True)
class ActivityRecord:
    row: int
    code: str
    service: str
    month: date
    units: int


def _rows(data: bytes, file_name: str) -> list[list]:
    if data[:4] == b"PK\x03\x04":
        try:
            book = open_workbook(data)
            rows = workbook_rows(book, book.sheet_names[0]) if book.sheet_names else []
        except UploadRefused as refused:
            raise ImportFileError([Problem(None, None, str(refused))]) from None
        rows = [row for row in rows if any(str(c).strip() for c in row if c is not None)]
        if not rows:
            raise ImportFileError([Problem(None, None, "the file is empty")])
        return rows
    if file_name.lower().endswith((".xlsx", ".xls")):
        raise ImportFileError(
            [Problem(None, None, "the file is named .xlsx but is not a workbook")]
        )
    return read_csv(data)


def _month(value) -> date | None:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.replace(day=1)
    match = MONTH_TEXT.match(str(value).strip())
    if not match or not 1 <= int(match[2]) <= 12:
        return None
    return date(int(match[1]), int(match[2]), 1)


def parse(data: bytes, file_name: str = "") -> tuple[list[ActivityRecord], Problems]:
    """Records and the problems found reading them (structure, types, duplicates, NHS
    numbers). Checks against the database are the service's."""
    try:
        check_size("activity", len(data))  # the upload policy, whichever door the file came by
    except UploadRefused as refused:
        raise ImportFileError([Problem(None, None, str(refused))]) from None
    problems = Problems()
    for found in screen(data, file_name):
        problems.add(found.row, found.column, found.message)
    rows = _rows(data, file_name)
    header, body = rows[0], rows[1:]
    columns = Columns(header)
    for key, names in COLUMNS.items():
        columns.find(key, *names, problems=problems)
    for name in header:
        if normalise_header(name) and normalise_header(name) not in KNOWN:
            problems.add(
                1,
                str(name),
                "gpfed does not read this column; an activity file holds only ODS code, "
                "Service, Month and Units (never patient details)",
            )
    if problems.total and not columns.found.keys() >= COLUMNS.keys():
        raise ImportFileError(problems.items, total=problems.total)
    if not body:
        problems.add(None, None, "the file has a header but no rows")
    records = []
    seen: dict[tuple[str, str, date], int] = {}
    for number, row in enumerate(body, start=2):
        code = columns.get(row, "code").upper()
        service = columns.get(row, "service").lower()
        raw_month = row[columns.found["month"]] if columns.found["month"] < len(row) else ""
        units_text = columns.get(row, "units")
        ok = True
        if not code:
            problems.add(number, columns.label("code"), "an ODS code is required")
            ok = False
        elif not (PRACTICE_CODE.match(code) or PCN_CODE.match(code)):
            problems.add(
                number,
                columns.label("code"),
                f"{code!r} is not a practice (A12345) or PCN (U12345) ODS code",
            )
            ok = False
        if not service:
            problems.add(number, columns.label("service"), "a service code is required")
            ok = False
        month = _month(raw_month) if raw_month not in (None, "") else None
        if month is None:
            problems.add(
                number,
                columns.label("month"),
                f"{raw_month!r} is not a month (expected YYYY-MM, for example 2026-10)",
            )
            ok = False
        units = None
        if units_text == "":
            problems.add(number, columns.label("units"), "units are required")
        elif units_text.startswith("-"):
            problems.add(number, columns.label("units"), f"units cannot be negative ({units_text})")
        elif not WHOLE.match(units_text):
            problems.add(
                number, columns.label("units"), f"units must be a whole number ({units_text!r})"
            )
        else:
            units = int(units_text)
        if not ok or units is None:
            continue
        key = (code, service, month)
        if key in seen:
            problems.add(
                number,
                columns.label("code"),
                f"{code} {service} {month:%Y-%m} is already on row {seen[key]}",
            )
            continue
        seen[key] = number
        records.append(ActivityRecord(number, code, service, month, units))
    return records, problems
