"""Polling Find a Tender's OCDS search (off by default), against a server on 127.0.0.1 that
answers as the documented endpoint does: pages of release packages with ``links.next``."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from bids.models import Opportunity
from bids.poll import poll_all
from tests.bids.conftest import fixture_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def find_a_tender():
    asked = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            base = f"http://127.0.0.1:{self.server.server_port}/api/1.0/ocdsReleasePackages"
            if "cursor=2" in self.path:
                body = fixture_bytes("contracts-finder-record-package.json")
            else:
                package = json.loads(fixture_bytes("fts-release-package.json"))
                package["links"] = {"next": f"{base}?cursor=2"}
                body = json.dumps(package).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/api/1.0/ocdsReleasePackages", asked
    server.shutdown()


def test_polling_is_off_by_default(bids, find_a_tender):
    assert poll_all() == {}
    assert find_a_tender[1] == []


def test_a_poll_follows_the_pages_and_imports_once_by_ocid(bids, settings, find_a_tender):
    url, asked = find_a_tender
    settings.GPFED_BIDS_POLL_URL = url
    settings.GPFED_BIDS_POLL = {"bid-fed": {"cpv": ["85121100", "85120000", "85100000"]}}
    result = poll_all()["bid-fed"]
    assert result == {"federation": "bid-fed", "pages": 2, "created": 4, "updated": 0}
    assert asked[0].startswith("/api/1.0/ocdsReleasePackages?updatedFrom=")
    assert poll_all()["bid-fed"]["created"] == 0
    assert Opportunity.objects.filter(federation=bids.federation).count() == 4


def test_an_unreachable_service_is_reported_and_imports_nothing(bids, settings):
    import socket

    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    settings.GPFED_BIDS_POLL_URL = f"http://127.0.0.1:{port}/api/1.0/ocdsReleasePackages"
    settings.GPFED_BIDS_POLL = {"bid-fed": {}}
    result = poll_all()["bid-fed"]
    assert result["pages"] == 0 and "error" in result
    assert not Opportunity.objects.exists()
