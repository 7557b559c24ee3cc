"""Documents people upload (contract papers, bulletin files, event materials, the resource
library): what kinds are accepted, that the content is what the name says, and that no NHS
number is in them, under the upload policy (kernel/uploads.py). Checked before anything is
stored; kept through Django's storage API (a folder or an S3-compatible bucket,
``GPFED_STORAGE``) with their SHA-256, and checked against it whenever they are read back."""

from __future__ import annotations

import hashlib
import logging
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

logger = logging.getLogger(__name__)


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
    saves the row. Storage is Django's default (``STORAGES["default"]``: a folder, or an
    S3-compatible bucket), so every web server and worker reads the same document."""
    from django.core.files.base import ContentFile

    document.file_name = file_name
    document.size = len(data)
    document.sha256 = hashlib.sha256(data).hexdigest()
    document.file.save(file_name, ContentFile(data), save=False)
    return document


# --- reading a document back ------------------------------------------------------------------


class DocumentDamaged(DocumentError):
    """The stored copy of a document is missing, or its bytes are not the ones recorded when it
    was uploaded: nothing is served or sent from it. Logged as an error where it is found."""


def opened(stored, *, sha256: str | None):
    """A stored document (a FileField's value) open for reading from its first byte, once its
    bytes are found to have the SHA-256 recorded at upload; ``sha256=None`` where none was
    recorded (event materials), when only that the copy is there is checked. Read through the
    storage API, never a path, so it works the same on a folder and in a bucket. Raises
    DocumentDamaged, logged, for a copy that is missing or not the one uploaded."""
    try:
        handle = stored.storage.open(stored.name, "rb")
    except FileNotFoundError:
        raise _damaged(stored, "is missing from storage") from None
    digest = hashlib.sha256()
    for chunk in handle.chunks():
        digest.update(chunk)
    if sha256 is not None and digest.hexdigest() != sha256:
        handle.close()
        raise _damaged(
            stored, f"has SHA-256 {digest.hexdigest()}, not {sha256} as recorded at upload"
        )
    handle.seek(0)
    return handle


def read_checked(stored, *, sha256: str | None) -> bytes:
    """A stored document's bytes, checked as ``opened`` checks them (for an email's
    attachments)."""
    with opened(stored, sha256=sha256) as handle:
        return handle.read()


def document_response(
    request,
    stored,
    *,
    sha256: str | None,
    filename: str,
    as_attachment: bool = True,
    content_type: str | None = None,
):
    """A document streamed through gpfed to a person the view has already let see it, once
    ``opened`` has checked its bytes; never a redirect to the store. A damaged or missing copy
    answers a page that says so (status 500), not a wrong file."""
    from django.http import FileResponse
    from django.shortcuts import render

    try:
        handle = opened(stored, sha256=sha256)
    except DocumentDamaged:
        return render(request, "document_damaged.html", {"filename": filename}, status=500)
    return FileResponse(
        handle, as_attachment=as_attachment, filename=filename, content_type=content_type
    )


def _damaged(stored, what: str) -> DocumentDamaged:
    logger.error("Document %s %s: not served or sent.", stored.name, what)
    return DocumentDamaged(
        f"The stored copy of {stored.name} {what}. It was not served or sent: restore it from "
        "the backup of the documents."
    )
