"""Every JSON API operation, with any value its OpenAPI schema allows or refuses, answers
without a server error.

Schemathesis reads the API's own schema and, for each operation, Hypothesis chooses path and
query values: values that fit the schema (dates in any year from 1 to 9999, any integer) and
values that do not, with the path's ids either the world's real ones (so the request reaches
the code behind them) or whatever Schemathesis makes up. Each request goes to the application
in-process, signed in with a personal token of an installation superuser and of a
federation's administrator; every answer must be below 500.
"""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import example, given
from hypothesis import strategies as st
from schemathesis import GenerationMode

from accounts.services import api_token_create
from gpfed.api import api
from tests.fuzz.conftest import ACTORS, EDGES, FED, NET, fuzz_settings

pytestmark = pytest.mark.django_db


class InTheTestTransaction:
    """Django's WSGI application, changed as its test client changes it: a request does not
    close the database connection, which holds the test's transaction."""

    def __init__(self):
        self.handler = WSGIHandler()

    def __call__(self, environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = self.handler(environ, start_response)
            try:
                body = b"".join(response)
            finally:
                response.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        return [body]


def real_path(path: str) -> dict:
    """The world's ids for an operation's path parameters."""
    values = {"slug": NET if path.startswith("/api/v1/networks/") else FED, "month": "2026-10"}
    values["code"] = "C82001" if path.startswith("/api/v1/practices/") else "U30213"
    return values


def fuzz_operation(operation, app, token: str) -> str | None:
    """None if no case Hypothesis tries gives a server error; otherwise what did."""
    real = {
        k: v
        for k, v in real_path(operation.path).items()
        if "{" + k + "}" in operation.path  # only the ones this path has
    }
    cases = st.one_of(
        *(
            operation.as_strategy(mode, path_parameters=fixed)
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
            for fixed in (real, None)
        )
    )
    headers = {"Authorization": f"Bearer {token}"}
    names = {p["name"] for p in operation.definition.raw.get("parameters", [])}

    @fuzz_settings()
    @given(case=cases)
    def answers(case):
        with transaction.atomic():
            try:
                response = case.call(app=app, base_url="http://testserver", headers=headers)
            finally:
                transaction.set_rollback(True)
        assert response.status_code < 500, (
            f"{case.as_curl_command(headers=headers)}: {response.status_code}"
        )

    for edge in EDGES:
        query = {n: edge[n] for n in names if n in edge and n not in real}
        path = {k: edge.get(k, v) for k, v in real.items()}
        if query or path != real:
            answers = example(
                case=operation.Case(path_parameters=path, query=query, media_type=None)
            )(answers)
    try:
        answers()
    except Exception as error:  # one failure, or a group of distinct ones
        found = error.exceptions if isinstance(error, ExceptionGroup) else [error]
        return "\n".join(str(e).splitlines()[0] for e in found)
    return None


@pytest.mark.parametrize("actor", ACTORS)
def test_no_api_operation_answers_a_server_error_for_any_value(world, actor):
    _token, raw = api_token_create(user=world["users"][actor], name="fuzz", days=1)
    schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
    app = InTheTestTransaction()
    wrong = []
    for result in schema.get_all_operations():
        found = fuzz_operation(result.ok(), app, raw)
        if found:
            wrong.append(found)
    assert not wrong, "\n".join(wrong)
