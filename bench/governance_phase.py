"""Governance at the scale issue 18 asks for: a members' resolution of 85 practices tallied
(under 1 s) and a board pack of 200 pages rendered (under 10 s). ``bench/run.py`` runs it in a
child process of its own (``--phase governance``), so the peak memory is the run's own, and
prints the row (``--only governance`` runs this phase alone, without the national files).

The tally is ``governance/tally.py``, the arithmetic every resolution's page uses. The pack is
the real template laid out by WeasyPrint, fed a large meeting built in memory (180 papers'
front sheets, long minutes, 400 open actions, 300 interests, 20 risks reviewed), so no
database is needed."""

from __future__ import annotations

import io
import os
import random
import resource
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace as Row

ROOT = Path(__file__).resolve().parent.parent
PRACTICES = 85
TALLIES = 1_000


def _tally() -> dict:
    from governance import tally

    rng = random.Random(18)
    eligible = {f"C{n:05d}": rng.randint(1_500, 25_000) for n in range(PRACTICES)}
    votes = {
        code: rng.choice(["for", "for", "for", "against", "abstain"])
        for code in list(eligible)[: PRACTICES - 7]
    }
    started = time.perf_counter()
    for _ in range(TALLIES):
        result = tally.tally(eligible=eligible, votes=votes, kind="special", mode="written")
    seconds = (time.perf_counter() - started) / TALLIES
    return {"practices": PRACTICES, "tally_seconds": seconds, "passed": result.passed}


class _Risk(Row):
    def __str__(self) -> str:
        return self.label


def _meeting() -> dict:
    person = Row(full_name="Dr Helen Marsh", email="h@example.org")
    start = datetime(2026, 12, 3, 18, 0)
    body = Row(name="Board of directors", quorum=5)
    meeting = Row(
        title="Board meeting",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        place="Market Harborough hub",
        online_link="",
    )
    items = []
    for n in range(1, 181):
        paper = Row(
            number=3,
            note="Revised after the finance committee",
            file_name=f"paper-{n}.pdf",
            size=250_000,
            uploaded_at=start,
            uploaded_by=person,
            sha256="ab" * 32,
            resource=Row(
                title=f"Paper {n}", description="What the board is asked to consider. " * 8
            ),
        )
        items.append(
            Row(number=n, title=f"Item {n}", owner=person, paper=paper, for_decision=n % 3 == 0)
        )
    minutes = Row(
        number=2,
        approval=None,
        text="\n\n".join(
            f"{n}. The board discussed the item at length. " * 12 for n in range(1, 250)
        ),
    )
    actions = [
        Row(
            text=f"Action {n}: write to the practices",
            owner=person,
            due_on=date(2027, 1, 1),
            raised_at=Row(title="Board meeting"),
        )
        for n in range(400)
    ]
    interests = [
        Row(
            user=person,
            get_kind_display="Financial",
            party=f"Company {n}",
            description="Shareholder",
            start_date=date(2024, 4, 1),
        )
        for n in range(300)
    ]
    risks = [
        Row(
            row=Row(
                risk=_Risk(
                    label=f"R{n} Risk to the federation number {n}",
                    owner=person,
                    review_on=date(2027, 3, 31),
                ),
                before=Row(text="20 (extreme, red)"),
                after=Row(text="12 (high, amber)"),
                overdue=n % 4 == 0,
            ),
            items=items[n : n + 2],
        )
        for n in range(1, 21)
    ]
    return {
        "risks": risks,
        "meeting": meeting,
        "body": body,
        "federation": Row(name="A large federation"),
        "view": Row(
            quorums=[Row(item=i) for i in items],
            previous=meeting,
            previous_minutes=minutes,
            actions=actions,
        ),
        "papers": items,
        "interests": interests,
        "declarations": [],
        "generated": start,
    }


def phase_governance() -> dict:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gpfed.settings")
    import django

    django.setup()
    from django.template.loader import render_to_string
    from pypdf import PdfReader
    from weasyprint import HTML

    out = _tally()
    context = _meeting()
    started = time.perf_counter()
    pdf = HTML(string=render_to_string("governance/pack_pdf.html", context)).write_pdf()
    out["pack_seconds"] = time.perf_counter() - started
    out["pack_pages"] = len(PdfReader(io.BytesIO(pdf)).pages)
    out["pack_mb"] = len(pdf) / 1024 / 1024
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def governance(results: dict, env: dict, child) -> None:
    """Run the phase in a child process and print its rows."""
    r = child("governance", env)
    results["governance"] = r
    print("\nGovernance (issue 18's targets: a tally under 1 s, a 200-page pack under 10 s):")
    print(
        f"  {'A members resolution of ' + str(r['practices']) + ' practices tallied':45s}"
        f" {r['tally_seconds'] * 1000:8.3f} ms"
    )
    print(
        f"  {'A board pack of ' + str(r['pack_pages']) + ' pages':45s}"
        f" {r['pack_seconds']:8.2f} s  peak {r['peak_mb']:.0f} MB"
    )
