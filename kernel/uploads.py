"""The one policy for every file people upload, whichever door it comes through: the registry's
imports, activity files, contract documents, bulletin files, event materials, the library,
contacts and availability. It is applied in the request, before anything is stored:

- a size limit for each door (``GPFED_UPLOAD_LIMITS``); past the largest of them the request
  keeps no more of a file's bytes (``CeilingUploadHandler``), so an oversize file is refused
  without being written out whole;
- an archive (XLSX, DOCX) is judged from its directory before anything in it is read: how many
  entries it has, how large they unpack and how far each is compressed (``zipfile``'s infolist;
  nothing is unpacked). Its parts are then read as streams, never whole, and never past the
  sizes the directory declared;
- a workbook's sheets are measured, streamed through expat with no tree kept, before calamine
  opens them: calamine gives a sheet a cell for every position from A1 to its last cell, so a
  few bytes naming cells A1 and XFD1048576 would ask for hundreds of gigabytes;
- NHS numbers are looked for in what a person would read (``contains_nhs_number``): the text
  of a PDF, a Word document's paragraphs with their runs joined, a workbook's cells as values
  (a number is a number whatever its format, a formula is its saved result) and text in any
  encoding. A formula with no saved result is refused: what it shows cannot be known without
  calculating it, and gpfed does not run spreadsheets.
"""

# Over 500 lines: the one upload policy, so every door applies the same checks.

from __future__ import annotations

import hashlib
import io
import math
import re
import threading
import xml.parsers.expat
import zipfile
import zlib
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler

MB = 1024 * 1024
CHUNK = 64 * 1024
# An entry smaller than this cannot unpack to much however far it is compressed; the total
# limit covers many of them.
RATIO_FLOOR = MB


class UploadRefused(Exception):
    """The file is refused; the message, a sentence, says why to the person who sent it.
    Nothing has been stored."""


# --- size ------------------------------------------------------------------------------------


def size_text(size: int) -> str:
    return f"{size / MB:.0f} MB" if size >= MB else f"{max(size, 1) / 1024:.0f} KB"


def limit(door: str) -> int:
    """The largest file a door takes, in bytes."""
    return settings.GPFED_UPLOAD_LIMITS[door]


def ceiling() -> int:
    """The largest file any door takes: the request keeps no more than this of a file."""
    return max(settings.GPFED_UPLOAD_LIMITS.values())


def check_size(door: str, size: int) -> None:
    most = limit(door)
    if size > most:
        raise UploadRefused(f"The file is larger than {size_text(most)}, the most this page takes.")
    if size == 0:
        raise UploadRefused("The file is empty.")


class CeilingUploadHandler(FileUploadHandler):
    """First of the request's upload handlers: passes on at most one byte more than
    ``ceiling()`` of each file, so a file of any size costs the server no more than that and
    is then refused by its door's size limit (it is always larger than the limit)."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        room = ceiling() + 1 - self.received
        self.received += len(raw_data)
        return raw_data[:room] if room > 0 else None

    def file_complete(self, file_size):
        return None  # the next handler keeps what was passed on


# --- archives --------------------------------------------------------------------------------


def archive_limit(name: str) -> int:
    return settings.GPFED_ARCHIVE_LIMITS[name]


def check_archive(data: bytes) -> zipfile.ZipFile:
    """The archive, once its directory shows an ordinary Office file: a bounded number of
    entries, unpacking to a bounded size, none compressed further than real documents are,
    none encrypted. Judged from ``infolist()`` alone: nothing is unpacked here."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise UploadRefused(
            "The file cannot be read: it is not a whole Word (.docx) or Excel (.xlsx) file."
        ) from None
    if len(entries) > archive_limit("entries"):
        raise UploadRefused(
            f"The file holds {len(entries):,} parts; an Office document has far fewer (the most "
            f"gpfed opens is {archive_limit('entries'):,})."
        )
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > archive_limit("unpacked_bytes"):
        raise UploadRefused(
            f"The file would unpack to {size_text(unpacked)}; the most gpfed opens is "
            f"{size_text(archive_limit('unpacked_bytes'))}, so it was not opened."
        )
    for entry in entries:
        if entry.flag_bits & 0x1:
            raise UploadRefused(
                "The file is password-protected, so it cannot be checked: remove the password "
                "and upload it again."
            )
        if entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UploadRefused(
                "The file is packed in a way Word and Excel do not use, so it was not opened. "
                "Save it again from Word or Excel."
            )
        packed = max(entry.compress_size, 1)
        if entry.file_size > RATIO_FLOOR and entry.file_size > archive_limit("ratio") * packed:
            raise UploadRefused(
                f"The file is compressed far more than any real document ({entry.file_size:,} "
                f"bytes packed into {entry.compress_size:,}): it looks like a 'zip bomb', "
                "made to exhaust the server. It was not opened."
            )
    return archive


