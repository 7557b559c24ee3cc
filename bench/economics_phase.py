"""The service economics modeller at the scale issue 19 asks for: 10,000 draws x 85 practices x
3 levels, every input a range, in under 2 s and under 500 MB; each practice's volume its own
last year's activity (times a scale) and the income per registered patient, the heaviest of the
inputs (the block and the rate per 1,000 cost no more). ``bench/run.py`` runs it in a
child process of its own (``--phase economics``), so the peak memory is the run's own, and
prints the row (``--only economics`` runs this phase alone, without the national files)."""

from __future__ import annotations

import random
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRACTICES = 85
PCNS = 12
DRAWS = 10_000


def phase_economics() -> dict:
    sys.path.insert(0, str(ROOT))
    from fractions import Fraction

    from economics.engine import (
        FEDERATION,
        INCOME,
        OVERHEAD,
        PCN,
        PRACTICE,
        VOLUME,
        PracticeInput,
        Value,
        fixed,
        per_unit,
        run,
    )

    rng = random.Random(19)
    # Lists as a large federation has them (1,500 to 25,000); three practices in no PCN; each
    # practice's own units last year, 150 to 300 per 1,000 patients.
    lists = [rng.randint(1_500, 25_000) for _ in range(PRACTICES)]
    practices = [
        PracticeInput(
            f"B{n:05d}",
            lists[n],
            None if n < 3 else f"U{n % PCNS:05d}",
            Fraction(lists[n] * rng.randint(150, 300) // 1000),
            "activity",
        )
        for n in range(PRACTICES)
    ]
    values = {
        VOLUME: Value.range("0.9", 1, "1.15"),  # a scale on last year's activity
        INCOME: Value.range("1.2", "1.4", "1.5"),  # £ a registered patient a year
        fixed(PRACTICE): Value.range(4_000, 5_000, 7_000),
        per_unit(PRACTICE): Value.range(2, "2.5", 4),
        fixed(PCN): Value.range(8_000, 10_000, 15_000),
        per_unit(PCN): Value.range("1.5", 2, 3),
        fixed(FEDERATION): Value.range(30_000, 40_000, 60_000),
        per_unit(FEDERATION): Value.range(1, "1.5", "2.5"),
        OVERHEAD: Value.range(3, 5, 8),
    }
    started = time.perf_counter()
    results = run(
        values=values, practices=practices, draws=DRAWS, seed=1, income_basis="per_patient"
    )
    seconds = time.perf_counter() - started
    tracemalloc.start()
    run(values=values, practices=practices, draws=DRAWS, seed=1, income_basis="per_patient")
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "draws": DRAWS,
        "practices": PRACTICES,
        "levels": 3,
        "uncertain_inputs": len(values),
        "seconds": seconds,
        "traced_peak_mb": traced_peak / 1024 / 1024,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "recommended_level": results.recommended_level,
        "breakeven_overhead_percent": str(results.breakeven_overhead_percent),
    }


def economics(results: dict, env: dict, child) -> None:
    """Run the phase in a child process and print its row."""
    r = child("economics", env)
    results["economics"] = r
    print("\nThe service economics modeller (issue 19's target: under 2 s and 500 MB):")
    label = f"{r['draws']:,} draws x {r['practices']} practices x {r['levels']} levels"
    print(
        f"  {label:45s} {r['seconds']:6.2f} s  the run's arrays peak {r['traced_peak_mb']:.0f} MB,"
        f" the process {r['peak_mb']:.0f} MB"
    )
