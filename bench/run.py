"""gpfed benchmarks at national scale: ``make bench``.

Uses the real national NHS files (../shared/data/nhs, or GPFED_NHS_DATA) plus generated data
where the real files stop: more monthly list-size extracts and 200 federations covering every
open practice. Each timed phase runs in its own process so its peak memory is its own.

Prints rows/s, seconds and peak memory per phase, and writes bench/out/results.json.
Timings belong here, never in the unit tests.
"""

from __future__ import annotations

import csv
import io
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import bids_phase  # bench/bids_phase.py, beside this file
import economics_phase  # bench/economics_phase.py, beside this file
import governance_phase  # bench/governance_phase.py, beside this file
import voice_phase  # bench/voice_phase.py, beside this file

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
NATIONAL_FILES = [
    "epraccur-2025-09.csv",
    "ePCN-2024-10.xlsx",
    "gp-reg-pat-prac-map-2022-01.csv",
    "gpad-mapping-2025-08.csv",
    "gp-reg-pat-prac-all-2021-01.csv",
]
EXTRA_EXTRACTS = 11


def data_dir() -> Path:
    path = Path(os.environ.get("GPFED_NHS_DATA", ROOT.parent / "shared" / "data" / "nhs"))
    missing = [f for f in NATIONAL_FILES if not (path / f).exists()]
    if missing:
        sys.exit(f"bench: the national NHS files are not in {path} (set GPFED_NHS_DATA): {missing}")
    return path


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gpfed.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
    import django

    django.setup()


# --- phases, each run in a child process -------------------------------------------------


def phase_import(files: list[str]) -> dict:
    setup_django()
    from registry.importing import import_file

    rows = 0
    started = time.perf_counter()
    for name in files:
        path = Path(name)
        run = import_file(data=path.read_bytes(), file_name=path.name, by=None, origin="bench")
        rows += run.counts.get("read", 0)
    seconds = time.perf_counter() - started
    return {
        "rows": rows,
        "seconds": seconds,
        "rows_per_second": rows / seconds,
        "peak_mb": peak_mb(),
    }


def phase_federations() -> dict:
    """200 federations of neighbouring open practices (grouped by sub-ICB), 10 to 85 each."""
    setup_django()
    from registry.models import Federation, FederationMembership, Practice, PracticeCommissioner

    started = time.perf_counter()
    latest = {}
    for practice_id, code in PracticeCommissioner.objects.order_by("start_date").values_list(
        "practice_id", "commissioner__code"
    ):
        latest[practice_id] = code
    practices = list(
        Practice.objects.filter(status="A").values_list("id", flat=True).order_by("code")
    )
    practices.sort(key=lambda pk: (latest.get(pk, ""), pk))
    n = 200
    # The largest federation has 85 practices (seed 000); the rest share the remainder.
    rest, extra = divmod(len(practices) - 85, n - 1)
    sizes = [85] + [rest + (1 if i < extra else 0) for i in range(n - 1)]
    feds = Federation.objects.bulk_create(
        Federation(name=f"Benchmark Federation {i + 1:03d}", slug=f"bench-{i + 1:03d}")
        for i in range(n)
    )
    rows = []
    start = 0
    for federation, size in zip(feds, sizes, strict=True):
        chunk = practices[start : start + size]
        start += size
        rows += [
            FederationMembership(federation=federation, practice_id=pk, start_date=date(2016, 4, 1))
            for pk in chunk
        ]
    FederationMembership.objects.bulk_create(rows, batch_size=2000)
    return {
        "federations": n,
        "memberships": len(rows),
        "seconds": time.perf_counter() - started,
        "peak_mb": peak_mb(),
    }


def timed(fn, repeat: int = 30) -> dict:
    fn()  # warm caches and connections
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "median_ms": statistics.median(samples),
        "p95_ms": samples[int(len(samples) * 0.95) - 1],
        "max_ms": samples[-1],
    }


