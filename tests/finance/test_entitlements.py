"""Entitlements for each year against hand-worked examples (rates from DOMAIN.md)."""

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finance.entitlements import Populations, entitlements, spread, to_pence
from gpfed.cli import main

PCN = Populations(
    registered=50_000,
    adjusted=Decimal("52000"),
    weighted=Decimal("51000"),
    care_home_beds=40,
    iif_points=Decimal(30),
)


def annual(result) -> dict[str, int]:
    return {line.item: line.annual_pence for line in result.lines}


def test_2025_26_by_hand():
    result = entitlements(2025, PCN)
    assert annual(result) == {
        "Core PCN funding (registered part)": 11_330_000,  # 2.266 x 50,000 = £113,300.00
        "Core PCN funding (adjusted part)": 3_811_600,  # 0.733 x 52,000 = £38,116.00
        "Enhanced Access": 43_820_400,  # 8.427 x 52,000 = £438,204.00
        "Capacity and Access Support (CASP)": 16_681_600,  # 3.208 x 52,000
        "Capacity and Access Improvement (CAIP)": 7_150_000,  # 1.375 x 52,000
        "Care home premium": 521_012,  # 130.253 x 40 = £5,210.12
        "Investment and Impact Fund": 594_000,  # £198 x 30 points
    }
    assert result.total_annual_pence == 83_908_612
    assert result.arrs.annual_pence == 135_818_100  # 26.631 x 51,000 = £1,358,181.00
    assert result.verify is True


def test_2024_25_by_hand():
    result = entitlements(2024, PCN)
    assert annual(result) == {
        "Core PCN funding (registered part)": 11_090_000,  # 2.218 x 50,000
        "Core PCN funding (adjusted part)": 3_629_600,  # 0.698 x 52,000
        "Enhanced Access": 39_904_800,  # 7.674 x 52,000
        "Capacity and Access Support (CASP)": 16_889_600,  # 3.248 x 52,000
        "Care home premium": 480_000,  # £120 x 40
    }
    assert result.arrs.annual_pence == 116_759_400  # 22.894 x 51,000


def test_2023_24_has_the_clinical_director_payment():
    result = entitlements(2023, PCN)
    assert annual(result)["Clinical director"] == 3_645_000  # 0.729 x 50,000
    assert annual(result)["Core PCN funding (registered part)"] == 7_500_000  # 1.50 x 50,000
    assert "Care home premium" not in annual(result)


def test_2026_27_drops_casp_and_caip():
    result = entitlements(2026, PCN)
    assert annual(result) == {
        "Core PCN funding (adjusted part)": 3_889_600,  # 0.748 x 52,000
        "Enhanced Access": 46_295_600,  # 8.903 x 52,000
    }
    assert result.arrs.annual_pence == 141_106_800  # 27.668 x 51,000


def test_rounding_is_half_up_to_the_penny_on_awkward_numbers():
    result = entitlements(2025, Populations(adjusted=Decimal("12345.67")))
    # 8.427 x 12,345.67 = 104,036.96109 -> £104,036.96
    assert annual(result)["Enhanced Access"] == 10_403_696
    assert to_pence(Decimal("0.005")) == 1
    assert to_pence(Decimal("0.00499")) == 0


def test_unknown_year_is_refused():
    with pytest.raises(ValueError, match="no DES rates for 2031-32"):
        entitlements(2031, PCN)


@given(st.integers(min_value=0, max_value=10**12))
def test_monthly_amounts_add_up_to_the_year(total):
    months = spread(total)
    assert sum(months) == total
    assert max(months) - min(months) <= 1


def test_cli_json(capsys):
    code = main(
        [
            "entitlements",
            "--year",
            "2025-26",
            "--registered",
            "50000",
            "--adjusted",
            "52000",
            "--weighted",
            "51000",
            "--care-home-beds",
            "40",
            "--iif-points",
            "30",
            "--format",
            "json",
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["year"] == "2025-26"
    assert data["total_annual_pence"] == 83_908_612
    assert data["arrs"]["annual_pence"] == 135_818_100
    assert sum(data["lines"][0]["monthly_pence"]) == data["lines"][0]["annual_pence"]


@pytest.mark.parametrize(
    "args", [["--year", "2025"], ["--year", "2030-31"], ["--year", "2025-26", "--registered", "-5"]]
)
def test_cli_bad_input_exits_2(capsys, args):
    assert main(["entitlements", *args]) == 2
    assert capsys.readouterr().err.startswith("gpfed: ")


@pytest.mark.django_db
def test_pcn_page_shows_entitlements_labelled_as_an_estimate(demo, signed_in):
    page = signed_in.get("/pcns/U30213/")
    content = page.content.decode()
    assert "Network Contract DES entitlements" in content
    assert "Worked out with the registered list instead of the adjusted population" in content
