"""Recognise which publication a file is from its header or shape."""

from __future__ import annotations

import re
from datetime import date

from registry.importers import epcn, epraccur, mapping, patients, populations
from registry.importers.base import ImportFileError, Problem, read_csv


class Kind:
    EPRACCUR = "epraccur"
    EPCN = "epcn"
    PATIENTS = "gp-reg-pat-prac"
    PATIENTS_MAP = "gp-reg-pat-prac-map"
    GPAD_MAPPING = "gpad-mapping"
    POPULATIONS = "populations"

    LABELS = {
        EPRACCUR: "ODS GP practices (epraccur)",
        EPCN: "ODS ePCN workbook",
        PATIENTS: "Patients Registered at a GP Practice (all, quin-age or sing-age)",
        PATIENTS_MAP: "Patients Registered at a GP Practice: mapping",
        GPAD_MAPPING: "Appointments in General Practice: mapping",
        POPULATIONS: "Adjusted and weighted populations (gpfed CSV)",
    }
    # Order in which several files given together are imported: organisations before the
    # files that refer to them.
    ORDER = [EPRACCUR, EPCN, PATIENTS_MAP, GPAD_MAPPING, PATIENTS, POPULATIONS]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(k, cls.LABELS[k]) for k in cls.ORDER]


def detect(data: bytes, file_name: str = "") -> str:
    if epcn.is_xlsx(data):
        names = epcn.sheet_names(data)
        if epcn.DETAILS_SHEET in names or epcn.PARTNERS_SHEET in names:
            return Kind.EPCN
        raise ImportFileError(
            [Problem(None, None, f"this workbook is not an ODS ePCN file (its sheets are {names})")]
        )
    # Only the first line decides; the parser reads (and checks) the whole file afterwards.
    first_lines = data[:65536]
    cut = first_lines.rfind(b"\n")
    rows = read_csv(first_lines[: cut + 1] if cut > 0 and len(data) > len(first_lines) else data)
    header = rows[0]
    if epraccur.looks_like(rows):
        return Kind.EPRACCUR
    if mapping.is_gpad_map(header):
        return Kind.GPAD_MAPPING
    if mapping.is_patients_map(header):
        return Kind.PATIENTS_MAP
    if patients.looks_like(header):
        return Kind.PATIENTS
    if populations.looks_like(header):
        return Kind.POPULATIONS
    shown = ",".join(header[:6])
    raise ImportFileError(
        [
            Problem(
                1,
                None,
                "gpfed does not recognise this file as one of the publications it imports "
                f"(its first line starts {shown!r}); see docs/importing.md",
            )
        ]
    )


def month_from_file_name(file_name: str) -> date | None:
    """'gpad-mapping-2025-08.csv' -> 1 August 2025; also 202508."""
    m = re.search(r"(20\d{2})[-_]?(0[1-9]|1[0-2])(?!\d)", file_name)
    if m:
        return date(int(m.group(1)), int(m.group(2)), 1)
    return None
