"""The modeller's pages for every role: building a scenario through the form (and its
refusals), pre-filling from the catalogue, versions, the results page with its charts and
tables, out of date and recompute, sharing, a practice manager's own line, the PDF and the API;
and another federation's administrator, who gets 404 everywhere, before and after doing what
she may in her own federation."""

import io
from dataclasses import dataclass
from datetime import date

import pytest
from django.utils.html import escape
from pypdf import PdfReader

from accounts.services import role_grant
from economics import services
from economics.models import Scenario, ScenarioVersion
from registry.models import Federation
from tests.conftest import sign_in_verified
from tests.economics.conftest import SCENARIO
from tests.factories import (
    FederationMembershipFactory,
    ListSizeFactory,
    PracticeFactory,
    UserFactory,
)
from tests.factories.finance import ActivityFactory, ServiceFactory

pytestmark = pytest.mark.django_db


@dataclass
class People:
    admin: object
    lead: object
    board: object
    manager: object  # A00001's practice manager
    staff: object  # A00001's practice staff
    operations: object
    other_admin: object
    other: Federation


@pytest.fixture
def people(trio) -> People:
    def person(email, role, organisation, federation=None):
        user = UserFactory(email=email)
        role_grant(user=user, role=role, organisation=organisation, by=None, federation=federation)
        return user

    fed = trio.federation
    other = Federation.objects.create(name="Other Federation", slug="other-fed")
    outside = PracticeFactory(code="F00006")
    FederationMembershipFactory(federation=other, practice=outside)
    ListSizeFactory(practice=outside, extract_date=date(2026, 9, 1), patients=4_000)
    return People(
        admin=person("admin@trio.example", "federation_admin", fed),
        lead=person("lead@trio.example", "finance_lead", fed),
        board=person("board@trio.example", "board_member", fed),
        manager=person("pm@a1.example", "practice_manager", trio.practices["A00001"], fed),
        staff=person("staff@a1.example", "practice_staff", trio.practices["A00001"], fed),
        operations=person("ops@trio.example", "operations_lead", fed),
        other_admin=person("admin@other.example", "federation_admin", other),
        other=other,
    )


def form_data(**changes) -> dict:
    data = {
        "name": "Phlebotomy at scale",
        "service": "",
        "as_of": "1/10/2026",
        "unit": "blood test",
        "volume_basis": "per_1000",
        "draws": "10000",
        "seed": "1",
        "note": "",
        "volume_mode": "30",
        "income_mode": "10",
        "practice_fixed_mode": "500",
        "practice_unit_mode": "2",
        "pcn_fixed_mode": "400",
        "pcn_unit_mode": "3",
        "federation_fixed_mode": "600",
        "federation_unit_mode": "1",
        "overhead_mode": "5",
    }
    return {**data, **changes}


@pytest.fixture
def version(trio, people) -> ScenarioVersion:
    return services.scenario_create(
        federation=trio.federation, name="Phlebotomy", inputs=SCENARIO, by=people.lead
    )


def test_the_finance_lead_builds_a_scenario_and_sees_its_results(client, trio, people):
    sign_in_verified(client, people.lead)
    page = client.get("/economics/trio/new/")
    assert page.status_code == 200
    assert b"Most likely" in page.content
    response = client.post(
        "/economics/trio/new/", form_data(practice_fixed_low="400", practice_fixed_high="700")
    )
    assert response.status_code == 302
    version = ScenarioVersion.objects.get()
    assert response["Location"] == f"/economics/versions/{version.pk}/"
    assert version.inputs["levels"]["practice"]["fixed_per_year"] == {
        "low": 400,
        "mode": 500,
        "high": 700,
    }
    assert version.inputs["as_of"] == "2026-10-01"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Phlebotomy at scale" in html
    assert escape(version.results["summary"]) in html
    assert (
        html.count('<svg class="gpfed-chart"') == 4
    )  # totals, two levels of practices, the tornado
    assert "Total net a year at each level" in html
    assert "<caption" in html and 'scope="row"' in html
    assert "Share with the member practices" in html
    assert "Out of date" not in html


