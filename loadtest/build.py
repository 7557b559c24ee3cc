"""The load test's people, on top of ``make bench``'s national data (scripts/loadtest).

``bench/run.py``'s phases build the data (the national files, 200 federations, a year of money
with a month posted for every federation, the member directory of a network of all 200); this
adds who signs in to it, each with the role the load test plays:

- a practice manager for every member practice (the bulletins' audience: about 6,600),
- a chief operating officer (federation administrator) and a finance lead for each federation,
  both with an authenticator (their roles need the one-time code), and an API token each COO,
- network administrators of the directory's network,
- a bulletin from the network to its practice managers, sent and delivered (to no mail server:
  Django's dummy backend), for the managers to read.

Every account has one password, generated here, and the authenticators one key: both are written
with the tokens to the plan (``var/loadtest/plan.json``, readable by its owner alone), which
loadtest/locustfile.py reads. Run as ``python loadtest/build.py people PLAN`` with DATABASE_URL
set; ``python loadtest/build.py send`` queues a second bulletin to the same managers (the worker
test) and ``python loadtest/build.py deliveries PK`` counts that bulletin's copies by state, and
``python loadtest/build.py busy`` names the worker running a task.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NETWORK = "bench-directory"  # bench/run.py, phase_directory
DOMAIN = "loadtest.example"
# The months bench/run.py's money phases post and leave open (MONEY_YEAR 2025: April 2025 to
# March 2026; March is posted for every federation, every month for the largest).
POSTED_PERIOD = "2026-03"
PREVIEW_MONTH = "2026-02"
NETWORK_ADMINS = 50
SEARCHES = ["medical centre", "surgery", "health centre", "C82001", "LE8 0LG", "practice", "road"]


def setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gpfed.settings")
    import django

    django.setup()
    from audit.origin import COMMAND_LINE, set_origin

    set_origin(COMMAND_LINE)


def people(plan_path: Path) -> dict:
    setup()
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import RoleGrant, User
    from accounts.services import api_token_create
    from comms import services as comms
    from comms.models import Bulletin
    from registry.models import Federation, FederationMembership, Network

    network = Network.objects.get(slug=NETWORK)
    federations = list(Federation.objects.filter(slug__startswith="bench-").order_by("slug"))
    if len(federations) != 200:
        sys.exit(f"loadtest: expected bench's 200 federations, found {len(federations)}")
    password = secrets.token_urlsafe(18)
    totp_key = secrets.token_hex(20)
    hashed = make_password(password)  # one hash for every account: building stays quick
    start = date(2020, 1, 1)
    members = list(
        FederationMembership.objects.filter(end_date__isnull=True)
        .select_related("practice", "federation")
        .order_by("practice__code")
    )
    with transaction.atomic():
        managers = User.objects.bulk_create(
            [
                User(email=e, username=e, password=hashed)
                for e in (f"pm.{m.practice.code.lower()}@{DOMAIN}" for m in members)
            ],
            batch_size=2000,
        )
        RoleGrant.objects.bulk_create(
            [
                RoleGrant(
                    user=user,
                    role="practice_manager",
                    practice=m.practice,
                    through=m.federation,
                    start_date=start,
                )
                for user, m in zip(managers, members, strict=True)
            ],
            batch_size=2000,
        )
        leads = {}
        for role, word in (("federation_admin", "coo"), ("finance_lead", "finance")):
            users = User.objects.bulk_create(
                [
                    User(email=e, username=e, password=hashed)
                    for e in (f"{word}.{f.slug}@{DOMAIN}" for f in federations)
                ]
            )
            RoleGrant.objects.bulk_create(
                RoleGrant(user=u, role=role, federation=f, through=f, start_date=start)
                for u, f in zip(users, federations, strict=True)
            )
            TOTPDevice.objects.bulk_create(
                TOTPDevice(user=u, name="Load test authenticator", key=totp_key, confirmed=True)
                for u in users
            )
            leads[word] = users
        admins = User.objects.bulk_create(
            [
                User(email=e, username=e, password=hashed)
                for e in (f"network.{n:03d}@{DOMAIN}" for n in range(NETWORK_ADMINS))
            ]
        )
        RoleGrant.objects.bulk_create(
            RoleGrant(user=u, role="network_admin", network=network, start_date=start)
            for u in admins
        )
    tokens = [api_token_create(user=u, name="load test", days=30, by=u)[1] for u in leads["coo"]]
    bulletin = comms.bulletin_save(
        Bulletin(
            network=network,
            title="Load test: what changes in April",
            body="To every practice manager of the network's federations.",
            audience_roles=["practice_manager"],
        ),
        by=admins[0],
    )
    queued = comms.bulletin_send(bulletin, by=admins[0])
    env = dict(os.environ, EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
    subprocess.run(  # nosec B603 (our own command)
        [sys.executable, "-m", "gpfed", "bulletins", "deliver"], env=env, check=True, cwd=ROOT
    )
    largest = max(federations, key=lambda f: f.memberships.count())
    plan = {
        "password": password,
        "totp_key": totp_key,
        "federations": [
            {"slug": f.slug, "coo": c.email, "finance": fl.email, "token": t}
            for f, c, fl, t in zip(federations, leads["coo"], leads["finance"], tokens, strict=True)
        ],
        "managers": [
            {"email": u.email, "code": m.practice.code, "federation": m.federation.slug}
            for u, m in zip(managers, members, strict=True)
        ],
        "network": {
            "slug": network.slug,
            "admins": [u.email for u in admins],
            "largest": largest.slug,
        },
        "bulletin": bulletin.pk,
        "bulletin_copies": queued,
        "statement_period": POSTED_PERIOD,
        "preview_month": PREVIEW_MONTH,
        "searches": SEARCHES,
    }
    plan_path.parent.mkdir(parents=True, exist_ok=True)
    plan_path.touch(mode=0o600)
    plan_path.write_text(json.dumps(plan))
    return {
        "managers": len(managers),
        "federation_leads": 2 * len(federations),
        "network_admins": len(admins),
        "bulletin_copies": queued,
    }


def send() -> dict:
    """A second bulletin from the network to every practice manager of the 200 federations,
    queued for the workers (the load test's worker test)."""
    setup()
    from accounts.models import User
    from comms import services as comms
    from comms.models import Bulletin
    from registry.models import Network

    sender = User.objects.get(email=f"network.000@{DOMAIN}")
    bulletin = comms.bulletin_save(
        Bulletin(
            network=Network.objects.get(slug=NETWORK),
            title="Load test: a worker is killed while this is sent",
            body="To every practice manager of the network's federations.",
            audience_roles=["practice_manager"],
        ),
        by=sender,
    )
    return {"bulletin": bulletin.pk, "queued": comms.bulletin_send(bulletin, by=sender)}


def deliveries(pk: int) -> dict:
    setup()
    from django.db.models import Count

    from comms.models import Delivery

    rows = Delivery.objects.filter(bulletin_id=pk)
    return {
        "by_status": dict(rows.values_list("status").annotate(n=Count("pk")).order_by()),
        "message_ids": list(rows.filter(status="sent").values_list("message_id", flat=True)),
        "total": rows.count(),
    }


def busy() -> dict:
    """The worker running a task now (the bulletin's delivery), if any."""
    setup()
    from django_tasks_db.models import DBTaskResult

    running = DBTaskResult.objects.filter(status="RUNNING").order_by("-started_at").first()
    return {"worker": running.worker_ids[-1] if running and running.worker_ids else None}


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "people" and len(sys.argv) == 3:
        print(json.dumps(people(Path(sys.argv[2]))))
    elif command == "send":
        print(json.dumps(send()))
    elif command == "busy":
        print(json.dumps(busy()))
    elif command == "deliveries" and len(sys.argv) == 3:
        print(json.dumps(deliveries(int(sys.argv[2]))))
    else:
        sys.exit("usage: build.py people PLAN | send | busy | deliveries BULLETIN")
