"""Every URL and API endpoint for every role, each with the answer it must give.

The list of URLs is read from the URL configuration: a page added without a rule here fails
``test_every_url_has_a_rule``. Outside a person's scope the answer is 404, never 403.
"""

from datetime import date, datetime, timedelta

import pytest
from django.db import transaction
from django.urls import URLResolver, get_resolver, reverse
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
from tests.conftest import sign_in_verified
from tests.factories import UserFactory
from tests.rota.conftest import build_rota

pytestmark = pytest.mark.django_db

FED = "east-leicestershire-and-rutland-gp-federation"
NET = "primary-care-federation-network-demo"
OTHER = "other-gp-federation"

ACTORS = [
    "anonymous",
    "no_role",
    "network_admin",
    "federation_admin",
    "finance_lead",
    "operations_lead",
    "communications_lead",
    "board_member",
    "pcn_cd",
    "practice_manager",
    "practice_staff",
    "other_admin",
    "other_pcn_cd",
    "superuser",
]
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
SIGNED_IN = [a for a in ACTORS if a != "anonymous"]
WITH_ROLE = [a for a in SIGNED_IN if a != "no_role"]
ELR = [
    "network_admin",
    "federation_admin",
    "finance_lead",
    "operations_lead",
    "communications_lead",
    "board_member",
    "pcn_cd",
    "practice_manager",
    "practice_staff",
    "superuser",
]
ADMINS = ["federation_admin", "other_admin", "superuser"]
FIN_VIEW = ["federation_admin", "finance_lead", "operations_lead", "board_member", "superuser"]
FIN_MANAGE = ["federation_admin", "finance_lead", "superuser"]
FIN_RECORD = [*FIN_MANAGE, "operations_lead"]
STATEMENT = [*FIN_VIEW, "practice_manager", "practice_staff"]
OTP_ROLES = ["federation_admin", "finance_lead", "other_admin"]
ROTA_VIEW = FIN_VIEW
ROTA_MANAGE = ["federation_admin", "operations_lead", "superuser"]
ARRS_VIEW = [*FIN_VIEW, "pcn_cd"]
ARRS_SUBMIT = ["federation_admin", "finance_lead", "pcn_cd", "superuser"]
COMMS_SEND = ["federation_admin", "communications_lead", "superuser"]
BULLETIN_READERS = [a for a in ELR if a != "network_admin"]
NET_MANAGE = ["network_admin", "superuser"]
CONTACT_EDIT = ["federation_admin", "communications_lead", "practice_manager", "superuser"]
JOINERS = ["other_admin", "superuser"]  # administer a federation that is not a member yet
FED_MEMBERS = [a for a in ELR if a != "network_admin"]  # the federation's own people
CONTACT_MANAGE = ["federation_admin", "communications_lead", "superuser"]
# Own figures for a PCN (populations, beds and points): the people of each federation holding
# one of its practices, for that federation.
PCN_FIGURES = [
    "pcn_cd",
    "federation_admin",
    "finance_lead",
    "other_admin",
    "other_pcn_cd",
    "superuser",
]


def page(allowed, ok=200, denied=404, anonymous=302):
    """Expected answers: ``ok`` for the allowed actors, ``denied`` for the other signed-in
    ones, and ``anonymous`` (a redirect to sign in) for someone not signed in."""

    def expect(actor):
        if actor == "anonymous":
            return anonymous
        return ok if actor in allowed else denied

    return expect


def api(allowed, ok=200):
    return page(allowed, ok=ok, denied=404, anonymous=401)


