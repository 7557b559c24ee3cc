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


def check_document(file_name: str, data: bytes) -> tuple[str, str]:
    """A safe file name and the content type, or DocumentError."""
    suffix = "." + file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if suffix not in DOCUMENT_TYPES:
        raise DocumentError("Upload a PDF, Word (.docx), Excel (.xlsx), CSV or text file.")
    content_type, magic = DOCUMENT_TYPES[suffix]
    if not data:
        raise DocumentError("The file is empty.")
    if magic and not data.startswith(magic):
        raise DocumentError(f"The file is named {suffix} but its content is not.")
    text = re.sub(r"<[^>]+>", " ", document_text(data, suffix))
    if contains_nhs_number(text):
        raise DocumentError(
            "The document contains what looks like an NHS number. gpfed holds no "
            "patient-identifiable data: remove it and upload again. Nothing was saved."
        )
    return re.sub(r"[^A-Za-z0-9._-]+", "-", file_name)[-120:], content_type
