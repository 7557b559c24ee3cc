"""Documents people upload (contract papers, bulletin files, event materials, the resource
library): what kinds are accepted, that the content is what the name says, and that no NHS
number is in them, under the upload policy (kernel/uploads.py). Checked before anything is
stored."""

from __future__ import annotations

import re

from kernel.uploads import (
    UploadRefused,
    archive_text,
    check_archive,
    check_size,
    contains_nhs_number,
    pdf_text,
    readable_text,
    workbook_text,
)


class DocumentError(Exception):
    """The document is refused; the message says why. Nothing was stored."""


DOCUMENT_TYPES = {
    ".pdf": ("application/pdf", b"%PDF-"),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        b"PK\x03\x04",
    ),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04"),
    ".csv": ("text/csv", b""),
    ".txt": ("text/plain", b""),
}


IMAGE_TYPES = {
    ".png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    ".jpg": ("image/jpeg", b"\xff\xd8\xff"),
    ".jpeg": ("image/jpeg", b"\xff\xd8\xff"),
}


def document_text(data: bytes, suffix: str) -> str:
    """The text a document holds as a person reads it, for screening it for NHS numbers:
    a PDF's pages, a Word document's paragraphs, a workbook's cells, text in any encoding."""
    try:
        if suffix == ".pdf":
            return pdf_text(data)
        if suffix == ".docx":
            return archive_text(check_archive(data))
        if suffix == ".xlsx":
            return workbook_text(data)
    except UploadRefused as refused:
        raise DocumentError(str(refused)) from None
    return readable_text(data)


def check_document(
    file_name: str, data: bytes, *, door: str, images: bool = False
) -> tuple[str, str]:
    """A safe file name and the content type, or DocumentError. ``door`` names the upload's
    size limit (``GPFED_UPLOAD_LIMITS``). With ``images``, PNG and JPEG pictures are accepted
    too: checked to be whole images (their pixels cannot be screened for NHS numbers; people
    are told so where they upload them)."""
    try:
        check_size(door, len(data))
    except UploadRefused as refused:
        raise DocumentError(str(refused)) from None
    suffix = "." + file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    kinds = {**DOCUMENT_TYPES, **IMAGE_TYPES} if images else DOCUMENT_TYPES
    if suffix not in kinds:
        raise DocumentError(
            "Upload a PDF, Word (.docx), Excel (.xlsx), CSV or text file"
            + (", or a PNG or JPEG image." if images else ".")
        )
    content_type, magic = kinds[suffix]
    if magic and not data.startswith(magic):
        raise DocumentError(f"The file is named {suffix} but its content is not.")
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", file_name)[-120:]
    if suffix in IMAGE_TYPES:
        _check_image(data)
        return safe, content_type
    if contains_nhs_number(document_text(data, suffix)):
        raise DocumentError(
            "The document contains what looks like an NHS number. gpfed holds no "
            "patient-identifiable data: remove it and upload again. Nothing was saved."
        )
    return safe, content_type


def _check_image(data: bytes) -> None:
    import io

    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except Exception:  # Pillow raises many types for a damaged image
        raise DocumentError("The image cannot be read: it may be damaged.") from None


def keep(document, *, file_name: str, data: bytes):
    """Put a checked file's bytes in storage for a document row (a contract document, a
    bulletin's file, a library version) and record its name, size and SHA-256. The caller
    saves the row."""
    import hashlib

    from django.core.files.base import ContentFile

    document.file_name = file_name
    document.size = len(data)
    document.sha256 = hashlib.sha256(data).hexdigest()
    document.file.save(file_name, ContentFile(data), save=False)
    return document
