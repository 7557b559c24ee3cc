"""A file of votes: a header, then one row per practice, ``ODS code,vote``::

    ODS code,Vote
    C82001,for
    C82002,abstain

Pure: it reads bytes and returns the votes with their row numbers, or every problem found,
each naming its row (the header is row 1, as a spreadsheet counts it; blank lines count too)
and column. A code that is not a practice code, a practice on two rows, a vote other than for,
against or abstain, a column other than these two and an NHS number anywhere are refused.
Whether each practice is a member on the day is the caller's check (``governance.selectors``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from governance.tally import CHOICES
from kernel.uploads import MESSAGE, UploadRefused, check_size, contains_nhs_number
from registry.importers.base import (
    PRACTICE_CODE,
    Columns,
    ImportFileError,
    Problem,
    Problems,
    decode_text,
    normalise_header,
)

DOOR = "votes"
COLUMNS = {
    "code": ("ODS code", "Practice code", "Code"),
    "vote": ("Vote",),
}
KNOWN = {normalise_header(n) for names in COLUMNS.values() for n in names}


@dataclass(frozen=True)
class VoteRow:
    row: int
    code: str
    vote: str


def _rows(data: bytes) -> list[tuple[int, list[str]]]:
    """The non-blank rows with their numbers as a person counts them (blank lines counted)."""
    text = decode_text(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise ImportFileError(
            [Problem(reader.line_num or None, None, f"the file is not valid CSV: {exc}")]
        ) from None
    if not rows:
        raise ImportFileError([Problem(None, None, "the file is empty")])
    return rows


def parse(data: bytes) -> tuple[list[VoteRow], Problems]:
    """The votes, and the problems found reading them. The caller refuses the file if there
    is any problem (``problems.raise_if_any()``), so nothing is tallied from half a file."""
    try:
        check_size(DOOR, len(data))
    except UploadRefused as refused:
        raise ImportFileError([Problem(None, None, str(refused))]) from None
    problems = Problems()
    rows = _rows(data)
    (header_number, header), body = rows[0], rows[1:]
    screened = set()  # rows with an NHS number, never repeated in another message
    for number, row in rows:  # the upload policy: never an NHS number (kernel/uploads.py)
        for position, cell in enumerate(row):
            if len(cell) >= 10 and contains_nhs_number(cell):
                named = number > header_number and position < len(header)
                problems.add(number, header[position] if named else str(position + 1), MESSAGE)
                screened.add(number)
    if header_number in screened:
        return [], problems
    columns = Columns(header, row=header_number)
    for key, names in COLUMNS.items():
        columns.find(key, *names, problems=problems)
    for name in header:
        if normalise_header(name) and normalise_header(name) not in KNOWN:
            problems.add(
                header_number,
                str(name),
                "gpfed does not read this column; a file of votes holds only ODS code and "
                "Vote (never a person's details)",
            )
    if problems and not columns.found.keys() >= COLUMNS.keys():
        return [], problems
    if not body:
        problems.add(None, None, "the file has a header but no votes")
    votes = []
    seen: dict[str, int] = {}
    for number, row in body:
        if number in screened:
            continue
        code = columns.get(row, "code").upper()
        vote = columns.get(row, "vote").lower()
        ok = True
        if not code:
            problems.add(number, columns.label("code"), "an ODS code is required")
            ok = False
        elif not PRACTICE_CODE.match(code):
            problems.add(
                number,
                columns.label("code"),
                f"{code!r} is not a practice ODS code (a letter and five digits, as A81001)",
            )
            ok = False
        elif code in seen:
            problems.add(
                number,
                columns.label("code"),
                f"{code} has already voted on row {seen[code]}: a practice votes once",
            )
            ok = False
        else:
            seen[code] = number
        if vote not in CHOICES:
            shown = f"{vote!r} is not a vote" if vote else "a vote is required"
            problems.add(number, columns.label("vote"), f"{shown} (for, against or abstain)")
            ok = False
        if ok:
            votes.append(VoteRow(number, code, vote))
    return votes, problems
