import socket
from pathlib import Path

import pytest

from demo.loader import DATA as DEMO_DATA
from tests.factories import UserFactory

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _tasks_run_immediately(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _short_rota_plans(settings):
    """Tests check what a plan is, not how good the planner gets with a minute to think."""
    settings.GPFED_ROTA_SECONDS = 4


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


@pytest.fixture
def demo(db):
    """The demo registry: the 03W cuts imported and the federation built from them, with its
    people (without its year of money, which only the finance tests need)."""
    from demo.loader import demo_load

    return demo_load(money=False)


@pytest.fixture
def demo_books(db):
    """The whole demo, with its year of services, contracts, activity and settlements."""
    from demo.loader import demo_load

    return demo_load()


def sign_in_verified(client, user):
    """Sign in as after both steps: password and, for roles that need it, a one-time code."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.otp import needs_second_step

    client.force_login(user)
    if needs_second_step(user):
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="Test authenticator", defaults={"confirmed": True}
        )
        session = client.session
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
