"""Current lists (issue 14): the demo loads the April 2026 list sizes beside January 2021's,
each month's money uses the lists of that month, and every list-size figure names the extract
it rests on."""

from datetime import date

import pytest

from finance import inputs
from registry import selectors
from registry.models import Federation, ListSize, Practice

pytestmark = pytest.mark.django_db

FED = "east-leicestershire-and-rutland-gp-federation"
NET = "primary-care-federation-network-demo"
MIXED = "latest extracts, 1 January 2021 to 1 April 2026"


def test_demo_loads_both_extracts(demo):
    practice = Practice.objects.get(code="C82001")
    assert list(
        practice.list_sizes.filter(sex="ALL", age_band="ALL")
        .order_by("extract_date")
        .values_list("extract_date", "patients")
    ) == [(date(2021, 1, 1), 26437), (date(2026, 4, 1), 25822)]
    assert "gp-reg-pat-prac-all-03W-2026-04.csv" in [i["file"] for i in demo["imported"]]
    assert demo["registered_extract_dates"] == ["2021-01-01", "2026-04-01"]


def test_money_for_2026_27_uses_april_2026_lists(demo):
    federation = Federation.objects.get(slug=FED)
    c82001 = Practice.objects.get(code="C82001")
    march, april = date(2026, 3, 1), date(2026, 4, 1)
    loaded = inputs.load([federation.pk], [march, april])
    # 2025/26: January 2021's lists, the latest by 31 March 2026.
    assert loaded[(federation.pk, march)].registered[c82001.pk] == 26437
    assert sum(loaded[(federation.pk, march)].registered.values()) == 338_663
    # 2026/27: April 2026's.
    assert loaded[(federation.pk, april)].registered[c82001.pk] == 25822
    assert sum(loaded[(federation.pk, april)].registered.values()) == 361_969


def test_pcn_entitlements_name_the_extract_they_rest_on(signed_in, demo, monkeypatch):
    """The entitlements of 2026/27 rest on the lists of 1 January 2026, which are January
    2021's extract: the page says so, not that the figure is of 1 January 2026."""
    monkeypatch.setattr(selectors, "today", lambda: date(2026, 11, 15))
    content = signed_in.get("/pcns/U30213/").content.decode()
    basis = content.split('data-testid="entitlements-basis">')[1].split("</p>")[0]
    assert basis.startswith(
        "Registered list 33,651 on 1 January 2026, from the extract of 1 January 2021."
    )
    assert "33,651 at 1 January 2026" not in content
    # Today's list is April 2026's.
    assert "25,822" in content and "33,156" in content
    assert "(sum of the practices' lists, extract of 1 April 2026)" in content


def test_pcn_page_with_lists_of_different_extracts_says_so(signed_in, demo):
    ListSize.objects.filter(practice__code="C82022", extract_date=date(2026, 4, 1)).delete()
    content = signed_in.get("/pcns/U30213/").content.decode()
    assert f"(sum of the practices' lists, {MIXED})" in content
    assert "33,036" in content  # 25,822 (April 2026) + 7,214 (January 2021)
    assert '7,214<br><span class="nhsuk-body-s">extract of 1 Jan 2021</span>' in content
    assert '25,822<br><span class="nhsuk-body-s">extract of 1 Apr 2026</span>' in content


def test_practice_page_shows_the_latest_list_and_both_extracts(signed_in, demo):
    response = signed_in.get("/practices/C82001/")
    content = response.content.decode()
    assert '25,822 <span class="nhsuk-body-s">(extract of 1 April 2026)</span>' in content
    chart = response.context["chart"]
    assert [(d["label"], d["value"]) for d in chart.dots] == [
        ("Jan 2021", 26437),
        ("Apr 2026", 25822),
    ]
    assert 'id="list-history-title"' in content
    assert "1 January 2021" in content and "26,437" in content


def test_federation_page_names_its_extracts_and_charts_both(signed_in, demo):
    response = signed_in.get(f"/federations/{FED}/")
    content = response.content.decode()
    assert 'data-testid="registered">361,969<' in content
    extracts = content.split('data-testid="registered-extracts">')[1].split("</p>")[0]
    assert extracts == "Latest extracts, 1 January 2021 to 1 April 2026"
    assert [(d["label"], d["value"]) for d in response.context["trend_chart"].dots] == [
        ("Jan 2021", 338663),
        ("Apr 2026", 361907),
    ]


def test_federation_api_on_a_past_day_uses_the_lists_of_then(signed_in, demo):
    data = signed_in.get(f"/api/v1/federations/{FED}", {"on": "2026-03-31"}).json()
    assert (data["practice_count"], data["registered_patients"]) == (31, 338663)
    assert data["registered_extract_dates"] == ["2021-01-01"]


def test_directory_names_the_extracts(signed_in, demo):
    page = signed_in.get(f"/directory/networks/{NET}/").content.decode()
    assert f"registered patients ({MIXED})." in page
    member = signed_in.get(f"/directory/networks/{NET}/members/{FED}/").content.decode()
    assert f'361,969 <span class="nhsuk-body-s">({MIXED})</span>' in member
    members = signed_in.get(f"/api/v1/networks/{NET}/members").json()["members"]
    ours = next(m for m in members if m["slug"] == FED)
    assert ours["list_size_extract_dates"] == ["2021-01-01", "2026-04-01"]
    directory = signed_in.get(f"/api/v1/federations/{FED}/directory").json()
    assert directory["list_size_extract_dates"] == ["2021-01-01", "2026-04-01"]
    by_code = {p["code"]: p for p in directory["practices"]}
    assert by_code["C82001"]["list_size_extract_date"] == "2026-04-01"
    assert by_code["Y05412"]["list_size_extract_date"] == "2021-01-01"
