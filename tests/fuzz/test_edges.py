"""The values a probe found answering 500, each with the answer it gets now: a page says what
is wrong with its address (400), an address naming nothing is not found (404), and the API
refuses a query value it cannot use (422)."""

import pytest
from django.db import transaction

from tests.conftest import sign_in_verified
from tests.fuzz.conftest import FED

pytestmark = pytest.mark.django_db

YEARS = "1900 to 2200"
PAGES = [
    (f"/finance/{FED}/activity/?month=0001-01", 400, YEARS),
    (f"/finance/{FED}/activity/?month=9999-12", 400, YEARS),
    (f"/finance/{FED}/activity/?month=2026-13", 400, "not a month"),
    # a period box: the page, with the box's error (tests/finance/test_period_boxes.py)
    (f"/finance/{FED}/returns/?period=9999-12", 200, YEARS),
    (f"/finance/{FED}/returns/?period=9999-00-Q4", 200, YEARS),
    (f"/finance/{FED}/returns/?period=9999-12&format=csv", 400, YEARS),
    ("/finance/statements/C82001/?period=0001-01", 200, YEARS),
    ("/finance/statements/C82001/json/?period=2026-99", 400, "not a period"),
    (f"/finance/{FED}/settlements/9999-12/", 404, "Page not found"),
    (f"/finance/{FED}/settlements/0001-01/income/", 404, "Page not found"),
    (f"/rota/{FED}/arrs/U30213/?month=0001-01", 400, YEARS),
    (f"/rota/{FED}/arrs/U30213/?month=9999-12", 400, YEARS),
    (f"/rota/{FED}/arrs/U30213/claim.csv?month=9999-12", 400, YEARS),
    (f"/rota/{FED}/arrs/U30213/?month=1950-01", 400, "ARRS"),
    (f"/rota/{FED}/?start=9999-12-27", 400, YEARS),
    (f"/rota/{FED}/?start=0001-01-01", 400, YEARS),
    (f"/rota/{FED}/sessions.csv?start=9999-12-27", 400, YEARS),
    ("/rota/{FED}/sites/{hub}/?week=9999-12-27", 400, YEARS),
    ("/rota/{FED}/sites/{hub}/?week=0001-01-01", 400, YEARS),
    ("/rota/{FED}/staff/{gp1}/?week=9999-12-27", 400, YEARS),
    ("/rota/{FED}/staff/{gp1}/?week=0001-01-01", 400, YEARS),
    ("/rota/{FED}/staff/{gp1}/?week=next", 400, "not a date"),
    (f"/rota/{FED}/sessions/add?day=9999-12-31", 200, ""),
    ("/accounts/two-factor/?next=settings", 302, ""),
    ("/accounts/two-factor/?next=https://elsewhere.example/", 302, ""),
    ("/search/?q=%00", 400, "address"),
    (f"/rota/{FED}/staff/99999999999999999999/", 404, "Page not found"),
]
API = [
    (f"/api/v1/federations/{FED}/arrs/U30213/9999-12", 404),
    (f"/api/v1/federations/{FED}/arrs/U30213/0001-01", 404),
    (f"/api/v1/federations/{FED}/arrs/U30213/1950-01", 404),
    (f"/api/v1/federations/{FED}/rota?start=9999-12-27", 404),
    (f"/api/v1/federations/{FED}/rota?start=0001-01-01", 404),
    (f"/api/v1/federations/{FED}/settlements/9999-12", 404),
    (f"/api/v1/federations/{FED}/returns?period=0001-01", 422),
    ("/api/v1/practices?offset=99999999999999999999", 422),
    ("/api/v1/practices?limit=99999999999999999999", 422),
    ("/api/v1/practices/C82001?on=0001-01-01", 422),
    ("/api/v1/pcns/U30213?on=9999-12-31", 422),
    (f"/api/v1/federations/{FED}?on=2201-01-01", 422),
    ("/api/v1/practices?q=%00", 400),
    ("/api/v1/practices/%00", 400),
]


def _get(client, url):
    with transaction.atomic():
        response = client.get(url)
        transaction.set_rollback(True)
    return response


def test_a_page_given_a_value_it_cannot_use_says_so(client, world):
    sign_in_verified(client, world["users"]["federation_admin"])
    ids = {"FED": FED, "hub": world["rota"]["hub"].pk, "gp1": world["rota"]["gp1"].pk}
    wrong = []
    for url, status, says in PAGES:
        url = url.format(**ids)
        response = _get(client, url)
        if response.status_code != status or says.encode() not in response.content:
            wrong.append(f"{url}: {response.status_code}, expected {status} saying {says!r}")
        if status == 302 and response.url != "/":
            wrong.append(f"{url}: sent on to {response.url}")
    assert not wrong, "\n".join(wrong)


def test_the_api_given_a_value_it_cannot_use_refuses_it(client, world):
    sign_in_verified(client, world["users"]["superuser"])
    wrong = []
    for url, status in API:
        response = _get(client, url)
        if response.status_code != status:
            wrong.append(f"{url}: {response.status_code}, expected {status}")
        elif "detail" not in response.json():
            wrong.append(f"{url}: no reason given")
    assert not wrong, "\n".join(wrong)


def test_a_null_character_anywhere_in_the_address_is_a_bad_request(client, world):
    """PostgreSQL cannot hold a NUL character in text, so none reaches a query."""
    sign_in_verified(client, world["users"]["superuser"])
    for url in ("/practices/C82001%00/", f"/finance/{FED}/activity/?month=2026-10%00"):
        assert _get(client, url).status_code == 400, url
