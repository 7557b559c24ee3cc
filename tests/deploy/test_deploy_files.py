"""The deploy/ folder holds what it says: systemd units whose commands exist in this project,
hardened; a monthly timer; an nginx configuration that sets what gpfed trusts and takes the
largest upload; a container recipe built from the lock; and an example settings file naming
only settings gpfed reads, and every one docs/operations.md lists.

systemd and nginx do not run here: the units are read with configparser and, where
``systemd-analyze`` is installed, checked by ``systemd-analyze verify`` with the install path
pointed at this checkout."""

import configparser
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
from datetime import date
from importlib.util import find_spec
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands

from tests import template_db

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = DEPLOY / "systemd"
INSTALL = "/opt/gpfed"
VAR = "/var/lib/gpfed"
ENV_FILE = "/etc/gpfed/gpfed.env"
SERVICES = ["gpfed-web.service", "gpfed-worker.service", "gpfed-nhs-refresh.service"]
# Variables in the example that gpfed/settings.py does not read, and what does.
READ_ELSEWHERE = {
    "WEB_CONCURRENCY": "gunicorn (its number of workers)",
    "AWS_ACCESS_KEY_ID": "boto3, for GPFED_STORAGE=s3",
    "AWS_SECRET_ACCESS_KEY": "boto3, for GPFED_STORAGE=s3",
}


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read_string((UNITS / name).read_text())
    return parser


def here(path: str) -> Path:
    """A path under the install folder, in this checkout."""
    assert path.startswith(INSTALL + "/"), f"{path} is not under {INSTALL}"
    return ROOT / path.removeprefix(INSTALL + "/")


def example_lines() -> dict[str, str]:
    """KEY=value lines of the example, the commented-out ones (#KEY=value) too."""
    found = {}
    for line in (DEPLOY / "gpfed.env.example").read_text().splitlines():
        match = re.fullmatch(r"#?([A-Z][A-Z0-9_]*)=(.*)", line)
        if match:
            found.setdefault(match.group(1), match.group(2))
    return found


def settings_variables() -> set[str]:
    source = (ROOT / "gpfed" / "settings.py").read_text()
    pattern = r'(?:os\.environ(?:\.get\(|\[)|env_bool\(|env_list\()\s*"([A-Z][A-Z0-9_]*)"'
    return set(re.findall(pattern, source))


def operations_variables() -> set[str]:
    """The variables in docs/operations.md's table of settings."""
    text = (ROOT / "docs" / "operations.md").read_text()
    section = text.split("## Settings (environment variables)", 1)[1]
    section = re.split(r"\n#{2,3} ", section, maxsplit=1)[0]
    names = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1]))
    return names


# --- systemd -----------------------------------------------------------------------------------


def test_units_run_this_projects_commands():
    web = shlex.split(unit("gpfed-web.service")["Service"]["ExecStart"])
    assert here(web[0]) == ROOT / ".venv" / "bin" / "gunicorn"
    assert (ROOT / ".venv" / "bin" / "gunicorn").is_file()
    assert web[1] == settings.WSGI_APPLICATION.rsplit(".", 1)[0] == "gpfed.wsgi"
    assert find_spec("gpfed.wsgi") is not None

    worker = shlex.split(unit("gpfed-worker.service")["Service"]["ExecStart"])
    assert here(worker[0]) == ROOT / ".venv" / "bin" / "python"
    assert worker[1] == "manage.py" and (ROOT / "manage.py").is_file()
    assert worker[2] == "db_worker" and "db_worker" in get_commands()

    refresh = shlex.split(unit("gpfed-nhs-refresh.service")["Service"]["ExecStart"])
    script = here(refresh[0])
    assert script == DEPLOY / "gpfed-nhs-refresh"
    assert script.stat().st_mode & stat.S_IXUSR, "deploy/gpfed-nhs-refresh is not executable"
    assert refresh[1].startswith(VAR + "/")
    assert '"$gpfed" import ' in script.read_text()


@pytest.mark.parametrize("name", SERVICES)
def test_units_run_as_gpfed_hardened_with_the_settings_file(name):
    service = unit(name)["Service"]
    assert service["User"] == "gpfed" and service["Group"] == "gpfed"
    assert service["WorkingDirectory"] == INSTALL
    assert service["EnvironmentFile"] == ENV_FILE
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "PrivateDevices": "yes",
        "RestrictSUIDSGID": "yes",
        "CapabilityBoundingSet": "",
    }.items():
        assert service.get(key) == value, f"{name}: {key} should be {value!r}"
    # Nothing writable but the var folder, which is where the example settings put gpfed's.
    assert service["ReadWritePaths"] == VAR == example_lines()["GPFED_VAR_DIR"]


