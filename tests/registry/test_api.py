import pytest

pytestmark = pytest.mark.django_db

FED = "east-leicestershire-and-rutland-gp-federation"


def test_api_needs_a_signed_in_user(client, demo):
    response = client.get("/api/v1/practices")
    assert response.status_code == 401


def test_openapi_schema_is_published(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/practices" in paths
    assert "/api/v1/federations/{slug}/populations" in paths


def test_practice_list_is_paginated_and_filtered(signed_in, demo):
    data = signed_in.get("/api/v1/practices", {"sub_icb": "03W", "limit": 10}).json()
    assert data["count"] == 36  # 31 open practices and 5 that closed
    open_now = signed_in.get("/api/v1/practices", {"sub_icb": "03W", "status": "A"}).json()
    assert open_now["count"] == 31
    assert len(data["items"]) == 10
    codes = [p["code"] for p in signed_in.get("/api/v1/practices", {"q": "C82001"}).json()["items"]]
    assert codes == ["C82001"]
    closed = signed_in.get("/api/v1/practices", {"status": "C", "sub_icb": "03W"}).json()
    assert {p["status"] for p in closed["items"]} == {"C"}


def test_practice_detail(signed_in, demo):
    data = signed_in.get("/api/v1/practices/C82001").json()
    assert data["pcn"]["code"] == "U30213"
    assert data["icb"] == {
        "code": "QK1",
        "name": "NHS Leicester, Leicestershire and Rutland Integrated Care Board",
    }
    assert data["list_size"] == {"patients": 25822, "extract_date": "2026-04-01"}
    assert data["federation"]["slug"] == FED


def test_practice_detail_on_a_past_day_uses_the_extract_of_then(signed_in, demo):
    data = signed_in.get("/api/v1/practices/C82001", {"on": "2025-06-01"}).json()
    assert data["as_at"] == "2025-06-01"
    assert data["list_size"] == {"patients": 26437, "extract_date": "2021-01-01"}


def test_unknown_practice_is_404(signed_in, demo):
    assert signed_in.get("/api/v1/practices/Z99999").status_code == 404


def test_practice_list_sizes(signed_in, demo):
    data = signed_in.get("/api/v1/practices/C82001/list-sizes").json()
    assert data["items"] == [
        {"extract_date": "2021-01-01", "sex": "ALL", "age_band": "ALL", "patients": 26437},
        {"extract_date": "2026-04-01", "sex": "ALL", "age_band": "ALL", "patients": 25822},
    ]


def test_pcn_list_and_detail(signed_in, demo):
    pcns = signed_in.get("/api/v1/pcns", {"sub_icb": "03W"}).json()
    assert "U30213" in [p["code"] for p in pcns["items"]]
    detail = signed_in.get("/api/v1/pcns/U30213").json()
    assert detail["sub_icb"]["code"] == "03W"
    assert "C82001" in [p["code"] for p in detail["practices"]]
    assert detail["registered_list"]["patients"] > 0


def test_pcn_populations_label_estimates(signed_in, demo):
    rows = signed_in.get("/api/v1/pcns/U30213/populations").json()
    assert rows[0]["adjusted"]["is_estimate"] is True
    assert "Estimate" in rows[0]["adjusted"]["basis"]


def test_federation_detail_and_populations(signed_in, demo):
    listing = signed_in.get("/api/v1/federations").json()
    assert listing["items"][0]["slug"] == FED
    detail = signed_in.get(f"/api/v1/federations/{FED}").json()
    assert detail["practice_count"] == 31
    # 30 practices' April 2026 lists and one practice's January 2021 list: the April 2026 file
    # has no row for the South Wigston asylum service (Y05412).
    assert detail["registered_patients"] == 361969
    assert detail["registered_extract_dates"] == ["2021-01-01", "2026-04-01"]
    assert len(detail["pcns"]) == 9
    populations = signed_in.get(f"/api/v1/federations/{FED}/populations").json()
    assert populations["trend"] == [
        {"date": "2021-01-01", "patients": 338663, "practices": 31},
        {"date": "2026-04-01", "patients": 361907, "practices": 30},
    ]
    assert populations["age_profile"] is None


def test_imports_listing(signed_in, demo):
    items = signed_in.get("/api/v1/imports").json()["items"]
    assert {i["kind"] for i in items} >= {"epraccur", "epcn"}


def test_practice_populations(signed_in, demo, user):
    from registry.models import Practice
    from registry.services import population_set

    practice = Practice.objects.get(code="C82001")
    population_set(practice=practice, financial_year=2025, measure="weighted", value=27001, by=user)
    rows = {
        r["financial_year"]: r for r in signed_in.get("/api/v1/practices/C82001/populations").json()
    }
    assert rows["2025/26"]["weighted"] == {
        "value": 27001.0,
        "is_estimate": False,
        "is_override": False,
        "basis": f"Entered by {user.email}",
    }
    assert rows["2025/26"]["adjusted"]["is_estimate"] is True


def test_populations_as_one_of_the_readers_federations_uses_them(client, demo):
    from accounts.models import User
    from registry.models import AnnualPopulation, Federation, Practice
    from tests.conftest import sign_in_verified

    practice = Practice.objects.get(code="C82001")
    federation = Federation.objects.get(slug=FED)
    AnnualPopulation.objects.create(
        practice=practice, financial_year=2025, measure="weighted", value=1, federation=federation
    )
    sign_in_verified(client, User.objects.get(email="board@demo.gpfed.example"))
    url = "/api/v1/practices/C82001/populations"
    national = {r["financial_year"]: r for r in client.get(url).json()}
    assert "2025/26" not in national  # no national figure that year; the own one is not it
    own = {r["financial_year"]: r for r in client.get(url, {"federation": FED}).json()}
    assert own["2025/26"]["weighted"]["value"] == 1
    assert own["2025/26"]["weighted"]["is_override"] is True
    assert client.get(url, {"federation": "no-such-federation"}).status_code == 404
