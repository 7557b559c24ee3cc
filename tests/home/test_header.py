"""The header links a person to consultations, economics and bids as it does to governance:
a link when, and only when, the person may open that area (gpfed/context_processors.py)."""

import re

import pytest
from django.contrib.auth import get_user_model

from tests.conftest import sign_in_verified
from tests.factories import UserFactory

LINK = re.compile(r'class="nhsuk-header__navigation-link" href="([^"]+)"[^>]*>([^<]+)</a>')
AREAS = {"Consultations": "/voice/", "Economics": "/economics/", "Bids": "/bids/"}

# Who sees each new link on the demo (docs/voice.md, docs/economics.md, docs/bids.md).
SEES = {
    "coo": {"Consultations", "Economics", "Bids"},
    "finance": {"Consultations", "Economics", "Bids"},
    "board": {"Consultations", "Economics", "Bids"},
    "manager.c82001": {"Consultations", "Economics", "Bids"},  # her own line, her commitment
    "staff.c82001": {"Consultations"},
    "operations": {"Consultations"},
    "comms": {"Consultations"},
    "cd.crosscounties": {"Consultations"},
    "network": {"Consultations"},  # the network's own consultations
}


def header_links(client) -> dict[str, str]:
    page = client.get("/").content.decode()
    return {name.strip(): href for href, name in LINK.findall(page)}


@pytest.mark.parametrize("name", list(SEES))
def test_each_role_sees_a_link_to_each_area_it_may_open_and_no_other(demo_books, client, name):
    user = get_user_model().objects.get(email=f"{name}@demo.gpfed.example")
    sign_in_verified(client, user)
    links = header_links(client)
    shown = {area for area in AREAS if area in links}
    assert shown == SEES[name]
    for area, href in AREAS.items():
        answer = client.get(href, follow=True)
        if area in shown:
            assert links[area] == href
            assert answer.status_code == 200, f"{name}: {href}"
        else:
            assert answer.status_code == 404, f"{name} may open {href} but has no link"
    assert "Governance" in links or name == "network"  # the new links sit beside it


def test_someone_with_no_role_has_none_of_them(demo_books, client):
    client.force_login(UserFactory())
    links = header_links(client)
    assert not set(AREAS) & set(links)
    for href in AREAS.values():
        assert client.get(href).status_code == 404


def test_the_link_is_marked_as_the_current_page_inside_its_area(demo_books, client):
    sign_in_verified(client, get_user_model().objects.get(email="coo@demo.gpfed.example"))
    page = client.get("/voice/").content.decode()
    assert 'href="/voice/" aria-current="page">Consultations</a>' in page
    assert 'href="/bids/" aria-current="page"' not in page