def phase_pages() -> dict:
    setup_django()
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import RoleGrant, User
    from registry.models import Federation, ListSize, Practice

    federation = max(Federation.objects.all(), key=lambda f: f.memberships.count())
    # Pages as the administrator of the largest federation sees them, after both sign-in steps.
    user, _ = User.objects.get_or_create(email="bench@gpfed.example")
    RoleGrant.objects.get_or_create(
        user=user,
        role="federation_admin",
        federation=federation,
        through=federation,
        start_date=date(2016, 4, 1),
    )
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench")
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()

    def get(url, **params):
        def call():
            response = client.get(url, params)
            assert response.status_code == 200, (url, response.status_code)

        return call

    extracts = ListSize.objects.filter(sex="ALL", age_band="ALL").dates("extract_date", "month")
    results = {
        "scale": {
            "practices": Practice.objects.count(),
            "open_practices": Practice.objects.filter(status="A").count(),
            "list_size_rows": ListSize.objects.count(),
            "extracts": len(extracts),
            "federation_practices": federation.memberships.count(),
        },
        "search_by_name": timed(get("/search/", q="medical centre")),
        "search_by_code": timed(get("/search/", q="C82001")),
        "search_by_postcode": timed(get("/search/", q="LE8 0LG")),
        "search_filtered_by_icb": timed(get("/search/", icb="QK1")),
        "search_htmx_fragment": timed(get("/search/", q="surgery")),
        "federation_overview": timed(get(f"/federations/{federation.slug}/")),
        "practice_page": timed(get("/practices/C82001/")),
        "api_practice_list": timed(get("/api/v1/practices", q="health centre")),
    }
    results["peak_mb"] = peak_mb()
    return results


# --- the money (issue 4) ----------------------------------------------------------------

MONEY_YEAR = 2025  # settlements for April 2025 to March 2026
SERVICES_PER_FEDERATION = 25
RULES_CYCLE = ["activity"] * 18 + ["registered"] * 4 + ["equal"] * 3


def money_months() -> list[date]:
    return [date(MONEY_YEAR + (m > 12), (m - 1) % 12 + 1, 1) for m in range(4, 16)]


def phase_money_generate() -> dict:
    """25 services in every federation, every member practice taking part, an income line per
    service per month, and a month of activity for every practice and service: about 2
    million activity rows."""
    setup_django()
    from finance.models import Activity, FinanceSettings, IncomeEntry, Service
    from finance.models import ServiceParticipation as Participation
    from registry.models import Federation, FederationMembership, ListSize

    rng = random.Random(4)
    started = time.perf_counter()
    feds = list(Federation.objects.filter(slug__startswith="bench-"))
    FinanceSettings.objects.bulk_create(
        FinanceSettings(federation=f, overhead_percent=3) for f in feds
    )
    Service.objects.bulk_create(
        Service(
            federation=f,
            code=f"service-{i:02d}",
            name=f"Service {i:02d}",
            unit="unit",
            staff_monthly_pence=rng.randint(50_000, 2_000_000),
            cost_per_unit_pence=rng.randint(0, 500),
            alone_fixed_monthly_pence=rng.randint(10_000, 300_000),
            alone_per_unit_pence=rng.randint(50, 2_000),
        )
        for f in feds
        for i in range(SERVICES_PER_FEDERATION)
    )
    services = {}
    for pk, fed in Service.objects.values_list("pk", "federation_id"):
        services.setdefault(fed, []).append(pk)
    members = {}
    for fed, practice in FederationMembership.objects.values_list("federation_id", "practice_id"):
        members.setdefault(fed, []).append(practice)
    lists = dict(
        ListSize.objects.filter(
            sex="ALL", age_band="ALL", extract_date=date(2021, 1, 1)
        ).values_list("practice_id", "patients")
    )
    # Practices that opened after the last extract have no list: give them a generated one, so
    # that sharing by registered list can run (gpfed itself refuses to guess).
    listed = set(
        ListSize.objects.filter(sex="ALL", age_band="ALL").values_list("practice_id", flat=True)
    )
    unlisted = {p for practices in members.values() for p in practices} - listed
    ListSize.objects.bulk_create(
        ListSize(
            practice_id=p, extract_date=date(2021, 12, 1), sex="ALL", age_band="ALL", patients=5000
        )
        for p in unlisted
    )
    Participation.objects.bulk_create(
        (
            Participation(service_id=s, practice_id=p, start_date=date(2020, 4, 1))
            for fed, practices in members.items()
            for s in services[fed]
            for p in practices
        ),
        batch_size=5000,
    )
    activity_rows = 0
    for month in money_months():
        batch = []
        for fed, practices in members.items():
            for i, s in enumerate(services[fed]):
                rate = 1 + i * 0.8
                for p in practices:
                    units = max(0, int(lists.get(p, 5000) / 1000 * rate * rng.uniform(0.8, 1.2)))
                    batch.append(
                        Activity(
                            federation_id=fed, service_id=s, practice_id=p, month=month, units=units
                        )
                    )
        Activity.objects.bulk_create(batch, batch_size=5000)
        activity_rows += len(batch)
        IncomeEntry.objects.bulk_create(
            (
                IncomeEntry(
                    federation_id=fed,
                    month=month,
                    service_id=s,
                    description=f"Service {i:02d} {month:%b %Y}",
                    amount_pence=len(members[fed]) * rng.randint(100_000, 2_500_000),
                    status="received",
                    rule=RULES_CYCLE[i],
                )
                for fed in members
                for i, s in enumerate(services[fed])
            ),
            batch_size=5000,
        )
    seconds = time.perf_counter() - started
    return {
        "federations": len(feds),
        "services": sum(len(v) for v in services.values()),
        "activity_rows": activity_rows,
        "seconds": seconds,
        "rows_per_second": activity_rows / seconds,
        "peak_mb": peak_mb(),
    }