def test_web_listens_on_the_loopback_address_with_workers_from_the_settings():
    service = unit("gpfed-web.service")["Service"]
    command = shlex.split(service["ExecStart"])
    bind = command[command.index("--bind") + 1]
    assert bind.startswith("127.0.0.1:")
    assert "--workers" not in command and "-w" not in command  # WEB_CONCURRENCY decides
    assert "WEB_CONCURRENCY" in example_lines()
    # The proxy's upstream is the same address.
    assert f"server {bind} " in (DEPLOY / "nginx" / "gpfed.conf").read_text()


def test_worker_is_restarted_whatever_stopped_it():
    assert unit("gpfed-worker.service")["Service"]["Restart"] == "always"


def test_refresh_timer_starts_the_refresh_monthly():
    timer = unit("gpfed-nhs-refresh.timer")
    assert (UNITS / timer["Timer"]["Unit"]).is_file()
    assert timer["Timer"]["Persistent"] == "true"
    assert re.fullmatch(r"\*-\*-\d{1,2} \d\d:\d\d:\d\d", timer["Timer"]["OnCalendar"])
    assert timer["Install"]["WantedBy"] == "timers.target"
    assert unit("gpfed-nhs-refresh.service")["Service"]["Type"] == "oneshot"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_analyze_verifies_the_units(tmp_path):
    """systemd's own check: every directive known and well-formed, every command executable
    (the install folder pointed at this checkout, the settings file at an empty one)."""
    env_file = tmp_path / "gpfed.env"
    env_file.write_text("")
    for path in UNITS.iterdir():
        text = path.read_text().replace(INSTALL, str(ROOT)).replace(ENV_FILE, str(env_file))
        (tmp_path / path.name).write_text(text)
    result = subprocess.run(
        [
            "systemd-analyze",
            "verify",
            "--man=no",
            *sorted(str(p) for p in tmp_path.glob("gpfed-*")),
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "SYSTEMD_LOG_LEVEL": "notice"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr
    calendar = subprocess.run(
        ["systemd-analyze", "calendar", unit("gpfed-nhs-refresh.timer")["Timer"]["OnCalendar"]],
        capture_output=True,
        text=True,
        check=False,
    )
    assert calendar.returncode == 0, calendar.stderr


# --- the refresh script -------------------------------------------------------------------------


def refresh(inbox: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}}
    env.update(GPFED_VAR_DIR=str(tmp_path / "var"), DJANGO_SETTINGS_MODULE="gpfed.settings")
    return subprocess.run(
        [str(DEPLOY / "gpfed-nhs-refresh"), str(inbox)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=tmp_path,
    )


def test_refresh_with_nothing_waiting_does_nothing(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    result = refresh(inbox, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "nothing to do" in result.stdout
    assert list(inbox.iterdir()) == []


def test_refresh_of_a_file_that_is_no_publication_fails_and_keeps_it(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "notes.csv").write_text("NAME,VALUE\nsomething,1\n")
    result = refresh(inbox, tmp_path)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "notes.csv" in result.stderr
    assert (inbox / "notes.csv").is_file()
    assert not (inbox / "imported").exists()


def test_refresh_imports_the_waiting_files_and_moves_them(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}}
    env.update(GPFED_VAR_DIR=str(tmp_path / "var"))
    # A migrated database, as `manage.py migrate` leaves it (copied from the suite's template).
    (tmp_path / "var").mkdir()
    template_db.copy_sqlite(str(tmp_path / "var" / "gpfed.sqlite3"))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    epraccur = next((ROOT / "demo" / "data").glob("epraccur*.csv"))
    shutil.copy(epraccur, inbox / epraccur.name)
    result = refresh(inbox, tmp_path)
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert "imported" in result.stdout
    moved = inbox / "imported" / date.today().isoformat() / epraccur.name
    assert moved.is_file()
    assert not (inbox / epraccur.name).exists()


# --- nginx --------------------------------------------------------------------------------------


def test_proxy_sets_what_gpfed_trusts_and_takes_the_largest_upload():
    conf = (DEPLOY / "nginx" / "gpfed.conf").read_text()
    assert re.search(r"listen 443 ssl\b", conf) and "ssl_certificate " in conf
    assert "return 301 https://$host$request_uri;" in conf
    assert re.search(r'add_header Strict-Transport-Security "max-age=\d+', conf)
    # GPFED_BEHIND_PROXY makes Django trust X-Forwarded-Proto = "https": the proxy must set it
    # (never pass on the client's) from the scheme it was reached by.
    source = (ROOT / "gpfed" / "settings.py").read_text()
    assert 'SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")' in source
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in conf
    assert "proxy_set_header Host $host;" in conf
    size = re.search(r"client_max_body_size (\d+)m;", conf)
    limit_mb = max(settings.GPFED_UPLOAD_LIMITS.values()) / 1024 / 1024
    assert size and limit_mb < int(size.group(1)) <= limit_mb + 2


# --- the container ------------------------------------------------------------------------------


def test_container_installs_the_lock_and_runs_as_someone_else_than_root():
    recipe = (DEPLOY / "Containerfile").read_text()
    stages = re.findall(r"^FROM (\S+)", recipe, flags=re.M)
    assert stages[-1].endswith("python:3.11-slim")
    assert "scripts/install-lock /opt/gpfed/.venv requirements.lock /opt/gpfed" in recipe
    assert "make assets" in recipe
    assert "collectstatic" in recipe
    users = re.findall(r"^USER (\S+)", recipe, flags=re.M)
    assert users and users[-1] not in {"root", "0"}
    for source in re.findall(r"^COPY (?!--from)(.+) \S+$", recipe, flags=re.M):
        for path in source.split():
            assert (ROOT / path).exists(), f"the Containerfile copies {path}, which is not here"
    command = re.search(r"^CMD (\[.*\])$", recipe, flags=re.M).group(1)
    assert '"gunicorn", "gpfed.wsgi"' in command


# --- the settings file --------------------------------------------------------------------------


def test_example_names_only_settings_gpfed_reads():
    read = settings_variables()
    unknown = {name for name in example_lines() if name not in read and name not in READ_ELSEWHERE}
    assert not unknown, f"deploy/gpfed.env.example names settings nothing reads: {unknown}"


def test_example_names_every_setting_operations_lists():
    listed = operations_variables()
    assert {"SECRET_KEY", "DATABASE_URL", "GPFED_BEHIND_PROXY"} <= listed
    names = set(example_lines())
    # A family written `GPFED_S3_…` in the table: the example names at least one of it.
    missing = {
        name
        for name in listed
        if (not any(n.startswith(name) for n in names) if name.endswith("_") else name not in names)
    }
    assert not missing, f"docs/operations.md lists settings the example lacks: {missing}"


def test_example_is_refused_until_its_secret_key_is_changed(tmp_path):
    """Copied as it is, the example stops gpfed starting (the key is a placeholder); with a
    real key it is a production configuration `check --deploy` passes."""
    values = {
        name: value
        for name, value in example_lines().items()
        if f"\n{name}=" in "\n" + (DEPLOY / "gpfed.env.example").read_text()
    }
    values.update(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", GPFED_VAR_DIR=str(tmp_path))
    base = {
        k: v
        for k, v in os.environ.items()
        # not the test run's own (the browser tests allow async-unsafe calls in their process)
        if not k.startswith(("GPFED_", "DATABASE_")) and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    check = [
        sys.executable,
        str(ROOT / "manage.py"),
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    ]
    refused = subprocess.run(
        check, env={**base, **values}, capture_output=True, text=True, check=False
    )
    assert refused.returncode != 0
    assert "SECRET_KEY" in refused.stderr
    values["SECRET_KEY"] = "k" + "".join(chr(ord("a") + i % 26) for i in range(7, 64))
    passed = subprocess.run(
        check, env={**base, **values}, capture_output=True, text=True, check=False
    )
    assert passed.returncode == 0, passed.stderr


# --- static files -------------------------------------------------------------------------------


def test_every_source_map_the_static_files_name_is_there():
    """Production's collectstatic (ManifestStaticFilesStorage) stops at a sourceMappingURL
    naming a file that is not there, and every page then answers 500: `make assets` copies the
    NHS.UK frontend's maps beside its CSS and JS."""
    static = ROOT / "gpfed" / "static"
    named = []
    for path in [*static.rglob("*.css"), *static.rglob("*.js")]:
        for target in re.findall(r"sourceMappingURL=([^\s*]+)", path.read_text(errors="replace")):
            named.append(path.name)
            assert (path.parent / target).is_file(), f"{path.name} names {target}, not there"
    assert "nhsuk-frontend.min.css" in named  # the check looked where the maps are named
