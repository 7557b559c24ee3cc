"""Polling Find a Tender's documented OCDS search for new notices: off unless
``GPFED_BIDS_POLL`` names the federations to poll for, e.g.::

    GPFED_BIDS_POLL = {"my-federation": {"cpv": ["85121100"], "buyers": ["Leicester"]}}

Each poll asks ``GPFED_BIDS_POLL_URL`` (Find a Tender's ``/api/1.0/ocdsReleasePackages``) for
the release packages updated in the last ``GPFED_BIDS_POLL_DAYS`` days (``updatedFrom``),
follows its ``links.next`` for at most ``MOST_PAGES`` pages, and imports each page through the
same checked import as a downloaded file (idempotent by OCID, so polls may overlap)."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from bids.importing import notices_import
from bids.ocds import DEFAULT_CPV, OcdsError, notices_read
from registry.selectors import federation_by_slug

FIND_A_TENDER = "https://www.find-tender.service.gov.uk/api/1.0/ocdsReleasePackages"
MOST_PAGES = 20
MOST_BYTES = 50 * 1024 * 1024
TIMEOUT = 30


def _get(url: str) -> bytes:
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"{url[:60]!r} is not a web address")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310  # nosec B310
        return response.read(MOST_BYTES + 1)[:MOST_BYTES]


def poll_federation(slug: str, options: dict, now=None) -> dict:
    federation = federation_by_slug(slug)
    if federation is None:
        return {"federation": slug, "error": "no such federation"}
    now = now or timezone.now()
    since = now - timedelta(days=int(getattr(settings, "GPFED_BIDS_POLL_DAYS", 2)))
    base = getattr(settings, "GPFED_BIDS_POLL_URL", FIND_A_TENDER)
    url = f"{base}?{urllib.parse.urlencode({'updatedFrom': since.strftime('%Y-%m-%dT%H:%M:%S')})}"
    totals = {"federation": slug, "pages": 0, "created": 0, "updated": 0}
    for _ in range(MOST_PAGES):
        try:
            data = _get(url)
        except (OSError, ValueError) as error:  # unreachable, refused, or not a web address
            totals["error"] = f"{url[:80]}: {error}"[:300]
            break
        try:
            reading = notices_read(
                data, cpv=options.get("cpv") or DEFAULT_CPV, buyers=options.get("buyers") or ()
            )
        except OcdsError as error:
            totals["error"] = error.summary()
            break
        outcome = notices_import(federation=federation, reading=reading, by=None)
        totals["pages"] += 1
        totals["created"] += outcome.created
        totals["updated"] += outcome.updated
        following = (json.loads(data).get("links") or {}).get("next")
        if not isinstance(following, str) or not following.startswith(base.split("/api/")[0]):
            break
        url = following
    return totals


def poll_all(now=None) -> dict:
    wanted = getattr(settings, "GPFED_BIDS_POLL", None) or {}
    return {slug: poll_federation(slug, options or {}, now) for slug, options in wanted.items()}
