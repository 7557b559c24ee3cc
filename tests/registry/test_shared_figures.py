"""Figures every federation shares (the registry's practices, PCNs, list sizes and yearly
populations) change only through the national import by the installation's operators, or
through one federation's own dated figure that changes nothing for anyone else. Imports and
their problems are seen by the federation that made them alone (national ones by operators).

Each test plays an administrator of another federation ("B") against the demo federation
("A"), as found in issue 12."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from accounts.services import role_grant
from audit.models import AuditEvent
from finance.inputs import load_one
from gpfed.cli import main
from registry import selectors
from registry.importers.base import ImportFileError
from registry.importing import import_file
from registry.models import (
    PCN,
    AnnualPopulation,
    Federation,
    FederationMembership,
    ImportRun,
    Practice,
)
from registry.services import federation_create, federation_membership_add
from rota import arrs
from rota.models import AccessPcn
from rota.services import load as rota_load
from tests.conftest import sign_in_verified
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FED = "east-leicestershire-and-rutland-gp-federation"
OCTOBER = date(2026, 10, 1)
ATTACK = b"CODE,FINANCIAL_YEAR,ADJUSTED_POPULATION,WEIGHTED_POPULATION\nU30213,2026-27,1,1\n"


@pytest.fixture
def world(demo):
    """A (the demo federation, holding both practices of Cross Counties PCN U30213, whose
    national weighted population is 2,000) and B, another federation with its own people."""
    a = Federation.objects.get(slug=FED)
    b = federation_create(name="Other GP Federation", by=None)
    outsider = (
        Practice.objects.exclude(pk__in=FederationMembership.objects.values("practice_id"))
        .filter(status="A")
        .order_by("code")
        .first()
    )
    federation_membership_add(federation=b, practice=outsider, start_date=date(2020, 4, 1), by=None)
    pcn = PCN.objects.get(code="U30213")
    for measure, value in (("weighted", 2_000), ("adjusted", 34_000)):
        AnnualPopulation.objects.create(
            pcn=pcn, financial_year=2026, measure=measure, value=value, source="NHS England"
        )
    people = {}
    for name, federation, role in (
        ("a_admin", a, "federation_admin"),
        ("a_operations", a, "operations_lead"),
        ("a_finance", a, "finance_lead"),
        ("b_admin", b, "federation_admin"),
        ("b_operations", b, "operations_lead"),
        ("b_finance", b, "finance_lead"),
    ):
        people[name] = UserFactory(email=f"{name}@example.org")
        role_grant(user=people[name], role=role, organisation=federation, by=None)
    operator = UserFactory(email="operator@example.org", is_superuser=True, is_staff=True)
    return {"a": a, "b": b, "pcn": pcn, "outsider": outsider, "operator": operator, **people}


def hold(federation, code):
    """The federation holds this practice too (as it may, with the practice's consent)."""
    practice = Practice.objects.get(code=code)
    FederationMembership.objects.create(
        federation=federation, practice=practice, start_date=date(2024, 4, 1)
    )
    return practice


def as_person(client, person):
    return sign_in_verified(client, person)


def upload(client, name, data, callbacks, **fields):
    with callbacks(execute=True):
        return client.post("/imports/", {"file": SimpleUploadedFile(name, data), **fields})


def pot(federation, pcn) -> int:
    return arrs.compute(federation, pcn, OCTOBER)["pot_pence"]


def national(pcn, measure="weighted") -> Decimal:
    return AnnualPopulation.objects.get(
        pcn=pcn, financial_year=2026, measure=measure, federation__isnull=True
    ).value


# --- item 3: the populations import ----------------------------------------------------------


def test_another_federations_populations_import_leaves_a_s_arrs_pot_alone(
    client, world, django_capture_on_commit_callbacks
):
    # 2026/27: £27.668 x 2,000 weighted = £55,336.00
    assert pot(world["a"], world["pcn"]) == 5_533_600
    as_person(client, world["b_admin"])
    upload(client, "populations.csv", ATTACK, django_capture_on_commit_callbacks)
    run = ImportRun.objects.get(file_name="populations.csv")
    assert run.status == ImportRun.Status.FAILED
    assert run.problems[0]["row"] == 2 and run.problems[0]["column"] == "CODE"
    assert "Other GP Federation does not hold" in run.problems[0]["message"]
    assert pot(world["a"], world["pcn"]) == 5_533_600  # not £27.67
    assert national(world["pcn"]) == 2_000
    assert not AnnualPopulation.objects.filter(value=1).exists()
    # A's finance lead sees the entitlement worked out on the national figures
    as_person(client, world["a_finance"])
    page = client.get("/pcns/U30213/").content.decode()
    assert "34,000" in page and "2,000" in page


def test_a_refused_row_writes_nothing_from_the_rows_that_were_allowed(world):
    own = Practice.objects.get(code="C82001")
    data = (
        b"CODE,FINANCIAL_YEAR,ADJUSTED_POPULATION,WEIGHTED_POPULATION\n"
        + f"{world['outsider'].code},2026-27,,9000\n".encode()
        + f"{own.code},2026-27,,1\n".encode()
    )
    with pytest.raises(ImportFileError) as error:
        import_file(data=data, file_name="p.csv", by=world["b_admin"], federation=world["b"])
    assert [(p.row, p.column) for p in error.value.problems] == [(3, "CODE")]
    assert not AnnualPopulation.objects.filter(practice__isnull=False).exists()


def test_a_federation_user_cannot_import_national_nhs_files(
    client, world, demo_file, django_capture_on_commit_callbacks
):
    before = ImportRun.objects.count()
    as_person(client, world["b_operations"])
    for fields in ({}, {"kind": "epraccur"}):
        response = upload(
            client,
            "epraccur-03W-2025-09.csv",
            demo_file("epraccur"),
            django_capture_on_commit_callbacks,
            **fields,
        )
        assert response.status_code == 200
        assert "imported by the installation&#x27;s operators" in response.content.decode()
    assert ImportRun.objects.count() == before
    # the service refuses it too, whatever calls it, and writes nothing
    with pytest.raises(ImportFileError, match="installation's operators"):
        import_file(
            data=demo_file("gp-reg-pat-prac-all"),
            file_name="list.csv",
            by=world["b_admin"],
            federation=world["b"],
        )


def test_a_federations_own_populations_import_changes_its_figures_alone(
    client, world, django_capture_on_commit_callbacks
):
    c = federation_create(name="Third GP Federation", by=None)
    hold(c, "C82022")
    as_person(client, world["a_admin"])
    data = b"CODE,FINANCIAL_YEAR,WEIGHTED_POPULATION,SOURCE\nU30213,2026-27,3000,Our ICB letter\n"
    upload(client, "ours.csv", data, django_capture_on_commit_callbacks)
    run = ImportRun.objects.get(file_name="ours.csv")
    assert run.status == ImportRun.Status.SUCCEEDED and run.federation == world["a"]
    assert pot(world["a"], world["pcn"]) == 8_300_400  # £27.668 x 3,000
    assert pot(c, world["pcn"]) == 5_533_600  # C, also holding a practice of U30213
    assert national(world["pcn"]) == 2_000
    figure = selectors.population(world["pcn"], 2026, "weighted", federation=world["a"])
    assert (figure.value, figure.is_override) == (3_000, True)
    assert selectors.population(world["pcn"], 2026, "weighted").value == 2_000
    # the page labels A's own figure as such; an operator sees the national one
    page = client.get("/pcns/U30213/").content.decode()
    assert "3,000" in page and "East Leicestershire and Rutland GP Federation&#x27;s own" in page
    as_person(client, world["operator"])
    page = client.get("/pcns/U30213/").content.decode()
    assert "3,000" not in page
    assert arrs.compute(world["a"], world["pcn"], OCTOBER)["weighted_population_is_override"]
    assert not arrs.compute(c, world["pcn"], OCTOBER)["weighted_population_is_override"]


def test_another_federation_holding_a_practice_of_the_pcn_enters_its_own_figure_only(client, world):
    b = world["b"]
    hold(b, "C82022")
    as_person(client, world["b_finance"])
    response = client.post(
        "/pcns/U30213/population/",
        {"financial_year": "2026-27", "measure": "weighted", "value": "1", "federation": b.slug},
    )
    assert response.status_code == 302
    assert pot(world["a"], world["pcn"]) == 5_533_600
    assert pot(b, world["pcn"]) == 2_767  # B's own mistake, B's alone: £27.67
    assert national(world["pcn"]) == 2_000
    event = AuditEvent.objects.get(action="population.set")
    assert event.federation == b
    assert event.changes["value"] == [None, "1.00"]
    # B's people cannot write A's figure nor the national one: asking for A's is refused,
    # and asking for none writes B's own, the one figure they may keep
    attempt = {"financial_year": "2026-27", "measure": "weighted", "value": "2"}
    response = client.post("/pcns/U30213/population/", {**attempt, "federation": FED})
    assert response.status_code == 200
    assert b"There is a problem" in response.content
    assert not AnnualPopulation.objects.filter(value=2).exists()
    client.post("/pcns/U30213/population/", {**attempt, "federation": ""})
    assert AnnualPopulation.objects.get(value=2).federation == b
    assert national(world["pcn"]) == 2_000
    assert pot(world["a"], world["pcn"]) == 5_533_600


def test_a_federation_lead_cannot_enter_figures_for_a_pcn_it_does_not_hold(client, world):
    as_person(client, world["b_finance"])
    response = client.get("/pcns/U30213/population/")
    assert response.status_code == 404


def test_only_an_operator_changes_the_national_figure(client, world):
    as_person(client, world["a_finance"])
    client.post(
        "/pcns/U30213/population/",
        {"financial_year": "2026-27", "measure": "weighted", "value": "2500"},
    )
    assert national(world["pcn"]) == 2_000  # A's own figure, not the national one
    assert pot(world["a"], world["pcn"]) == 6_917_000
    as_person(client, world["operator"])
    client.post(
        "/pcns/U30213/population/",
        {"financial_year": "2026-27", "measure": "weighted", "value": "2100"},
    )
    assert national(world["pcn"]) == 2_100
    assert pot(world["a"], world["pcn"]) == 6_917_000  # A's own figure still wins for A
    assert pot(world["b"], world["pcn"]) == 5_810_280  # everyone else: £27.668 x 2,100


def test_the_command_line_import_is_national_and_needs_an_operator(capsys, world, tmp_path):
    path = tmp_path / "populations.csv"
    path.write_bytes(ATTACK.replace(b",1,1", b",35000,2200"))
    assert main(["--by", "a_admin@example.org", "import", str(path)]) == 2
    assert "may not import" in capsys.readouterr().err
    assert national(world["pcn"]) == 2_000
    assert main(["--by", "operator@example.org", "import", str(path)]) == 0
    assert national(world["pcn"]) == 2_200
    assert ImportRun.objects.get(file_name="populations.csv").federation is None


def test_settlements_and_the_rota_use_the_federations_own_figures(world):
    b = world["b"]
    c82022 = hold(b, "C82022")
    AnnualPopulation.objects.create(
        practice=c82022, financial_year=2026, measure="weighted", value=9_000, source="national"
    )
    data = f"CODE,FINANCIAL_YEAR,WEIGHTED_POPULATION\n{c82022.code},2026-27,1\n".encode()
    import_file(data=data, file_name="b.csv", by=world["b_admin"], federation=b)
    assert load_one(b, OCTOBER).weighted[c82022.pk] == 1
    assert load_one(world["a"], OCTOBER).weighted[c82022.pk] == 9_000
    population_csv = b"CODE,FINANCIAL_YEAR,ADJUSTED_POPULATION\nU30213,2026-27,12345\n"
    import_file(data=population_csv, file_name="a.csv", by=world["a_admin"], federation=world["a"])
    AccessPcn.objects.create(federation=world["a"], pcn=world["pcn"])
    AccessPcn.objects.create(federation=b, pcn=world["pcn"])
    mine = rota_load(world["a"], date(2026, 12, 7), 1, keep=False)
    theirs = rota_load(b, date(2026, 12, 7), 1, keep=False)
    assert mine.problem.pcns[0].adjusted_population == 12_345
    assert mine.population_source["U30213"].is_override
    assert theirs.problem.pcns[0].adjusted_population == 34_000


# --- item 6: the imports page and API ---------------------------------------------------------


def test_imports_and_their_problems_are_seen_by_the_importing_federation_only(
    client, world, django_capture_on_commit_callbacks
):
    as_person(client, world["a_operations"])
    bad = b"CODE,FINANCIAL_YEAR,WEIGHTED_POPULATION\nU30213,2026-27,secret-cell\n"
    upload(client, "a-private-figures.csv", bad, django_capture_on_commit_callbacks)
    run = ImportRun.objects.get(file_name="a-private-figures.csv")
    assert run.federation == world["a"] and run.status == ImportRun.Status.FAILED
    for person in ("a_operations", "a_admin"):
        as_person(client, world[person])
        assert b"a-private-figures.csv" in client.get("/imports/").content
        assert b"secret-cell" in client.get(f"/imports/{run.pk}/").content
        assert run.pk in [r["id"] for r in client.get("/api/v1/imports").json()["items"]]
        assert b"a-private-figures.csv" in client.get("/").content
    for person in ("b_admin", "b_operations"):
        as_person(client, world[person])
        assert b"a-private-figures.csv" not in client.get("/imports/").content
        assert client.get(f"/imports/{run.pk}/").status_code == 404
        assert client.get(f"/imports/{run.pk}/", HTTP_HX_REQUEST="true").status_code == 404
        assert client.get("/api/v1/imports").json()["items"] == []
        assert b"a-private-figures.csv" not in client.get("/").content
    # national imports (the demo's NHS files) are the operators' alone
    national_run = ImportRun.objects.filter(federation__isnull=True).first()
    as_person(client, world["a_admin"])
    assert national_run.file_name.encode() not in client.get("/imports/").content
    assert client.get(f"/imports/{national_run.pk}/").status_code == 404
    as_person(client, world["operator"])
    listed = [r["id"] for r in client.get("/api/v1/imports").json()["items"]]
    assert national_run.pk in listed and run.pk in listed
    assert client.get(f"/imports/{run.pk}/").status_code == 200


def test_a_clinical_director_and_a_practice_manager_keep_their_federations_own_figures(
    client, world
):
    director = User.objects.get(email="cd.crosscounties@demo.gpfed.example")
    as_person(client, director)
    client.post(
        "/pcns/U30213/population/",
        {"financial_year": "2026-27", "measure": "weighted", "value": "2500"},
    )
    assert AnnualPopulation.objects.get(value=2500).federation == world["a"]
    assert national(world["pcn"]) == 2_000
    manager = User.objects.get(email="manager.c82001@demo.gpfed.example")
    as_person(client, manager)
    client.post(
        "/practices/C82001/population/",
        {"financial_year": "2026-27", "measure": "weighted", "value": "27001.4"},
    )
    figure = AnnualPopulation.objects.get(practice__code="C82001")
    assert figure.federation == world["a"]
    page = client.get("/practices/C82001/").content.decode()
    assert "27,001" in page and "Own figure" in page
    assert "27,001" not in client.get("/practices/C82001/?federation=national").content.decode()
