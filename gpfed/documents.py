"""Documents people upload (contract papers, event materials, the resource library): what
kinds are accepted, that the content is what the name says, and that no NHS number is in
them. Checked before anything is stored."""

from __future__ import annotations

import re

from registry.importers.screening import contains_nhs_number


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
    """The text a document holds, for screening it for NHS numbers."""
    import io
    import zipfile

    if suffix == ".pdf":
        from pypdf import PdfReader

        try:
            reader = PdfReader(io.BytesIO(data))
            return "\n".join(page.extract_text() or "" for page in reader.pages)
        except Exception as exc:  # pypdf raises many types for a damaged file
            raise DocumentError(f"The PDF cannot be read: {exc}") from None
    if suffix in (".docx", ".xlsx"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return "\n".join(
                    archive.read(name).decode("utf-8", "replace")
                    for name in archive.namelist()
                    if name.endswith(".xml")
                )
        except zipfile.BadZipFile:
            raise DocumentError("The document cannot be read.") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DocumentError("The file is not UTF-8 text.") from None


def check_document(file_name: str, data: bytes, *, images: bool = False) -> tuple[str, str]:
    """A safe file name and the content type, or DocumentError. With ``images``, PNG and JPEG
    pictures are accepted too: checked to be whole images (their pixels cannot be screened
    for NHS numbers; people are told so where they upload them)."""
    suffix = "." + file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    kinds = {**DOCUMENT_TYPES, **IMAGE_TYPES} if images else DOCUMENT_TYPES
    if suffix not in kinds:
        raise DocumentError(
            "Upload a PDF, Word (.docx), Excel (.xlsx), CSV or text file"
            + (", or a PNG or JPEG image." if images else ".")
        )
    content_type, magic = kinds[suffix]
    if not data:
        raise DocumentError("The file is empty.")
    if magic and not data.startswith(magic):
        raise DocumentError(f"The file is named {suffix} but its content is not.")
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", file_name)[-120:]
    if suffix in IMAGE_TYPES:
        _check_image(data)
        return safe, content_type
    text = re.sub(r"<[^>]+>", " ", document_text(data, suffix))
    if contains_nhs_number(text):
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
