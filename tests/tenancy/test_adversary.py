"""An adversary test: federation B's administrator does any sequence of what her roles allow,
and after every step nothing of federation A's is readable by B's people, nothing of A's has
changed, and A's audit trail shows every change that touches A's practices.

Hypothesis's rule-based state machine chooses the sequence: add and end memberships (of A's
practices too, which the practice may then agree to), invite people to any role on any
organisation and accept as them (a deactivated
former member of A's staff among them, as an accomplice would), import populations files and
enter populations for shared PCNs and A's practices (and a shared PCN's care-home beds and IIF
points, as B's, A's or nobody's), accrue and post B's month, export, use the API with a token,
and try to end, deactivate or unlock A's people and to answer for A's practices. Every action
goes through the real pages and API, as a person's browser would.

The number of examples is bounded for CI; set GPFED_ADVERSARY_EXAMPLES for a longer search.
"""

import os
import re
from datetime import date

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test import Client, TestCase
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from accounts.models import RoleGrant, User
from accounts.services import api_token_create, role_grant, user_deactivate
from audit.models import AuditEvent
from directory.models import Contact
from finance import services as finance
from finance.models import PcnFigures, SettlementRow
from registry.models import (
    PCN,
    AnnualPopulation,
    Federation,
    FederationMembership,
    ImportRun,
    Practice,
    PracticePCN,
)
from registry.services import federation_create, federation_membership_add
from rota.models import Staff
from tests.conftest import sign_in_verified
from tests.factories import PCNFactory, PracticeFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=False)

EXAMPLES = int(os.environ.get("GPFED_ADVERSARY_EXAMPLES", "12"))
PASSWORD = "an accomplice's passphrase 2026"
MONTH = date(2026, 10, 1)
# What only A's own people may ever read: if a page or answer shown to B's people holds any of
# these, A's data has leaked.
SECRETS = [
    "Secretcontact",
    "Secretpharmacist",
    "a-secret-figures",
    "SECRETCELL",
    "pm.secret@a.example",
]
LINK = re.compile(r"https?://[^\s]+/accounts/invitation/[^\s/]+/")
# A statement that changes the world (a session row is only the request's own sign-in).
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


