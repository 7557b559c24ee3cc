"""Production settings: they refuse to start without a real secret and pass check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STRONG = "x7Gq2vLr9sNw4tKp8yBc3mZh6fDj1aXe5uRi0oPlQkTsVnWgYb"


def manage(*args, env_extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_a_missing_secret_key():
    result = manage("check", env_extra={"GPFED_PRODUCTION": "1", "ALLOWED_HOSTS": "gpfed.example"})
    assert result.returncode != 0
    assert "SECRET_KEY is missing or weak" in result.stderr


def test_production_passes_check_deploy():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_extra={
            "GPFED_PRODUCTION": "1",
            "SECRET_KEY": STRONG,
            "ALLOWED_HOSTS": "gpfed.example",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_session_and_password_reset_limits_come_from_the_environment():
    code = (
        "from django.conf import settings as s; print(s.SESSION_COOKIE_AGE, "
        "s.GPFED_SESSION_RENEW_SECONDS, s.GPFED_SESSION_MAX_HOURS, "
        "s.GPFED_PASSWORD_RESETS_PER_EMAIL, s.GPFED_PASSWORD_RESETS_PER_IP)"
    )
    defaults = manage("shell", "-c", code, env_extra={})
    assert defaults.stdout.splitlines()[-1].split() == ["1800", "60", "12.0", "3", "20"], (
        defaults.stderr
    )
    chosen = manage(
        "shell",
        "-c",
        code,
        env_extra={
            "GPFED_SESSION_IDLE_MINUTES": "15",
            "GPFED_SESSION_MAX_HOURS": "8",
            "GPFED_PASSWORD_RESETS_PER_EMAIL": "2",
            "GPFED_PASSWORD_RESETS_PER_IP": "50",
        },
    )
    assert chosen.stdout.splitlines()[-1].split() == ["900", "60", "8.0", "2", "50"], chosen.stderr


def test_production_compresses_pages_assets_but_not_their_source_maps():
    """What whitenoise compresses at collectstatic: stylesheets and scripts (what every page
    loads), not source maps (only developer tools fetch them; they were two thirds of the time)."""
    code = (
        "from django.conf import settings as s; from whitenoise.compress import Compressor; "
        "c = Compressor(extensions=s.WHITENOISE_SKIP_COMPRESS_EXTENSIONS, quiet=True); "
        "print(*[c.should_compress(n) for n in ('a.css', 'a.js', 'a.svg', 'a.js.map', 'a.png')])"
    )
    result = manage(
        "shell",
        "-c",
        code,
        env_extra={"GPFED_PRODUCTION": "1", "SECRET_KEY": STRONG, "ALLOWED_HOSTS": "gpfed.example"},
    )
    answers = result.stdout.splitlines()[-1].split()
    assert answers == ["True", "True", "True", "False", "False"], result.stdout + result.stderr
