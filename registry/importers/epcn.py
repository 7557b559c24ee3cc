"""ODS ePCN workbook: sheet ``PCNDetails`` (one row per PCN) and sheet
``PCN Core Partner Details`` (one row per practice-to-PCN relationship, with start and end dates).
Header cells contain line breaks; columns are found by name whatever the spacing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kernel.uploads import UploadRefused, open_workbook
from registry.importers.base import (
    ODS_CODE,
    PCN_CODE,
    SUB_ICB_CODE,
    Columns,
    ImportFileError,
    Problem,
    Problems,
    code_or_problem,
    date_or_problem,
)

DETAILS_SHEET = "PCNDetails"
PARTNERS_SHEET = "PCN Core Partner Details"


@dataclass(frozen=True)
class PcnRecord:
    row: int
    code: str
    name: str
    sub_icb_code: str
    sub_icb_name: str
    open_date: date | None
    close_date: date | None
    address: tuple[str, str, str, str, str]
    postcode: str


@dataclass(frozen=True)
class PartnerRecord:
    row: int
    practice_code: str
    pcn_code: str
    start_date: date
    end_date: date | None


@dataclass
class EpcnFile:
    pcns: list[PcnRecord]
    partners: list[PartnerRecord]


def is_xlsx(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def _open(data: bytes):
    # calamine (Rust) reads the national workbook about 15 times faster than openpyxl; the
    # upload policy measures the workbook before calamine opens it.
    try:
        return open_workbook(data)
    except UploadRefused as refused:
        raise ImportFileError([Problem(None, None, str(refused))]) from None


def sheet_names(data: bytes) -> list[str]:
    return list(_open(data).sheet_names)


def parse(data: bytes) -> EpcnFile:
    return _parse(_open(data))


def _rows(workbook, name: str, problems: Problems):
    if name not in workbook.sheet_names:
        problems.add(None, None, f"the sheet {name!r} is missing")
        return []
    rows = [
        row
        for row in workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        if any(cell not in ("", None) for cell in row)
    ]
    if not rows:
        problems.add(None, None, f"the sheet {name!r} is empty")
    return rows


# Long: a pure parser, the publication's sheets and columns in order.
def _parse(workbook) -> EpcnFile:
    problems = Problems()
    details = _rows(workbook, DETAILS_SHEET, problems)
    partners = _rows(workbook, PARTNERS_SHEET, problems)
    problems.raise_if_any()

    cols = Columns(details[0], sheet=DETAILS_SHEET)
    cols.find("code", "PCN Code", problems=problems)
    cols.find("name", "PCN Name", problems=problems)
    cols.find("sub_icb", "Current Sub ICB Loc Code", "Current CCG Code", problems=problems)
    cols.find("sub_icb_name", "Sub ICB Location", "CCG Name", problems=problems, required=False)
    cols.find("open", "Open Date", problems=problems)
    cols.find("close", "Close Date", problems=problems)
    for n in range(1, 6):
        cols.find(f"address{n}", f"Address Line {n}", problems=problems, required=False)
    cols.find("postcode", "Postcode", problems=problems, required=False)

    pcols = Columns(partners[0], sheet=PARTNERS_SHEET)
    pcols.find("practice", "Partner Organisation Code", problems=problems)
    pcols.find("pcn", "PCN Code", problems=problems)
    pcols.find("start", "Practice to PCN Relationship Start Date", problems=problems)
    pcols.find("end", "Practice to PCN Relationship End Date", problems=problems)
    problems.raise_if_any()

    pcns: list[PcnRecord] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(details[1:], start=2):
        code = code_or_problem(
            cols.get(row, "code"),
            PCN_CODE,
            "PCN code",
            row=index,
            column=cols.label("code"),
            problems=problems,
        )
        sub_icb = cols.get(row, "sub_icb").upper()
        if sub_icb and not SUB_ICB_CODE.match(sub_icb):
            problems.add(index, cols.label("sub_icb"), f"{sub_icb!r} is not a sub-ICB code")
        name = cols.get(row, "name")
        if not name:
            problems.add(index, cols.label("name"), "the PCN name is missing")
        open_date = date_or_problem(
            cols.get(row, "open"),
            row=index,
            column=cols.label("open"),
            problems=problems,
            required=True,
        )
        close_date = date_or_problem(
            cols.get(row, "close"),
            row=index,
            column=cols.label("close"),
            problems=problems,
            required=False,
        )
        if code is None:
            continue
        if code in seen:
            problems.add(index, cols.label("code"), f"{code} appears twice (row {seen[code]})")
            continue
        seen[code] = index
        pcns.append(
            PcnRecord(
                row=index,
                code=code,
                name=name,
                sub_icb_code=sub_icb,
                sub_icb_name=cols.get(row, "sub_icb_name"),
                open_date=open_date,
                close_date=close_date,
                address=tuple(cols.get(row, f"address{n}") for n in range(1, 6)),
                postcode=cols.get(row, "postcode").upper(),
            )
        )

    records: list[PartnerRecord] = []
    spells: dict[tuple[str, str, date], int] = {}
    for index, row in enumerate(partners[1:], start=2):
        practice = code_or_problem(
            pcols.get(row, "practice"),
            ODS_CODE,
            "practice code",
            row=index,
            column=pcols.label("practice"),
            problems=problems,
        )
        pcn = code_or_problem(
            pcols.get(row, "pcn"),
            PCN_CODE,
            "PCN code",
            row=index,
            column=pcols.label("pcn"),
            problems=problems,
        )
        start = date_or_problem(
            pcols.get(row, "start"),
            row=index,
            column=pcols.label("start"),
            problems=problems,
            required=True,
        )
        end = date_or_problem(
            pcols.get(row, "end"),
            row=index,
            column=pcols.label("end"),
            problems=problems,
            required=False,
        )
        if start and end and end < start:
            problems.add(index, pcols.label("end"), "the end date is before the start date")
            continue
        if practice is None or pcn is None or start is None:
            continue
        if pcn not in seen:
            problems.add(
                index, pcols.label("pcn"), f"{pcn} is not listed on the {DETAILS_SHEET} sheet"
            )
            continue
        key = (practice, pcn, start)
        if key in spells:
            problems.add(
                index,
                pcols.label("practice"),
                f"{practice} joins {pcn} on {start} twice (row {spells[key]})",
            )
            continue
        spells[key] = index
        records.append(PartnerRecord(index, practice, pcn, start, end))
    problems.raise_if_any()
    return EpcnFile(pcns=pcns, partners=records)
