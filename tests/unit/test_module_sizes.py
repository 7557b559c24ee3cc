"""Modules that match their names (issue 15): no production module over 500 lines without its
reason written at its top, as "# Over 500 lines: why"."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Every app (a package with an apps.py), the kernel and the composition root: found, not listed,
# so a new app is checked from its first commit (bids and voice were missed while listed).
AREAS = sorted({p.parent.name for p in ROOT.glob("*/apps.py")} | {"kernel", "gpfed"})


def test_the_areas_include_every_app():
    assert {"bids", "voice", "governance", "kernel", "gpfed"} <= set(AREAS)


def test_every_module_over_500_lines_says_why():
    unexplained = []
    for area in AREAS:
        for path in (ROOT / area).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            text = path.read_text()
            if text.count("\n") > 500 and "# Over 500 lines:" not in text:
                unexplained.append(f"{path.relative_to(ROOT)} ({text.count(chr(10))} lines)")
    assert not unexplained, "modules over 500 lines without their reason: " + ", ".join(unexplained)