def phase_money_settle() -> dict:
    """A year of settlements for every federation, computed (previewed) set-based: one load
    per month for all 200 federations, then the arithmetic."""
    setup_django()
    from finance.engine import settle
    from finance.inputs import load
    from registry.models import Federation

    feds = list(Federation.objects.filter(slug__startswith="bench-").values_list("pk", flat=True))
    started = time.perf_counter()
    load_seconds = 0.0
    settlements = rows = lines = 0
    paid = income = 0
    problems = 0
    for month in money_months():
        t = time.perf_counter()
        inputs = load(feds, [month])
        load_seconds += time.perf_counter() - t
        for key in inputs:
            result = settle(inputs[key])
            settlements += 1
            rows += len(result.rows)
            lines += len(result.lines)
            income += result.income_pence
            paid += result.paid_pence + result.kept_pence
            problems += len(result.problems)
    seconds = time.perf_counter() - started
    assert paid == income, "a year of settlements does not reconcile"
    return {
        "settlements": settlements,
        "income_lines": lines,
        "practice_rows": rows,
        "problems": problems,
        "rows": rows,
        "seconds": seconds,
        "load_seconds": load_seconds,
        "rows_per_second": rows / seconds,
        "peak_mb": peak_mb(),
    }


def phase_money_post() -> dict:
    """Post: the largest federation's whole year, one month at a time (each timed), then one
    month for every other federation, through the real service."""
    setup_django()
    from finance.services import settlement_post, settlement_preview
    from registry.models import Federation

    feds = sorted(
        Federation.objects.filter(slug__startswith="bench-"),
        key=lambda f: -f.memberships.count(),
    )
    largest = feds[0]
    preview_ms, post_ms = [], []
    for month in money_months():
        t = time.perf_counter()
        warnings = settlement_preview(largest, month).warnings
        preview_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        settlement_post(federation=largest, month=month, by=None, confirmed_warnings=warnings)
        post_ms.append((time.perf_counter() - t) * 1000)
    month = money_months()[-1]
    # each finance lead reads the preview's warnings before posting (not timed)
    warned = {f.pk: settlement_preview(f, month).warnings for f in feds[1:]}
    t = time.perf_counter()
    for federation in feds[1:]:
        settlement_post(
            federation=federation, month=month, by=None, confirmed_warnings=warned[federation.pk]
        )
    all_seconds = time.perf_counter() - t
    return {
        "largest_federation_practices": largest.memberships.count(),
        "preview_one_month_median_ms": statistics.median(preview_ms),
        "preview_one_month_max_ms": max(preview_ms),
        "post_one_month_median_ms": statistics.median(post_ms),
        "post_one_month_max_ms": max(post_ms),
        "post_month_other_199_federations_seconds": all_seconds,
        "peak_mb": peak_mb(),
    }


def phase_money_pages() -> dict:
    setup_django()
    from django.test import Client

    from accounts.models import User
    from finance.models import SettlementRow
    from registry.models import Federation

    largest = max(
        Federation.objects.filter(slug__startswith="bench-"), key=lambda f: f.memberships.count()
    )
    practice = largest.memberships.order_by("practice__code").first().practice
    user = User.objects.create_superuser(email="bench-finance@gpfed.example", password=None)
    client = Client()
    client.force_login(user)
    year = f"{MONEY_YEAR}-{(MONEY_YEAR + 1) % 100:02d}"

    def get(url, **params):
        def call():
            response = client.get(url, params)
            assert response.status_code == 200, (url, response.status_code)

        return call

    return {
        "settlement_rows": SettlementRow.objects.count(),
        "statement_page_year": timed(get(f"/finance/statements/{practice.code}/", period=year)),
        "statement_page_month": timed(
            get(f"/finance/statements/{practice.code}/", period=f"{MONEY_YEAR + 1}-03")
        ),
        "statement_json_year": timed(
            get(f"/finance/statements/{practice.code}/json/", period=year)
        ),
        "statement_pdf_year": timed(
            get(f"/finance/statements/{practice.code}/pdf/", period=year), repeat=5
        ),
        "federation_returns_year": timed(get(f"/finance/{largest.slug}/returns/", period=year)),
        "peak_mb": peak_mb(),
    }


