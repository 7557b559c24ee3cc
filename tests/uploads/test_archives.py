"""An XLSX or DOCX is judged from its directory before it is opened (entries, unpacked size,
compression), and a workbook's sheets are measured before calamine opens them."""

import io
import struct
import zipfile

import pytest

from kernel.uploads import UploadRefused, check_archive, check_workbook, open_workbook
from registry.importers.base import ImportFileError
from registry.importers.epcn import parse
from tests.uploads.files import (
    HEAD,
    SHEET,
    TAIL,
    docx,
    far_cell_bomb,
    with_part,
    with_sheet,
    workbook,
    zip_bomb,
)


def test_the_national_workbook_passes(demo_file):
    data = demo_file("ePCN")
    check_workbook(data)
    assert parse(data).pcns


def test_a_zip_bomb_is_refused_from_its_directory(bomb):
    with pytest.raises(UploadRefused, match="would unpack to 600 MB"):
        check_archive(bomb)
    with pytest.raises(ImportFileError, match="would unpack to 600 MB"):
        parse(bomb)


def test_a_part_compressed_past_any_real_document_is_refused():
    small_bomb = zip_bomb(unpacked_mb=20)  # within the unpacked limit, packed 1,000 times
    assert len(small_bomb) < 100_000
    with pytest.raises(UploadRefused, match="zip bomb"):
        check_archive(small_bomb)


def test_too_many_parts_are_refused(settings):
    settings.GPFED_ARCHIVE_LIMITS = {**settings.GPFED_ARCHIVE_LIMITS, "entries": 20}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for n in range(21):
            archive.writestr(f"xl/part{n}.xml", "<x/>")
    with pytest.raises(UploadRefused, match="holds 21 parts"):
        check_archive(out.getvalue())


def test_a_password_protected_part_is_refused():
    data = bytearray(workbook())
    directory = data.rfind(b"PK\x01\x02")  # the last entry in the central directory
    flags = struct.unpack_from("<H", data, directory + 8)[0]
    struct.pack_into("<H", data, directory + 8, flags | 0x1)
    with pytest.raises(UploadRefused, match="password-protected"):
        check_archive(bytes(data))


def test_a_sheet_reaching_the_last_cell_is_refused_before_calamine_opens_it():
    """Two cells, A1 and XFD1048576, in 5 KB: calamine would ask for 550 GB and abort the
    process (a web worker, or the task worker), which no exception handler can catch."""
    data = far_cell_bomb()
    assert len(data) < 10_000
    with pytest.raises(UploadRefused, match="reaches cell XFD1048576"):
        open_workbook(data)


def test_cells_without_references_are_counted_where_they_fall(settings):
    settings.GPFED_ARCHIVE_LIMITS = {**settings.GPFED_ARCHIVE_LIMITS, "cells": 100}
    ten = b"<row>" + b"<c><v>1</v></c>" * 10 + b"</row>"
    check_workbook(with_sheet(HEAD + ten * 10 + TAIL))  # A1:J10, a hundred cells
    eleven = b"<row>" + b"<c><v>1</v></c>" * 11 + b"</row>"
    with pytest.raises(UploadRefused, match="reaches cell K10"):
        check_workbook(with_sheet(HEAD + eleven * 10 + TAIL))


def test_a_document_type_declaration_is_refused():
    billion_laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    with pytest.raises(UploadRefused, match="document type declaration"):
        check_workbook(with_sheet(billion_laughs))


def test_a_file_inside_a_document_is_refused():
    data = with_part(docx(["Minutes"]), "word/embeddings/oleObject1.bin", [b"\xd0\xcf\x11\xe0"])
    from kernel.documents import DocumentError, check_document

    with pytest.raises(DocumentError, match="carries another file"):
        check_document("minutes.docx", data, door="library")


def test_a_part_longer_than_its_directory_says_is_never_read_past_it():
    """A directory that says a part is small while its data unpacks to 30 MB: zipfile stops
    at the declared size (and the CRC then fails), and so does calamine."""
    body = HEAD + b"<row>" + b"<c><v>1</v></c>" * 2_000_000 + b"</row>" + TAIL
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        source = zipfile.ZipFile(io.BytesIO(workbook()))
        for entry in source.infolist():
            archive.writestr(
                entry.filename, body if entry.filename == SHEET else source.read(entry.filename)
            )
    data = bytearray(out.getvalue())
    entry = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(SHEET)
    struct.pack_into("<I", data, entry.header_offset + 22, 4000)  # the local header's size
    at = 0
    while (at := data.find(b"PK\x01\x02", at + 1)) > 0:  # and the central directory's
        length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + length] == SHEET.encode():
            struct.pack_into("<I", data, at + 24, 4000)
    with pytest.raises(UploadRefused, match="damaged"):
        open_workbook(bytes(data))
