"""Fail unless a virtual environment holds exactly the packages a lock file pins.

    python scripts/check_lock.py LOCK [--project DIR] [--unlocked]

Run with the environment's own Python. Every `name==version` in LOCK must be installed at
that version, and nothing else may be installed except the project itself (named in DIR's
pyproject.toml). Prints one line per difference and exits 1 if there is any. With --unlocked
it only lists the installed packages that the lock does not name (install-lock removes them).
"""

import argparse
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

# Only the standard library: the check must run in an environment whatever the lock holds.
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def canonicalize_name(name: str) -> str:
    """A distribution's name as the packaging specification compares it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lock: Path) -> dict[str, str]:
    found = {}
    for line in lock.read_text().splitlines():
        match = PIN.match(line)
        if match:
            found[canonicalize_name(match[1])] = match[2]
    return found


def installed() -> dict[str, str]:
    return {
        canonicalize_name(dist.metadata["Name"]): dist.version for dist in metadata.distributions()
    }


def differences(locked: dict, present: dict, own: set) -> list[str]:
    problems = []
    for name, version in sorted(locked.items()):
        if name not in present:
            problems.append(f"{name}=={version} is in the lock but not installed")
        elif present[name] != version:
            problems.append(f"{name} is {present[name]}, the lock says {version}")
    for name in sorted(set(present) - set(locked) - own):
        problems.append(f"{name}=={present[name]} is installed but not in the lock")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lock", type=Path)
    parser.add_argument("--project", type=Path)
    parser.add_argument(
        "--unlocked", action="store_true", help="only list installed packages the lock lacks"
    )
    args = parser.parse_args()
    own = set()
    if args.project:
        with open(args.project / "pyproject.toml", "rb") as file:
            own.add(canonicalize_name(tomllib.load(file)["project"]["name"]))
    locked = pins(args.lock)
    if args.unlocked:
        print("\n".join(sorted(set(installed()) - set(locked) - own)))
        return 0
    if not locked:
        print(f"{args.lock} pins nothing", file=sys.stderr)
        return 1
    problems = differences(locked, installed(), own)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