def test_the_form_saves_a_cost_for_each_practice_served_only_when_given(client, trio, people):
    sign_in_verified(client, people.lead)
    page = client.get("/economics/trio/new/")
    assert b"Cost a year for each practice the federation serves" in page.content
    response = client.post(
        "/economics/trio/new/",
        form_data(
            federation_site_low="1500",
            federation_site_mode="2000",
            federation_site_high="2500",
            pcn_site_mode="100",
        ),
    )
    assert response.status_code == 302
    version = ScenarioVersion.objects.get()
    levels = version.inputs["levels"]
    assert levels["federation"]["fixed_per_practice"] == {"low": 1500, "mode": 2000, "high": 2500}
    assert levels["pcn"]["fixed_per_practice"] == 100
    html = client.get(response["Location"]).content.decode()
    assert "Federation: a year for each practice served" in html
    # The next version's form starts from it; left empty, it is not in the file at all.
    page = client.get(f"/economics/scenarios/{version.scenario_id}/versions/new/")
    assert page.status_code == 200
    assert b'name="federation_site_mode" type="text" inputmode="decimal" value="2000"' in (
        page.content
    )
    client.post("/economics/trio/new/", form_data(name="Without"))
    without = ScenarioVersion.objects.get(scenario__name="Without")
    assert "fixed_per_practice" not in without.inputs["levels"]["federation"]
    # A range without its most likely value is refused on that field.
    half = client.post(
        "/economics/trio/new/",
        form_data(name="Half", federation_site_low="1", federation_site_high="2"),
    )
    assert b"Enter the most likely cost a year for each practice" in half.content


def test_the_form_refuses_a_range_upside_down_or_half_given_and_saves_nothing(client, trio, people):
    sign_in_verified(client, people.admin)
    upside_down = client.post(
        "/economics/trio/new/",
        form_data(pcn_fixed_low="900", pcn_fixed_high="800"),
    )
    assert upside_down.status_code == 200
    assert b"There is a problem" in upside_down.content
    assert b"is below" in upside_down.content
    half = client.post("/economics/trio/new/", form_data(income_low="8"))
    assert b"Enter both the low and the high" in half.content
    missing = client.post("/economics/trio/new/", form_data(volume_mode=""))
    assert b"There is a problem" in missing.content
    nobody = client.post("/economics/trio/new/", form_data(as_of="1/1/2001"))
    assert b"had no member practices" in nobody.content
    assert not Scenario.objects.exists()


def test_a_catalogue_service_pre_fills_the_form(client, trio, people):
    service = ServiceFactory(
        federation=trio.federation,
        name="Phlebotomy",
        unit="blood test",
        staff_monthly_pence=100_000,
        premises_monthly_pence=0,
        management_monthly_pence=0,
        cost_per_unit_pence=150,
        alone_fixed_monthly_pence=80_000,
        alone_per_unit_pence=400,
    )
    sign_in_verified(client, people.lead)
    html = client.get(f"/economics/trio/new/?service={service.pk}").content.decode()
    assert 'value="9600"' in html  # alone: £800 a month
    assert 'value="12000"' in html  # the federation: £1,000 a month
    assert 'value="1.5"' in html and 'value="4"' in html
    assert "Phlebotomy at scale" in html
    other_service = ServiceFactory(federation=people.other)
    assert client.get(f"/economics/trio/new/?service={other_service.pk}").status_code == 404


def test_a_new_version_starts_from_the_last_and_leaves_it_unchanged(client, trio, people, version):
    sign_in_verified(client, people.lead)
    page = client.get(f"/economics/scenarios/{version.scenario_id}/versions/new/")
    assert b'value="30"' in page.content
    data = form_data(income_mode="12", note="Tariff up")
    del data["name"], data["service"]
    response = client.post(f"/economics/scenarios/{version.scenario_id}/versions/new/", data)
    second = ScenarioVersion.objects.get(number=2)
    assert response["Location"] == f"/economics/versions/{second.pk}/"
    version.refresh_from_db()
    assert version.inputs["income_per_unit"] == 10
    assert second.inputs["income_per_unit"] == 12
    latest = client.get(f"/economics/scenarios/{version.scenario_id}/")
    assert latest["Location"] == f"/economics/versions/{second.pk}/"
    html = client.get(latest["Location"]).content.decode()
    assert "Tariff up" in html and "2 (this one)" in html


def test_out_of_date_results_say_so_and_recompute(client, trio, people, version):
    ListSizeFactory(
        practice=trio.practices["B00002"], extract_date=date(2026, 9, 20), patients=2_400
    )
    sign_in_verified(client, people.board)
    html = client.get(f"/economics/versions/{version.pk}/").content.decode()
    assert "Out of date: recompute" in html
    assert "10,400 registered patients" in html
    assert "finance lead can work them out again" in html
    assert client.post(f"/economics/versions/{version.pk}/recompute/").status_code == 404
    sign_in_verified(client, people.lead)
    assert client.post(f"/economics/versions/{version.pk}/recompute/").status_code == 302
    html = client.get(f"/economics/versions/{version.pk}/").content.decode()
    assert "Out of date" not in html and "up to date with the registry" in html


