"""A PCN's care-home beds and IIF points, which its DES entitlements pay on, are a federation's
own figures (issue 12): entered by a federation holding a practice of the PCN, for itself, and
read in that federation's entitlements alone. A national figure (no federation) is the
installation operators' alone, and is used by every federation without its own.

Each test plays federation B, which holds one practice of the demo federation A's Cross
Counties PCN, against A."""

from datetime import date
from decimal import Decimal

import pytest

from accounts.models import User
from accounts.services import role_grant
from audit.models import AuditEvent
from finance import services as finance
from finance.models import PcnFigures
from finance.selectors import pcn_entitlements
from finance.services import FinanceError
from registry.models import PCN, Federation, FederationMembership, Practice
from registry.services import federation_create
from tests.conftest import sign_in_verified
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

A = "east-leicestershire-and-rutland-gp-federation"
URL = "/finance/pcns/U30213/figures/"
YEAR = 2025  # 2025/26 pays per care-home bed and per IIF point (registry/rates.py); 2026/27 not
BEDS, POINTS = "Care home premium", "Investment and Impact Fund"


@pytest.fixture
def world(demo):
    """A (the demo federation, holding practices of Cross Counties PCN U30213) and B, which
    holds another of its practices too, each with a finance lead; and an operator."""
    a = Federation.objects.get(slug=A)
    b = federation_create(name="B GP Federation", by=None)
    FederationMembership.objects.create(
        federation=b, practice=Practice.objects.get(code="C82022"), start_date=date(2024, 4, 1)
    )
    people = {}
    for name, federation in (("a_finance", a), ("b_finance", b)):
        people[name] = UserFactory(email=f"{name}@example.org")
        role_grant(user=people[name], role="finance_lead", organisation=federation, by=None)
    operator = UserFactory(email="operator@example.org", is_superuser=True, is_staff=True)
    pcn = PCN.objects.get(code="U30213")
    return {"a": a, "b": b, "pcn": pcn, "operator": operator, **people}


def lines(world, federation=None) -> dict:
    figures = pcn_entitlements(world["pcn"], YEAR, federation=federation)
    return {line.item: line.annual_pence for line in figures["entitlements"].lines}


def enter(client, person, year=YEAR, **fields):
    sign_in_verified(client, person)
    return client.post(
        URL, {"financial_year": year, "care_home_beds": "", "iif_points": "", **fields}
    )


def test_another_federations_beds_leave_a_s_entitlements_alone(client, world):
    a, b = world["a"], world["b"]
    response = enter(
        client, world["a_finance"], care_home_beds=40, iif_points="100", source="CQC list"
    )
    assert response.status_code == 302
    before = lines(world, a)
    assert before[BEDS] > 0 and before[POINTS] > 0
    response = enter(
        client,
        world["b_finance"],
        care_home_beds=5000,
        iif_points="0",
        source="ours",
        federation=b.slug,
    )
    assert response.status_code == 302
    assert lines(world, a) == before  # B's figures change nothing of A's
    theirs = lines(world, b)
    assert theirs[BEDS] == before[BEDS] * 5000 // 40 and theirs[POINTS] == 0
    event = AuditEvent.objects.filter(action="finance.pcn_figures").latest("pk")
    assert event.federation == b
    assert event.changes["care_home_beds"] == [None, 5000]
    # the PCN page (this year's entitlements) shows A's people A's own figures, labelled
    enter(client, world["a_finance"], year=2026, care_home_beds=40, source="CQC list")
    enter(client, world["b_finance"], year=2026, care_home_beds=5000, source="ours")
    sign_in_verified(client, world["a_finance"])
    page = client.get("/pcns/U30213/").content.decode()
    assert "Federation's own (not the national one): Care-home beds 40," in page
    assert "Care-home beds 5000" not in page
    sign_in_verified(client, world["b_finance"])
    page = client.get("/pcns/U30213/").content.decode()
    assert "B GP Federation's own (not the national one): Care-home beds 5000," in page


def test_another_federation_cannot_write_a_s_figures_nor_the_national_ones(client, world):
    b = world["b"]
    attempt = {"care_home_beds": 7, "source": "x"}
    response = enter(client, world["b_finance"], federation=A, **attempt)
    assert response.status_code == 200 and b"There is a problem" in response.content
    assert not PcnFigures.objects.exists()
    # asking for none writes B's own, the one figure B's people may keep
    enter(client, world["b_finance"], federation="", **attempt)
    assert PcnFigures.objects.get().federation == b
    assert lines(world, world["a"])[BEDS] == 0


def test_a_lead_of_a_federation_holding_no_practice_of_the_pcn_is_refused(client, world):
    c = federation_create(name="C GP Federation", by=None)
    lead = UserFactory(email="c_finance@example.org")
    role_grant(user=lead, role="finance_lead", organisation=c, by=None)
    sign_in_verified(client, lead)
    assert client.get(URL).status_code == 404
    with pytest.raises(FinanceError, match="did not hold"):
        finance.pcn_figures_set(
            pcn=world["pcn"],
            financial_year=YEAR,
            federation=c,
            by=lead,
            care_home_beds=1,
            iif_points=None,
            source="",
        )
    assert not PcnFigures.objects.exists()


def test_a_clinical_director_enters_the_figures_of_the_federation_that_granted_the_role(
    client, world
):
    director = User.objects.get(email="cd.crosscounties@demo.gpfed.example")
    response = enter(client, director, care_home_beds=12, source="CQC")
    assert response.status_code == 302
    figures = PcnFigures.objects.get()
    assert figures.federation == world["a"] and figures.entered_by == director
    # a clinical director of the same PCN granted within B reaches B's figures alone
    other = UserFactory(email="cd.b@example.org")
    role_grant(
        user=other,
        role="pcn_clinical_director",
        organisation=world["pcn"],
        federation=world["b"],
        by=None,
    )
    enter(client, other, care_home_beds=99, source="B", federation=A)
    assert PcnFigures.objects.get(federation=world["a"]).care_home_beds == 12
    assert not PcnFigures.objects.filter(care_home_beds=99, federation=world["a"]).exists()


def test_only_an_operator_sets_the_national_figures_which_own_figures_replace(client, world):
    a, b = world["a"], world["b"]
    enter(client, world["operator"], care_home_beds=10, iif_points="50", source="national")
    national = PcnFigures.objects.get(federation__isnull=True)
    assert (national.care_home_beds, national.iif_points) == (10, Decimal("50.00"))
    assert lines(world, a) == lines(world, b) == lines(world)
    enter(client, world["a_finance"], care_home_beds=20, source="ours")
    assert lines(world, a)[BEDS] == 2 * lines(world, b)[BEDS]
    assert lines(world, a)[POINTS] == 0  # A's own row replaces the national one whole
    assert lines(world, b)[POINTS] == lines(world)[POINTS] > 0
    assert PcnFigures.objects.get(federation__isnull=True).care_home_beds == 10
    assert pcn_entitlements(world["pcn"], YEAR, federation=a)["figures_are_own"]
    assert not pcn_entitlements(world["pcn"], YEAR, federation=b)["figures_are_own"]
