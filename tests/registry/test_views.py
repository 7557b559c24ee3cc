from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from registry.models import AnnualPopulation, Federation, FederationMembership, ImportRun, Practice

pytestmark = pytest.mark.django_db

FED = "east-leicestershire-and-rutland-gp-federation"


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/search/",
        "/practices/C82001/",
        f"/federations/{FED}/",
        "/imports/",
    ],
)
def test_pages_need_a_signed_in_user(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_sign_in_page_lists_demo_accounts_in_demo_mode(client, settings):
    settings.DEMO_MODE = True
    response = client.get(reverse("accounts:login"))
    assert b"coo@demo.gpfed.example" in response.content
    settings.DEMO_MODE = False
    response = client.get(reverse("accounts:login"))
    assert b"coo@demo.gpfed.example" not in response.content


def test_sign_in_with_the_demo_account(client, demo):
    response = client.post(
        reverse("accounts:login"),
        {"username": "manager.c82001@demo.gpfed.example", "password": "demo-federation-2026"},
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_demo_federation_admin_gives_the_demo_one_time_code(client, demo):
    client.post(
        reverse("accounts:login"),
        {"username": "coo@demo.gpfed.example", "password": "demo-federation-2026"},
    )
    response = client.get("/")
    assert response["Location"].startswith("/accounts/two-factor/")
    page = client.get(response["Location"])
    code = page.context["demo_code"]
    response = client.post("/accounts/two-factor/", {"code": code, "next": "/"})
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_sign_in_with_a_wrong_password_shows_the_error(client, demo):
    response = client.post(
        reverse("accounts:login"), {"username": "coo@demo.gpfed.example", "password": "nope"}
    )
    assert response.status_code == 200
    assert b"There is a problem" in response.content
    assert b"Enter a correct email address and password" in response.content


def test_home_lists_the_federation(signed_in, demo):
    response = signed_in.get("/")
    assert b"East Leicestershire and Rutland GP Federation" in response.content


def test_federation_overview(signed_in, demo):
    response = signed_in.get(f"/federations/{FED}/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "338,663" in content
    assert 'data-testid="practice-count">31<' in content
    assert "CROSS COUNTIES PCN" in content
    assert "STACKYARD AND WOOLSTHORPE SURGERY" in content  # left when it closed
    assert "Practice closed" in content


def test_practice_page(signed_in, demo):
    response = signed_in.get("/practices/c82001/")
    content = response.content.decode()
    assert "SOUTH LEICESTERSHIRE MEDICAL GROUP" in content
    assert "CROSS COUNTIES PCN" in content
    assert "26,437" in content
    assert "1 January 2021" in content


def test_unknown_practice_is_404(signed_in, demo):
    assert signed_in.get("/practices/Z99999/").status_code == 404


def test_pcn_page_labels_an_estimated_population(signed_in, demo):
    response = signed_in.get("/pcns/U30213/")
    content = response.content.decode()
    assert "CROSS COUNTIES PCN" in content
    assert "Estimate" in content
    assert "registered list" in content


def test_search_page_and_htmx_fragment(signed_in, demo):
    response = signed_in.get("/search/", {"q": "oadby"})
    assert b"<html" in response.content
    assert b"THE CROFT MEDICAL CENTRE" in response.content
    fragment = signed_in.get("/search/", {"q": "C82001"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in fragment.content
    assert b"SOUTH LEICESTERSHIRE MEDICAL GROUP" in fragment.content


def test_search_filters_by_sub_icb(signed_in, demo):
    response = signed_in.get("/search/", {"sub_icb": "03W", "status": "A"})
    assert response.context["page"].paginator.count == 31
    response = signed_in.get("/search/", {"sub_icb": "03W"})
    assert response.context["page"].paginator.count == 36  # with the 5 that closed


def test_search_with_no_match_says_so(signed_in, demo):
    response = signed_in.get("/search/", {"q": "nowhere at all"})
    assert b"No practices match" in response.content


def test_create_federation_and_add_a_member(signed_in, demo):
    response = signed_in.post(
        "/federations/new/", {"name": "Rutland Health Federation", "legal_form": "cic"}
    )
    federation = Federation.objects.get(name="Rutland Health Federation")
    assert response["Location"] == f"/federations/{federation.slug}/"
    free = (
        Practice.objects.exclude(pk__in=FederationMembership.objects.values("practice_id"))
        .filter(status="A")
        .first()
    )
    response = signed_in.post(
        f"/federations/{federation.slug}/members/add/",
        {"practice": free.code.lower(), "start_date": "1/4/2024", "join_reason": "Founding member"},
    )
    assert response.status_code == 302
    membership = FederationMembership.objects.get(federation=federation)
    assert membership.practice == free
    assert membership.start_date == date(2024, 4, 1)
    # C82010 is a member of the demo federation: adding it too only asks the practice.
    response = signed_in.post(
        f"/federations/{federation.slug}/members/add/",
        {"practice": "c82010", "start_date": "1/4/2024", "join_reason": "Founding member"},
    )
    assert response.status_code == 302
    assert FederationMembership.objects.filter(federation=federation).count() == 1
    assert federation.consent_requests.get().practice.code == "C82010"


def test_create_federation_without_a_name_shows_the_error(signed_in):
    response = signed_in.post("/federations/new/", {"name": "", "legal_form": "ltd"})
    assert response.status_code == 200
    assert b"There is a problem" in response.content
    assert not Federation.objects.exists()


def test_add_member_errors_are_shown(signed_in, demo):
    url = f"/federations/{FED}/members/add/"
    response = signed_in.post(url, {"practice": "Z99999", "start_date": "1/4/2024"})
    assert b"There is no practice with the ODS code Z99999" in response.content
    response = signed_in.post(url, {"practice": "C82001", "start_date": "31/02/2024"})
    assert b"Enter a real date" in response.content
    response = signed_in.post(url, {"practice": "C82001", "start_date": "1/4/2024"})
    assert b"memberships cannot overlap" in response.content


def test_end_a_membership(signed_in, demo):
    membership = FederationMembership.objects.get(practice__code="C82001")
    url = f"/federations/{FED}/members/{membership.pk}/end/"
    response = signed_in.post(url, {"end_date": "1/1/2000"})
    assert b"on or after the joining date" in response.content
    response = signed_in.post(url, {"end_date": "31/3/2026", "leave_reason": "Merged"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.end_date == date(2026, 3, 31)


def test_correct_practice_details(signed_in, demo):
    url = "/practices/C82001/correct/"
    assert signed_in.get(url).status_code == 200
    response = signed_in.post(
        url, {"name": "South Leicestershire Medical Group", "postcode": "le8 0lg"}
    )
    assert response.status_code == 302
    practice = Practice.objects.get(code="C82001")
    assert practice.name == "South Leicestershire Medical Group"
    assert "name" in practice.manual_fields
    page = signed_in.get("/practices/C82001/")
    assert b"Corrected by hand" in page.content


def test_enter_a_pcn_population(signed_in, demo):
    url = "/pcns/U30213/population/"
    response = signed_in.post(url, {"financial_year": "2025", "measure": "adjusted", "value": "1"})
    assert b"Enter a financial year such as 2025-26" in response.content
    response = signed_in.post(
        url,
        {"financial_year": "2025-26", "measure": "adjusted", "value": "51234.5", "source": "NHSE"},
    )
    assert response.status_code == 302
    assert AnnualPopulation.objects.get().value == pytest.approx(51234.5)
    page = signed_in.get("/pcns/U30213/")
    assert b"51,234" in page.content


def test_upload_queues_an_import_that_the_worker_runs(
    signed_in, demo_file, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("epraccur-03W-2025-09.csv", demo_file("epraccur"))
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post("/imports/", {"file": upload})
    run = ImportRun.objects.get()
    assert response["Location"] == f"/imports/{run.pk}/"
    assert run.status == ImportRun.Status.SUCCEEDED
    assert run.upload is None
    page = signed_in.get(f"/imports/{run.pk}/")
    assert b"The file was imported" in page.content
    assert Practice.objects.filter(code="C82001").exists()


def test_upload_of_a_bad_file_lists_its_problems(
    signed_in, demo_file, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("list.csv", demo_file("gp-reg-pat-prac-all"))
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post("/imports/", {"file": upload})
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED
    page = signed_in.get(f"/imports/{run.pk}/")
    assert b"The file was not imported" in page.content
    assert b"is not a practice gpfed knows" in page.content


def test_upload_status_fragment_polls_until_finished(signed_in, demo_file):
    upload = SimpleUploadedFile("epraccur.csv", demo_file("epraccur"))
    signed_in.post("/imports/", {"file": upload})  # on_commit not run: still queued
    run = ImportRun.objects.get()
    fragment = signed_in.get(f"/imports/{run.pk}/", HTTP_HX_REQUEST="true")
    assert b'hx-trigger="every 1s"' in fragment.content
    assert b"<html" not in fragment.content


def test_upload_without_a_file_shows_the_error(signed_in):
    response = signed_in.post("/imports/", {})
    assert b"There is a problem" in response.content
    assert not ImportRun.objects.exists()


def test_upload_dry_run(signed_in, demo_file, django_capture_on_commit_callbacks):
    upload = SimpleUploadedFile("epraccur.csv", demo_file("epraccur"))
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post("/imports/", {"file": upload, "dry_run": "on"})
    assert ImportRun.objects.get().status == ImportRun.Status.CHECKED
    assert not Practice.objects.exists()


def test_enter_a_practice_weighted_population(signed_in, demo):
    page = signed_in.get("/practices/C82001/")
    assert b"Estimate" in page.content  # no weighted figure yet: the list stands in, labelled
    response = signed_in.post(
        "/practices/C82001/population/",
        {"financial_year": "2025-26", "measure": "weighted", "value": "27001.4"},
    )
    assert response["Location"] == "/practices/C82001/"
    figure = AnnualPopulation.objects.get(practice__code="C82001")
    assert (figure.measure, figure.financial_year) == ("weighted", 2025)
    assert b"27,001" in signed_in.get("/practices/C82001/").content


def test_population_form_errors(signed_in, demo):
    response = signed_in.post("/practices/C82001/population/", {"measure": "weighted"})
    assert b"There is a problem" in response.content
    assert not AnnualPopulation.objects.exists()


def test_not_found_page_in_production(signed_in, settings):
    settings.DEBUG = False
    response = signed_in.get("/practices/Z99999/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
