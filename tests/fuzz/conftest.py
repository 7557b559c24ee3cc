"""What the fuzz tests share: the permission matrix's world (a real id for every URL), the
people who sign in, the budget, and values that are nearly right.

The budget is the values at the edges (EDGES) and one example Hypothesis chooses for each URL
pattern and API operation, for each person, so CI stays quick and (with CI=true) repeats the
same search; set GPFED_FUZZ_EXAMPLES for a longer one, e.g.
``GPFED_FUZZ_EXAMPLES=100 .venv/bin/pytest tests/fuzz`` (docs/development.md).
"""

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.world import FED, NET

EXAMPLES = int(os.environ.get("GPFED_FUZZ_EXAMPLES", "1"))
# An installation superuser, and a federation's administrator (who signs in with a code too).
ACTORS = ["superuser", "federation_admin"]


def fuzz_settings(examples: int = EXAMPLES):
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=bool(os.environ.get("CI")),
        database=None,
        suppress_health_check=list(HealthCheck),
    )


# Years at and past the edges gpfed works with (1900 to 2200) and Python's (1 to 9999).
YEARS = st.sampled_from([0, 1, 1000, 1899, 1900, 2025, 2026, 2199, 2200, 2201, 9999]) | st.integers(
    0, 99999
)
MONTHS = st.builds("{:04d}-{:02d}".format, YEARS, st.integers(0, 13))
DAYS = st.builds("{:04d}-{:02d}-{:02d}".format, YEARS, st.integers(0, 13), st.integers(0, 32))
PERIODS = (
    MONTHS
    | st.builds("{:04d}-{:02d}".format, YEARS, st.integers(0, 99))
    | st.builds("{:04d}-{:02d}-Q{}".format, YEARS, st.integers(0, 99), st.integers(0, 9))
)
NUMBERS = st.integers(-(10**25), 10**25).map(str) | st.sampled_from(
    ["", "0", "-1", "1e309", "nan", "inf", "99999999999999999999", "4", "12"]
)
REAL = st.sampled_from(
    [FED, NET, "C82001", "U30213", "QK1", "03W", "2026-10", "2026-12-07", "2026-27-Q3", "yes"]
)
ANYTHING = st.text(max_size=30)
BY_NAME = {
    "month": MONTHS,
    "period": PERIODS,
    "week": DAYS,
    "start": DAYS,
    "day": DAYS,
    "on": DAYS,
    "page": NUMBERS,
    "weeks": NUMBERS,
    "within": NUMBERS,
    "limit": NUMBERS,
    "offset": NUMBERS,
}


# Every kind of parameter at once, at an edge: dates in the years 1 and 9999, numbers huge or
# negative. Each page and operation is tried with these first, then with what Hypothesis chooses.
EDGES = [
    {
        "month": "0001-01",
        "period": "0001-01",
        "week": "0001-01-01",
        "start": "0001-01-01",
        "day": "0001-01-01",
        "on": "0001-01-01",
        "page": "99999999999999999999",
        "weeks": "99999999999999999999",
        "within": "-1",
        "limit": "1",
        "offset": "99999999999999999999",
    },
    {
        "month": "9999-12",
        "period": "9999-00-Q4",
        "week": "9999-12-27",
        "start": "9999-12-27",
        "day": "9999-12-31",
        "on": "9999-12-31",
        "page": "-1",
        "weeks": "-99999999999999999999",
        "within": "99999999999999999999",
        "limit": "99999999999999999999",
        "offset": "-1",
    },
]


def value_for(name: str) -> st.SearchStrategy[str]:
    """A value for a parameter called ``name``: nearly right for its kind, a real id, or
    anything at all."""
    return st.one_of(BY_NAME.get(name, REAL), REAL, ANYTHING)
