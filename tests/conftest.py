"""Fixtures every test may use. Fixtures shared by more than one folder live here, not in a test
module another module imports: ``books`` (the finance tests' small federation, also used by the
upload tests) and ``world`` (the permission matrix's, also used by the session and fuzz tests)."""

import copy
import socket
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from demo.loader import DATA as DEMO_DATA
from demo.loader import demo_load
from finance import services as finance
from finance.models import Service
from registry.models import Federation, FederationMembership, Practice
from tests import snapshot, template_db
from tests.factories import (
    ListSizeFactory,
    PCNFactory,
    PracticeFactory,
    PracticePCNFactory,
    UserFactory,
)

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def django_db_keepdb(django_db_modify_db_settings, django_db_blocker):
    """Each test process's database starts as a copy of one migrated template
    (tests/template_db.py), which pytest-django is told to keep: its migrate then has nothing to
    apply. The copy is made again at the start of every run."""
    with django_db_blocker.unblock():
        template_db.prepare(connection)
    return True


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's, and then (as it does not remove a database it was told to keep) the
    test process's copy removed at the end of the run."""
    yield
    with django_db_blocker.unblock():
        template_db.remove(connection)


@pytest.fixture(autouse=True)
def _test_settings(settings):
    """A fast password hasher, tasks that run at once, and short rota plans (tests check what a
    plan is, not how good the planner gets with a minute to think): snapshot.TEST_SETTINGS."""
    for name, value in snapshot.TEST_SETTINGS.items():
        setattr(settings, name, copy.deepcopy(value))


@pytest.fixture(autouse=True)
def _documents_in_a_temporary_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "documents"


@pytest.fixture
def demo_file():
    """Bytes of one of the shipped cuts of the real NHS files, by name prefix."""

    def read(prefix: str) -> bytes:
        matches = sorted(DEMO_DATA.glob(f"{prefix}*"))
        assert matches, prefix
        return matches[0].read_bytes()

    return read


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def admin_user(db):
    """An installation administrator, who may do everything."""
    return UserFactory(is_superuser=True, is_staff=True)


@pytest.fixture
def signed_in(client, admin_user):
    client.force_login(admin_user)
    return client


def _registry_only():
    return demo_load(money=False)


@pytest.fixture(scope="session")
def _demo_registry(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo registry, loaded once per test run (tests/snapshot.py)."""
    media = tmp_path_factory.mktemp("demo")
    return snapshot.shared(
        "demo-registry", lambda: snapshot.load_once(_registry_only, django_db_blocker, media)
    )


@pytest.fixture(scope="session")
def demo_whole(django_db_setup, django_db_blocker, tmp_path_factory):
    """The whole demo (with its year of money), loaded once per test run as ``make run`` loads
    it (tests/snapshot.py): for ``demo_books`` and the browser tests' ``demo_site``."""
    media = tmp_path_factory.mktemp("demo-whole")
    return snapshot.shared(
        "demo-whole", lambda: snapshot.load_committed(demo_load, django_db_blocker, media)
    )


@pytest.fixture
def demo(_demo_registry, db, settings):
    """The demo registry: the 03W cuts imported and the federation built from them, with its
    people (without its year of money, which only the finance tests need). Restored from a
    snapshot taken once, in this test's transaction."""
    return snapshot.put_back(_demo_registry, settings.MEDIA_ROOT, _registry_only)


@pytest.fixture
def demo_books(demo_whole, db, settings):
    """The whole demo, with its year of services, contracts, activity and settlements."""
    return snapshot.put_back(demo_whole, settings.MEDIA_ROOT, demo_load)


@dataclass
class Books:
    federation: Federation
    practices: list[Practice]
    outsider: Practice
    pcn: object
    phlebotomy: Service
    hr: Service
    lead: object


@pytest.fixture
def books(db) -> Books:
    """A federation of three practices (lists 6,000 / 3,000 / 1,000), two in one PCN, a
    phlebotomy service they all take part in and an HR service only the first two use."""
    lead = UserFactory(email="finance@example.org")
    federation = Federation.objects.create(name="Test Federation", slug="test-fed")
    practices = [
        PracticeFactory(code=code, name=name)
        for code, name in (("A10001", "Abbey"), ("B10002", "Brook"), ("C10003", "Castle"))
    ]
    outsider = PracticeFactory(code="D10004", name="Dale (not a member)")
    pcn = PCNFactory(code="U10001", name="Riverside PCN")
    for practice in practices[:2]:
        PracticePCNFactory(practice=practice, pcn=pcn)
    for practice, patients in zip(practices, (6_000, 3_000, 1_000), strict=True):
        FederationMembership.objects.create(
            federation=federation, practice=practice, start_date=date(2020, 4, 1)
        )
        ListSizeFactory(practice=practice, extract_date=date(2026, 9, 1), patients=patients)
    finance.finance_settings_update(federation=federation, by=lead, overhead_percent=Decimal(5))
    phlebotomy = finance.service_save(
        federation=federation,
        by=lead,
        code="phlebotomy",
        name="Phlebotomy",
        unit="blood test",
        staff_monthly_pence=100_000,
        cost_per_unit_pence=150,
        alone_fixed_monthly_pence=80_000,
        alone_per_unit_pence=400,
        alone_source="Band 3 HCA 0.2 WTE at 2026/27 AfC rates",
    )
    hr = finance.service_save(
        federation=federation,
        by=lead,
        code="hr",
        name="HR support",
        category="back_office",
        level="federation",
        unit="case",
        alone_fixed_monthly_pence=50_000,
        alone_source="Local HR adviser retainer quote",
    )
    for practice in practices:
        finance.participation_add(
            service=phlebotomy, practice=practice, start_date=date(2025, 4, 1), by=lead
        )
    for practice in practices[:2]:
        finance.participation_add(
            service=hr, practice=practice, start_date=date(2025, 4, 1), by=lead
        )
    return Books(federation, practices, outsider, pcn, phlebotomy, hr, lead)


@pytest.fixture
def world(demo):
    """The demo and one of everything a URL can name, with a person for each role
    (tests/world.py)."""
    from tests.world import build_world

    return build_world()


def sign_in_verified(client, user):
    """Sign in as after both steps: password and, for roles that need it, a one-time code."""
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.middleware import RENEWED_AT, SIGNED_IN_AT
    from accounts.otp import needs_second_step

    client.force_login(user)
    session = client.session
    # Signed in now and renewed now, as the first page after signing in leaves the session
    # (accounts/middleware.py): so requests inside a savepoint the test rolls back do not each
    # write it again.
    session[SIGNED_IN_AT] = session[RENEWED_AT] = timezone.now().timestamp()
    if needs_second_step(user):
        # The code from their own authenticator if they have one (the demo's people do), else
        # from one made for the test.
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device, _ = TOTPDevice.objects.get_or_create(
                user=user, name="Test authenticator", defaults={"confirmed": True}
            )
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1; Django's SMTP backend talks to it."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Collect(Message):
        def handle_message(self, message):
            received.append(message)

    with socket.socket() as probe:  # a free port on the loopback address
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    try:
        yield received
    finally:
        controller.stop()
