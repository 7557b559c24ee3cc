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
    """The whole demo: the 03W cuts imported and the federation built from them."""
    from demo.loader import demo_load

    return demo_load()