class Adversary(RuleBasedStateMachine):
    """One example: a fresh world in a savepoint, rolled back at the end."""

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.b_people: list[User] = []
        self.steps: list[str] = []
        # Whether anything was written since B's people last read A's pages: a step B's
        # attempt was refused for leaves every table as it was, so reading again would read
        # the same answers (the reads themselves are checked after every step that wrote).
        self.changed = True

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- the world -------------------------------------------------------------------------

    @initialize()
    def world(self):
        opened = date(2000, 1, 1)
        self.shared = PCNFactory(code="U99001", name="SHARED PCN")
        other_pcn = PCNFactory(code="U99002", name="A ONLY PCN")
        self.p1 = PracticeFactory(code="Y90001", name="A ONE SURGERY", open_date=opened)
        self.p2 = PracticeFactory(code="Y90002", name="A TWO SURGERY", open_date=opened)
        self.p3 = PracticeFactory(code="Y90003", name="B THREE SURGERY", open_date=opened)
        self.p4 = PracticeFactory(code="Y90004", name="NOBODYS SURGERY", open_date=opened)
        for practice, pcn in [
            (self.p1, other_pcn),
            (self.p2, self.shared),
            (self.p3, self.shared),
            (self.p4, self.shared),
        ]:
            PracticePCN.objects.create(practice=practice, pcn=pcn, start_date=opened)
        self.a = federation_create(name="Federation A", by=None)
        self.b = federation_create(name="Federation B", by=None)
        for practice in (self.p1, self.p2):
            federation_membership_add(
                federation=self.a, practice=practice, start_date=date(2020, 4, 1), by=None
            )
        federation_membership_add(
            federation=self.b, practice=self.p3, start_date=date(2020, 4, 1), by=None
        )
        self.a_admin = UserFactory(email="admin@a.example")
        role_grant(user=self.a_admin, role="federation_admin", organisation=self.a, by=None)
        self.a_manager = UserFactory(email="pm.secret@a.example")
        role_grant(user=self.a_manager, role="practice_manager", organisation=self.p1, by=None)
        self.a_director = UserFactory(email="cd@a.example")
        role_grant(
            user=self.a_director,
            role="pcn_clinical_director",
            organisation=self.shared,
            federation=self.a,
            by=None,
        )
        # A former member of A's staff, deactivated by A: B's accomplice, who knows her password.
        self.rogue = UserFactory(email="rogue@a.example")
        self.rogue.set_password(PASSWORD)
        self.rogue.save()
        role_grant(user=self.rogue, role="practice_staff", organisation=self.p2, by=None)
        user_deactivate(user=self.rogue, by=self.a_admin, federation=self.a)

        Contact.objects.create(
            federation=self.a, practice=self.p1, name="Alice Secretcontact", role="Manager",
            email="alice@a.example",
        )  # fmt: skip
        Staff.objects.create(
            federation=self.a, name="Pat Secretpharmacist", role="clinical_pharmacist",
            afc_band="7", pcn=self.shared, arrs_funded=True, wte="1.00",
            start_date=date(2024, 4, 1), annual_salary_pence=52_000_00,
            annual_oncosts_pence=14_000_00, max_hours_per_week=0,
        )  # fmt: skip
        for pcn in (self.shared, other_pcn):
            AnnualPopulation.objects.create(
                pcn=pcn, financial_year=2026, measure="adjusted", value=20_000, source="national"
            )
            AnnualPopulation.objects.create(
                pcn=pcn, financial_year=2026, measure="weighted", value=21_000, source="national"
            )
        finance.income_entry_create(
            federation=self.a, month=MONTH, description="A's block", amount_pence=100_000,
            rule="equal", by=None,
        )  # fmt: skip
        finance.settlement_post(federation=self.a, month=MONTH, by=None)
        self.a_reference = finance.settlement_reference(self.a, MONTH)
        ImportRun.objects.create(
            kind="populations", file_name="a-secret-figures.csv", sha256="0" * 64,
            status=ImportRun.Status.FAILED, created_by=self.a_admin,
            problems=[{"row": 2, "column": "CODE", "message": "SECRETCELL is not known"}],
            problem_total=1, **self._run_owner(self.a),
        )  # fmt: skip

        self.b_admin = UserFactory(email="admin@b.example")
        role_grant(user=self.b_admin, role="federation_admin", organisation=self.b, by=None)
        self.b_people = [self.b_admin]
        _, self.token = api_token_create(user=self.b_admin, name="B's script")
        self.secrets = [*SECRETS, self.a_reference]
        self.before = self.snapshot()

    @staticmethod
    def _run_owner(federation) -> dict:
        field = {f.name for f in ImportRun._meta.get_fields()}
        return {"federation": federation} if "federation" in field else {}

    # --- helpers ---------------------------------------------------------------------------

    def client_for(self, user) -> Client:
        client = Client()
        sign_in_verified(client, user)
        return client

    def act(self, user, method: str, url: str, data=None, **extra):
        """One request as ``user``, with what it queues for after the commit done (emails,
        imports), as in the running application."""
        client = self.client_for(user)
        wrote = []

        def watch(execute, sql, params, many, context):
            if WRITE.match(sql) and "django_session" not in sql:
                wrote.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(watch), TestCase.captureOnCommitCallbacks(execute=True):
            response = getattr(client, method)(url, data or {}, **extra)
        self.changed = self.changed or bool(wrote)
        self.steps.append(f"{user.email} {method.upper()} {url} {data or ''} -> {response}")
        return response

    @property
    def practices(self):
        return [self.p1, self.p2, self.p3, self.p4]

    # --- what B's administrator may try ----------------------------------------------------

    @rule(which=st.integers(0, 3), start=st.sampled_from(["2015-04-01", "2026-04-01"]))
    def add_member(self, which, start):
        practice = self.practices[which]
        self.act(
            self.b_admin,
            "post",
            f"/federations/{self.b.slug}/members/add/",
            {"practice": practice.code, "start_date": start, "join_reason": "ours"},
        )

    @rule(data=st.data())
    def end_member(self, data):
        held = list(self.b.memberships.filter(end_date__isnull=True))
        if not held:
            return
        membership = data.draw(st.sampled_from(held))
        self.act(
            self.b_admin,
            "post",
            f"/federations/{self.b.slug}/members/{membership.pk}/end/",
            {"end_date": timezone.localdate().isoformat(), "leave_reason": "gone"},
        )

    @rule(
        role=st.sampled_from(
            ["practice_manager", "practice_staff", "pcn_clinical_director", "board_member"]
        ),
        which=st.integers(0, 4),
        who=st.sampled_from(["new", "rogue"]),
    )
    def invite_and_accept(self, role, which, who):
        organisation = [*self.practices, self.shared][which]
        code = "" if role == "board_member" else organisation.code
        email = self.rogue.email if who == "rogue" else f"new{len(self.steps)}@b.example"
        mail.outbox.clear()
        self.act(
            self.b_admin,
            "post",
            f"/accounts/people/?federation={self.b.slug}",
            {"email": email, "role": role, "organisation": code, "federation": self.b.slug},
        )
        links = [m for message in mail.outbox for m in LINK.findall(message.body)]
        if not links:
            return
        path = "/" + links[0].split("/", 3)[3]
        self.changed = True
        client = Client()
        with TestCase.captureOnCommitCallbacks(execute=True):
            client.post(
                path, {"full_name": "Accomplice", "password": PASSWORD, "password_again": PASSWORD}
            )
        person = User.objects.filter(email=email, is_active=True).first()
        if person is not None and person not in self.b_people:
            self.b_people.append(person)

    @rule(code=st.sampled_from(["shared", "p1", "p3"]), value=st.sampled_from(["1", "99999"]))
    def import_populations(self, code, value):
        from django.core.files.uploadedfile import SimpleUploadedFile

        ods = {"shared": self.shared.code, "p1": self.p1.code, "p3": self.p3.code}[code]
        text = (
            "CODE,FINANCIAL_YEAR,ADJUSTED_POPULATION,WEIGHTED_POPULATION,SOURCE\n"
            f"{ods},2026-27,{value},{value},B's own\n"
        )
        upload = SimpleUploadedFile("b-figures.csv", text.encode(), content_type="text/csv")
        self.act(
            self.b_admin,
            "post",
            "/imports/",
            {"file": upload, "kind": "", "federation": self.b.slug},
        )

    @rule(code=st.sampled_from(["shared", "p1", "p3"]), value=st.sampled_from(["1", "99999"]))
    def enter_population(self, code, value):
        url = {
            "shared": f"/pcns/{self.shared.code}/population/",
            "p1": f"/practices/{self.p1.code}/population/",
            "p3": f"/practices/{self.p3.code}/population/",
        }[code]
        for user in self.b_people:
            self.act(
                user,
                "post",
                url,
                {
                    "federation": self.b.slug,
                    "financial_year": "2026-27",
                    "measure": "adjusted",
                    "value": value,
                    "source": "B",
                },
            )

    @rule(beds=st.sampled_from(["0", "5000"]))
    def enter_pcn_figures(self, beds):
        for user in self.b_people:
            for federation in (self.b.slug, self.a.slug, ""):
                self.act(
                    user,
                    "post",
                    f"/finance/pcns/{self.shared.code}/figures/",
                    {
                        "federation": federation,
                        "financial_year": "2025",
                        "care_home_beds": beds,
                        "iif_points": "1",
                        "source": "B",
                    },
                )

    @rule()
    def accrue_and_post(self):
        month = MONTH.strftime("%Y-%m")
        self.act(self.b_admin, "post", f"/finance/{self.b.slug}/settlements/{month}/accrue/")
        self.act(self.b_admin, "post", f"/finance/{self.b.slug}/settlements/{month}/post/")

    @rule(whom=st.sampled_from(["manager", "director", "admin", "rogue"]))
    def reach_for_as_people(self, whom):
        person = {
            "manager": self.a_manager,
            "director": self.a_director,
            "admin": self.a_admin,
            "rogue": self.rogue,
        }[whom]
        for grant in RoleGrant.objects.filter(user=person):
            self.act(
                self.b_admin,
                "post",
                f"/accounts/people/roles/{grant.pk}/end/",
                {"federation": self.b.slug},
            )
        for action in ("deactivate", "unlock"):
            self.act(
                self.b_admin,
                "post",
                f"/accounts/people/{person.pk}/{action}/",
                {"federation": self.b.slug},
            )

    @rule()
    def answer_for_a_practice(self):
        from registry import models

        consents = getattr(models, "MembershipConsent", None)  # (not before issue 12)
        for consent in consents.objects.filter(status="waiting") if consents else []:
            for user in self.b_people:
                self.act(
                    user,
                    "post",
                    f"/practices/{consent.practice.code}/consent/{consent.pk}/",
                    {"decision": "accept"},
                )

    @rule(agree=st.booleans())
    def the_practice_answers(self, agree):
        """A's practice manager answers B's requests: B then holds A's practice too, and every
        later step runs in a world where two federations share it."""
        from registry import models

        consents = getattr(models, "MembershipConsent", None)  # (not before issue 12)
        for consent in consents.objects.filter(status="waiting") if consents else []:
            self.act(
                self.a_manager,
                "post",
                f"/practices/{consent.practice.code}/consent/{consent.pk}/",
                {"decision": "accept" if agree else "decline"},
            )

    @rule(code=st.sampled_from(["p1", "p2"]))
    def correct_a_practice(self, code):
        practice = {"p1": self.p1, "p2": self.p2}[code]
        for user in self.b_people:
            self.act(
                user,
                "post",
                f"/practices/{practice.code}/correct/",
                {"name": "TAKEN OVER", "postcode": "ZZ1 1ZZ"},
            )

    # --- what must hold after every step ---------------------------------------------------

    def reads(self) -> list[str]:
        a, b = self.a.slug, self.b.slug
        return [
            f"/federations/{a}/",
            f"/directory/federations/{a}/",
            f"/directory/federations/{a}/contacts.csv",
            f"/directory/federations/{b}/",
            f"/directory/federations/{b}/contacts.csv",
            f"/finance/statements/{self.p1.code}/json/?period=2026-27",
            f"/finance/statements/{self.p2.code}/json/?period=2026-27",
            f"/finance/statements/{self.p2.code}/json/?period=2026-27&federation={b}",
            f"/finance/{a}/",
            f"/finance/{a}/settlements/2026-10/",
            f"/finance/{b}/settlements/2026-10/",
            f"/rota/{a}/arrs/{self.shared.code}/",
            f"/rota/{a}/arrs/{self.shared.code}/claim.csv",
            f"/accounts/people/?federation={a}",
            f"/accounts/people/?federation={b}",
            "/audit/",
            "/imports/",
            f"/api/v1/federations/{a}/directory",
            f"/api/v1/practices/{self.p1.code}/statement?period=2026-27",
            f"/api/v1/practices/{self.p2.code}/statement?period=2026-27",
            f"/api/v1/federations/{a}/arrs/{self.shared.code}/2026-10",
            "/api/v1/imports",
        ]

    @invariant()
    def nothing_of_as_is_readable_by_bs_people(self):
        if not hasattr(self, "before") or not self.changed:
            return
        self.changed = False
        for user in self.b_people:
            if not User.objects.get(pk=user.pk).is_active:
                continue
            client = self.client_for(user)
            for url in self.reads():
                response = client.get(url)
                body = response.content.decode(errors="replace")
                leaked = [s for s in self.secrets if s in body]
                assert not leaked, f"{user.email} read {leaked} at {url}\nafter:\n" + "\n".join(
                    self.steps
                )
        api = Client(headers={"Authorization": f"Bearer {self.token}"})
        for url in self.reads():
            if url.startswith("/api/"):
                body = api.get(url).content.decode(errors="replace")
                leaked = [s for s in self.secrets if s in body]
                assert not leaked, f"B's token read {leaked} at {url}\n" + "\n".join(self.steps)

    def snapshot(self) -> dict:
        a_practices = [self.p1.pk, self.p2.pk]
        a_people = [self.a_admin.pk, self.a_manager.pk, self.a_director.pk, self.rogue.pk]
        populations = AnnualPopulation.objects.filter(
            pcn__in=PCN.objects.filter(code__in=["U99001", "U99002"])
        )
        if "federation" in {f.name for f in AnnualPopulation._meta.get_fields()}:
            populations = populations.filter(federation__in=[None, self.a.pk]).exclude(
                federation=self.b
            )
        return {
            "memberships": sorted(
                FederationMembership.objects.filter(federation=self.a).values_list(
                    "practice_id", "start_date", "end_date"
                )
            ),
            "grants": sorted(
                RoleGrant.objects.filter(user_id__in=a_people).values_list("pk", "role", "end_date")
            ),
            "active": sorted(User.objects.filter(pk__in=a_people).values_list("pk", "is_active")),
            "populations": sorted(
                populations.values_list("pcn_id", "financial_year", "measure", "value")
            ),
            "pcn_figures": sorted(
                PcnFigures.objects.filter(pcn__code__in=["U99001", "U99002"])
                .exclude(federation=self.b)
                .values_list("pcn_id", "financial_year", "care_home_beds", "iif_points")
            ),
            "contacts": sorted(Contact.objects.filter(federation=self.a).values_list("name")),
            "practices": sorted(
                Practice.objects.filter(pk__in=a_practices).values_list("name", "postcode")
            ),
            "money": sorted(
                SettlementRow.objects.filter(federation=self.a).values_list(
                    "pk", "practice_id", "net_pence"
                )
            ),
        }

    @invariant()
    def nothing_of_as_changed_and_as_audit_shows_what_touched_it(self):
        if not hasattr(self, "before"):
            return
        now = self.snapshot()
        changed = {k: (self.before[k], now[k]) for k in now if now[k] != self.before[k]}
        assert not changed, f"A's data changed: {changed}\nafter:\n" + "\n".join(self.steps)
        from registry import models

        consents = getattr(models, "MembershipConsent", None)  # (not before issue 12)
        asked = consents.objects.filter(practice__in=[self.p1, self.p2]).count() if consents else 0
        told = AuditEvent.objects.filter(
            federation=self.a, action="federation.membership.consent_asked"
        ).count()
        assert told == asked, "A's audit misses a request to hold one of its practices"


