"""gpfed holds aggregates, never patient-identifiable data: every upload is screened for NHS
numbers before anything is stored, and refused, naming the row and column, if it has one.

What counts as an NHS number, and how a file is opened safely, is the upload policy's
(kernel/uploads.py); this reads a file as rows, so a problem names its row and column."""

from __future__ import annotations

import csv
import io

from kernel.uploads import (
    MESSAGE,
    UploadRefused,
    cell_text,
    check_size,
    contains_nhs_number,
    is_nhs_number,
    open_workbook,
    readable_text,
    workbook_rows,
)
from registry.importers.base import ImportFileError, Problem

__all__ = ["MESSAGE", "admit", "contains_nhs_number", "is_nhs_number", "refuse_nhs_numbers"]


def is_workbook(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def _rows(data: bytes) -> tuple[list[str] | None, list[list]]:
    """The file's rows: a workbook's sheets one after another (cells as values), or CSV in
    whatever encoding it was saved in. Text that is not CSV is read a line at a time."""
    if is_workbook(data):
        book = open_workbook(data)
        rows = []
        for name in book.sheet_names:
            rows.extend(workbook_rows(book, name))
        return None, rows
    text = readable_text(data).lstrip("\ufeff")
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:  # not CSV (a cell too long, a NUL): each line is one cell
        rows = [[line] for line in text.splitlines()]
    rows = [row for row in rows if any(cell.strip() for cell in row)]  # numbered as read_csv
    return (rows[0] if rows else None), rows


def screen(data: bytes, file_name: str = "") -> list[Problem]:
    """Every cell that holds an NHS number, by row and column (the number itself is never
    repeated, so it is not stored in the error either). ImportFileError if the file is a
    workbook that is unsafe to open (kernel.uploads) or cannot be read."""
    try:
        if not is_workbook(data) and not contains_nhs_number(readable_text(data)):
            # A number inside a cell is a number in the whole text, so a file with none
            # anywhere needs no cell-by-cell look.
            return []
        header, rows = _rows(data)
    except UploadRefused as refused:
        raise ImportFileError([Problem(None, None, str(refused))]) from None
    problems = []
    for row_number, row in enumerate(rows, start=1):
        for column_number, cell in enumerate(row, start=1):
            text = cell_text(cell)
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


def admit(door: str, data: bytes, file_name: str = "") -> None:
    """The upload policy for a file read as rows (a registry import, an activity file,
    contacts, availability): within its door's size limit, safe to open, and without an NHS
    number. ImportFileError otherwise; the services call it, whichever door the file came
    through."""
    try:
        check_size(door, len(data))
    except UploadRefused as refused:
        raise ImportFileError([Problem(None, None, str(refused))]) from None
    refuse_nhs_numbers(data, file_name)
