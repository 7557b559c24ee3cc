"""A period box with a typo in it (2026-13, 2026-1, abcd) is an error on the same page, the
box refilled with what was typed: never "Page not found" nor a bare 400. A download asked for
with such a period still answers 400 (it is an address, not a box)."""

import re

import pytest
from django.urls import reverse

from accounts.services import role_grant
from tests.conftest import sign_in_verified

pytestmark = pytest.mark.django_db
TYPOS = ["2026-13", "2026-1", "abcd", "9999-12"]


@pytest.fixture
def lead(client, books):
    role_grant(user=books.lead, role="finance_lead", organisation=books.federation, by=None)
    sign_in_verified(client, books.lead)
    return client


def _box_error(response, typed: str) -> None:
    text = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in text
    assert "There is a problem" in text  # the error summary, linking to the box
    assert 'href="#period"' in text
    assert "nhsuk-form-group--error" in text and 'id="period-error"' in text
    assert f'value="{typed}"' in text  # the box keeps what was typed
    [summary] = re.findall(r'<a href="#period">([^<]*)</a>', text)
    assert summary.startswith("Enter ") and typed in summary


@pytest.mark.parametrize("typed", TYPOS)
def test_a_typo_in_the_returns_period_box_is_an_error_on_the_page(lead, books, typed):
    response = lead.get(reverse("finance:returns", args=[books.federation.slug]), {"period": typed})
    _box_error(response, typed)
    assert response.context["period"].kind == "month"  # the page for last month, as opened
    assert b'id="returns"' in response.content


def test_the_returns_box_shows_the_period_of_the_page(lead, books):
    url = reverse("finance:returns", args=[books.federation.slug])
    response = lead.get(url, {"period": "2026-27"})
    assert b'value="2026-27"' in response.content and b"There is a problem" not in response.content
    opened = lead.get(url)
    assert f'value="{opened.context["period"].key}"'.encode() in opened.content


def test_a_returns_download_for_a_period_that_is_none_is_refused(lead, books):
    url = reverse("finance:returns", args=[books.federation.slug])
    assert lead.get(url, {"period": "2026-13", "format": "csv"}).status_code == 400


@pytest.mark.parametrize("typed", TYPOS)
def test_a_typo_in_the_statement_period_box_is_an_error_on_the_page(lead, books, typed):
    code = books.practices[0].code
    response = lead.get(reverse("finance:statement", args=[code]), {"period": typed})
    _box_error(response, typed)
    assert response.context["federation"] == books.federation


def test_a_statement_download_for_a_period_that_is_none_is_refused(lead, books):
    code = books.practices[0].code
    for name in ("finance:statement-json", "finance:statement-pdf"):
        assert lead.get(reverse(name, args=[code]), {"period": "2026-13"}).status_code == 400
