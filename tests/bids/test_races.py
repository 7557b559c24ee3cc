"""Two imports of the same notices into one federation at once: each is a whole import, one
after the other, and there is one opportunity per OCID (the second finds the first's)."""

import contextlib
import threading

import pytest
from django.db import connections

from bids import importing
from bids.importing import notices_import
from bids.models import Opportunity
from bids.ocds import notices_read
from tests.bids.conftest import fixture_bytes

PATIENCE = 3  # seconds a thread waits for the other to have read what the federation holds


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_the_same_notices_at_once_make_each_opportunity_once(bids, monkeypatch):
    reading = notices_read(fixture_bytes("fts-release-package.json"))
    meeting = threading.Barrier(2, timeout=PATIENCE)
    details_of = importing._details_of

    def read_then_meet(ids):
        # both have read which OCIDs exist before either writes, unless one waits on a lock
        with contextlib.suppress(threading.BrokenBarrierError):
            meeting.wait()
        return details_of(ids)

    monkeypatch.setattr(importing, "_details_of", read_then_meet)
    outcomes: list = [None, None]
    start = threading.Barrier(2)

    def run(i):
        try:
            start.wait()
            outcomes[i] = notices_import(federation=bids.federation, reading=reading, by=None)
        except Exception as error:  # reported by the assertion below, not lost in a thread
            outcomes[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
    ocids = list(Opportunity.objects.filter(federation=bids.federation).values_list("ocid"))
    assert ocids and len(ocids) == len(set(ocids)) == len(reading.notices)
    assert sorted(o.created for o in outcomes) == [0, len(reading.notices)]
