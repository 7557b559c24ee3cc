"""Fixtures of the operations tests: log lines as the production handler writes them."""

import io
import json
import logging
import logging.config

import pytest
from django.conf import settings


@pytest.fixture
def json_log():
    """Every line logged while the test runs, formatted by the settings' JSON formatter and
    context filter (as GPFED_LOG_FORMAT=json writes them), each parsed back from its text."""
    configurator = logging.config.DictConfigurator({})
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        configurator.configure_formatter(dict(settings.LOGGING["formatters"]["json"]))
    )
    handler.addFilter(configurator.configure_filter(dict(settings.LOGGING["filters"]["context"])))
    root = logging.getLogger()
    root.addHandler(handler)

    def lines(logger: str | None = None) -> list[dict]:
        text = stream.getvalue()
        parsed = [json.loads(line) for line in text.splitlines() if line.strip()]
        return [line for line in parsed if logger is None or line["logger"] == logger]

    lines.text = stream.getvalue  # type: ignore[attr-defined]
    yield lines
    root.removeHandler(handler)