def test_no_sequence_of_bs_allowed_actions_reaches_as_data(db):
    run_state_machine_as_test(
        Adversary,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=8,
            deadline=None,
            derandomize=bool(os.environ.get("CI")),
            suppress_health_check=list(HealthCheck),
        ),
    )


def test_the_world_is_what_the_adversary_expects(db):
    """The adversary's starting world: the secrets are there for A's own people to read, so
    a clean run means B cannot, not that nothing was there."""
    machine = Adversary()
    try:
        machine.world()
        a_admin = machine.client_for(machine.a_admin)
        body = a_admin.get(f"/directory/federations/{machine.a.slug}/").content
        assert b"Secretcontact" in body
        csv = a_admin.get(f"/rota/{machine.a.slug}/arrs/{machine.shared.code}/claim.csv")
        assert b"Secretpharmacist" in csv.content
        statement = a_admin.get(f"/finance/{machine.a.slug}/settlements/2026-10/").content.decode()
        assert machine.a_reference in statement
        director = machine.client_for(machine.a_director)
        assert (
            director.get(f"/rota/{machine.a.slug}/arrs/{machine.shared.code}/").status_code == 200
        )
        assert (
            not Federation.objects.get(pk=machine.b.pk)
            .memberships.filter(practice=machine.p1)
            .exists()
        )
    finally:
        machine.teardown()
