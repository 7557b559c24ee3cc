"""The install makes exactly what the lock names, whatever has been released since.

Each test builds a brand-new virtual environment the way `make` does (`python -m venv`, with
the pip that Python ships) and installs into it with scripts/install-lock from a local folder
of wheels, never a registry. The folder also offers a newer release of a dependency that
another package names with an extra: the case that broke every fresh install in November
2026, when pip resolved `coverage[toml]` to a release newer than the lock and then refused it.
"""

import base64
import ensurepip
import hashlib
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INSTALL = ROOT / "scripts" / "install-lock"
CHECK = ROOT / "scripts" / "check_lock.py"


def wheel(folder: Path, name: str, version: str, requires: list[str] = (), extras=()) -> Path:
    """A minimal, valid pure-Python wheel holding one module."""
    dist = f"{name}-{version}.dist-info"
    metadata = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    metadata += [f"Provides-Extra: {extra}" for extra in extras]
    metadata += [f"Requires-Dist: {requirement}" for requirement in requires]
    files = {
        f"{name}.py": f"VERSION = {version!r}\n",
        f"{dist}/METADATA": "\n".join(metadata) + "\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: gpfed-tests\n"
        "Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    files[f"{dist}/RECORD"] = "\n".join([*record, f"{dist}/RECORD,,"]) + "\n"
    path = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name_in_zip, text in files.items():
            archive.writestr(name_in_zip, text)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def wheelhouse(tmp_path):
    """Locked: needsextra 1.0 (which asks for `extrapkg[toml]>=1.0`) and extrapkg 1.0.
    Also on offer, released 'after the lock': extrapkg 1.1."""
    folder = tmp_path / "wheels"
    folder.mkdir()
    old = wheel(folder, "extrapkg", "1.0", extras=["toml"])
    wheel(folder, "extrapkg", "1.1", extras=["toml"])
    needs = wheel(folder, "needsextra", "1.0", requires=["extrapkg[toml]>=1.0"])
    lines = [f"extrapkg==1.0 \\\n    --hash=sha256:{sha256(old)}\n    # via needsextra\n"]
    lines.append(f"needsextra==1.0 \\\n    --hash=sha256:{sha256(needs)}\n")
    # Like the project's lock (--allow-unsafe), it pins the installers too: those Python ships.
    for bundled in (Path(ensurepip.__file__).parent / "_bundled").glob("*.whl"):
        name, version = bundled.name.split("-")[:2]
        shutil.copy(bundled, folder)
        lines.append(f"{name}=={version} \\\n    --hash=sha256:{sha256(bundled)}\n")
    lock = tmp_path / "requirements.lock"
    lock.write_text("".join(lines))
    return folder, lock


def offline(folder: Path) -> dict:
    """pip, told to use only the local folder and none of this machine's settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1", PIP_FIND_LINKS=str(folder))
    return env


def fresh_venv(path: Path) -> Path:
    venv.EnvBuilder(with_pip=True).create(path)
    return path


def installed_version(env_dir: Path, name: str) -> str:
    script = f"from importlib.metadata import version; print(version({name!r}))"
    run = subprocess.run([env_dir / "bin" / "python", "-c", script], capture_output=True)
    return run.stdout.decode().strip()


def install(env_dir: Path, lock: Path, folder: Path):
    return subprocess.run(
        [INSTALL, env_dir, lock],
        env=offline(folder) | {"PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_newer_release_of_an_extra_is_never_chosen(tmp_path, wheelhouse):
    folder, lock = wheelhouse
    env_dir = tmp_path / "venv"
    run = install(env_dir, lock, folder)
    assert run.returncode == 0, run.stderr
    assert installed_version(env_dir, "extrapkg") == "1.0"
    assert installed_version(env_dir, "needsextra") == "1.0"


def test_the_check_fails_when_the_environment_differs_from_the_lock(tmp_path, wheelhouse):
    folder, lock = wheelhouse
    env_dir = fresh_venv(tmp_path / "venv")
    assert install(env_dir, lock, folder).returncode == 0
    pip = [env_dir / "bin" / "python", "-m", "pip", "install", "--quiet", "--no-deps"]
    subprocess.run([*pip, folder / "extrapkg-1.1-py3-none-any.whl"], check=True)

    check = subprocess.run(
        [env_dir / "bin" / "python", CHECK, lock], capture_output=True, text=True
    )
    assert check.returncode == 1
    assert "extrapkg is 1.1, the lock says 1.0" in check.stderr

    # Installing again puts the environment back to the lock, and removes what it does not name.
    wheel(folder, "stray", "2.0")
    subprocess.run([*pip, folder / "stray-2.0-py3-none-any.whl"], check=True)
    run = install(env_dir, lock, folder)
    assert run.returncode == 0, run.stderr
    assert installed_version(env_dir, "extrapkg") == "1.0"
    assert installed_version(env_dir, "stray") == ""


def test_a_wrong_hash_installs_nothing(tmp_path, wheelhouse):
    folder, lock = wheelhouse
    lock.write_text(lock.read_text().replace("--hash=sha256:", "--hash=sha256:0", 1))
    env_dir = tmp_path / "venv"
    run = install(env_dir, lock, folder)
    assert run.returncode != 0
    assert "HASHES" in run.stderr.upper()
    assert installed_version(env_dir, "needsextra") == ""


def test_the_project_lock_pins_every_package_with_hashes_and_names_no_local_index():
    text = (ROOT / "requirements.lock").read_text()
    assert "--index-url" not in text and "--find-links" not in text
    blocks = [b for b in text.split("\n") if b and not b.startswith((" ", "#"))]
    assert blocks, "the lock names no packages"
    for line in blocks:
        assert "==" in line and line.endswith("\\"), f"not pinned with hashes: {line}"
