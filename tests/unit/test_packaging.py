"""What a built (not editable) install of gpfed holds: every app's package."""

import fnmatch
import tomllib

from tests.packages import PACKAGES, ROOT


def test_every_app_is_in_the_packages_a_build_includes():
    # The checkout is installed editable (scripts/install-lock), which finds every package
    # whatever this list says; a wheel built from pyproject.toml holds only what it includes.
    found = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    include = found["packages"]["find"]["include"]
    missing = [p for p in PACKAGES if not any(fnmatch.fnmatch(p, i) for i in include)]
    assert not missing, f"not in [tool.setuptools.packages.find] include: {missing}"
