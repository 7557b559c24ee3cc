"""gpfed's own top-level packages, found in the tree rather than listed (a list missed the
newest apps twice): every app (a package with an ``apps.py``), the kernel and the composition
root."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = sorted({p.parent.name for p in ROOT.glob("*/apps.py")} | {"kernel", "gpfed"})
