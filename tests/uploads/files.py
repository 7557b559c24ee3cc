"""Files for the upload tests: workbooks, Word documents and PDFs as people make them, and the
hostile ones a probe sends (zip bombs, a sheet that reaches the last cell)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable

import openpyxl

SHEET = "xl/worksheets/sheet1.xml"
HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
TAIL = b"</sheetData></worksheet>"
ACTIVITY = [["ODS code", "Service", "Month", "Units"], ["A10001", "phlebotomy", "2026-10", 12]]


def workbook(rows: Iterable[Iterable] = ACTIVITY) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_part(data: bytes, name: str, chunks: Iterable[bytes]) -> bytes:
    """The archive with one part replaced (streamed in, so a large part is never whole in
    memory), compressed as Excel and Word do."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            if entry.filename != name:
                target.writestr(entry.filename, source.read(entry.filename))
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with target.open(info, "w", force_zip64=True) as part:
            for chunk in chunks:
                part.write(chunk)
    return out.getvalue()


def with_sheet(xml: bytes, data: bytes | None = None) -> bytes:
    return with_part(data or workbook(), SHEET, [xml])


def zip_bomb(unpacked_mb: int = 600) -> bytes:
    """A workbook of about 600 KB whose sheet unpacks to 600 MB, as in the probe: one cell of
    a very long text (deflate packs a run of one character about a thousand times)."""
    block = b"0" * (1024 * 1024)

    def chunks():
        yield HEAD + b'<row r="1"><c r="A1" t="inlineStr"><is><t>'
        for _ in range(unpacked_mb):
            yield block
        yield b"</t></is></c></row>" + TAIL

    return with_part(workbook(), SHEET, chunks())


def far_cell_bomb() -> bytes:
    """A 5 KB workbook with cells in A1 and XFD1048576: calamine would give the sheet every
    cell between them, 17 billion, and the process would die asking for the memory."""
    return with_sheet(
        HEAD + b'<row r="1"><c r="A1"><v>1</v></c></row>'
        b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>' + TAIL
    )


def docx(*paragraphs: list[str]) -> bytes:
    """A Word document: each paragraph a list of runs (a change of font starts a new run)."""

    def run(text: str) -> str:
        return f'<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">{text}</w:t></w:r>'

    body = "".join(f"<w:p>{''.join(run(r) for r in runs)}</w:p>" for runs in paragraphs)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.'
            'org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
            '"application/xml"/><Override PartName="/word/document.xml" ContentType="application'
            '/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
            "schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
            '" Target="word/document.xml"/></Relationships>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://'
            f'schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body>'
            "</w:document>",
        )
    return out.getvalue()


def pdf(text: str) -> bytes:
    """A PDF as a word processor makes one (WeasyPrint: embedded, subset fonts)."""
    from weasyprint import HTML

    return HTML(string=f"<p>{text}</p>").write_pdf()
