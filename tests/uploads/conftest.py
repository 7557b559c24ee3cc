import pytest

from tests.uploads.files import zip_bomb


@pytest.fixture(scope="session")
def bomb() -> bytes:
    """The probe's zip bomb: a workbook of about 600 KB that unpacks to 600 MB."""
    return zip_bomb()
