"""CSV exports that spreadsheet programs cannot be tricked into running as formulas."""

import csv
import re
from collections.abc import Iterable, Sequence

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


NUMBER = re.compile(r"-?\d+(\.\d+)?", re.ASCII)


def safe_cell(value) -> str:
    """A cell that starts like a formula is prefixed with an apostrophe (OWASP's advice), so
    Excel and LibreOffice show it as text instead of evaluating it. So that ``read_cell`` can
    take the apostrophe off again, one that already stands before a formula start is
    prefixed too ('=x is written ''=x)."""
    text = "" if value is None else str(value)
    if NUMBER.fullmatch(text):
        return text  # a negative amount (-240.00) is a number, not a formula: keep it one
    return "'" + text if text.lstrip("'").startswith(FORMULA_STARTS) else text


def read_cell(text: str) -> str:
    """The value ``safe_cell`` wrote: the apostrophe it put before a formula start is taken
    off (for an import of a file exported here); any other cell is read as it is."""
    return text[1:] if text.lstrip("'").startswith(FORMULA_STARTS) and text[:1] == "'" else text


class SafeWriter:
    """A csv writer whose every cell goes through ``safe_cell``: every CSV gpfed writes, to a
    response or to the command line's output, is written with one."""

    def __init__(self, stream):
        self._writer = csv.writer(stream)

    def writerow(self, row: Sequence) -> None:
        self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Sequence]) -> None:
        for row in rows:
            self.writerow(row)


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = SafeWriter(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response
