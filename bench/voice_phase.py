"""A consultation at the scale issue 18 asks for: 200 federations x 85 practices (17,000
responses, every one answering a choice, a 1-5 scale and free text), rolled up by
organisation type, PCN, ICB and region in under 1 s. ``bench/run.py`` runs it in a child
process of its own (``--phase voice``), so the peak memory is the run's own, and prints the
row (``--only voice`` runs this phase alone, without the national files). It times the pure
roll-up (``voice.rollup``), which is all the arithmetic; reading the rows from the database is
``voice.selectors.result_rows``, a fixed number of queries."""

from __future__ import annotations

import random
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FEDERATIONS = 200
PRACTICES = 85
PCNS_EACH = 6
ICBS = 42
REGIONS = 7


def phase_voice() -> dict:
    sys.path.insert(0, str(ROOT))
    from voice.rollup import Place, QuestionSpec, Row, csv_rows, roll_up

    rng = random.Random(18)
    questions = [
        QuestionSpec(1, "choice", "Do you support it?", ("Yes", "No", "Not sure")),
        QuestionSpec(2, "scale", "How ready are you?"),
        QuestionSpec(3, "text", "Anything else?"),
    ]
    regions = [Place(f"Y{n:02d}", f"Region {n}") for n in range(REGIONS)]
    icbs = [Place(f"Q{n:02d}", f"ICB {n}") for n in range(ICBS)]
    rows = []
    for f in range(FEDERATIONS):
        icb = icbs[f % ICBS]
        region = regions[(f % ICBS) % REGIONS]
        for p in range(PRACTICES):
            pcn = Place(f"U{f:03d}{p % PCNS_EACH}", f"PCN {f}-{p % PCNS_EACH}")
            answers = {1: rng.choice(("Yes", "No", "Not sure")), 2: rng.randint(1, 5)}
            if p % 4 == 0:
                answers[3] = "We would share a hub if the travel is short."
            rows.append(
                Row(f"practice-{f}-{p}", f"Practice {f}-{p}", "Practice", pcn, icb, region, answers)
            )
    started = time.perf_counter()
    result = roll_up(questions, rows)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    table = csv_rows(result)
    csv_seconds = time.perf_counter() - started
    tracemalloc.start()
    roll_up(questions, rows)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "federations": FEDERATIONS,
        "practices": PRACTICES,
        "rows": len(rows),
        "groups": sum(len(groups) for groups in result.by.values()),
        "csv_rows": len(table),
        "seconds": seconds,
        "csv_seconds": csv_seconds,
        "rows_per_second": len(rows) / seconds if seconds else 0,
        "traced_peak_mb": traced_peak / 1024 / 1024,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def voice(results: dict, env: dict, child) -> None:
    """Run the phase in a child process and print its row."""
    r = child("voice", env)
    results["voice"] = r
    print("\nA consultation rolled up (issue 18's target: under 1 s):")
    label = f"{r['federations']} federations x {r['practices']} practices"
    print(
        f"  {label:45s} {r['rows']:>9,} rows {r['seconds']:8.2f} s "
        f"{r['rows_per_second']:>10,.0f} rows/s  peak {r['peak_mb']:6.0f} MB "
        f"(the roll-up's own {r['traced_peak_mb']:.0f} MB; {r['groups']:,} groups, "
        f"CSV of {r['csv_rows']:,} rows in {r['csv_seconds']:.2f} s)"
    )
