"""The modeller's fixtures: a scenario file's contents, and a small federation in the registry
with the lists and PCNs of the hand-worked case in tests/unit/test_economics_engine.py."""

import copy
import json
from dataclasses import dataclass
from datetime import date

import pytest

from registry.models import Federation, Practice
from tests.factories import (
    FederationMembershipFactory,
    ListSizeFactory,
    PCNFactory,
    PracticeFactory,
    PracticePCNFactory,
)

AS_OF = date(2026, 10, 1)

# The hand-worked scenario: every input certain (tests/unit/test_economics_engine.py).
SCENARIO = {
    "federation": "trio",
    "as_of": "2026-10-01",
    "unit": "blood test",
    "volume_per_1000": 30,
    "income_per_unit": 10,
    "levels": {
        "practice": {"fixed_per_year": 500, "cost_per_unit": 2},
        "pcn": {"fixed_per_year": 400, "cost_per_unit": 3},
        "federation": {"fixed_per_year": 600, "cost_per_unit": 1, "overhead_percent": 5},
    },
    "draws": 10000,
    "seed": 1,
}


@pytest.fixture
def scenario() -> dict:
    """A fresh copy of the hand-worked scenario, to change."""
    return copy.deepcopy(SCENARIO)


@pytest.fixture
def scenario_file(tmp_path):
    """Write a scenario (a dict, or text as it is) to a file and give its path."""

    def write(content, name: str = "scenario.json"):
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content if isinstance(content, str) else json.dumps(content))
        return path

    return write


@dataclass
class Trio:
    federation: Federation
    practices: dict[str, Practice]
    outsider: Practice


@pytest.fixture
def trio(db) -> Trio:
    """Federation "trio" on 1 October 2026: A00001 (1,000 patients) and B00002 (2,000) in PCN
    U00001, C00003 (7,000) in U00002. Around it, what the selectors must leave out: a practice
    that left before the day, one outside the federation, list sizes published after the day,
    and a PCN spell that ended before it."""
    federation = Federation.objects.create(name="Trio Federation", slug="trio")
    west, east = PCNFactory(code="U00001"), PCNFactory(code="U00002")
    practices = {}
    for code, patients, pcn in (
        ("A00001", 1_000, west),
        ("B00002", 2_000, west),
        ("C00003", 7_000, east),
    ):
        practice = PracticeFactory(code=code)
        practices[code] = practice
        FederationMembershipFactory(federation=federation, practice=practice)
        PracticePCNFactory(practice=practice, pcn=pcn, start_date=date(2023, 4, 1))
        ListSizeFactory(practice=practice, extract_date=date(2026, 4, 1), patients=patients - 50)
        ListSizeFactory(practice=practice, extract_date=date(2026, 9, 1), patients=patients)
        ListSizeFactory(practice=practice, extract_date=date(2026, 11, 1), patients=patients * 3)
    # C00003 was in U00001 until 2023, then moved to U00002.
    PracticePCNFactory(
        practice=practices["C00003"],
        pcn=west,
        start_date=date(2019, 7, 1),
        end_date=date(2023, 3, 31),
    )
    leaver = PracticeFactory(code="D00004")
    FederationMembershipFactory(
        federation=federation,
        practice=leaver,
        start_date=date(2016, 4, 1),
        end_date=date(2026, 3, 31),
    )
    ListSizeFactory(practice=leaver, extract_date=date(2026, 9, 1), patients=4_000)
    outsider = PracticeFactory(code="E00005")
    ListSizeFactory(practice=outsider, extract_date=date(2026, 9, 1), patients=5_000)
    PracticePCNFactory(practice=outsider, pcn=west)
    return Trio(federation, practices, outsider)