def test_the_board_reads_everything_and_changes_nothing(client, trio, people, version):
    sign_in_verified(client, people.board)
    listing = client.get("/economics/trio/").content.decode()
    assert "Phlebotomy" in listing and "Build a scenario" not in listing
    html = client.get(f"/economics/versions/{version.pk}/").content.decode()
    assert "C00003" in html and "Share with the member practices" not in html
    assert client.get("/economics/trio/new/").status_code == 404
    assert client.post(f"/economics/versions/{version.pk}/share/").status_code == 404
    assert client.get(f"/economics/versions/{version.pk}/results.pdf").status_code == 200


def test_a_practice_manager_sees_their_own_line_of_a_shared_version_alone(
    client, trio, people, version
):
    sign_in_verified(client, people.manager)
    assert "Phlebotomy" not in client.get("/economics/trio/").content.decode()
    assert client.get(f"/economics/versions/{version.pk}/").status_code == 404
    assert client.get(f"/api/v1/economics/versions/{version.pk}").status_code == 404
    services.version_share(version=version, shared=True, by=people.lead)
    assert "Phlebotomy" in client.get("/economics/trio/").content.decode()
    html = client.get(f"/economics/versions/{version.pk}/").content.decode()
    assert "A00001" in html
    assert "B00002" not in html and "C00003" not in html  # never another practice's line
    assert "Other practices' figures are not shown" in html
    # her own break-even, not the whole federation's (which would hint at others' lines)
    assert "At federation level A00001 is" in html
    assert client.get(f"/economics/versions/{version.pk}/results.pdf").status_code == 404
    assert client.post(f"/economics/versions/{version.pk}/recompute/").status_code == 404
    api = client.get(f"/api/v1/economics/versions/{version.pk}").json()
    assert [p["code"] for p in api["results"]["practices"]] == ["A00001"]
    assert "summary" not in api["results"]
    assert "B00002" not in str(api["results"])
    listing = client.get("/api/v1/economics/federations/trio/scenarios").json()
    assert [v["shared_with_members"] for v in listing[0]["versions"]] == [True]


@pytest.mark.parametrize("who", ["staff", "operations"])
def test_other_roles_of_the_federation_get_404(client, trio, people, version, who):
    services.version_share(version=version, shared=True, by=people.lead)
    sign_in_verified(client, getattr(people, who))
    assert client.get("/economics/trio/").status_code == 404
    assert client.get(f"/economics/versions/{version.pk}/").status_code == 404
    assert client.get(f"/api/v1/economics/versions/{version.pk}").status_code == 404


def test_share_from_the_page(client, trio, people, version):
    sign_in_verified(client, people.admin)
    client.post(f"/economics/versions/{version.pk}/share/", {"shared": "1"})
    version.refresh_from_db()
    assert version.shared_with_members
    html = client.get(f"/economics/versions/{version.pk}/").content.decode()
    assert "Stop sharing with the member practices" in html
    client.post(f"/economics/versions/{version.pk}/share/", {"shared": "0"})
    version.refresh_from_db()
    assert not version.shared_with_members


