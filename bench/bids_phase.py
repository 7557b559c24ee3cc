"""The bids pipeline's OCDS import at the scale issue 19 asks for: 10,000 releases read,
checked and imported in under 10 s (then the same file again, every one an update).
``bench/run.py`` runs it in a child process of its own (``--phase bids``) against its migrated
database and prints the row; ``--only bids`` migrates a fresh SQLite database and runs this
phase alone, without the national files."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RELEASES = 10_000
CPV = ("85121100-4", "85120000-6", "85100000-0", "77314000-4")


def releases_package(n: int = RELEASES) -> bytes:
    """A release package of ``n`` tenders as Find a Tender publishes them: most for the
    default CPV codes, some not (left out), each with criteria, documents and deadlines."""
    releases = []
    for i in range(n):
        releases.append(
            {
                "ocid": f"ocds-bench-{i:06d}",
                "id": f"ocds-bench-{i:06d}-1",
                "date": "2026-11-02T09:00:00Z",
                "tag": ["tender"],
                "buyer": {"id": f"GB-NHS-Q{i % 42:02d}", "name": f"NHS Bench {i % 42} ICB"},
                "tender": {
                    "title": f"General practice services lot {i}",
                    "description": "Core and enhanced services for a registered population.",
                    "classification": {"scheme": "CPV", "id": CPV[i % len(CPV)]},
                    "value": {"amount": 100_000 + i, "currency": "GBP"},
                    "procurementMethodDetails": "Provider Selection Regime: competitive process",
                    "enquiryPeriod": {"endDate": "2027-01-08T12:00:00Z"},
                    "tenderPeriod": {"endDate": "2027-01-22T12:00:00Z"},
                    "contractPeriod": {"durationInDays": 1095},
                    "awardCriteria": {
                        "criteria": [
                            {"name": "Quality", "numbers": [{"number": 60}]},
                            {"name": "Price", "numbers": [{"number": 40}]},
                        ]
                    },
                    "documents": [{"title": "Notice", "url": f"https://example.org/notice/{i}"}],
                },
            }
        )
    return json.dumps({"version": "1.1", "releases": releases}).encode()


def phase_bids() -> dict:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gpfed.settings")
    import django

    django.setup()
    from bids.importing import notices_import
    from bids.ocds import notices_read
    from registry.models import Federation

    federation, _ = Federation.objects.get_or_create(
        slug="bench-bids", defaults={"name": "Bench bids federation"}
    )
    data = releases_package()
    started = time.perf_counter()
    reading = notices_read(data)
    first = notices_import(federation=federation, reading=reading, by=None)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    again = notices_import(federation=federation, reading=notices_read(data), by=None)
    again_seconds = time.perf_counter() - started
    # The memory of a run, measured apart (tracing slows it), into a second federation.
    other, _ = Federation.objects.get_or_create(
        slug="bench-bids-2", defaults={"name": "Bench bids federation 2"}
    )
    tracemalloc.start()
    notices_import(federation=other, reading=notices_read(data), by=None)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "releases": RELEASES,
        "kept": len(reading.notices),
        "file_mb": len(data) / 1024 / 1024,
        "seconds": seconds,
        "rows_per_second": RELEASES / seconds,
        "created": first.created,
        "reimport_seconds": again_seconds,
        "updated": again.updated,
        "unchanged": again.unchanged,
        "traced_peak_mb": traced_peak / 1024 / 1024,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def bids(results: dict, env: dict, child) -> None:
    """Run the phase in a child process and print its row."""
    r = child("bids", env)
    results["bids"] = r
    print("\nThe bids pipeline's OCDS import (issue 19's target: 10,000 releases under 10 s):")
    label = f"Import {r['releases']:,} releases ({r['kept']:,} kept)"
    print(
        f"  {label:45s}"
        f" {r['seconds']:6.2f} s  {r['rows_per_second']:,.0f} rows/s,"
        f" peak {r['traced_peak_mb']:.0f} MB traced, the process {r['peak_mb']:.0f} MB"
    )
    print(f"  {'The same file again (nothing changed)':45s} {r['reimport_seconds']:6.2f} s")


def only(out: Path, child) -> dict:
    """``--only bids``: a fresh SQLite database, migrated, and this phase alone."""
    db = out / "bench-bids.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}"}
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--no-input", "-v0"],
        env=env,
        check=True,
    )
    results: dict = {}
    bids(results, env, child)
    return results
