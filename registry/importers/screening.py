"""gpfed holds aggregates, never patient-identifiable data: every upload is screened for NHS
numbers before anything is stored, and refused, naming the row and column, if it has one."""

from __future__ import annotations

import io
import re

import python_calamine

from registry.importers.base import ImportFileError, Problem, decode_text, read_csv

# Ten digits, alone or grouped 3-3-4 by spaces or hyphens, not part of a longer number.
CANDIDATE = re.compile(r"(?<![0-9])([0-9]{3})[ -]?([0-9]{3})[ -]?([0-9]{4})(?![0-9])")
MESSAGE = (
    "contains what looks like an NHS number (a patient identifier). gpfed holds aggregate "
    "figures only: remove patient-identifiable data and upload the file again"
)


def is_nhs_number(digits: str) -> bool:
    """The modulus 11 check: weights 10 to 2 on the first nine digits; 11 - (sum mod 11) is
    the check digit, 11 meaning 0 and 10 meaning the number is not valid."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def contains_nhs_number(text: str) -> bool:
    return any(is_nhs_number("".join(m.groups())) for m in CANDIDATE.finditer(text))


def _rows(data: bytes, file_name: str) -> tuple[list[str] | None, list[list]]:
    if data[:4] == b"PK\x03\x04":
        try:
            book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        except Exception:  # not readable: the parser reports that properly
            return None, []
        rows = []
        for name in book.sheet_names:
            rows.extend(
                [f"{name}!{c}" if i == 0 else c for i, c in enumerate(row)]
                for row in book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            )
        return None, rows
    rows = read_csv(data)
    return rows[0], rows


def screen(data: bytes, file_name: str = "") -> list[Problem]:
    """Every cell that holds an NHS number, by row and column (the number itself is never
    repeated, so it is not stored in the error either)."""
    if data[:4] != b"PK\x03\x04":
        # Fast path for text: a number inside a cell is a number in the whole text, so a
        # file with none anywhere needs no cell-by-cell look.
        try:
            text = decode_text(data)
        except ImportFileError:
            return []  # not readable text: the parser says so, with the row
        if not contains_nhs_number(text):
            return []
    header, rows = _rows(data, file_name)
    problems = []
    for row_number, row in enumerate(rows, start=1):
        for column_number, cell in enumerate(row, start=1):
            if cell is None or isinstance(cell, bool):
                continue
            text = str(int(cell)) if isinstance(cell, float) and cell.is_integer() else str(cell)
            if len(text) >= 10 and contains_nhs_number(text):
                column = (
                    header[column_number - 1]
                    if header and row_number > 1 and column_number <= len(header)
                    else str(column_number)
                )
                problems.append(Problem(row_number, column, MESSAGE))
    return problems


def refuse_nhs_numbers(data: bytes, file_name: str = "") -> None:
    problems = screen(data, file_name)
    if problems:
        raise ImportFileError(problems[:100], total=len(problems))
