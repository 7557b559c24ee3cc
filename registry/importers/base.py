"""What every publication parser shares: reading bytes safely, finding columns by header name,
parsing ODS codes and the many date formats, and collecting every problem before giving up.

Parsers are pure: they take bytes and return typed records carrying their row numbers. They never
touch the database, so a file is fully validated before anything is written.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

MAX_PROBLEMS = 100

PRACTICE_CODE = re.compile(r"^[A-Z][0-9]{5}$")
PCN_CODE = re.compile(r"^U[0-9]{5}$")
# Sub-ICB locations kept the three-character CCG codes (03W, 16C); later mergers brought
# five-character codes (A3A8R).
SUB_ICB_CODE = re.compile(r"^[0-9A-Z]{3,5}$")
ICB_CODE = re.compile(r"^Q[0-9A-Z]{2}$")
REGION_CODE = re.compile(r"^Y[0-9]{2}$")
# Any ODS organisation code, for organisations that are not GP practices.
ODS_CODE = re.compile(r"^[0-9A-Z]{3,10}$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file, pinned to a row (1 = the first line) and a column."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


class ImportFileError(Exception):
    """The file cannot be imported. Nothing has been written."""

    def __init__(self, problems: Sequence[Problem], *, total: int | None = None):
        self.problems = list(problems)
        self.total = total if total is not None else len(self.problems)
        super().__init__(self.summary())

    def summary(self) -> str:
        if not self.problems:
            return "the file cannot be imported"
        first = str(self.problems[0])
        more = self.total - 1
        return first if more <= 0 else f"{first} (and {more} more problem{'s' * (more > 1)})"


@dataclass
class Problems:
    """Collects problems up to a cap, counting the rest, so a bad file reports them all."""

    items: list[Problem] = field(default_factory=list)
    total: int = 0

    def add(self, row: int | None, column: str | None, message: str) -> None:
        self.total += 1
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(row, column, message))

    def __bool__(self) -> bool:
        return self.total > 0

    def raise_if_any(self) -> None:
        if self.total:
            raise ImportFileError(self.items, total=self.total)


def decode_text(data: bytes) -> str:
    """Decode a published CSV: UTF-8 (a byte-order mark is allowed); anything else is refused
    with the row where decoding failed."""
    if not data or not data.strip():
        raise ImportFileError([Problem(None, None, "the file is empty")])
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        raise ImportFileError(
            [Problem(1, None, "the file is not UTF-8 text (it looks like UTF-16 or binary)")]
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data.count(b"\n", 0, exc.start) + 1
        raise ImportFileError(
            [
                Problem(
                    row,
                    None,
                    f"the file is not UTF-8 text (byte 0x{data[exc.start]:02X} cannot be "
                    "read); save it as CSV UTF-8 and try again",
                )
            ]
        ) from None


def read_csv(data: bytes) -> list[list[str]]:
    text = decode_text(data)
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ImportFileError([Problem(None, None, f"the file is not valid CSV: {exc}")]) from None
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise ImportFileError([Problem(None, None, "the file is empty")])
    return rows


def normalise_header(name: object) -> str:
    """'Practice to PCN\\nRelationship\\nStart Date' -> 'PRACTICE TO PCN RELATIONSHIP START
    DATE': case, line breaks, underscores and repeated spaces do not matter."""
    return re.sub(r"[\s_]+", " ", str(name or "")).strip().upper()


class Columns:
    """Finds the columns a parser needs by header name, accepting each era's spelling."""

    def __init__(self, header: Sequence[object], *, row: int = 1, sheet: str | None = None):
        self.positions = {normalise_header(name): i for i, name in enumerate(header)}
        self.row = row
        self.sheet = sheet
        self.found: dict[str, int] = {}
        self.names: dict[str, str] = {}

    def has(self, *names: str) -> bool:
        return any(normalise_header(n) in self.positions for n in names)

    def find(self, key: str, *names: str, problems: Problems, required: bool = True) -> None:
        for name in names:
            position = self.positions.get(normalise_header(name))
            if position is not None:
                self.found[key] = position
                self.names[key] = name
                return
        if required:
            wanted = " or ".join(names)
            where = f"sheet {self.sheet}: " if self.sheet else ""
            problems.add(self.row, wanted, f"{where}the column {wanted} is missing")

    def get(self, row: Sequence[object], key: str) -> str:
        position = self.found.get(key)
        if position is None or position >= len(row):
            return ""
        value = row[position]
        if value is None:
            return ""
        if isinstance(value, datetime | date):
            return value.strftime("%Y%m%d")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    def label(self, key: str) -> str:
        name = self.names.get(key, key)
        return f"{self.sheet}!{name}" if self.sheet else name


_DATE_FORMATS = ("%Y%m%d", "%Y-%m-%d", "%d%b%Y", "%d-%b-%y", "%d-%b-%Y", "%d/%m/%Y")


@functools.lru_cache(maxsize=8192)
def parse_date(value: str) -> date:
    """Every date format the publications use: 20240401, 2026-04-01, 01JAN2021, 01Jan2022,
    01-Apr-26 (and 01/04/2026 from spreadsheets saved by hand)."""
    text = value.strip()
    if len(text) == 8 and text.isdigit():  # the ODS format, by far the most common
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{value!r} is not a date (expected e.g. 20240401, 01JAN2021, 2026-04-01)")


def date_or_problem(
    value: str, *, row: int, column: str, problems: Problems, required: bool
) -> date | None:
    if not value:
        if required:
            problems.add(row, column, "a date is required")
        return None
    try:
        return parse_date(value)
    except ValueError as exc:
        problems.add(row, column, str(exc))
        return None


def code_or_problem(
    value: str, pattern: re.Pattern, what: str, *, row: int, column: str, problems: Problems
) -> str | None:
    code = value.strip().upper()
    if not code:
        problems.add(row, column, f"the {what} is missing")
        return None
    if not pattern.match(code):
        problems.add(row, column, f"{value!r} is not a valid {what}")
        return None
    return code


def int_or_problem(value: str, *, row: int, column: str, problems: Problems) -> int | None:
    text = value.replace(",", "").strip()
    if not re.fullmatch(r"[0-9]+", text):
        problems.add(row, column, f"{value!r} is not a whole number of patients")
        return None
    return int(text)


def first_non_empty(values: Iterable[str]) -> str:
    return next((v for v in values if v), "")
