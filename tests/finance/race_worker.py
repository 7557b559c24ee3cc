"""One month-end write in a process of its own, for ``tests/finance/test_races.py``::

    python -m tests.finance.race_worker FOLDER NAME ACTION FEDERATION MONTH [FINGERPRINT]

ACTION is ``accrue``, ``income`` (adds a £1,000 line shared equally) or ``post`` (with the
fingerprint of the preview). The process connects to the database named by ``DATABASE_URL``,
prints ``ready``, waits for a line on stdin (so that two processes start together), does the
write and prints one line of JSON: what it wrote, or the message it was refused with.

The two processes leave each other notes in FOLDER to widen the window in which a race can go
wrong, as two slow web requests would:

- ``accrue`` waits, before writing its first income line, until the other process has also
  got that far (so both have read what the month already holds);
- ``income`` waits, before writing its line, until the other process has read the month to
  post it;
- ``post`` leaves a note when it has read the month.

Each wait gives up after a few seconds: when month-end writes are serialised the other process
is waiting for the lock, not for a note.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

PATIENCE = 3.0


def main(argv: list[str]) -> int:
    folder_name, name, action, slug, month_text, *fingerprint = argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gpfed.settings")
    import django

    django.setup()
    from finance import services
    from finance.inputs import parse_month
    from finance.models import IncomeEntry, Rule
    from registry.models import Federation

    folder = Path(folder_name)

    def note(point: str) -> None:
        (folder / f"{name}.{point}").touch()

    def await_other(point: str) -> None:
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            if any(p.name != f"{name}.{point}" for p in folder.glob(f"*.{point}")):
                return
            time.sleep(0.01)

    original_save, original_load = IncomeEntry.save, services.load_one
    met: list[bool] = []

    def save_after_meeting(entry, *args, **kwargs):
        if not met:
            met.append(True)
            if action == "accrue":
                note("write")
                await_other("write")
            else:
                await_other("read")
        return original_save(entry, *args, **kwargs)

    def load_and_say(*args, **kwargs):
        inputs = original_load(*args, **kwargs)
        note("read")
        return inputs

    IncomeEntry.save = save_after_meeting
    services.settlements.load_one = load_and_say

    federation = Federation.objects.get(slug=slug)
    month = parse_month(month_text)
    print("ready", flush=True)
    sys.stdin.readline()
    try:
        if action == "accrue":
            created, notes = services.contract_income_accrue(
                federation=federation, month=month, by=None
            )
            outcome: dict = {"created": len(created), "notes": notes}
        elif action == "income":
            services.income_entry_create(
                federation=federation,
                month=month,
                description="Late payment",
                amount_pence=100_000,
                rule=Rule.EQUAL,
                by=None,
            )
            outcome = {"created": 1}
        elif action == "post":
            settlement = services.settlement_post(
                federation=federation, month=month, by=None, fingerprint=fingerprint[0]
            )
            outcome = {"posted": settlement.reference}
        else:
            raise SystemExit(f"unknown action {action}")
    except services.FinanceError as error:
        outcome = {"refused": error.message}
    print(json.dumps(outcome), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
