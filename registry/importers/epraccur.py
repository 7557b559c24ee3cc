"""ODS "GP practices" (epraccur): 27 quoted fields and no header.

Two eras are accepted. The legacy download has status letters (A/C/D/P) and prescribing setting
``4`` for a GP practice in field 26; the Data Search & Export version has status words (ACTIVE,
INACTIVE, DORMANT, PROPOSED) and the ODS role code ``RO76`` there instead. Only GP practices
become practices; every other organisation is returned separately so it can be counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from registry.importers.base import (
    ODS_CODE,
    PRACTICE_CODE,
    Problems,
    date_or_problem,
    read_csv,
)

FIELDS = 27
STATUS_WORDS = {"ACTIVE": "A", "INACTIVE": "C", "CLOSED": "C", "DORMANT": "D", "PROPOSED": "P"}
STATUS_LETTERS = {"A", "C", "D", "P"}
GP_PRACTICE_SETTINGS = {"4", "RO76"}

COLUMN_NAMES = {
    1: "1 (Organisation Code)",
    2: "2 (Name)",
    10: "10 (Postcode)",
    11: "11 (Open Date)",
    12: "12 (Close Date)",
    13: "13 (Status Code)",
    15: "15 (Commissioner)",
    16: "16 (Join Provider/Purchaser Date)",
    17: "17 (Left Provider/Purchaser Date)",
    26: "26 (Prescribing Setting)",
}


@dataclass(frozen=True)
class PracticeRecord:
    row: int
    code: str
    name: str
    national_grouping: str
    high_level_health_geography: str
    address: tuple[str, str, str, str, str]
    postcode: str
    open_date: date | None
    close_date: date | None
    status: str
    commissioner: str
    join_date: date | None
    left_date: date | None
    phone: str


@dataclass(frozen=True)
class OtherOrganisationRecord:
    """An organisation epraccur lists that is not a GP practice (skipped, but remembered)."""

    row: int
    code: str
    name: str
    setting: str


@dataclass
class EpraccurFile:
    era: str  # "legacy" or "data-search-export"
    practices: list[PracticeRecord]
    others: list[OtherOrganisationRecord]


def looks_like(rows: list[list[str]]) -> bool:
    first = rows[0]
    return len(first) == FIELDS and bool(ODS_CODE.match(first[0].strip().upper()))


def col(n: int) -> str:
    return COLUMN_NAMES.get(n, str(n))


# Long: a pure parser, the publication's columns in order.
def parse(data: bytes) -> EpraccurFile:
    rows = read_csv(data)
    problems = Problems()
    start = 0
    # The Data Search & Export download may carry a header line; the legacy file never does.
    if rows and not ODS_CODE.match(rows[0][0].strip().upper()) and len(rows[0]) == FIELDS:
        start = 1
    practices: list[PracticeRecord] = []
    others: list[OtherOrganisationRecord] = []
    eras: set[str] = set()
    seen: dict[str, int] = {}
    for index, row in enumerate(rows[start:], start=start + 1):
        if len(row) != FIELDS:
            problems.add(
                index,
                None,
                f"expected {FIELDS} fields as in the ODS epraccur specification, found {len(row)}",
            )
            continue
        cells = [cell.strip() for cell in row]
        code = cells[0].upper()
        if not ODS_CODE.match(code):
            problems.add(index, col(1), f"{cells[0]!r} is not a valid ODS code")
            continue
        if code in seen:
            problems.add(index, col(1), f"{code} appears twice (first on row {seen[code]})")
            continue
        seen[code] = index
        setting = cells[25].upper()
        if setting not in GP_PRACTICE_SETTINGS:
            others.append(OtherOrganisationRecord(index, code, cells[1], setting))
            continue
        eras.add("data-search-export" if setting == "RO76" else "legacy")
        if not PRACTICE_CODE.match(code):
            problems.add(index, col(1), f"{code!r} is not a valid GP practice code")
            continue
        raw_status = cells[12].upper()
        status = STATUS_WORDS.get(raw_status, raw_status)
        if status not in STATUS_LETTERS:
            problems.add(
                index,
                col(13),
                f"{cells[12]!r} is not a status (A, C, D, P or ACTIVE, INACTIVE, DORMANT, "
                "PROPOSED)",
            )
        if not cells[1]:
            problems.add(index, col(2), "the practice name is missing")
        open_date = date_or_problem(
            cells[10], row=index, column=col(11), problems=problems, required=False
        )
        close_date = date_or_problem(
            cells[11], row=index, column=col(12), problems=problems, required=False
        )
        join_date = date_or_problem(
            cells[15], row=index, column=col(16), problems=problems, required=False
        )
        left_date = date_or_problem(
            cells[16], row=index, column=col(17), problems=problems, required=False
        )
        if open_date and close_date and close_date < open_date:
            problems.add(index, col(12), "the close date is before the open date")
        commissioner = cells[14].upper()
        if commissioner and not ODS_CODE.match(commissioner):
            problems.add(index, col(15), f"{cells[14]!r} is not a valid commissioner code")
        practices.append(
            PracticeRecord(
                row=index,
                code=code,
                name=cells[1],
                national_grouping=cells[2].upper(),
                high_level_health_geography=cells[3].upper(),
                address=(cells[4], cells[5], cells[6], cells[7], cells[8]),
                postcode=cells[9].upper(),
                open_date=open_date,
                close_date=close_date,
                status=status,
                commissioner=commissioner,
                join_date=join_date,
                left_date=left_date,
                phone=cells[17],
            )
        )
    if not practices and not problems:
        problems.add(None, None, "the file lists no GP practices")
    problems.raise_if_any()
    era = "data-search-export" if eras == {"data-search-export"} else "legacy"
    return EpraccurFile(era=era, practices=practices, others=others)
