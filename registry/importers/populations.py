"""gpfed's own CSV for the yearly populations that cannot be derived from list sizes: the PCN
adjusted population and the practice or PCN weighted (Carr-Hill) population.

Header (any order, any case)::

    CODE,FINANCIAL_YEAR,ADJUSTED_POPULATION,WEIGHTED_POPULATION[,SOURCE]

``CODE`` is a practice (A81001) or PCN (U89141) code, ``FINANCIAL_YEAR`` is ``2025-26`` or
``2025/26``; either population may be left blank.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from registry.importers.base import (
    PCN_CODE,
    PRACTICE_CODE,
    Columns,
    Problems,
    read_csv,
)


@dataclass(frozen=True)
class PopulationRecord:
    row: int
    code: str
    is_pcn: bool
    financial_year: int  # the calendar year the financial year starts in
    adjusted: Decimal | None
    weighted: Decimal | None
    source: str


def looks_like(header: list[str]) -> bool:
    cols = Columns(header)
    return cols.has("FINANCIAL_YEAR") and (
        cols.has("ADJUSTED_POPULATION") or cols.has("WEIGHTED_POPULATION")
    )


def parse_financial_year(value: str) -> int:
    text = value.strip()
    m = re.fullmatch(r"(\d{4})\s*[-/]\s*(\d{2}|\d{4})", text)
    if m:
        start, end = int(m.group(1)), int(m.group(2))
        if end % 100 == (start + 1) % 100:
            return start
    raise ValueError(f"{value!r} is not a financial year (expected e.g. 2025-26)")


def _population(value: str, *, row: int, column: str, problems: Problems) -> Decimal | None:
    text = value.replace(",", "").strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        problems.add(row, column, f"{value!r} is not a number")
        return None
    if number < 0 or not number.is_finite():
        problems.add(row, column, f"{value!r} cannot be a population")
        return None
    return number.quantize(Decimal("0.01"))


def parse(data: bytes) -> list[PopulationRecord]:
    rows = read_csv(data)
    problems = Problems()
    cols = Columns(rows[0])
    cols.find("code", "CODE", "ODS_CODE", "ORG_CODE", problems=problems)
    cols.find("year", "FINANCIAL_YEAR", problems=problems)
    cols.find("adjusted", "ADJUSTED_POPULATION", problems=problems, required=False)
    cols.find("weighted", "WEIGHTED_POPULATION", problems=problems, required=False)
    cols.find("source", "SOURCE", problems=problems, required=False)
    if "adjusted" not in cols.found and "weighted" not in cols.found:
        problems.add(1, "ADJUSTED_POPULATION", "give ADJUSTED_POPULATION or WEIGHTED_POPULATION")
    problems.raise_if_any()

    records: list[PopulationRecord] = []
    seen: dict[tuple[str, int], int] = {}
    for index, row in enumerate(rows[1:], start=2):
        code = cols.get(row, "code").upper()
        is_pcn = bool(PCN_CODE.match(code))
        if not is_pcn and not PRACTICE_CODE.match(code):
            problems.add(index, cols.label("code"), f"{code!r} is not a practice or PCN code")
            continue
        try:
            year = parse_financial_year(cols.get(row, "year"))
        except ValueError as exc:
            problems.add(index, cols.label("year"), str(exc))
            continue
        adjusted = _population(
            cols.get(row, "adjusted"), row=index, column=cols.label("adjusted"), problems=problems
        )
        weighted = _population(
            cols.get(row, "weighted"), row=index, column=cols.label("weighted"), problems=problems
        )
        if adjusted is None and weighted is None:
            if cols.get(row, "adjusted") == "" and cols.get(row, "weighted") == "":
                problems.add(index, cols.label("adjusted"), "give at least one population")
            continue
        if (code, year) in seen:
            problems.add(
                index, cols.label("code"), f"{code} {year} appears twice (row {seen[(code, year)]})"
            )
            continue
        seen[(code, year)] = index
        records.append(
            PopulationRecord(index, code, is_pcn, year, adjusted, weighted, cols.get(row, "source"))
        )
    if not records and not problems:
        problems.add(None, None, "the file has no population rows")
    problems.raise_if_any()
    return records