# name -> (method, kwargs or callable(data) -> kwargs, POST data, expectation)
RULES = {
    "home": ("get", {}, None, page(SIGNED_IN)),
    "accounts:login": ("get", {}, None, page([], denied=302, anonymous=200)),
    "accounts:logout": ("post", {}, {}, page(SIGNED_IN, ok=302, anonymous=302)),
    "accounts:account": ("get", {}, None, page(SIGNED_IN)),
    "accounts:password-change": ("get", {}, None, page(SIGNED_IN)),
    "accounts:token-create": ("post", {}, {"name": "script", "days": "30"}, page(SIGNED_IN)),
    "accounts:token-revoke": (
        "post",
        lambda d: {"pk": d["token"].pk},
        {},
        page(["superuser"], ok=302),
    ),
    "accounts:people": ("get", {}, None, page(ADMINS)),
    "accounts:grant-end": (
        "post",
        lambda d: {"pk": d["manager_grant"].pk},
        {"federation": FED},
        page(["federation_admin", "superuser"], ok=302),
    ),
    "accounts:user-deactivate": (
        "post",
        lambda d: {"pk": d["staff_user"].pk},
        {"federation": FED},
        page(["federation_admin", "superuser"], ok=302),
    ),
    "accounts:user-unlock": (
        "post",
        lambda d: {"pk": d["staff_user"].pk},
        {"federation": FED},
        page(["federation_admin", "superuser"], ok=302),
    ),
    "accounts:accept": ("get", {"token": "not-a-real-token"}, None, page([], anonymous=404)),
    # Resetting a forgotten password is for anyone; a link that is not valid answers 404.
    "accounts:password-reset": ("get", {}, None, page(SIGNED_IN, anonymous=200)),
    "accounts:password-reset-sent": ("get", {}, None, page(SIGNED_IN, anonymous=200)),
    "accounts:password-reset-confirm": (
        "get",
        {"uidb64": "MQ", "token": "not-a-real-token"},
        None,
        page([], anonymous=404),
    ),
    "accounts:password-reset-complete": ("get", {}, None, page(SIGNED_IN, anonymous=200)),
    # The matrix signs in as after both steps: those whose role needs a one-time code have
    # given it and are sent on; the others may set one up. Two-step sign-in has its own tests.
    "accounts:two-factor": ("get", {}, None, page(OTP_ROLES, ok=302, denied=200)),
    "accounts:recovery-codes": ("post", {}, {}, page(OTP_ROLES)),
    # a network's administrators read the network's own trail (its bulletins, events, board)
    "audit:events": ("get", {}, None, page([*ADMINS, "network_admin"])),
    "audit:export": ("get", {}, None, page([*ADMINS, "network_admin"])),
    "registry:search": ("get", {}, None, page(WITH_ROLE)),
    "registry:practice": ("get", {"code": "C82001"}, None, page(WITH_ROLE)),
    "registry:practice-correct": (
        "get",
        {"code": "C82001"},
        None,
        page(["practice_manager", "federation_admin", "superuser"]),
    ),
    "registry:practice-population": (
        "get",
        {"code": "C82001"},
        None,
        page(["practice_manager", "federation_admin", "finance_lead", "superuser"]),
    ),
    "registry:pcn": ("get", {"code": "U30213"}, None, page(WITH_ROLE)),
    "registry:pcn-population": (
        "get",
        {"code": "U30213"},
        None,
        # Other holds a practice of U30213 too: its people keep Other's own figures for it.
        page(PCN_FIGURES),
    ),
    "registry:federations": ("get", {}, None, page(SIGNED_IN)),
    "registry:federation-new": ("get", {}, None, page(["network_admin", "superuser"])),
    "registry:federation": ("get", {"slug": FED}, None, page(ELR)),
    "registry:membership-add": (
        "get",
        {"slug": FED},
        None,
        page(["federation_admin", "superuser"]),
    ),
    "registry:consent-decide": (
        "post",
        lambda d: {"code": "C82001", "pk": d["consent"].pk},
        {"decision": "decline"},
        page(["practice_manager", "superuser"], ok=302),
    ),
    "registry:consent-withdraw": (
        "post",
        lambda d: {"slug": OTHER, "pk": d["consent"].pk},
        {},
        page(["other_admin", "superuser"], ok=302),
    ),
    "registry:membership-end": (
        "get",
        lambda d: {"slug": FED, "pk": d["membership"].pk},
        None,
        page(["federation_admin", "superuser"]),
    ),
    "registry:imports": (
        "get",
        {},
        None,
        page(["federation_admin", "operations_lead", "other_admin", "superuser"]),
    ),
    # ELR's own import: its administrators and operations lead see it (not another
    # federation's administrator); a national import, the operators alone.
    "registry:import": (
        "get",
        lambda d: {"pk": d["run"].pk},
        None,
        page(["federation_admin", "operations_lead", "superuser"]),
    ),
    "finance:index": (
        "get",
        {},
        None,
        lambda actor: {"anonymous": 302, "practice_manager": 302, "practice_staff": 302}.get(
            actor, 200
        ),
    ),
    "finance:statement": ("get", {"code": "C82001"}, None, page(STATEMENT)),
    "finance:statement-pdf": ("get", {"code": "C82001"}, None, page(STATEMENT)),
    "finance:statement-json": ("get", {"code": "C82001"}, None, page(STATEMENT)),
    "finance:pcn-figures": (
        "get",
        {"code": "U30213"},
        None,
        # Other holds a practice of U30213 too: its people keep Other's own figures for it.
        page(PCN_FIGURES),
    ),
    "finance:federation": ("get", {"slug": FED}, None, page(FIN_VIEW)),
    "finance:settings": ("get", {"slug": FED}, None, page(FIN_MANAGE)),
    "finance:services": ("get", {"slug": FED}, None, page(FIN_VIEW)),
    "finance:service-new": ("get", {"slug": FED}, None, page(FIN_MANAGE)),
    "finance:service": ("get", {"slug": FED, "code": "phlebotomy"}, None, page(FIN_VIEW)),
    "finance:service-edit": (
        "get",
        {"slug": FED, "code": "phlebotomy"},
        None,
        page(FIN_MANAGE),
    ),
    "finance:participation-add": (
        "get",
        {"slug": FED, "code": "phlebotomy"},
        None,
        page(FIN_MANAGE),
    ),
    "finance:participation-end": (
        "get",
        lambda d: {"slug": FED, "code": "phlebotomy", "pk": d["participation"].pk},
        None,
        page(FIN_MANAGE),
    ),
    "finance:contracts": ("get", {"slug": FED}, None, page(FIN_VIEW)),
    "finance:contract-new": ("get", {"slug": FED}, None, page(FIN_MANAGE)),
    "finance:contract": (
        "get",
        lambda d: {"slug": FED, "pk": d["contract"].pk},
        None,
        page(FIN_VIEW),
    ),
    "finance:contract-edit": (
        "get",
        lambda d: {"slug": FED, "pk": d["contract"].pk},
        None,
        page(FIN_MANAGE),
    ),
    "finance:contract-part": (
        "get",
        lambda d: {"slug": FED, "pk": d["contract"].pk, "part": "kpis"},
        None,
        page(FIN_MANAGE),
    ),
    "finance:document": (
        "get",
        lambda d: {"slug": FED, "pk": d["document"].pk},
        None,
        page(FIN_VIEW),
    ),
    "finance:activity": ("get", {"slug": FED}, None, page(FIN_VIEW)),
    "finance:activity-record": ("get", {"slug": FED}, None, page(FIN_RECORD)),
    "finance:activity-upload": (
        "get",
        lambda d: {"slug": FED, "pk": d["activity_upload"].pk},
        None,
        page(FIN_RECORD),
    ),
    "finance:returns": ("get", {"slug": FED}, None, page(FIN_VIEW)),
    "finance:settlement": ("get", {"slug": FED, "month": "2026-10"}, None, page(FIN_VIEW)),
    "finance:income-add": ("get", {"slug": FED, "month": "2026-10"}, None, page(FIN_MANAGE)),
    "finance:income-edit": (
        "get",
        lambda d: {"slug": FED, "month": "2026-10", "pk": d["entry"].pk},
        None,
        page(FIN_MANAGE),
    ),
    "finance:income-delete": (
        "post",
        lambda d: {"slug": FED, "month": "2026-10", "pk": d["entry"].pk},
        {},
        page(FIN_MANAGE, ok=302),
    ),
    "finance:accrue": (
        "post",
        {"slug": FED, "month": "2026-10"},
        {},
        page(FIN_MANAGE, ok=302),
    ),
    "finance:post": ("post", {"slug": FED, "month": "2026-10"}, {}, page(FIN_MANAGE, ok=302)),
    "finance:remittance": ("get", {"slug": FED, "month": "2026-09"}, None, page(FIN_VIEW)),
    "finance:journal": ("get", {"slug": FED, "month": "2026-09"}, None, page(FIN_VIEW)),
    "rota:index": (
        "get",
        {},
        None,
        lambda actor: (
            302 if actor in ("anonymous", "other_admin") or actor in FIN_VIEW[:-1] else 200
        ),
    ),
    "rota:federation": ("get", {"slug": FED}, None, page(ROTA_VIEW)),
    "rota:plan": (
        "post",
        {"slug": FED},
        {"start": "2026-12-07", "weeks": "1"},
        page(ROTA_MANAGE, ok=302),
    ),
    "rota:run": ("get", lambda d: {"slug": FED, "pk": d["plan_run"].pk}, None, page(ROTA_VIEW)),
    "rota:sessions_csv": ("get", {"slug": FED}, None, page(ROTA_VIEW)),
    "rota:session_add": ("get", {"slug": FED}, None, page(ROTA_MANAGE)),
    "rota:session_edit": (
        "get",
        lambda d: {"slug": FED, "pk": d["session"].pk},
        None,
        page(ROTA_MANAGE),
    ),
    "rota:session_lock": (
        "post",
        lambda d: {"slug": FED, "pk": d["session"].pk},
        {"locked": "1"},
        page(ROTA_MANAGE, ok=302),
    ),
    "rota:session_delete": (
        "post",
        lambda d: {"slug": FED, "pk": d["session"].pk},
        {},
        page(ROTA_MANAGE, ok=302),
    ),
    "rota:sites": ("get", {"slug": FED}, None, page(ROTA_VIEW)),
    "rota:site_add": ("get", {"slug": FED}, None, page(ROTA_MANAGE)),
    "rota:site": ("get", lambda d: {"slug": FED, "pk": d["rota"]["hub"].pk}, None, page(ROTA_VIEW)),
    "rota:site_edit": (
        "get",
        lambda d: {"slug": FED, "pk": d["rota"]["hub"].pk},
        None,
        page(ROTA_MANAGE),
    ),
    "rota:staff": ("get", {"slug": FED}, None, page(ROTA_VIEW)),
    "rota:staff_add": ("get", {"slug": FED}, None, page(ROTA_MANAGE)),
    "rota:availability_import": ("get", {"slug": FED}, None, page(ROTA_MANAGE)),
    "rota:person": (
        "get",
        lambda d: {"slug": FED, "pk": d["rota"]["gp1"].pk},
        None,
        page(ROTA_VIEW),
    ),
    "rota:staff_edit": (
        "get",
        lambda d: {"slug": FED, "pk": d["rota"]["gp1"].pk},
        None,
        page(ROTA_MANAGE),
    ),
    "rota:person_ics": (
        "get",
        lambda d: {"slug": FED, "pk": d["rota"]["gp1"].pk},
        None,
        page(ROTA_VIEW),
    ),
    "rota:availability_add": (
        "get",
        lambda d: {"slug": FED, "pk": d["rota"]["gp1"].pk},
        None,
        page(ROTA_MANAGE),
    ),
    "rota:change_add": (
        "get",
        lambda d: {"slug": FED, "pk": d["rota"]["gp1"].pk},
        None,
        page(ROTA_MANAGE),
    ),
    "rota:pcns": ("get", {"slug": FED}, None, page(ROTA_VIEW)),
    "rota:agreed_add": (
        "get",
        lambda d: {"slug": FED, "pk": d["access"].pk},
        None,
        page(ROTA_MANAGE),
    ),
    "rota:arrs": ("get", {"slug": FED, "code": "U30213"}, None, page(ARRS_VIEW)),
    "rota:arrs_csv": ("get", {"slug": FED, "code": "U30213"}, None, page(ARRS_VIEW)),
    "rota:arrs_submit": (
        "post",
        {"slug": FED, "code": "U30213"},
        {},
        page(ARRS_SUBMIT, ok=302),
    ),
    "comms:inbox": ("get", {}, None, page(SIGNED_IN)),
    "comms:preferences": ("get", {}, None, page(SIGNED_IN)),
    "comms:bulletin": ("get", lambda d: {"pk": d["sent"].pk}, None, page(BULLETIN_READERS)),
    "comms:edit": ("get", lambda d: {"pk": d["draft"].pk}, None, page(COMMS_SEND)),
    "comms:send": ("post", lambda d: {"pk": d["draft"].pk}, {}, page(COMMS_SEND, ok=302)),
    "comms:correct": ("get", lambda d: {"pk": d["sent"].pk}, None, page(COMMS_SEND)),
    "comms:file_add": ("post", lambda d: {"pk": d["draft"].pk}, {}, page(COMMS_SEND, ok=302)),
    "comms:file": (
        "get",
        lambda d: {"pk": d["sent"].pk, "file": d["sent_file"].pk},
        None,
        page(BULLETIN_READERS),
    ),
    "comms:file_remove": (
        "post",
        lambda d: {"pk": d["draft"].pk, "file": d["draft_file"].pk},
        {},
        page(COMMS_SEND, ok=302),
    ),
    "comms:archive": ("get", {"kind": "federations", "slug": FED}, None, page(COMMS_SEND)),
    "comms:new": ("get", {"kind": "federations", "slug": FED}, None, page(COMMS_SEND)),
    "comms:events": ("get", {}, None, page(SIGNED_IN)),
    "comms:library": ("get", {}, None, page(SIGNED_IN)),
    "comms:resource": ("get", lambda d: {"pk": d["resource"].pk}, None, page(BULLETIN_READERS)),
    "comms:resource_file": (
        "get",
        lambda d: {"pk": d["resource"].pk, "number": 1},
        None,
        page(BULLETIN_READERS),
    ),
    "comms:resource_new": ("get", {"kind": "federations", "slug": FED}, None, page(COMMS_SEND)),
    "comms:event": ("get", lambda d: {"pk": d["event"].pk}, None, page(BULLETIN_READERS)),
    "comms:event_new": ("get", {"kind": "federations", "slug": FED}, None, page(COMMS_SEND)),
    "comms:material_add": (
        "post",
        lambda d: {"pk": d["event"].pk},
        {},
        page(COMMS_SEND, ok=302),
    ),
    "comms:material": (
        "get",
        lambda d: {"pk": d["event"].pk, "material": d["material"].pk},
        None,
        page(BULLETIN_READERS),
    ),
    "directory:index": ("get", {}, None, page(WITH_ROLE)),
    "directory:network": ("get", {"slug": NET}, None, page(WITH_ROLE)),
    "directory:member": ("get", {"slug": NET, "federation": FED}, None, page(WITH_ROLE)),
    "directory:join": (
        "get",
        {"slug": NET},
        None,
        lambda actor: {"anonymous": 302, "federation_admin": 302}.get(
            actor, 200 if actor in JOINERS else 404
        ),
    ),
    "directory:requests": ("get", {"slug": NET}, None, page(NET_MANAGE)),
    "directory:board_add": ("get", {"slug": NET}, None, page(NET_MANAGE)),
    "directory:decide": (
        "post",
        lambda d: {"pk": d["join_request"].pk},
        {},
        page(NET_MANAGE, ok=400),
    ),
    "directory:withdraw": (
        "post",
        lambda d: {"pk": d["join_request"].pk},
        {},
        page(JOINERS, ok=302),
    ),
    "directory:membership_end": (
        "get",
        lambda d: {"pk": d["network_membership"].pk},
        None,
        page(NET_MANAGE),
    ),
    "directory:board_end": ("get", lambda d: {"pk": d["seat"].pk}, None, page(NET_MANAGE)),
    "directory:federation": ("get", {"slug": FED}, None, page(ELR)),
    "directory:contact_new": ("get", {"slug": FED}, None, page(CONTACT_EDIT)),
    "directory:contacts_csv": ("get", {"slug": FED}, None, page(FED_MEMBERS)),
    "directory:contacts_import": ("get", {"slug": FED}, None, page(CONTACT_MANAGE)),
    "directory:contact_edit": ("get", lambda d: {"pk": d["contact"].pk}, None, page(CONTACT_EDIT)),
    "directory:contact_delete": (
        "post",
        lambda d: {"pk": d["contact"].pk},
        {},
        page(CONTACT_EDIT, ok=302),
    ),
    "api:openapi-json": ("get", {}, None, page(SIGNED_IN, anonymous=200)),
    "api:openapi-view": ("get", {}, None, page(SIGNED_IN, anonymous=200)),
    "api:api-root": ("get", {}, None, page([], anonymous=404)),
    "api:practice_list": ("get", {}, None, api(WITH_ROLE)),
    "api:practice_detail": ("get", {"code": "C82001"}, None, api(WITH_ROLE)),
    "api:practice_list_sizes": ("get", {"code": "C82001"}, None, api(WITH_ROLE)),
    "api:practice_populations": ("get", {"code": "C82001"}, None, api(WITH_ROLE)),
    "api:pcn_list": ("get", {}, None, api(WITH_ROLE)),
    "api:pcn_detail": ("get", {"code": "U30213"}, None, api(WITH_ROLE)),
    "api:pcn_populations": ("get", {"code": "U30213"}, None, api(WITH_ROLE)),
    "api:federation_list": ("get", {}, None, api(SIGNED_IN)),
    "api:federation_detail": ("get", {"slug": FED}, None, api(ELR)),
    "api:federation_populations": ("get", {"slug": FED}, None, api(ELR)),
    "api:practice_statement": ("get", {"code": "C82001"}, None, api(STATEMENT)),
    "api:federation_returns": ("get", {"slug": FED}, None, api(FIN_VIEW)),
    "api:settlement": ("get", {"slug": FED, "month": "2026-10"}, None, api(FIN_VIEW)),
    "api:rota": ("get", {"slug": FED}, {"start": "2026-12-07"}, api(ROTA_VIEW)),
    "api:arrs_claim": (
        "get",
        {"slug": FED, "code": "U30213", "month": "2026-10"},
        None,
        api(ARRS_VIEW),
    ),
    "api:network_members": ("get", {"slug": NET}, None, api(WITH_ROLE)),
    "api:federation_directory": ("get", {"slug": FED}, None, api(ELR)),
    "api:import_list": (
        "get",
        {},
        None,
        api(["federation_admin", "operations_lead", "other_admin", "superuser"]),
    ),
}


