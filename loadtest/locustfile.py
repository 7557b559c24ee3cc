"""The people of the load test (scripts/loadtest, ``make loadtest``), each doing what their
role does most, with the pauses of a person reading.

Each simulated person signs in once, as a person does, with their own account from the plan
loadtest/build.py wrote (LOADTEST_PLAN): the password, then for the roles that need it the
one-time code, computed from the authenticator's key as the person's app would. API users send
their personal token instead. Every request carries ``X-Forwarded-Proto: https``, as from the
TLS proxy in front of gpfed (deploy/nginx/gpfed.conf), so the production settings' secure
cookies and CSRF origin checks are those of a real installation.

| who | weight | does |
|---|---|---|
| federation administrator (COO) | 2 | the federation's overview, the home page, practice search |
| finance lead | 2 | the month's settlement preview, member practices' value statements |
| practice manager | 4 | the practice's value statement, the bulletin, the inbox, search |
| network administrator | 1 | the member directory, searched and filtered, a member's page |
| API (a COO's token) | 1 | practice search, a value statement, a federation, needs |
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import random
import re
import struct
import time
from pathlib import Path
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task
from locust.exception import StopUser

PLAN = json.loads(Path(os.environ["LOADTEST_PLAN"]).read_text())
# What a simulated person opens next: chance, not secrets.
CHANCE = random.Random()  # noqa: S311  # nosec B311
# Each run starts its people at LOADTEST_OFFSET (scripts/loadtest moves it on each run), so a run
# does not sign in again, within the same 30 seconds, someone the previous run just signed in.
OFFSET = int(os.environ.get("LOADTEST_OFFSET", "0"))


def accounts(people: list):
    return itertools.islice(itertools.cycle(people), OFFSET % len(people), None)


ACCOUNTS = {
    "coo": accounts(PLAN["federations"]),
    "finance": accounts(PLAN["federations"][::-1]),
    "manager": accounts(random.Random(17).sample(PLAN["managers"], len(PLAN["managers"]))),  # noqa: S311  # nosec B311
    "network": accounts(PLAN["network"]["admins"]),
    "api": accounts(PLAN["federations"][100:] + PLAN["federations"][:100]),
}
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def totp(key_hex: str, at: float) -> str:
    """RFC 6238, SHA-1, 30-second steps, 6 digits: what django-otp's TOTPDevice accepts."""
    digest = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", int(at // 30)), hashlib.sha1)
    value = digest.digest()
    offset = value[-1] & 0x0F
    return f"{(struct.unpack('>I', value[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**6:06d}"


class Person(HttpUser):
    """Someone who reaches gpfed through the TLS proxy and signs in once."""

    abstract = True
    wait_time = between(1, 5)
    role = ""

    def on_start(self):
        origin = "https://" + urlsplit(self.host).netloc
        self.client.headers.update({"X-Forwarded-Proto": "https", "Referer": origin + "/"})
        self.origin = origin
        # The person's browser is on HTTPS, so it sends the Secure cookies back: the plain HTTP
        # to gunicorn is the proxy's leg, which the cookie jar cannot know.
        send = self.client.request

        def request(*args, **kwargs):
            for cookie in self.client.cookies:
                cookie.secure = False
            return send(*args, **kwargs)

        self.client.request = request
        self.account = next(ACCOUNTS[self.role])
        self.sign_in()

    def email(self) -> str:
        return self.account

    def post_form(self, path: str, page_text: str, data: dict, name: str):
        token = CSRF.search(page_text)
        if token is None:
            raise StopUser(f"{path}: no CSRF token")
        return self.client.post(
            path,
            data={"csrfmiddlewaretoken": token.group(1), **data},
            headers={"Origin": self.origin, "Referer": self.origin + path},
            name=name,
            allow_redirects=False,
        )

    def sign_in(self) -> None:
        page = self.client.get("/accounts/sign-in/", name="sign-in page")
        answer = self.post_form(
            "/accounts/sign-in/",
            page.text,
            {"username": self.email(), "password": PLAN["password"]},
            "sign-in",
        )
        if answer.status_code != 302 or "sign-in" in answer.headers.get("Location", ""):
            raise StopUser(f"sign-in refused: {answer.status_code}")
        step = self.client.get("/", name="home after sign-in", allow_redirects=False)
        where = step.headers.get("Location", "")
        if step.status_code == 302 and where.startswith("/accounts/two-factor/"):
            page = self.client.get(where, name="one-time code page")
            path = urlsplit(where).path + (f"?{urlsplit(where).query}" if "?" in where else "")
            # A code works once: if this 30 seconds' was used (by an earlier run), the next
            # window's, which the authenticator accepts too, as the demo's two-step page says.
            for ahead in (0, 30):
                code = self.post_form(
                    path,
                    page.text,
                    {"code": totp(PLAN["totp_key"], time.time() + ahead)},
                    "one-time code",
                )
                if code.status_code == 302 and "two-factor" not in code.headers.get("Location", ""):
                    return
                page = code
                time.sleep(1.5)  # django-otp's pause after a wrong code
            raise StopUser(f"one-time code refused: {code.status_code}")

    def page(self, path: str, name: str, **params):
        with self.client.get(path, params=params, name=name, catch_response=True) as answer:
            if answer.status_code != 200:
                answer.failure(f"{answer.status_code}")
            elif "/accounts/sign-in/" in answer.url:
                answer.failure("signed out")


