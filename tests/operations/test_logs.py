"""One JSON object a line: the request id (returned in X-Request-ID) or the task id on every
line, one access line per request with the user's id and never a name, an email address or a
query string; slow requests and slow queries at WARNING, a query's SQL without its values."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django_tasks import task

from gpfed.logs import PlainFormatter, request_id_from
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
EMAIL = "ada.lovelace@example.org"


@task()
def logging_task(word: str) -> str:
    logging.getLogger("gpfed.tests").info("task says %s", word)
    return word


def test_every_request_gets_an_id_on_its_access_line_and_in_its_answer(client, json_log):
    response = client.get("/health/live")
    rid = response["X-Request-ID"]
    assert len(rid) == 32
    [line] = json_log("gpfed.access")
    assert line["request_id"] == rid
    assert line["level"] == "INFO"
    assert line["method"] == "GET"
    assert line["path"] == "/health/live"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert line["user_id"] is None
    assert line["time"].endswith("+00:00")


def test_a_safe_incoming_request_id_is_kept(client, json_log):
    response = client.get("/health/live", headers={"X-Request-ID": "lb-7f3a.42_x"})
    assert response["X-Request-ID"] == "lb-7f3a.42_x"
    assert json_log("gpfed.access")[0]["request_id"] == "lb-7f3a.42_x"


@pytest.mark.parametrize(
    "header", ["two words", "x" * 65, "forged\nINFO admin signed in", "<script>", "-leading"]
)
def test_an_unsafe_incoming_request_id_is_replaced(client, json_log, header):
    response = client.get("/health/live", headers={"X-Request-ID": header})
    assert response["X-Request-ID"] != header
    assert len(response["X-Request-ID"]) == 32
    assert header not in json_log.text()


def test_the_access_line_holds_the_user_id_and_no_name_email_or_query(client, json_log):
    user = UserFactory(email=EMAIL, first_name="Ada", last_name="Lovelace", is_superuser=True)
    client.force_login(user)
    response = client.get("/search/", {"q": "Lovelace", "email": EMAIL})
    assert response.status_code == 200
    [line] = json_log("gpfed.access")
    assert line["user_id"] == user.pk
    assert line["path"] == "/search/"
    assert line["request_id"] == response["X-Request-ID"]
    for secret in ("Lovelace", "Ada", EMAIL, "example.org"):
        assert secret not in json_log.text()


def test_a_secret_in_the_path_is_not_logged(client, json_log):
    client.get("/accounts/invitation/s3cr3t-t0ken-value/")
    [line] = json_log("gpfed.access")
    assert line["path"] == "/accounts/invitation/<token>/"
    assert "s3cr3t-t0ken-value" not in json_log.text()


def test_django_s_own_lines_carry_the_request_id_but_not_the_query(client, json_log):
    response = client.get("/no-such-page/", {"q": "Lovelace"})
    assert response.status_code == 404
    not_found = json_log("django.request")
    assert not_found, json_log.text()
    assert not_found[0]["request_id"] == response["X-Request-ID"]
    assert "Lovelace" not in json_log.text()


def test_a_slow_request_is_logged_as_a_warning(client, json_log, settings):
    settings.GPFED_SLOW_REQUEST_MS = 0
    client.get("/health/live")
    [line] = json_log("gpfed.access")
    assert line["level"] == "WARNING"
    assert line["slow"] is True


def test_a_fast_request_is_not_a_warning(client, json_log, settings):
    settings.GPFED_SLOW_REQUEST_MS = 60_000
    client.get("/health/live")
    assert json_log("gpfed.access")[0]["level"] == "INFO"


def test_a_slow_query_is_logged_with_its_sql_and_without_its_values(client, json_log, settings):
    """The query that finds the person signing in holds their email address as a value: the
    line shows the SQL and its placeholder, never the address. On SQLite and PostgreSQL."""
    UserFactory(email=EMAIL)
    settings.GPFED_SLOW_QUERY_MS = 0
    response = client.post("/accounts/sign-in/", {"username": EMAIL, "password": "wrong"})
    assert response.status_code == 200
    slow = json_log("gpfed.slow_query")
    assert slow, json_log.text()
    assert all(line["level"] == "WARNING" for line in slow)
    assert all(line["request_id"] == response["X-Request-ID"] for line in slow)
    looked_up = [line for line in slow if "accounts_user" in line["sql"]]
    assert looked_up, [line["sql"] for line in slow]
    assert "%s" in looked_up[0]["sql"]  # the placeholder, as the database was sent it
    assert connection.vendor in {"sqlite", "postgresql"}
    assert EMAIL not in json_log.text()
    assert "example.org" not in json_log.text()


def test_no_query_is_slow_under_the_threshold(client, json_log, settings):
    settings.GPFED_SLOW_QUERY_MS = 60_000
    client.force_login(UserFactory())
    client.get("/")
    assert json_log("gpfed.slow_query") == []


def test_a_task_s_lines_carry_its_id(json_log):
    result = logging_task.enqueue("hello")
    [line] = [line for line in json_log("gpfed.tests") if line["message"] == "task says hello"]
    assert line["task_id"] == str(result.id)
    assert "request_id" not in line


def test_request_ids_are_checked_before_use():
    assert request_id_from("abc") == "abc"
    assert request_id_from(None) != request_id_from(None)
    assert len(request_id_from("a b")) == 32


def test_plain_lines_name_the_request_for_reading_in_development():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    record.request_id = "r1"
    assert (
        PlainFormatter("%(levelname)s %(message)s").format(record) == "INFO hello [request_id=r1]"
    )


def test_production_logs_one_json_object_a_line(tmp_path):
    """The settings as production has them (GPFED_LOG_FORMAT unset, GPFED_PRODUCTION=1) write
    the access line of a request to standard error as JSON."""
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "answer = Client().get('/health/live', headers={'X-Request-ID': 'prod-check-1'},"
        " secure=True, HTTP_HOST='gpfed.example')\n"
        "print(answer.status_code, answer['X-Request-ID'])\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"GPFED_LOG_FORMAT", "DEBUG"}}
    env.update(
        DJANGO_SETTINGS_MODULE="gpfed.settings",
        GPFED_PRODUCTION="1",
        SECRET_KEY="x7Gq2vLr9sNw4tKp8yBc3mZh6fDj1aXe5uRi0oPlQkTsVnWgYb",
        ALLOWED_HOSTS="gpfed.example",
        DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        GPFED_VAR_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", "prod-check-1"]
    lines = [json.loads(text) for text in result.stderr.splitlines() if text.startswith("{")]
    access = [line for line in lines if line["logger"] == "gpfed.access"]
    assert access and access[0]["request_id"] == "prod-check-1"
    assert access[0]["path"] == "/health/live" and access[0]["status"] == 200


def test_an_unknown_log_format_is_refused_by_name():
    env = {**os.environ, "GPFED_LOG_FORMAT": "xml", "DJANGO_SETTINGS_MODULE": "gpfed.settings"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "GPFED_LOG_FORMAT is 'xml': set it to json or plain" in result.stderr