# --- the driver --------------------------------------------------------------------------


def generate_extracts(source: Path, count: int) -> list[Path]:
    """Monthly extracts after the real one, in the sub-ICB-era format with ISO dates, each list
    drifting by up to half a percent a month (generated: real files for these months are not
    shipped)."""
    rng = random.Random(2026)
    rows = list(csv.DictReader(io.StringIO(source.read_text())))
    paths = []
    sizes = {r["CODE"]: int(r["NUMBER_OF_PATIENTS"]) for r in rows}
    for month in range(1, count + 1):
        year, mon = 2021 + (month // 12), month % 12 + 1
        out = io.StringIO()
        fields = [
            "PUBLICATION",
            "EXTRACT_DATE",
            "TYPE",
            "SUB_ICB_LOCATION_CODE",
            "ONS_SUB_ICB_LOCATION_CODE",
            "CODE",
            "POSTCODE",
            "SEX",
            "AGE",
            "NUMBER_OF_PATIENTS",
        ]
        writer = csv.writer(out)
        writer.writerow(fields)
        for r in rows:
            sizes[r["CODE"]] = max(0, round(sizes[r["CODE"]] * (1 + rng.uniform(-0.002, 0.005))))
            writer.writerow(
                [
                    r["PUBLICATION"],
                    f"{year}-{mon:02d}-01",
                    r["TYPE"],
                    r["CCG_CODE"],
                    r["ONS_CCG_CODE"],
                    r["CODE"],
                    r["POSTCODE"],
                    "ALL",
                    "ALL",
                    sizes[r["CODE"]],
                ]
            )
        path = OUT / f"gp-reg-pat-prac-all-{year}-{mon:02d}.csv"
        path.write_text(out.getvalue())
        paths.append(path)
    return paths


# --- the rota planner (pure: no database) ---------------------------------------------------

ROTA_TARGET_START = date(2027, 1, 11)  # four weeks with no bank holiday
ROTA_DECEMBER = date(2026, 12, 7)  # four weeks with Christmas, Boxing Day and New Year


def phase_rota(pcns: str, weeks: str, seconds: str, start: str, gap_limit: str) -> dict:
    sys.path.insert(0, str(ROOT))
    from rota.planner import greedy, plan
    from rota.synthetic import generated_problem

    n, w = int(pcns), int(weeks)
    problem = generated_problem(
        pcns=n,
        population=50_000 * n,
        sites=n + max(1, n // 4),
        staff=round(12.5 * n),
        weeks=w,
        start=date.fromisoformat(start),
    )
    baseline = greedy(problem)
    started = time.perf_counter()
    result = plan(problem, seconds=float(seconds), gap_limit=float(gap_limit))
    elapsed = time.perf_counter() - started
    return {
        "pcns": n,
        "weeks": w,
        "sites": len(problem.sites),
        "staff": len(problem.people),
        "adjusted_population": round(sum(p.adjusted_population for p in problem.pcns)),
        "hours_a_week_required": round(sum(p.required_minutes_per_week for p in problem.pcns) / 60),
        "start": start,
        "time_limit_seconds": float(seconds),
        "seconds": elapsed,
        "status": result.status,
        "cost_pence": result.cost_pence,
        "lower_bound_pence": result.lower_bound_pence,
        "gap": result.gap,
        "rules_met": not result.shortfalls,
        "shortfalls": len(result.shortfalls),
        "greedy_cost_pence": baseline.cost_pence,
        "greedy_shortfalls": len(baseline.shortfalls),
        "sessions": len(result.sessions),
        "peak_mb": peak_mb(),
    }


def rota(results: dict, env: dict) -> None:
    def row(label, r):
        print(
            f"  {label:45s} {r['seconds']:6.1f} s  cost £{r['cost_pence'] / 100:>10,.2f}  "
            f"bound £{r['lower_bound_pence'] / 100:>10,.2f}  gap {r['gap']:6.2%}  "
            f"{'rules met' if r['rules_met'] else str(r['shortfalls']) + ' shortfalls'}  "
            f"greedy £{r['greedy_cost_pence'] / 100:,.2f} ({r['greedy_shortfalls']} shortfalls)"
            f"  peak {r['peak_mb']:.0f} MB"
        )

    print("\nThe Enhanced Access planner (generated federations; 50,000 adjusted a PCN):")
    target = child("rota", env, "12", "4", "60", str(ROTA_TARGET_START), "0")
    results["rota_target"] = target
    row("12 PCNs, 15 sites, 150 staff, 4 weeks (Jan)", target)
    december = child("rota", env, "12", "4", "60", str(ROTA_DECEMBER), "0")
    results["rota_december"] = december
    row("The same, 4 weeks of December", december)
    print("  Seconds to a proven gap of 2% (capped at 30 s a week):")
    results["rota_scale_pcns"] = []
    for n in (2, 4, 8, 12):
        r = child("rota", env, str(n), "1", "30", str(ROTA_TARGET_START), "0.02")
        results["rota_scale_pcns"].append(r)
        row(f"{n} PCNs, 1 week", r)
    results["rota_scale_weeks"] = []
    for w in (1, 2, 4, 8):
        r = child("rota", env, "12", str(w), str(30 * w), str(ROTA_TARGET_START), "0.02")
        results["rota_scale_weeks"].append(r)
        row(f"12 PCNs, {w} week{'s' * (w > 1)}", r)


# --- bulletins: 8,000 recipients, one worker, and a worker killed at random ----------------


def phase_comms() -> dict:
    """A practice manager for every member practice and a clinical director for every PCN of
    the 200 federations, in one network; a bulletin to all of them, queued, then delivered to
    a local SMTP server by one worker process; then a second bulletin delivered by workers
    killed at random points and restarted, counting every message the server received."""
    setup_django()
    import random as rnd
    import signal

    from aiosmtpd.controller import Controller
    from django.contrib.auth.hashers import make_password

    from accounts.models import RoleGrant, User
    from comms import services
    from comms.models import Bulletin, Delivery
    from registry.models import (
        Federation,
        FederationMembership,
        Network,
        NetworkMembership,
        PracticePCN,
    )

    network = Network.objects.create(name="Bench network", slug="bench-network")
    NetworkMembership.objects.bulk_create(
        NetworkMembership(network=network, federation=f, start_date=date(2020, 1, 1))
        for f in Federation.objects.filter(slug__startswith="bench-")
    )
    members = dict(
        FederationMembership.objects.filter(end_date__isnull=True).values_list(
            "practice_id", "federation_id"
        )
    )
    pcns = {  # each PCN with a federation holding one of its practices, to grant its role within
        pcn_id: members[practice_id]
        for pcn_id, practice_id in PracticePCN.objects.filter(
            practice_id__in=members, end_date__isnull=True
        ).values_list("pcn_id", "practice_id")
    }
    unusable = make_password(None)
    users = User.objects.bulk_create(
        [
            User(email=e, username=e, password=unusable)
            for e in [f"pm{p}@bench.example" for p in members]
            + [f"cd{p}@bench.example" for p in pcns]
        ],
        batch_size=2000,
    )
    by_email = {u.email: u for u in users}
    RoleGrant.objects.bulk_create(
        [RoleGrant(user=by_email[f"pm{p}@bench.example"], role="practice_manager",
                   practice_id=p, through_id=f, start_date=date(2020, 1, 1))
         for p, f in members.items()]
        + [RoleGrant(user=by_email[f"cd{p}@bench.example"], role="pcn_clinical_director",
                     pcn_id=p, through_id=f, start_date=date(2020, 1, 1))
           for p, f in pcns.items()],
        batch_size=2000,
    )  # fmt: skip

    received: list[str] = []

    class Collect:
        async def handle_DATA(self, server, session, envelope):
            text = envelope.content.decode("utf-8", "replace")
            for line in text.splitlines():
                if line.lower().startswith("message-id:"):
                    received.append(line.split(":", 1)[1].strip())
                    break
            return "250 OK"

    import socket

    with socket.socket() as probe:  # a free port on the loopback address
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    env = dict(os.environ)
    env.update(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(port),
        GPFED_DELIVERY_LEASE_SECONDS="2",
    )
    worker = [sys.executable, "-m", "gpfed", "bulletins", "deliver"]

    def bulletin(title):
        return services.bulletin_save(
            Bulletin(network=network, title=title, body="To every practice manager and "
                     "clinical director.", audience_roles=["practice_manager",
                     "pcn_clinical_director"]),
            by=None,
        )  # fmt: skip

    first = bulletin("Bench bulletin")
    started = time.perf_counter()
    queued = services.bulletin_send(first, by=None)
    queue_seconds = time.perf_counter() - started
    started = time.perf_counter()
    subprocess.run(worker, env=env, check=True, capture_output=True, cwd=ROOT)
    deliver_seconds = time.perf_counter() - started
    first_ids = set(Delivery.objects.filter(bulletin=first).values_list("message_id", flat=True))
    delivered_once = sum(1 for m in received if m in first_ids)

    second = bulletin("Bench bulletin, workers killed")
    services.bulletin_send(second, by=None)
    rng = rnd.Random(7)  # nosec B311
    kills = 0
    while Delivery.objects.filter(bulletin=second).exclude(status="sent").exists():
        process = subprocess.Popen(  # nosec B603 (our own command)
            worker, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        if kills < 10:
            time.sleep(rng.uniform(0.5, 4.0))
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                kills += 1
        process.wait()
        time.sleep(2.2)  # the dead worker's lease runs out
    controller.stop()
    second_ids = set(Delivery.objects.filter(bulletin=second).values_list("message_id", flat=True))
    counts = {}
    for m in received:
        if m in second_ids:
            counts[m] = counts.get(m, 0) + 1
    return {
        "recipients": queued,
        "queue_seconds": queue_seconds,
        "deliver_seconds": deliver_seconds,
        "messages_per_second": queued / deliver_seconds,
        "first_received": delivered_once,
        "killed_workers": kills,
        "second_recipients": len(second_ids),
        "second_received_once": sum(1 for c in counts.values() if c == 1),
        "second_duplicates": sum(c - 1 for c in counts.values() if c > 1),
        "second_missing": len(second_ids - set(counts)),
        "peak_mb": peak_mb(),
    }


def phase_directory() -> dict:
    """The member directory of a network of the 200 federations, with a named contact for every
    practice and PCN and a listed COO per federation: the pages and API a member opens, as
    the network's administrator sees them."""
    setup_django()
    from django.test import Client

    from accounts.models import RoleGrant, User
    from directory.models import Contact
    from directory.selectors import member_rows
    from registry.models import (
        Federation,
        FederationMembership,
        Network,
        NetworkMembership,
        PracticePCN,
    )

    started = time.perf_counter()
    network = Network.objects.create(name="Bench directory", slug="bench-directory")
    federations = list(Federation.objects.filter(slug__startswith="bench-"))
    NetworkMembership.objects.bulk_create(
        NetworkMembership(network=network, federation=f, start_date=date(2020, 1, 1))
        for f in federations
    )
    members = dict(
        FederationMembership.objects.filter(end_date__isnull=True).values_list(
            "practice_id", "federation_id"
        )
    )
    pcn_of = dict(
        PracticePCN.objects.filter(practice_id__in=members, end_date__isnull=True).values_list(
            "pcn_id", "practice_id"
        )
    )
    contacts = (
        [Contact(federation=f, name="A COO", role="Chief operating officer",
                 email=f"coo@{f.slug}.example", in_network_directory=True) for f in federations]
        + [Contact(federation_id=fed, practice_id=p, name="A Manager", role="Practice manager",
                   email=f"pm{p}@bench.example") for p, fed in members.items()]
        + [Contact(federation_id=members[p], pcn_id=pcn, name="A Director",
                   role="Clinical director", email=f"cd{pcn}@bench.example")
           for pcn, p in pcn_of.items()]
    )  # fmt: skip
    Contact.objects.bulk_create(contacts, batch_size=2000)
    generate_seconds = time.perf_counter() - started

    user, _ = User.objects.get_or_create(email="bench-network@gpfed.example")
    RoleGrant.objects.get_or_create(
        user=user, role="network_admin", network=network, start_date=date(2020, 1, 1)
    )
    client = Client()
    client.force_login(user)
    largest = max(federations, key=lambda f: f.memberships.count())
    code = largest.memberships.select_related("practice").first().practice.code
    base = f"/directory/networks/{network.slug}/"

    def get(url, headers=None, **params):
        def call():
            response = client.get(url, params, headers=headers or {})
            assert response.status_code == 200, (url, response.status_code)

        return call

    rows = member_rows(network)
    return {
        "federations": len(rows),
        "practices": sum(r.practices for r in rows),
        "contacts": len(contacts),
        "generate_seconds": generate_seconds,
        "member_rows_all": timed(lambda: member_rows(network), repeat=10),
        "network_page": timed(get(base), repeat=10),
        "search_by_practice_code": timed(get(base, q=code), repeat=10),
        "filter_by_region_htmx": timed(get(base, {"HX-Request": "true"}, region="Y60"), repeat=10),
        "member_page_largest": timed(get(f"{base}members/{largest.slug}/"), repeat=10),
        "federation_directory_largest": timed(
            get(f"/directory/federations/{largest.slug}/"), repeat=10
        ),
        "api_network_members": timed(get(f"/api/v1/networks/{network.slug}/members"), repeat=10),
        "peak_mb": peak_mb(),
    }


def directory(results: dict, env: dict) -> None:
    r = child("directory", env)
    results["directory"] = r
    print(
        f"\nDirectory: {r['federations']} member federations, {r['practices']:,} practices, "
        f"{r['contacts']:,} contacts (generated in {r['generate_seconds']:.1f} s)"
    )
    for name, figures in r.items():
        if isinstance(figures, dict):
            print(
                f"  {name:45s} median {figures['median_ms']:7.1f} ms   "
                f"p95 {figures['p95_ms']:7.1f} ms"
            )


def comms(results: dict, env: dict) -> None:
    r = child("comms", env)
    results["comms"] = r
    print(
        f"\nBulletins: {r['recipients']:,} recipients (every practice manager and clinical "
        "director of 200 federations)"
    )
    print(f"  {'Queued (one copy each)':45s} {r['queue_seconds']:8.2f} s")
    print(
        f"  {'Delivered to local SMTP by one worker':45s} {r['deliver_seconds']:8.2f} s "
        f"{r['messages_per_second']:>10,.0f} msg/s  received {r['first_received']:,}"
    )
    print(
        f"  {'Workers killed at random, restarted':45s} {r['killed_workers']} kills: "
        f"{r['second_received_once']:,} received once, {r['second_duplicates']} duplicates, "
        f"{r['second_missing']} missing  peak {r['peak_mb']:.0f} MB"
    )


def child(phase: str, env: dict, *args: str) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--phase", phase, *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"bench phase {phase} failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_gb, 1),
        "python": platform.python_version(),
        "os": platform.platform(),
    }


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    if "--only" in sys.argv and sys.argv[sys.argv.index("--only") + 1] == "economics":
        results = {"machine": machine()}
        economics_phase.economics(results, dict(os.environ), child)
        (OUT / "results-economics.json").write_text(json.dumps(results, indent=2))
        return
    if "--only" in sys.argv and sys.argv[sys.argv.index("--only") + 1] == "governance":
        results = {"machine": machine()}
        governance_phase.governance(results, dict(os.environ), child)
        (OUT / "results-governance.json").write_text(json.dumps(results, indent=2))
        return
    if "--only" in sys.argv and sys.argv[sys.argv.index("--only") + 1] == "bids":
        results = {"machine": machine(), **bids_phase.only(OUT, child)}
        (OUT / "results-bids.json").write_text(json.dumps(results, indent=2))
        return
    if "--only" in sys.argv and sys.argv[sys.argv.index("--only") + 1] == "voice":
        results = {"machine": machine()}
        voice_phase.voice(results, dict(os.environ), child)
        (OUT / "results-voice.json").write_text(json.dumps(results, indent=2))
        return
    if "--only" in sys.argv and sys.argv[sys.argv.index("--only") + 1] == "rota":
        results = {"machine": machine()}
        print(f"gpfed bench (rota only): {machine()['cpu']}, {machine()['cores']} cores")
        rota(results, dict(os.environ))
        (OUT / "results-rota.json").write_text(json.dumps(results, indent=2))
        return
    source = data_dir()
    env = dict(os.environ)
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        env["DATABASE_URL"] = url
        # As in production: persistent connections (see gpfed/settings.py).
        env.setdefault("DATABASE_CONN_MAX_AGE", "60")
        backend = "postgresql"
    else:
        db = OUT / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{db}"
        backend = "sqlite"
    manage = [sys.executable, str(ROOT / "manage.py")]
    if url:
        subprocess.run([*manage, "flush", "--no-input"], env=env, check=True)
    subprocess.run([*manage, "migrate", "--no-input", "-v0"], env=env, check=True)

    files = [str(source / f) for f in NATIONAL_FILES]
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else ""
    if only in ("comms", "directory", "money"):
        results = {"machine": machine(), "backend": backend}
        child("import", env, *files)
        child("federations", env)
        {"comms": comms, "directory": directory, "money": money}[only](results, env)
        (OUT / f"results-{only}-{backend}.json").write_text(json.dumps(results, indent=2))
        return
    print(f"gpfed bench on {backend}: {machine()['cpu']}, {machine()['cores']} cores")
    results = {"machine": machine(), "backend": backend}
    results["import_national"] = child("import", env, *files)
    print_row("Import the 5 national files (fresh)", results["import_national"])
    results["reimport_national"] = child("import", env, *files)
    print_row("Re-import them, nothing changed", results["reimport_national"])
    extracts = generate_extracts(source / "gp-reg-pat-prac-all-2021-01.csv", EXTRA_EXTRACTS)
    results["import_extracts"] = child("import", env, *map(str, extracts))
    print_row(f"Import {EXTRA_EXTRACTS} more monthly extracts", results["import_extracts"])
    results["federations"] = child("federations", env)
    print(
        f"  {'Generate 200 federations':45s} {results['federations']['memberships']:>9,} rows"
        f" {results['federations']['seconds']:8.2f} s"
    )
    results["pages"] = child("pages", env)
    scale = results["pages"]["scale"]
    print(
        f"\nPages at national scale ({scale['practices']:,} practices, "
        f"{scale['list_size_rows']:,} list-size rows, {scale['extracts']} extracts; "
        f"overview of a federation of {scale['federation_practices']} practices):"
    )
    for name, figures in results["pages"].items():
        if isinstance(figures, dict) and "median_ms" in figures:
            print(
                f"  {name:45s} median {figures['median_ms']:7.1f} ms   "
                f"p95 {figures['p95_ms']:7.1f} ms"
            )
    money(results, env)
    comms(results, env)
    directory(results, env)
    rota(results, env)
    economics_phase.economics(results, env, child)
    governance_phase.governance(results, env, child)
    bids_phase.bids(results, env, child)
    voice_phase.voice(results, env, child)
    (OUT / f"results-{backend}.json").write_text(json.dumps(results, indent=2))
    print(f"\nWritten to {OUT / f'results-{backend}.json'}")


def money(results: dict, env: dict) -> None:
    results["money_generate"] = child("money_generate", env)
    g = results["money_generate"]
    print(
        f"\nThe money: {g['federations']} federations, {g['services']:,} services, "
        f"{g['activity_rows']:,} activity rows generated in {g['seconds']:.1f} s"
    )
    results["money_settle"] = child("money_settle", env)
    print_row("A year of settlements, every federation", results["money_settle"])
    m = results["money_settle"]
    print(
        f"  {'':45s} {m['settlements']:,} settlements, {m['income_lines']:,} income lines, "
        f"loading {m['load_seconds']:.2f} s"
    )
    results["money_post"] = child("money_post", env)
    p = results["money_post"]
    print(
        f"  {'One federation-month (' + str(p['largest_federation_practices']) + ' practices)':45s}"
        f" preview median {p['preview_one_month_median_ms']:.0f} ms (max "
        f"{p['preview_one_month_max_ms']:.0f}), post median {p['post_one_month_median_ms']:.0f} ms"
        f" (max {p['post_one_month_max_ms']:.0f})"
    )
    print(
        f"  {'Post one month for 199 more federations':45s} "
        f"{p['post_month_other_199_federations_seconds']:8.2f} s  peak {p['peak_mb']:.0f} MB"
    )
    results["money_pages"] = child("money_pages", env)
    for name, figures in results["money_pages"].items():
        if isinstance(figures, dict):
            print(
                f"  {name:45s} median {figures['median_ms']:7.1f} ms   "
                f"p95 {figures['p95_ms']:7.1f} ms"
            )


def print_row(label: str, r: dict) -> None:
    print(
        f"  {label:45s} {r['rows']:>9,} rows {r['seconds']:8.2f} s "
        f"{r['rows_per_second']:>10,.0f} rows/s  peak {r['peak_mb']:6.0f} MB"
    )


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--phase":
        phase = sys.argv[2]
        if phase == "import":
            output = phase_import(sys.argv[3:])
        elif phase == "federations":
            output = phase_federations()
        elif phase == "comms":
            output = phase_comms()
        elif phase == "directory":
            output = phase_directory()
        elif phase == "rota":
            output = phase_rota(*sys.argv[3:])
        elif phase == "economics":
            output = economics_phase.phase_economics()
        elif phase == "governance":
            output = governance_phase.phase_governance()
        elif phase == "bids":
            output = bids_phase.phase_bids()
        elif phase == "voice":
            output = voice_phase.phase_voice()
        elif phase.startswith("money_"):
            output = globals()[f"phase_{phase}"]()
        else:
            output = phase_pages()
        print(json.dumps(output))
    else:
        main()
