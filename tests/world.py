"""The permission matrix's world: the demo federation and one of everything a URL can name
(a real id for every pattern), with a person for each role. The ``world`` fixture
(tests/conftest.py) builds it for the permission matrix, the session tests and the fuzz tests."""

from datetime import date, datetime, timedelta

from django.utils import timezone

from accounts.models import ApiToken, RoleGrant, User
from accounts.services import role_grant
from comms import events, library
from comms import services as comms
from comms.models import Bulletin, Event, Resource
from directory.models import BoardSeat, Contact, JoinRequest
from finance import services as finance
from finance.models import ActivityUpload
from registry.models import (
    PCN,
    Federation,
    FederationMembership,
    ImportRun,
    Network,
    Practice,
    PracticePCN,
)
from registry.services import (
    federation_create,
    federation_membership_add,
    federation_membership_request,
)
from rota.models import AccessPcn, PlanRun, RotaSession
from rota.services import aware
from tests.factories import UserFactory
from tests.rota.conftest import build_rota

FED = "east-leicestershire-and-rutland-gp-federation"
NET = "primary-care-federation-network-demo"
OTHER = "other-gp-federation"
DEMO_EMAIL = {
    "network_admin": "network",
    "federation_admin": "coo",
    "finance_lead": "finance",
    "operations_lead": "operations",
    "communications_lead": "comms",
    "board_member": "board",
    "pcn_cd": "cd.crosscounties",
    "practice_manager": "manager.c82001",
    "practice_staff": "staff.c82001",
}


def build_world():
    """Needs the demo loaded (the ``demo`` fixture)."""
    other = federation_create(name="Other GP Federation", by=None)
    outsider = (
        Practice.objects.exclude(pk__in=FederationMembership.objects.values("practice_id"))
        .filter(status="A")
        .first()
    )
    federation_membership_add(
        federation=other, practice=outsider, start_date=date(2020, 4, 1), by=None
    )
    other_admin = UserFactory(email="admin@other.example")
    role_grant(user=other_admin, role="federation_admin", organisation=other, by=None)
    # Other's practice is in ELR's Cross Counties PCN too (PCNs cross federations), and Other
    # has its own clinical director for it: her role reaches Other's data alone.
    PracticePCN.objects.filter(practice=outsider).delete()
    PracticePCN.objects.create(
        practice=outsider, pcn=PCN.objects.get(code="U30213"), start_date=date(2020, 4, 1)
    )
    other_pcn_cd = UserFactory(email="cd@other.example")
    role_grant(
        user=other_pcn_cd,
        role="pcn_clinical_director",
        organisation=PCN.objects.get(code="U30213"),
        federation=other,
        by=None,
    )
    superuser = UserFactory(is_superuser=True, is_staff=True)
    users = {
        actor: User.objects.get(email=f"{email}@demo.gpfed.example")
        for actor, email in DEMO_EMAIL.items()
    }
    users.update(
        no_role=UserFactory(),
        other_admin=other_admin,
        other_pcn_cd=other_pcn_cd,
        superuser=superuser,
    )
    token = ApiToken.objects.create(
        user=superuser,
        name="t",
        prefix="gpfed_x",
        token_hash="0" * 64,
        expires_at="2099-01-01T00:00:00Z",
    )
    elr = Federation.objects.get(slug=FED)
    service = finance.service_save(
        federation=elr, by=None, code="phlebotomy", name="Phlebotomy", unit="blood test"
    )
    participation = finance.participation_add(
        service=service,
        practice=Practice.objects.get(code="C82001"),
        start_date=date(2025, 4, 1),
        by=None,
    )
    contract = finance.contract_save(
        federation=elr,
        by=None,
        reference="C-1",
        title="Diagnostics",
        other_body="The ICB",
        start_date=date(2025, 4, 1),
        basis="per_unit",
    )
    document = finance.document_add(
        contract=contract, by=None, title="Specification", file_name="spec.txt", data=b"Spec"
    )
    finance.income_entry_create(
        federation=elr,
        month=date(2026, 9, 1),
        description="Block",
        amount_pence=100_000,
        rule="equal",
        by=None,
    )
    finance.settlement_post(federation=elr, month=date(2026, 9, 1), by=None)
    entry = finance.income_entry_create(
        federation=elr,
        month=date(2026, 10, 1),
        description="Block",
        amount_pence=100_000,
        rule="equal",
        by=None,
    )
    rota = build_rota(elr)
    session = RotaSession.objects.create(
        federation=elr,
        staff=rota["gp1"],
        site=rota["hub"],
        pcn=rota["pcn"],
        start=aware(datetime(2026, 12, 8, 18, 30)),
        end=aware(datetime(2026, 12, 8, 20, 0)),
    )
    sent = comms.bulletin_save(Bulletin(federation=elr, title="Sent", body="Hello"), by=None)
    sent_file = comms.bulletin_file_add(sent, file_name="notes.txt", data=b"Notes", by=None)
    comms.bulletin_send(sent, by=None)
    draft = comms.bulletin_save(Bulletin(federation=elr, title="Draft", body="Soon"), by=None)
    draft_file = comms.bulletin_file_add(draft, file_name="plan.txt", data=b"Plan", by=None)
    start = timezone.now() + timedelta(days=7)
    event = events.event_save(
        Event(
            federation=elr,
            title="Forum",
            starts_at=start,
            place="Hub",
            ends_at=start + timedelta(hours=1),
        ),
        by=None,
    )
    material = events.material_add(
        event, title="Agenda", file_name="agenda.txt", data=b"Agenda", by=None
    )
    resource = library.resource_add(
        Resource(federation=elr, folder=library.folder_add(elr, "Policies", by=None), title="P"),
        file_name="policy.txt",
        data=b"Policy",
        by=None,
    )
    network = Network.objects.get(slug=NET)
    return {
        "activity_upload": ActivityUpload.objects.create(
            federation=elr, file_name="a.csv", size=1, upload=b"x"
        ),
        "join_request": JoinRequest.objects.create(
            network=network, federation=other, requested_by=other_admin
        ),
        "network_membership": network.memberships.get(federation=elr),
        "seat": BoardSeat.objects.create(
            network=network, position="chair", name="A Chair", start_date=date(2024, 4, 1)
        ),
        "contact": Contact.objects.create(
            federation=elr,
            practice=Practice.objects.get(code="C82001"),
            name="Pat Manager",
            role="Practice manager",
            email="pat@example.org",
        ),
        "resource": resource,
        "event": event,
        "material": material,
        "sent": sent,
        "sent_file": sent_file,
        "draft_file": draft_file,
        "draft": draft,
        "rota": rota,
        "session": session,
        "access": AccessPcn.objects.get(federation=elr),
        "plan_run": PlanRun.objects.create(federation=elr, start=date(2026, 12, 7), weeks=1),
        "participation": participation,
        "contract": contract,
        "document": document,
        "entry": entry,
        "users": users,
        "token": token,
        "manager_grant": RoleGrant.objects.get(user=users["practice_manager"]),
        "staff_user": users["practice_staff"],
        "membership": FederationMembership.objects.get(
            federation__slug=FED, practice__code="C82001"
        ),
        "run": ImportRun.objects.create(
            federation=elr, kind="populations", file_name="elr-populations.csv", sha256="0" * 64
        ),
        "other": Federation.objects.get(slug=OTHER),
        # Other asks to hold C82001 too, which ELR holds: it waits for the practice to agree.
        "consent": federation_membership_request(
            federation=other,
            practice=Practice.objects.get(code="C82001"),
            start_date=date(2026, 4, 1),
            by=other_admin,
        ),
    }
