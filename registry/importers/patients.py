"""NHS Digital "Patients Registered at a GP Practice": the all-persons file
(``gp-reg-pat-prac-all``), the five-year age band file (``quin-age``) and the single-year file
(``sing-age``), in the CCG-era and sub-ICB-era column names and every extract date format."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from registry.importers.base import (
    ODS_CODE,
    Columns,
    Problems,
    date_or_problem,
    int_or_problem,
    read_csv,
)

SEXES = {"ALL": "ALL", "MALE": "MALE", "FEMALE": "FEMALE", "M": "MALE", "F": "FEMALE"}


@dataclass(frozen=True)
class PatientCount:
    row: int
    practice_code: str
    extract_date: date
    sex: str
    age_band: str
    age_from: int | None
    age_to: int | None
    patients: int


@dataclass
class PatientsFile:
    breakdown: str  # "all", "quin-age" or "sing-age"
    era: str  # "ccg" or "sub-icb"
    extract_dates: list[date]
    counts: list[PatientCount]
    skipped_other_types: int
    derived_totals: int = 0


def looks_like(header: list[str]) -> bool:
    cols = Columns(header)
    return cols.has("NUMBER_OF_PATIENTS") and cols.has("EXTRACT_DATE") and cols.has("SEX")


def parse_age(value: str) -> tuple[str, int | None, int | None]:
    """'ALL' -> all ages; '0_4' or '0-4' -> 0 to 4; '95+' or '95_PLUS' -> 95 and over; '7' -> 7."""
    text = value.strip().upper().replace(" ", "")
    if text == "ALL":
        return "ALL", None, None
    if m := re.fullmatch(r"(\d{1,3})(?:\+|_?PLUS|ANDOVER)", text):
        low = int(m.group(1))
        return f"{low}+", low, None
    if m := re.fullmatch(r"(\d{1,3})[_\-](\d{1,3})", text):
        low, high = int(m.group(1)), int(m.group(2))
        if high < low:
            raise ValueError(f"{value!r} is not an age band")
        return f"{low}-{high}", low, high
    if re.fullmatch(r"\d{1,3}", text):
        age = int(text)
        return str(age), age, age
    raise ValueError(f"{value!r} is not an age or age band (expected ALL, 0_4, 95+ or 7)")


# Long: a pure parser, the publication's columns in order.
def parse(data: bytes) -> PatientsFile:
    rows = read_csv(data)
    problems = Problems()
    cols = Columns(rows[0])
    cols.find("extract_date", "EXTRACT_DATE", problems=problems)
    cols.find("type", "TYPE", "ORG_TYPE", problems=problems, required=False)
    cols.find("code", "CODE", "ORG_CODE", "PRACTICE_CODE", problems=problems)
    cols.find("sex", "SEX", problems=problems)
    cols.find("age", "AGE", "AGE_GROUP_5", "AGE_BAND", problems=problems)
    cols.find("patients", "NUMBER_OF_PATIENTS", problems=problems)
    problems.raise_if_any()
    era = "sub-icb" if cols.has("SUB_ICB_LOCATION_CODE") else "ccg"

    counts: list[PatientCount] = []
    skipped = 0
    dates: set[date] = set()
    seen: dict[tuple, int] = {}
    single_years = False
    bands = False
    for index, row in enumerate(rows[1:], start=2):
        org_type = cols.get(row, "type").upper()
        if org_type and org_type != "GP":
            skipped += 1
            continue
        code = cols.get(row, "code").upper()
        if not ODS_CODE.match(code):
            problems.add(index, cols.label("code"), f"{code!r} is not a valid practice code")
            continue
        extract = date_or_problem(
            cols.get(row, "extract_date"),
            row=index,
            column=cols.label("extract_date"),
            problems=problems,
            required=True,
        )
        sex = SEXES.get(cols.get(row, "sex").upper())
        if sex is None:
            problems.add(
                index,
                cols.label("sex"),
                f"{cols.get(row, 'sex')!r} is not a sex (ALL, MALE or FEMALE)",
            )
        try:
            band, low, high = parse_age(cols.get(row, "age"))
        except ValueError as exc:
            problems.add(index, cols.label("age"), str(exc))
            continue
        patients = int_or_problem(
            cols.get(row, "patients"),
            row=index,
            column=cols.label("patients"),
            problems=problems,
        )
        if extract is None or sex is None or patients is None:
            continue
        key = (code, extract, sex, band)
        if key in seen:
            problems.add(
                index,
                cols.label("code"),
                f"{code} {sex} {band} on {extract} appears twice (row {seen[key]})",
            )
            continue
        seen[key] = index
        if low is not None and high == low:
            single_years = True
        elif low is not None:
            bands = True
        dates.add(extract)
        counts.append(PatientCount(index, code, extract, sex, band, low, high, patients))
    if not counts and not problems:
        problems.add(None, None, "the file has no GP practice rows")
    problems.raise_if_any()
    derived = _derive_totals(counts)
    counts.extend(derived)
    breakdown = "sing-age" if single_years else ("quin-age" if bands else "all")
    return PatientsFile(
        breakdown=breakdown,
        era=era,
        extract_dates=sorted(dates),
        counts=counts,
        skipped_other_types=skipped,
        derived_totals=len(derived),
    )


def _derive_totals(counts: list[PatientCount]) -> list[PatientCount]:
    """A practice's all-persons list size is what every page and population reads. The age-band
    files give none, so it is added up from the bands: per sex, the sex's all-ages row if the
    file has one, otherwise the sum of its bands."""
    by_practice: dict[tuple[str, date], list[PatientCount]] = {}
    for c in counts:
        by_practice.setdefault((c.practice_code, c.extract_date), []).append(c)
    derived = []
    for (code, extract), rows in by_practice.items():
        if any(r.sex == "ALL" and r.age_band == "ALL" for r in rows):
            continue
        total = 0
        for sex in ("MALE", "FEMALE"):
            sex_rows = [r for r in rows if r.sex == sex]
            whole = [r for r in sex_rows if r.age_band == "ALL"]
            total += whole[0].patients if whole else sum(r.patients for r in sex_rows)
        first = min(r.row for r in rows)
        derived.append(PatientCount(first, code, extract, "ALL", "ALL", None, None, total))
    return derived
