"""Errors reach Sentry when SENTRY_DSN is set, and no email address or username goes with them."""

import gzip
import json
import os
import subprocess
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import brotli

from gpfed.sentry import scrub_event

ROOT = Path(__file__).resolve().parents[2]
EMAIL = "ada.lovelace@example.org"


class Collector(BaseHTTPRequestHandler):
    """A stand-in for Sentry on 127.0.0.1: keeps every envelope posted to it."""

    received: list[bytes]

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            body = brotli.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        self.server.received.append(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def test_an_error_in_a_view_reaches_sentry_without_an_email_address(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    dsn = f"http://publickey@127.0.0.1:{server.server_address[1]}/1"
    # gpfed served as gunicorn serves it (its WSGI application), on 127.0.0.1, one request.
    script = f"""
import threading, urllib.error, urllib.request
from wsgiref.simple_server import WSGIRequestHandler, make_server
import django; django.setup()
from django.test.utils import override_settings
override_settings(ROOT_URLCONF="tests.operations.sentry_urls").enable()
import sentry_sdk
from gpfed.wsgi import application
class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass
server = make_server("127.0.0.1", 0, application, handler_class=Quiet)
threading.Thread(target=server.handle_request, daemon=True).start()
request = urllib.request.Request(
    f"http://127.0.0.1:{{server.server_port}}/fails/?q={EMAIL}",
    headers={{"X-Request-ID": "sentry-check-1", "Cookie": "sessionid=abc"}},
)
try:
    urllib.request.urlopen(request, timeout=30)
except urllib.error.HTTPError as answer:
    print(answer.code)
sentry_sdk.flush(timeout=10)
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
    env.update(
        DJANGO_SETTINGS_MODULE="gpfed.settings",
        SENTRY_DSN=dsn,
        DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        GPFED_VAR_DIR=str(tmp_path),
        ALLOWED_HOSTS="127.0.0.1",
    )
    try:
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "500"
    payload = b"\n".join(server.received).decode()
    events = [
        json.loads(line)
        for line in payload.splitlines()
        if line.startswith("{") and '"exception"' in line
    ]
    assert events, payload[:2000]
    event = events[0]
    [error] = event["exception"]["values"]
    assert error["type"] == "RuntimeError"
    assert error["value"] == "no federation for [email]"
    assert event["user"] == {"id": 41}
    assert event["request"]["url"].endswith("/fails/")
    assert event["request"]["headers"]["X-Request-Id"] == "sentry-check-1"
    assert "sessionid" not in payload
    assert "ada.lovelace" not in payload
    assert "example.org" not in payload
    assert '"username"' not in payload


def test_scrubbing_keeps_the_user_id_and_takes_out_details():
    event = {
        "user": {"id": 7, "email": EMAIL, "username": EMAIL, "ip_address": "10.0.0.1"},
        "request": {
            "url": f"https://gpfed.example/search/?q={EMAIL}",
            "query_string": f"q={EMAIL}",
            "cookies": {"sessionid": "abc"},
            "data": {"name": "Ada Lovelace"},
            "headers": {"Cookie": "sessionid=abc", "Referer": "https://x/?q=Ada", "Accept": "*/*"},
        },
        "breadcrumbs": {"values": [{"message": f"sent a reset link to {EMAIL}"}]},
        "exception": {"values": [{"value": f"ValueError: {EMAIL.upper()} is taken"}]},
    }
    scrubbed = scrub_event(event, {})
    assert scrubbed["user"] == {"id": 7}
    assert scrubbed["request"] == {
        "url": "https://gpfed.example/search/",
        "headers": {"Accept": "*/*"},
    }
    assert scrubbed["breadcrumbs"]["values"][0]["message"] == "sent a reset link to [email]"
    assert scrubbed["exception"]["values"][0]["value"] == "ValueError: [email] is taken"


def test_scrubbing_drops_a_user_with_no_id():
    assert "user" not in scrub_event({"user": {"email": EMAIL, "username": "ada"}}, {})


def test_without_a_dsn_nothing_is_reported():
    import sentry_sdk

    assert not sentry_sdk.get_client().is_active()