def test_the_pdf_holds_the_figures(client, trio, people, version):
    sign_in_verified(client, people.lead)
    response = client.get(f"/economics/versions/{version.pk}/results.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    assert "Phlebotomy" in text
    assert "£900.00" in text  # the practice level's total, worked by hand
    assert "£2,100.00" in text  # the federation level's
    assert "C00003" in text and "Recommended level" in text
    assert "Federation" in text


def test_the_api_gives_a_readers_whole_results(client, trio, people, version):
    sign_in_verified(client, people.board)
    listing = client.get("/api/v1/economics/federations/trio/scenarios").json()
    assert listing[0]["name"] == "Phlebotomy"
    assert listing[0]["versions"][0]["recommended_level"] == "federation"
    body = client.get(f"/api/v1/economics/versions/{version.pk}").json()
    assert body["results"]["levels"]["federation"]["total_net"]["mean"] == "2100.00"
    assert len(body["results"]["practices"]) == 3
    assert body["out_of_date"] is False
    assert body["inputs"] == SCENARIO


def test_another_federations_administrator_gets_404_before_and_after_her_own_work(
    client, trio, people, version
):
    sign_in_verified(client, people.other_admin)
    theirs = {
        "get": [
            "/economics/trio/",
            "/economics/trio/new/",
            f"/economics/scenarios/{version.scenario_id}/",
            f"/economics/scenarios/{version.scenario_id}/versions/new/",
            f"/economics/versions/{version.pk}/",
            f"/economics/versions/{version.pk}/results.pdf",
            "/api/v1/economics/federations/trio/scenarios",
            f"/api/v1/economics/versions/{version.pk}",
        ],
        "post": [
            f"/economics/versions/{version.pk}/recompute/",
            f"/economics/versions/{version.pk}/share/",
        ],
    }

    def all_404():
        for method, urls in theirs.items():
            for url in urls:
                assert getattr(client, method)(url).status_code == 404, url

    all_404()
    # She builds, saves a version, shares and recomputes in her own federation ...
    own = client.post("/economics/other-fed/new/", form_data(name="Ours"))
    assert own.status_code == 302, own.content
    mine = ScenarioVersion.objects.get(scenario__federation=people.other)
    client.post(f"/economics/versions/{mine.pk}/share/", {"shared": "1"})
    client.post(f"/economics/versions/{mine.pk}/recompute/")
    assert client.get(f"/economics/versions/{mine.pk}/").status_code == 200
    # ... and still sees nothing of Trio's, nor can she save to Trio's scenario.
    all_404()
    data = form_data()
    del data["name"], data["service"]
    assert (
        client.post(f"/economics/scenarios/{version.scenario_id}/versions/new/", data).status_code
        == 404
    )
    assert ScenarioVersion.objects.filter(scenario=version.scenario).count() == 1
    # Trio's administrator cannot see hers either.
    sign_in_verified(client, people.admin)
    assert client.get(f"/economics/versions/{mine.pk}/").status_code == 404
    assert client.get("/economics/other-fed/").status_code == 404


def test_the_form_saves_income_per_patient_and_each_practices_own_last_year(client, trio, people):
    service = ServiceFactory(federation=trio.federation, code="bloods", name="Blood tests")
    ActivityFactory(
        service=service, practice=trio.practices["A00001"], month=date(2026, 6, 1), units=90
    )
    sign_in_verified(client, people.lead)
    html = client.get(f"/economics/trio/new/?service={service.pk}").content.decode()
    assert 'value="last_year" checked>' in html  # pre-filled: each practice's own activity
    response = client.post(
        "/economics/trio/new/",
        form_data(
            service=str(service.pk),
            volume_basis="last_year",
            volume_mode="",
            income_basis="per_patient",
            income_mode="0.25",
        ),
    )
    assert response.status_code == 302
    version = ScenarioVersion.objects.get()
    assert version.inputs["volume"] == {"last_year": "bloods"}
    assert version.inputs["income"] == {"per_patient": 0.25}
    assert "income_per_unit" not in version.inputs and "volume_per_1000" not in version.inputs
    # B and C recorded none: the federation's rate, 90 on A's 1,000 patients.
    assert [p["volume_from"] for p in version.results["practices"]] == [
        "activity",
        "federation_rate",
        "federation_rate",
    ]
    page = client.get(response["Location"]).content.decode()
    assert "Income per registered patient a year" in page
    assert "Each practice&#x27;s own activity" in page or "Each practice's own activity" in page
    assert "B00002 and C00003 each recorded none of the service" in page
    # The next version's form starts from these.
    again = client.get(f"/economics/scenarios/{version.scenario_id}/versions/new/").content
    assert b'value="0.25"' in again


def test_the_form_saves_a_volume_by_ages_and_names_the_problem_on_its_field(client, trio, people):
    sign_in_verified(client, people.lead)
    missing = client.post(
        "/economics/trio/new/", form_data(volume_basis="ages", income_basis="block")
    )
    assert b"Enter the age the volume" in missing.content
    # No lists by age in the registry: refused on "Ages from", nothing saved.
    refused = client.post(
        "/economics/trio/new/", form_data(volume_basis="ages", ages_from="65", income_basis="block")
    )
    assert refused.status_code == 200
    assert b"no list by age" in refused.content
    assert b'id="id_ages_from-error"' in refused.content
    assert not Scenario.objects.exists()