def _xml_parser() -> xml.parsers.expat.XMLParserType:
    """An expat parser that refuses document type declarations (Office files have none; they
    are how entity-expansion attacks start) and never fetches anything."""
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True

    def refuse(*_args):
        raise UploadRefused(
            "The file holds an XML document type declaration, which Office files never do, so "
            "it was not opened."
        )

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return parser


def _stream(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, parser) -> None:
    """Feed one part to a parser a chunk at a time (zipfile never reads past the size the
    directory declared, and checks the CRC at the end)."""
    try:
        with archive.open(entry) as part:
            while chunk := part.read(CHUNK):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except xml.parsers.expat.ExpatError as error:
        raise UploadRefused(
            f"The file is damaged: {entry.filename} is not readable ({error})."
        ) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
        raise UploadRefused("The file is damaged: part of it cannot be unpacked.") from None


def _xml_entries(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    return [
        entry
        for entry in archive.infolist()
        if entry.filename.lower().endswith((".xml", ".rels")) and entry.file_size
    ]


def _refuse_embedded(archive: zipfile.ZipFile) -> None:
    for entry in archive.infolist():
        name = entry.filename.lower()
        if "/embeddings/" in f"/{name}" or name.endswith("vbaproject.bin"):
            raise UploadRefused(
                "The file carries another file or a macro inside it, which gpfed cannot check "
                "for patient details: remove it (or save the document as PDF) and upload it "
                "again."
            )


# --- workbooks -------------------------------------------------------------------------------

SPREADSHEET = {
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
}
CELL_REFERENCE = re.compile(r"^([A-Za-z]{1,3})([0-9]{1,7})$")


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


class _SheetMeasure:
    """How far a sheet's cells reach (calamine allocates every position up to the last) and
    which formulas have no saved result. Reads element names and ``r`` attributes only."""

    def __init__(self, cells_left: int):
        self.cells_left = cells_left
        self.rows = self.columns = 0
        self.row = self.column = 0
        self.cell: str | None = None
        self.formula = self.value = self.in_value = False
        self.unsaved: str | None = None

    def start(self, tag: str, attrs: dict) -> None:
        namespace, _, name = tag.rpartition(" ")
        if namespace not in SPREADSHEET:
            return
        self.in_value = name == "v" and self.cell is not None
        if name == "row":
            self._end_cell()
            reference = attrs.get("r", "")
            self.row = int(reference) if reference.isdigit() else self.row + 1
            self.column = 0
        elif name == "c":
            self._end_cell()
            match = CELL_REFERENCE.match(attrs.get("r", ""))
            if match:
                self.column, self.row = _column_number(match[1]), int(match[2])
            else:
                self.column += 1
                self.row = max(self.row, 1)
            self.cell = f"{_letters(self.column)}{self.row}"
            self._reach(self.row, self.column)
        elif name == "f" and self.cell:
            self.formula = True

    def text(self, data: str) -> None:
        if self.in_value and data.strip():
            self.value = True  # <v/> is no result

    def _reach(self, row: int, column: int) -> None:
        rows, columns = max(self.rows, row), max(self.columns, column)
        if rows * columns > self.cells_left:
            raise UploadRefused(
                f"A sheet in the workbook reaches cell {_letters(columns)}{rows}: that is more "
                f"than the {archive_limit('cells'):,} cells gpfed reads from a workbook, so it "
                "was not opened. Delete what lies outside the table and upload it again."
            )
        self.rows, self.columns = rows, columns

    def _end_cell(self) -> None:
        if self.cell and self.formula and not self.value and self.unsaved is None:
            self.unsaved = self.cell
        self.cell = None
        self.formula = self.value = False

    def finish(self) -> None:
        self._end_cell()
        if self.unsaved:
            raise UploadRefused(
                f"A formula (in cell {self.unsaved}) has no saved result, so gpfed cannot see "
                "what it shows and does not calculate spreadsheets. Open the file in Excel and "
                "save it, or paste the values in place of the formulas, and upload it again."
            )


def _letters(column: int) -> str:
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# Workbooks that passed, by content and limits: a file is opened several times on its way in
# (recognised, screened, parsed), and measured once.
_PASSED: dict[tuple, None] = {}
_PASSED_LOCK = threading.Lock()


def check_workbook(data: bytes) -> None:
    """The archive checks, then every part measured as a sheet would be: all of the sheets
    together may reach no more than ``cells`` positions, and no formula may lack its result."""
    key = (hashlib.sha256(data).digest(), tuple(sorted(settings.GPFED_ARCHIVE_LIMITS.items())))
    if key in _PASSED:
        return
    archive = check_archive(data)
    _refuse_embedded(archive)
    cells_left = archive_limit("cells")
    for entry in _xml_entries(archive):
        measure = _SheetMeasure(cells_left)
        parser = _xml_parser()
        parser.StartElementHandler = measure.start
        parser.CharacterDataHandler = measure.text
        _stream(archive, entry, parser)
        measure.finish()
        cells_left -= measure.rows * measure.columns
    with _PASSED_LOCK:
        while len(_PASSED) >= 16:
            _PASSED.pop(next(iter(_PASSED)), None)
        _PASSED[key] = None


def open_workbook(data: bytes):
    """A calamine workbook, opened only once ``check_workbook`` has passed. UploadRefused
    for a workbook that is unsafe to open or cannot be read."""
    import python_calamine

    check_workbook(data)
    try:
        return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as error:  # calamine raises its own types for every kind of bad file
        raise UploadRefused(f"The workbook cannot be read: {error}.") from None


def workbook_rows(book, name: str) -> list[list]:
    try:
        return book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except Exception as error:  # calamine raises its own types for every kind of bad file
        raise UploadRefused(f"The sheet {name!r} cannot be read: {error}.") from None


def cell_text(value) -> str:
    """A cell as a person reads its digits: a number whatever its format (9.434765919E9 and
    9434765919 are the same number; a fraction's digits after the point are not read as a
    number of their own), text as it is."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float):
        return str(int(value)) if math.isfinite(value) else ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (date, datetime, time, timedelta)):
        return ""
    return str(value)


# --- what a person reads ---------------------------------------------------------------------

WORD = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
WORD_STRICT = "http://purl.oclc.org/ooxml/wordprocessingml/main"


class _Text:
    """The text of XML parts, into one buffer: each element's character data on a line of its
    own (as every part's text was always screened), and, for Word, each paragraph with its
    runs joined, as it reads on the page (a number split across runs by a change of font is
    one number)."""

    def __init__(self, out: io.StringIO):
        self.out = out
        self.paragraphs: list[list[str]] = []
        self.in_text = 0

    def start(self, tag: str, attrs: dict) -> None:
        self.out.write("\n")  # each element's text is a line of its own
        namespace, _, name = tag.rpartition(" ")
        if namespace not in (WORD, WORD_STRICT):
            return
        if name == "p":
            self.paragraphs.append([])
        elif name in ("t", "delText"):
            self.in_text += 1
        elif name in ("tab", "br", "cr") and self.paragraphs:
            self.paragraphs[-1].append(" ")

    def end(self, tag: str) -> None:
        self.out.write("\n")
        namespace, _, name = tag.rpartition(" ")
        if namespace not in (WORD, WORD_STRICT):
            return
        if name == "p" and self.paragraphs:
            self.out.write("".join(self.paragraphs.pop()) + "\n")
        elif name in ("t", "delText"):
            self.in_text -= 1

    def text(self, data: str) -> None:
        self.out.write(data)
        if self.in_text and self.paragraphs:
            self.paragraphs[-1].append(data)


def archive_text(archive: zipfile.ZipFile, *, skip: tuple[str, ...] = ()) -> str:
    """Every XML part's text (but those whose names start with ``skip``), Word paragraphs
    joined as they read. Bounded by the unpacked size ``check_archive`` allowed."""
    _refuse_embedded(archive)
    out = io.StringIO()
    for entry in _xml_entries(archive):
        if entry.filename.startswith(skip):
            continue
        reader = _Text(out)
        parser = _xml_parser()
        parser.StartElementHandler = reader.start
        parser.EndElementHandler = reader.end
        parser.CharacterDataHandler = reader.text
        _stream(archive, entry, parser)
    return out.getvalue()


def workbook_text(data: bytes) -> str:
    """A workbook as a person reads it: every cell of every sheet (hidden ones too) as a
    value, and the text of its other parts (comments, headers, names)."""
    book = open_workbook(data)
    out = io.StringIO()
    for name in book.sheet_names:
        for row in workbook_rows(book, name):
            for cell in row:
                text = cell_text(cell)
                if text:
                    out.write(text + "\n")
    out.write(archive_text(check_archive(data), skip=("xl/worksheets/",)))
    return out.getvalue()


def pdf_text(data: bytes) -> str:
    """A PDF's text as its pages show it, with its form fields and comments. pypdf decodes
    each stream within limits of its own; the pages are limited too."""
    from pypdf import PdfReader, apply_configuration

    unpacked = archive_limit("unpacked_bytes")
    try:
        with apply_configuration(
            zlib_maximum_output_length=unpacked,
            lzw_maximum_output_length=unpacked,
            run_length_maximum_output_length=unpacked,
            array_based_stream_maximum_output_length=unpacked,
            maximum_declared_stream_length=unpacked,
            image_maximum_buffer_size=unpacked,
        ):
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                raise UploadRefused(
                    "The PDF is password-protected, so it cannot be checked: remove the "
                    "password and upload it again."
                )
            if reader.attachments:
                raise UploadRefused(
                    "The PDF carries other files inside it, which gpfed cannot check for "
                    "patient details: remove them and upload it again."
                )
            pages = len(reader.pages)
            if pages > settings.GPFED_PDF_MAX_PAGES:
                raise UploadRefused(
                    f"The PDF has {pages:,} pages; gpfed checks documents of up to "
                    f"{settings.GPFED_PDF_MAX_PAGES:,}. Split it and upload the parts."
                )
            texts, size = [], 0
            for page in reader.pages:
                found = [page.extract_text() or ""]
                annotations = page.get("/Annots")
                for annotation in annotations.get_object() if annotations is not None else []:
                    contents = annotation.get_object().get("/Contents")
                    if contents:
                        found.append(str(contents))
                texts.extend(found)
                size += sum(map(len, found))
                if size > unpacked:
                    raise UploadRefused("The PDF holds more text than gpfed can check.")
            for field in (reader.get_fields() or {}).values():
                if field.get("/V") is not None:
                    texts.append(str(field.get("/V")))
    except UploadRefused:
        raise
    except Exception as error:  # pypdf raises many types for a damaged or hostile file
        raise UploadRefused(f"The PDF cannot be read: {error}") from None
    return "\n".join(texts)


def readable_text(data: bytes) -> str:
    """Text in whatever encoding it was saved in, for screening: UTF-8, UTF-16 (with or
    without a byte-order mark), UTF-32 with one, or a Windows code page (digits are the same
    bytes in every one of those, so Windows-1252 stands for them all)."""
    for mark, encoding in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe\x00\x00", "utf-32"),
        (b"\x00\x00\xfe\xff", "utf-32"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(mark):
            return data.decode(encoding, "replace")
    head = data[:4096]
    if len(head) > 1 and head.count(b"\x00") * 4 >= len(head):  # UTF-16 without a mark
        little = head[1::2].count(b"\x00") >= head[0::2].count(b"\x00")
        return data.decode("utf-16-le" if little else "utf-16-be", "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


# --- NHS numbers -----------------------------------------------------------------------------

MESSAGE = (
    "contains what looks like an NHS number (a patient identifier). gpfed holds aggregate "
    "figures only: remove patient-identifiable data and upload the file again"
)
_SPACE = r"[^\S\r\n]"
# Digits in groups, separated by spaces, a dot or a hyphen (or a dash) with spaces either side
# or none; a leading + is kept, as it marks a telephone number.
_RUN = re.compile(
    rf"\+?[0-9]++(?:(?:{_SPACE}*+[.\-\u2010-\u2013\u2212]{_SPACE}*+|{_SPACE}++)[0-9]++)*+"
)
_GROUPS = re.compile(r"[0-9]+")
# How NHS numbers are written: 943 476 5919, 9434765919, and the two half-grouped forms.
GROUPINGS = {(10,), (3, 3, 4), (6, 4), (3, 7)}
# +44 (0)116 496 0008: the national number after "(0)" is a telephone number.
_AFTER_TRUNK_ZERO = re.compile(rf"\(0\){_SPACE}*$")
_SCIENTIFIC = re.compile(r"(?<![0-9.])[0-9]\.[0-9]{1,9}[eE]\+?0*9(?![0-9])")


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


def nhs_numbers(text: str) -> Iterator[str]:
    """Each NHS number written in the text: ten digits with a valid check digit, grouped as
    NHS numbers are written, separated by spaces, dots or hyphens, or not at all; and a number
    in scientific notation (9.434765919E9) as the number it is. Telephone numbers are not NHS
    numbers: +44 116 496 0008 and +44 (0)116 496 0008 are international, 0116 496 0008 and
    01632 960123 have eleven digits, and the digits after a decimal point are a fraction."""
    for match in _RUN.finditer(text):
        run = match.group()
        if len(run) < 10 or run[0] == "+":
            continue
        if _AFTER_TRUNK_ZERO.search(text, max(0, match.start() - 12), match.start()):
            continue
        parts = _GROUPS.split(run)  # the separators: before the first group, between, after
        groups = _GROUPS.findall(run)
        if sum(map(len, groups)) < 10 or (len(groups) > 1 and groups[0].startswith("00")):
            continue  # too few digits, or 0044 116 496 0008 (international)
        for first in range(len(groups)):
            if first and "." in parts[first]:
                continue  # 12.9434765919: a fraction
            for last in range(first, min(first + 3, len(groups))):
                chosen = groups[first : last + 1]
                digits = "".join(chosen)
                if tuple(map(len, chosen)) in GROUPINGS and is_nhs_number(digits):
                    yield digits
    for match in _SCIENTIFIC.finditer(text):
        digits = str(int(float(match.group())))
        if is_nhs_number(digits):
            yield digits


def contains_nhs_number(text: str) -> bool:
    return next(nhs_numbers(text), None) is not None


# --- uploads the worker imports --------------------------------------------------------------

# A worker that dies holding an upload leaves it "running"; when its lease runs out it is tried
# once more (a fault outside the file, such as a restart, passes), then refused.
ATTEMPTS = 2
STOPPED = (
    "gpfed stopped while checking this file, twice, so it was not imported and nothing was "
    "written. Upload it again; if the same happens, tell the installation's operators."
)
STOPPED_ONCE = (
    "gpfed stopped while checking this file, so it was not imported and nothing was written. "
    "Upload it again."
)


def _lease() -> timedelta:
    return timedelta(seconds=settings.GPFED_UPLOAD_LEASE_SECONDS)


def _give_up(upload, now, message: str) -> None:
    """Refuse an upload whose worker died, with a message, and remove its bytes."""
    upload.status = "failed"
    upload.problems = [{"row": None, "column": None, "message": message}]
    upload.problem_total = 1
    upload.upload = None if upload._meta.get_field("upload").null else b""
    upload.lease_until = None
    upload.finished_at = now
    upload.save(
        update_fields=[
            "status",
            "problems",
            "problem_total",
            "upload",
            "lease_until",
            "finished_at",
        ]
    )


def claim(model, pk: int, *, task, now=None):
    """Take an upload for this worker (an activity file, a registry import): a queued one, or
    one whose worker died and whose lease has run out. It is held under a lease, and the task
    is queued again for when the lease runs out, in the same transaction: if this worker dies
    too, that run finds it and tries it again, or refuses it after ``ATTEMPTS``. None if there
    is nothing for this worker to do."""
    from django.db import transaction
    from django.utils import timezone

    now = now or timezone.now()
    with transaction.atomic():
        upload = model.objects.select_for_update().filter(pk=pk).first()
        if upload is None:
            return None
        died = upload.status == "running" and upload.lease_until and upload.lease_until <= now
        if upload.status != "queued" and not died:
            return None
        if died and (upload.attempts >= ATTEMPTS or not upload.upload):
            _give_up(upload, now, STOPPED if upload.attempts >= ATTEMPTS else STOPPED_ONCE)
            return None
        upload.status = "running"
        upload.attempts += 1
        upload.lease_until = now + _lease()
        upload.save(update_fields=["status", "attempts", "lease_until"])
        if task.get_backend().supports_defer:  # the database backend: a row in this transaction
            task.using(run_after=upload.lease_until + timedelta(seconds=5)).enqueue(pk)
    return upload


def recover(model, *, task, now=None) -> int:
    """Uploads whose worker died and whose lease has run out, each tried again or refused
    (``claim``): the worker looks for them whenever it starts an import, so none is left
    "being checked" for ever, its bytes in the database."""
    from django.db import transaction
    from django.utils import timezone

    now = now or timezone.now()
    stale = list(
        model.objects.filter(status="running", lease_until__lte=now).values_list("pk", flat=True)
    )
    for pk in stale:
        with transaction.atomic():
            upload = model.objects.select_for_update().filter(pk=pk).first()
            if upload is None or upload.status != "running" or not upload.lease_until:
                continue
            if upload.lease_until > now:
                continue
            if upload.attempts >= ATTEMPTS or not upload.upload:
                _give_up(upload, now, STOPPED if upload.attempts >= ATTEMPTS else STOPPED_ONCE)
                continue
            upload.status = "queued"
            upload.lease_until = None
            upload.save(update_fields=["status", "lease_until"])
            transaction.on_commit(lambda pk=pk: task.enqueue(pk))
    return len(stale)
