"""Every export of money or contacts is audited by the one function that makes it, so each door
it leaves by (the page, and the command line where it has one) records it: the ARRS claim CSV,
a federation's contacts CSV and the audit trail CSV. (The remittance, journal, statements and
returns are proved in tests/finance.)"""

from datetime import date

import pytest

from accounts.models import User
from audit.models import AuditEvent
from directory.models import Contact
from directory.services import contact_save
from gpfed.cli import main
from registry.models import AnnualPopulation, Federation
from tests.conftest import sign_in_verified
from tests.rota.conftest import FED, build_rota

pytestmark = pytest.mark.django_db
CLINICAL_DIRECTOR = "cd.crosscounties@demo.gpfed.example"


def demo_user(name: str) -> User:
    return User.objects.get(email=f"{name}@demo.gpfed.example")


@pytest.fixture
def claim(demo):
    built = build_rota()
    AnnualPopulation.objects.create(
        pcn=built["pcn"], financial_year=2026, measure="weighted", value=2_000, source="test"
    )
    return built


def exported(action: str):
    return AuditEvent.objects.filter(action=action).order_by("pk")


def test_the_arrs_claim_csv_page_is_audited(client, claim):
    director = User.objects.get(email=CLINICAL_DIRECTOR)
    sign_in_verified(client, director)
    response = client.get(f"/rota/{FED}/arrs/U30213/claim.csv?month=2026-10")
    assert response.status_code == 200
    [event] = exported("rota.arrs.export")
    assert event.actor == director and event.federation == claim["federation"]
    assert event.object_id == str(claim["pcn"].pk)
    assert event.changes["month"] == [None, "2026-10"] and event.changes["rows"] == [None, 2]


def test_the_arrs_claim_csv_from_the_command_line_is_audited(claim, capsys):
    args = ["arrs", "claim", "U30213", "--month", "2026-10", "--format", "csv"]
    assert main(args) == 0
    assert "Total" in capsys.readouterr().out
    assert main(["--by", CLINICAL_DIRECTOR, *args]) == 0
    operator, director = exported("rota.arrs.export")
    assert operator.actor is None and operator.origin == "command line"
    assert director.actor.email == CLINICAL_DIRECTOR
    assert director.federation == claim["federation"]
    # the claim as text or JSON is a look at the figures, not a file: nothing more recorded
    assert main(["arrs", "claim", "U30213", "--month", "2026-10", "--format", "json"]) == 0
    assert exported("rota.arrs.export").count() == 2


def test_the_contacts_csv_page_is_audited(client, demo):
    federation = Federation.objects.get(slug=FED)
    contact_save(
        Contact(
            federation=federation,
            name="Chris Chief",
            role="Chief operating officer",
            email="chris@elr.example",
        ),
        by=None,
    )
    reader = demo_user("comms")
    sign_in_verified(client, reader)
    response = client.get(f"/directory/federations/{FED}/contacts.csv")
    assert "Chris Chief" in response.content.decode()
    [event] = exported("directory.contacts.export")
    assert event.actor == reader and event.federation == federation
    assert event.changes["rows"] == [None, 1]


def test_the_audit_trail_csv_page_is_audited(client, demo):
    admin = demo_user("coo")
    sign_in_verified(client, admin)
    response = client.get(f"/audit/export.csv?action=role&date_from={date.today():%d/%m/%Y}")
    assert response.status_code == 200
    [event] = exported("audit.export")
    assert event.actor == admin
    assert event.federation == Federation.objects.get(slug=FED)
    assert event.changes["filters"][1]["action"] == "role"