class FederationAdmin(Person):
    weight = 2
    role = "coo"

    def email(self) -> str:
        return self.account["coo"]

    @task(3)
    def overview(self):
        self.page(f"/federations/{self.account['slug']}/", "federation overview")

    @task(2)
    def home(self):
        self.page("/", "home page")

    @task(1)
    def search(self):
        self.page("/search/", "practice search", q=CHANCE.choice(PLAN["searches"]))


class FinanceLead(Person):
    weight = 2
    role = "finance"

    def email(self) -> str:
        return self.account["finance"]

    @task(3)
    def preview(self):
        slug, month = self.account["slug"], PLAN["preview_month"]
        self.page(f"/finance/{slug}/settlements/{month}/", "settlement preview")

    @task(2)
    def statement(self):
        member = CHANCE.choice(MEMBERS[self.account["slug"]])
        self.page(
            f"/finance/statements/{member}/",
            "value statement (finance lead)",
            period=PLAN["statement_period"],
            federation=self.account["slug"],
        )

    @task(1)
    def finance_home(self):
        self.page(f"/finance/{self.account['slug']}/", "finance home")


class PracticeManager(Person):
    weight = 4
    role = "manager"

    def email(self) -> str:
        return self.account["email"]

    @task(3)
    def statement(self):
        self.page(
            f"/finance/statements/{self.account['code']}/",
            "value statement (practice manager)",
            period=PLAN["statement_period"],
            federation=self.account["federation"],
        )

    @task(2)
    def bulletin(self):
        self.page(f"/comms/bulletins/{PLAN['bulletin']}/", "bulletin read")

    @task(1)
    def inbox(self):
        self.page("/comms/", "bulletin inbox")

    @task(2)
    def search(self):
        self.page("/search/", "practice search", q=CHANCE.choice(PLAN["searches"]))

    @task(1)
    def home(self):
        self.page("/", "home page")


class NetworkAdmin(Person):
    weight = 1
    role = "network"

    @task(2)
    def directory(self):
        self.page(f"/directory/networks/{PLAN['network']['slug']}/", "member directory")

    @task(1)
    def directory_search(self):
        code = CHANCE.choice(PLAN["managers"])["code"]
        self.page(
            f"/directory/networks/{PLAN['network']['slug']}/", "member directory search", q=code
        )

    @task(1)
    def member(self):
        network, largest = PLAN["network"]["slug"], PLAN["network"]["largest"]
        self.page(f"/directory/networks/{network}/members/{largest}/", "directory member page")


class ApiUser(HttpUser):
    """A script with a COO's personal token: no session, no sign-in."""

    weight = 1
    wait_time = between(1, 3)

    def on_start(self):
        self.account = next(ACCOUNTS["api"])
        self.client.headers.update(
            {"X-Forwarded-Proto": "https", "Authorization": f"Bearer {self.account['token']}"}
        )

    def get(self, path: str, name: str, **params):
        with self.client.get(path, params=params, name=name, catch_response=True) as answer:
            if answer.status_code != 200:
                answer.failure(f"{answer.status_code}")

    @task(2)
    def practices(self):
        self.get("/api/v1/practices", "API practice search", q=CHANCE.choice(PLAN["searches"]))

    @task(2)
    def statement(self):
        member = CHANCE.choice(MEMBERS[self.account["slug"]])
        self.get(
            f"/api/v1/practices/{member}/statement",
            "API value statement",
            period=PLAN["statement_period"],
            federation=self.account["slug"],
        )

    @task(1)
    def federation(self):
        self.get(f"/api/v1/federations/{self.account['slug']}", "API federation")

    @task(1)
    def needs(self):
        self.get("/api/v1/me/needs", "API needs")


# Every request's time, in two groups: the pages (the target's p95 is theirs) and the sign-in
# steps, which a person goes through once a session and Argon2 makes slow by design. Written
# when locust stops to LOADTEST_SUMMARY for scripts/loadtest, with exact percentiles.
SIGN_IN = {"sign-in page", "sign-in", "home after sign-in", "one-time code page", "one-time code"}
SAMPLES: dict[str, list[tuple[float, bool]]] = {"pages": [], "sign-in": []}


@events.request.add_listener
def _sample(name, response_time, exception, **kwargs):
    SAMPLES["sign-in" if name in SIGN_IN else "pages"].append(
        (response_time, exception is not None)
    )


@events.reset_stats.add_listener
def _all_arrived(**kwargs):
    """Every user has arrived (``--reset-stats``): the pages are judged from here on, with all
    of them at work; the sign-ins of their arrival are kept, to be judged apart."""
    SAMPLES["pages"].clear()


@events.test_stop.add_listener
def _summary(environment, **kwargs):
    summary = {}
    for group, samples in SAMPLES.items():
        times = sorted(t for t, _ in samples)

        def at(share: float, times=times) -> float:
            return times[min(len(times) - 1, int(len(times) * share))] if times else 0.0

        summary[group] = {
            "count": len(times),
            "errors": sum(1 for _, failed in samples if failed),
            "p50": at(0.50),
            "p95": at(0.95),
            "p99": at(0.99),
            "max": times[-1] if times else 0.0,
        }
    if os.environ.get("LOADTEST_SUMMARY"):
        Path(os.environ["LOADTEST_SUMMARY"]).write_text(json.dumps(summary))


MEMBERS: dict[str, list[str]] = {}
for manager in PLAN["managers"]:
    MEMBERS.setdefault(manager["federation"], []).append(manager["code"])


@events.test_start.add_listener
def _plan_is_whole(environment, **kwargs):
    assert MEMBERS and PLAN["federations"], "the load test's plan names nobody"
