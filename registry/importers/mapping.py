"""Practice mapping files: which PCN, sub-ICB location, ICB and region each practice belonged to
on a date. Two publications share this shape:

* NHS Digital "Patients Registered at a GP Practice" mapping (``gp-reg-pat-prac-map``), CCG/STP
  era (``CCG_CODE``, ``STP_CODE``) or sub-ICB/ICB era, with an ``EXTRACT_DATE`` column;
* "Appointments in General Practice" mapping (``GP_CODE``, ``PCN_CODE``, ...), which carries no
  date: the month it describes is given by the operator or read from the file name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from registry.importers.base import (
    ICB_CODE,
    ODS_CODE,
    PCN_CODE,
    REGION_CODE,
    SUB_ICB_CODE,
    Columns,
    Problems,
    date_or_problem,
    read_csv,
)

# PCN codes the publications use for "no PCN".
NO_PCN = {"", "U", "UNALLOCATED", "NULL"}


@dataclass(frozen=True)
class MappingRecord:
    row: int
    practice_code: str
    as_at: date
    pcn_code: str  # "" when the practice is in no PCN
    pcn_name: str
    sub_icb_code: str
    sub_icb_name: str
    sub_icb_ons: str
    icb_code: str
    icb_name: str
    icb_ons: str
    region_code: str
    region_name: str
    region_ons: str


@dataclass
class MappingFile:
    publication: str  # "gp-reg-pat-prac-map" or "gpad-mapping"
    era: str
    as_at_dates: list[date]
    records: list[MappingRecord]
    duplicates: int = 0


def is_patients_map(header: list[str]) -> bool:
    cols = Columns(header)
    return cols.has("PRACTICE_CODE") and cols.has("PCN_CODE") and cols.has("EXTRACT_DATE")


def is_gpad_map(header: list[str]) -> bool:
    cols = Columns(header)
    return cols.has("GP_CODE") and cols.has("PCN_CODE")


# Long: a pure parser for both mapping layouts, their columns in order.
def parse(data: bytes, *, as_at: date | None = None) -> MappingFile:
    rows = read_csv(data)
    problems = Problems()
    cols = Columns(rows[0])
    gpad = is_gpad_map(rows[0])
    publication = "gpad-mapping" if gpad else "gp-reg-pat-prac-map"
    sub_icb_era = cols.has("SUB_ICB_LOCATION_CODE")
    cols.find("code", "GP_CODE", "PRACTICE_CODE", problems=problems)
    cols.find("pcn", "PCN_CODE", problems=problems)
    cols.find("pcn_name", "PCN_NAME", problems=problems, required=False)
    cols.find("sub_icb", "SUB_ICB_LOCATION_CODE", "CCG_CODE", problems=problems)
    cols.find(
        "sub_icb_name", "SUB_ICB_LOCATION_NAME", "CCG_NAME", problems=problems, required=False
    )
    cols.find(
        "sub_icb_ons",
        "ONS_SUB_ICB_LOCATION_CODE",
        "ONS_CCG_CODE",
        problems=problems,
        required=False,
    )
    cols.find("icb", "ICB_CODE", "STP_CODE", problems=problems, required=False)
    cols.find("icb_name", "ICB_NAME", "STP_NAME", problems=problems, required=False)
    cols.find("icb_ons", "ONS_ICB_CODE", "ONS_STP_CODE", problems=problems, required=False)
    cols.find("region", "REGION_CODE", "COMM_REGION_CODE", problems=problems, required=False)
    cols.find("region_name", "REGION_NAME", "COMM_REGION_NAME", problems=problems, required=False)
    cols.find(
        "region_ons", "ONS_REGION_CODE", "ONS_COMM_REGION_CODE", problems=problems, required=False
    )
    if not gpad:
        cols.find("extract_date", "EXTRACT_DATE", problems=problems)
    elif as_at is None:
        problems.add(
            None,
            None,
            "this Appointments in General Practice mapping has no date in it: give the month "
            "it describes (--as-of 2025-08-01, or a file name containing 2025-08)",
        )
    problems.raise_if_any()

    records: list[MappingRecord] = []
    seen: dict[tuple[str, date], MappingRecord] = {}
    duplicates = 0
    for index, row in enumerate(rows[1:], start=2):
        code = cols.get(row, "code").upper()
        if not ODS_CODE.match(code):
            problems.add(index, cols.label("code"), f"{code!r} is not a valid practice code")
            continue
        when = as_at
        if not gpad:
            when = date_or_problem(
                cols.get(row, "extract_date"),
                row=index,
                column=cols.label("extract_date"),
                problems=problems,
                required=True,
            )
        pcn = cols.get(row, "pcn").upper()
        if pcn in NO_PCN:
            pcn = ""
        elif not PCN_CODE.match(pcn):
            problems.add(index, cols.label("pcn"), f"{pcn!r} is not a valid PCN code")
            continue
        checks = (
            ("sub_icb", SUB_ICB_CODE, "sub-ICB location code"),
            ("icb", ICB_CODE, "ICB code"),
            ("region", REGION_CODE, "region code"),
        )
        bad = False
        for key, pattern, what in checks:
            value = cols.get(row, key).upper()
            if value and not pattern.match(value):
                problems.add(index, cols.label(key), f"{value!r} is not a valid {what}")
                bad = True
        if bad or when is None:
            continue
        sub_icb = cols.get(row, "sub_icb").upper()
        if (code, when) in seen:
            first = seen[(code, when)]
            if (first.pcn_code, first.sub_icb_code) == (pcn, sub_icb):
                # The Appointments mapping repeats a practice that is changing clinical system
                # (one row per supplier); the same PCN twice is not a conflict.
                duplicates += 1
                continue
            problems.add(
                index,
                cols.label("code"),
                f"{code} appears twice with different PCNs or sub-ICB locations (row {first.row})",
            )
            continue
        record = MappingRecord(
            row=index,
            practice_code=code,
            as_at=when,
            pcn_code=pcn,
            pcn_name=cols.get(row, "pcn_name") if pcn else "",
            sub_icb_code=sub_icb,
            sub_icb_name=cols.get(row, "sub_icb_name"),
            sub_icb_ons=cols.get(row, "sub_icb_ons").upper(),
            icb_code=cols.get(row, "icb").upper(),
            icb_name=cols.get(row, "icb_name"),
            icb_ons=cols.get(row, "icb_ons").upper(),
            region_code=cols.get(row, "region").upper(),
            region_name=cols.get(row, "region_name"),
            region_ons=cols.get(row, "region_ons").upper(),
        )
        seen[(code, when)] = record
        records.append(record)
    if not records and not problems:
        problems.add(None, None, "the file has no practice rows")
    problems.raise_if_any()
    era = "sub-icb" if sub_icb_era else "ccg"
    return MappingFile(
        publication=publication,
        era=era,
        as_at_dates=sorted({r.as_at for r in records}),
        records=records,
        duplicates=duplicates,
    )