def url_names(patterns=None, namespace=None):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace
            full = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from url_names(pattern.url_patterns, full)
        elif pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_url_has_a_rule():
    assert set(url_names()) == set(RULES)


@pytest.fixture
def world(demo):
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


@pytest.mark.parametrize("actor", ACTORS)
def test_permission_matrix(client, world, actor):
    if actor != "anonymous":
        sign_in_verified(client, world["users"][actor])
    wrong = []
    for name, (method, kwargs, data, expect) in RULES.items():
        kwargs = kwargs(world) if callable(kwargs) else kwargs
        url = reverse(name, kwargs=kwargs)
        with transaction.atomic():
            response = getattr(client, method)(url, data or {})
            transaction.set_rollback(True)
        if response.status_code != expect(actor):
            wrong.append(
                f"{method.upper()} {url}: {response.status_code}, expected {expect(actor)}"
            )
        if actor != "anonymous" and name == "accounts:logout":
            sign_in_verified(client, world["users"][actor])
    assert not wrong, f"{actor}:\n" + "\n".join(wrong)


def test_lists_only_contain_what_the_person_may_see(client, world):
    sign_in_verified(client, world["users"]["other_admin"])
    federations = client.get("/api/v1/federations").json()["items"]
    assert [f["slug"] for f in federations] == [OTHER]
    page_ = client.get("/federations/")
    assert b"East Leicestershire" not in page_.content
    report = client.get("/api/v1/practices/C82001").json()
    assert report["federation"] is None  # its federation is not this person's to see
    practice = client.get("/practices/C82001/")
    assert b"East Leicestershire" not in practice.content
    outside = client.get("/api/v1/practices", {"federation": FED})
    assert outside.status_code == 404
