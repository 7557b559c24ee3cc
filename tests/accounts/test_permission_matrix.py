"""Every URL and API endpoint for every role, each with the answer it must give.

The list of URLs is read from the URL configuration: a page added without a rule here fails
``test_every_url_has_a_rule``. Outside a person's scope the answer is 404, never 403.

Each answer is also checked for what browsers and proxies may keep: every answer to a signed-in
person (finance, people, statements, audit, contacts, exports, the API), and every API answer
even to someone signed out and even a refusal, says ``no-store``.
"""

import pytest
from django.db import transaction
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from comms.services import unsubscribe_token
from registry.models import Federation, FederationMembership, Practice
from tests.conftest import sign_in_verified
from tests.world import FED, NET, OTHER

pytestmark = pytest.mark.django_db


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
GOV_RUN = ["federation_admin", "superuser"]  # and a company secretary
ECON_BUILD = ["federation_admin", "finance_lead", "superuser"]
ECON_READ = [*ECON_BUILD, "board_member"]  # every practice's line
ECON_OPEN = [*ECON_READ, "practice_manager"]  # a manager: their own line of a shared version
BIDS_RUN = ["federation_admin", "finance_lead", "superuser"]
BIDS_READ = [*BIDS_RUN, "board_member"]
BIDS_OPEN = [*BIDS_READ, "practice_manager"]  # a manager: what their practice is asked to join
BOARD = [*GOV_RUN, "board_member"]  # the board's papers: its runners and members
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


def invitation(world):
    """An invitation ELR's administrator sent, not yet accepted (made once per world)."""
    from accounts.models import Invitation
    from accounts.services import invitation_create

    elr = Federation.objects.get(slug=FED)
    found = Invitation.objects.filter(invited_to=elr, email="invited@example.org").first()
    return (
        found
        or invitation_create(
            email="invited@example.org",
            role="practice_staff",
            organisation=Practice.objects.get(code="C82001"),
            invited_to=elr,
            by=None,
            base_url="http://testserver",
        )[0]
    )


def ended_membership():
    return (
        FederationMembership.objects.filter(federation__slug=FED, end_date__isnull=False)
        .order_by("pk")
        .first()
    )


def elr_scenario(world):
    """A scenario of ELR's phlebotomy, its version shared with members (made once per world)."""
    from demo.economics import phlebotomy_inputs
    from economics.models import ScenarioVersion
    from economics.services import scenario_create, version_share

    found = ScenarioVersion.objects.filter(scenario__federation__slug=FED).first()
    if found:
        return found
    elr = Federation.objects.get(slug=FED)
    # the matrix's world has the registry without the year of activity "last_year" reads
    inputs = {**phlebotomy_inputs(elr, timezone.localdate()), "draws": 500}
    del inputs["volume"]
    inputs["volume_per_1000"] = 210
    version = scenario_create(federation=elr, name="Phlebotomy", inputs=inputs, by=None)
    return version_share(version=version, shared=True, by=None)


def elr_opportunity(world):
    """An opportunity in ELR's bids pipeline, every member practice asked to commit (made once
    per world)."""
    from bids.models import Opportunity
    from bids.services import commitment_ask, opportunity_save

    found = Opportunity.objects.filter(federation__slug=FED).first()
    if found:
        return found
    opportunity = opportunity_save(
        federation=Federation.objects.get(slug=FED),
        title="Care-home ward rounds",
        buyer="NHS Leicester, Leicestershire and Rutland ICB",
        value_pence=72_000_000,
        route="most_suitable",
        by=None,
    )
    commitment_ask(opportunity=opportunity, by=None)
    return opportunity


def bids_index(actor):
    """Straight to the one federation whose pipeline someone may open (another federation's
    administrator to her own); the list for the installation's administrators."""
    if actor in ("anonymous", "other_admin"):
        return 302
    if actor == "superuser":
        return 200
    return 302 if actor in BIDS_OPEN else 404


def bids_page(allowed):
    return ("get", lambda d: {"slug": FED, "pk": elr_opportunity(d).pk}, None, page(allowed))


def economics_index(actor):
    """Straight to the one federation of someone who may open its scenarios; the list for the
    installation's administrators; 404 for anyone else."""
    if actor in ("anonymous", "other_admin"):
        return 302
    if actor == "superuser":
        return 200
    return 302 if actor in ECON_OPEN else 404


def elr_resolution(world):
    """A written resolution put to ELR's members, with C82001's practice manager as its
    nominated voter (made once per world)."""
    from governance.models import Resolution
    from governance.services import member_set, resolution_circulate

    found = Resolution.objects.filter(federation__slug=FED).first()
    if found:
        return found
    elr = Federation.objects.get(slug=FED)
    member_set(
        federation=elr,
        practice=Practice.objects.get(code="C82001"),
        nominated_voter=world["users"]["practice_manager"],
        shares=1,
        by=None,
    )
    return resolution_circulate(
        federation=elr,
        title="Adopt new articles",
        text="That the articles produced be adopted.",
        kind="special",
        mode="written",
        circulated_on=timezone.localdate(),
        by=None,
    )


def elr_board(world):
    """ELR's board with the board member in a seat, a meeting next week with an item for
    decision and its board resolution, a draft of the minutes, an action, the board member's
    declared interest and the yearly round open (made once per world)."""
    from datetime import timedelta

    from governance import board_votes, interests, meetings
    from governance.models import Body

    elr = Federation.objects.get(slug=FED)
    body = Body.objects.filter(federation=elr).first()
    if body is None:
        member = world["users"]["board_member"]
        body = meetings.body_create(
            federation=elr, name="Board of directors", kind="board", quorum=1, by=None
        )
        meetings.seat_add(body=body, user=member, start_date=timezone.localdate(), by=None)
        start = timezone.now() + timedelta(days=7)
        meeting = meetings.meeting_schedule(
            body=body,
            title="Board",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            place="Hub",
            by=None,
        )
        item = meetings.item_add(meeting=meeting, title="Budget", for_decision=True, by=None)
        board_votes.board_resolution_put(item=item, title="Budget", text="Adopt.", by=None)
        meetings.minutes_draft(meeting=meeting, text="Draft", by=None)
        meetings.action_add(
            meeting=meeting, text="Act", owner=member, due_on=timezone.localdate(), by=None
        )
        interests.interest_declare(
            federation=elr,
            user=member,
            kind="financial",
            party="P",
            description="D",
            start_date=timezone.localdate(),
            by=None,
        )
        interests.round_open(
            federation=elr, year=2099, due_on=timezone.localdate() + timedelta(days=28), by=None
        )
    meeting = body.meetings.get()
    item = meeting.items.get()
    return {
        "body": body,
        "meeting": meeting,
        "item": item,
        "minutes": meeting.minutes.get(),
        "action": body.actions.get(),
        "resolution": item.resolutions.get(),
        "interest": elr.interests.get(),
    }


def board_pk(what):
    return lambda d: {"pk": elr_board(d)[what].pk}


def elr_risk(world):
    """A risk in ELR's register, owned by its administrator (made once per world)."""
    from datetime import timedelta

    from governance.models import Risk
    from governance.risks import risk_add

    return Risk.objects.filter(federation__slug=FED).first() or risk_add(
        federation=Federation.objects.get(slug=FED),
        title="Cash flow",
        description="Late payments from the ICB",
        owner=world["users"]["federation_admin"],
        review_on=timezone.localdate() + timedelta(days=30),
        likelihood_before=4,
        impact_before=4,
        likelihood_after=2,
        impact_after=3,
        by=None,
    )


def risk_pk(world):
    return {"pk": elr_risk(world).pk}


def voice_consultation(world, *, draft: bool = False):
    """A consultation of ELR's practices and PCNs, open from yesterday for a week (or a draft
    with one question), made once per world."""
    from datetime import timedelta

    from voice.models import Consultation
    from voice.services import consultation_create, consultation_open, question_add

    title = "Draft hubs" if draft else "Hubs"
    found = Consultation.objects.filter(federation__slug=FED, title=title).first()
    if found:
        return found
    day = timezone.localdate()
    made = consultation_create(
        federation=Federation.objects.get(slug=FED),
        title=title,
        purpose="Should we share hubs?",
        audience="practices_and_pcns",
        opens_on=day - timedelta(days=1),
        closes_on=day + timedelta(days=7),
        by=None,
    )
    question_add(consultation=made, kind="choice", text="Yes?", choices=["Yes", "No"], by=None)
    return made if draft else consultation_open(consultation=made, by=None)


def voice_milestone(world):
    from voice.models import Milestone

    return Milestone.objects.filter(federation__slug=FED).first() or Milestone.objects.create(
        federation=Federation.objects.get(slug=FED),
        title="Vision agreed",
        owner="Chair",
        due_on=timezone.localdate(),
    )


def governance_index(actor):
    """The governance index: straight to the one federation of a person with a role within
    one; the list for the installation's administrators; 404 for anyone else."""
    if actor == "anonymous":
        return 302
    if actor == "superuser":
        return 200
    return 302 if actor in [*FED_MEMBERS, "other_admin", "other_pcn_cd"] else 404


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
    "accounts:invitation-revoke": (
        "post",
        lambda d: {"pk": invitation(d).pk},
        {"federation": FED},
        page(["federation_admin", "superuser"], ok=302),
    ),
    "accounts:invitation-resend": (
        "post",
        lambda d: {"pk": invitation(d).pk},
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
    # A leaving date: the page says whether it can still be changed (this one has passed).
    "registry:membership-end-change": (
        "get",
        lambda d: {"slug": FED, "pk": ended_membership().pk},
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
    # one PCN's Enhanced Access: the rota's viewers and the PCN's clinical director
    "rota:pcn_access": ("get", {"slug": FED, "code": "U30213"}, None, page([*ROTA_VIEW, "pcn_cd"])),
    "rota:arrs_csv": ("get", {"slug": FED, "code": "U30213"}, None, page(ARRS_VIEW)),
    # GET: the page that confirms what will be claimed; its POST submits (same access)
    "rota:arrs_submit": ("get", {"slug": FED, "code": "U30213"}, None, page(ARRS_SUBMIT)),
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
    "comms:event_edit": ("get", lambda d: {"pk": d["event"].pk}, None, page(COMMS_SEND)),
    "comms:event_cancel": ("get", lambda d: {"pk": d["event"].pk}, None, page(COMMS_SEND)),
    "comms:mail_settings": ("get", {"kind": "federations", "slug": FED}, None, page(COMMS_SEND)),
    # public: the unsubscribe link in a directory contact's email (a signed token, no sign-in)
    "comms:unsubscribe": (
        "get",
        lambda d: {"token": unsubscribe_token(d["contact"].pk, d["contact"].federation_id)},
        None,
        page(SIGNED_IN, anonymous=200),
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
    # governance: the federation's administrator (or company secretary) runs it; its own
    # people see the register and resolutions; a practice's nominated voter votes
    "governance:index": ("get", {}, None, governance_index),
    "governance:home": ("get", {"slug": FED}, None, page(FED_MEMBERS)),
    "governance:articles": ("get", {"slug": FED}, None, page(GOV_RUN)),
    "governance:register": ("get", {"slug": FED}, None, page(FED_MEMBERS)),
    "governance:register_csv": ("get", {"slug": FED}, None, page(FED_MEMBERS)),
    "governance:member": ("get", {"slug": FED, "code": "C82001"}, None, page(GOV_RUN)),
    "governance:shares": ("get", {"slug": FED}, None, page(GOV_RUN)),
    "governance:shares_apply": ("post", {"slug": FED}, {}, page(GOV_RUN, ok=302)),
    "governance:resolution_new": ("get", {"slug": FED}, None, page(GOV_RUN)),
    "governance:resolution": (
        "get",
        lambda d: {"pk": elr_resolution(d).pk},
        None,
        page(FED_MEMBERS),
    ),
    "governance:vote": (
        "get",
        lambda d: {"pk": elr_resolution(d).pk},
        None,
        page(["practice_manager"]),
    ),
    "governance:paper_vote": (
        "get",
        lambda d: {"pk": elr_resolution(d).pk},
        None,
        page(GOV_RUN),
    ),
    # the board: its runners run it; its members see its meetings, papers and pack and vote;
    # the federation's people see the bodies and the register of interests
    "governance:bodies": ("get", {"slug": FED}, None, page(FED_MEMBERS)),
    "governance:body_new": ("get", {"slug": FED}, None, page(GOV_RUN)),
    "governance:body": ("get", board_pk("body"), None, page(BOARD)),
    "governance:seat_new": ("get", board_pk("body"), None, page(GOV_RUN)),
    "governance:seats_fill": ("post", board_pk("body"), {}, page(GOV_RUN, ok=302)),
    "governance:meeting_new": ("get", board_pk("body"), None, page(GOV_RUN)),
    "governance:meeting": ("get", board_pk("meeting"), None, page(BOARD)),
    "governance:item_new": ("get", board_pk("meeting"), None, page(GOV_RUN)),
    "governance:attendance": ("get", board_pk("meeting"), None, page(GOV_RUN)),
    "governance:declare": ("get", board_pk("meeting"), None, page(GOV_RUN)),
    "governance:minutes": ("get", board_pk("meeting"), None, page(GOV_RUN)),
    "governance:decision_new": ("get", board_pk("meeting"), None, page(GOV_RUN)),
    "governance:action_new": ("get", board_pk("meeting"), None, page(GOV_RUN)),
    "governance:invite": ("post", board_pk("meeting"), {}, page(GOV_RUN, ok=302)),
    "governance:pack": ("get", board_pk("meeting"), None, page(BOARD)),
    "governance:minutes_approve": ("get", board_pk("minutes"), None, page(GOV_RUN)),
    "governance:action": ("get", board_pk("action"), None, page(GOV_RUN)),
    "governance:board_resolution": ("get", board_pk("item"), None, page(GOV_RUN)),
    "governance:board_vote": ("get", board_pk("resolution"), None, page(BOARD)),
    "governance:interests": ("get", {"slug": FED}, None, page(FED_MEMBERS)),
    "governance:interests_csv": ("get", {"slug": FED}, None, page(FED_MEMBERS)),
    "governance:interest_new": ("get", {"slug": FED}, None, page(BOARD)),
    "governance:round_new": ("get", {"slug": FED}, None, page(GOV_RUN)),
    "governance:interest_return": ("get", {"slug": FED}, None, page(["board_member"])),
    "governance:interest_end": ("get", board_pk("interest"), None, page(BOARD)),
    # gifts and hospitality: the federation's people see it and record their own; the risk
    # register: those who run governance and the board's members and decision-makers
    "governance:gifts": ("get", {"slug": FED}, None, page(FED_MEMBERS)),
    "governance:gifts_csv": ("get", {"slug": FED}, None, page(FED_MEMBERS)),
    "governance:gift_new": ("get", {"slug": FED}, None, page(FED_MEMBERS)),
    "governance:gift_thresholds": ("get", {"slug": FED}, None, page(GOV_RUN)),
    "governance:risks": ("get", {"slug": FED}, None, page(BOARD)),
    "governance:risk_new": ("get", {"slug": FED}, None, page(GOV_RUN)),
    "governance:risk": ("get", risk_pk, None, page(BOARD)),
    "governance:risk_edit": ("get", risk_pk, None, page(GOV_RUN)),
    "governance:risk_review": ("get", risk_pk, None, page(GOV_RUN)),
    "governance:risk_cite": ("get", board_pk("meeting"), None, page(GOV_RUN)),
    "api:governance_resolutions": ("get", {"slug": FED}, None, api(FED_MEMBERS)),
    "api:governance_members": ("get", {"slug": FED}, None, api(FED_MEMBERS)),
    "api:governance_interests": ("get", {"slug": FED}, None, api(FED_MEMBERS)),
    "api:governance_meetings": ("get", {"slug": FED}, None, api(FED_MEMBERS)),
    "api:governance_risks": ("get", {"slug": FED}, None, api(BOARD)),
    # the members' voice: a federation's administrator (or company secretary) runs its
    # consultations and programme, a network's administrator the network's; a practice's
    # manager answers for it, a PCN's clinical director for the PCN; the federation's people
    # see the programme, and the results once the outcome is published
    "voice:index": ("get", {}, None, page(WITH_ROLE)),
    "voice:federation": ("get", {"slug": FED}, None, page(FED_MEMBERS)),
    "voice:consultation_new": ("get", {"slug": FED}, None, page(GOV_RUN)),
    "voice:network": ("get", {"slug": NET}, None, page(ELR)),
    "voice:network_consultation_new": ("get", {"slug": NET}, None, page(NET_MANAGE)),
    "voice:consultation": (
        "get",
        lambda d: {"pk": voice_consultation(d).pk},
        None,
        page([*GOV_RUN, "practice_manager", "pcn_cd"]),
    ),
    "voice:question_new": (
        "get",
        lambda d: {"pk": voice_consultation(d, draft=True).pk},
        None,
        page(GOV_RUN),
    ),
    "voice:open": (
        "get",
        lambda d: {"pk": voice_consultation(d, draft=True).pk},
        None,
        page(GOV_RUN),
    ),
    "voice:answer": (
        "get",
        lambda d: {"pk": voice_consultation(d).pk, "org": "practice-C82001"},
        None,
        page(["practice_manager", "superuser"]),
    ),
    "voice:remind": ("get", lambda d: {"pk": voice_consultation(d).pk}, None, page(GOV_RUN)),
    "voice:results": ("get", lambda d: {"pk": voice_consultation(d).pk}, None, page(GOV_RUN)),
    "voice:results_csv": (
        "get",
        lambda d: {"pk": voice_consultation(d).pk},
        None,
        page(GOV_RUN),
    ),
    "voice:results_pdf": (
        "get",
        lambda d: {"pk": voice_consultation(d).pk},
        None,
        page(GOV_RUN),
    ),
    "voice:outcome": ("get", lambda d: {"pk": voice_consultation(d).pk}, None, page(GOV_RUN)),
    "voice:programme": ("get", {"slug": FED}, None, page(FED_MEMBERS)),
    "voice:milestone_new": ("get", {"slug": FED}, None, page(GOV_RUN)),
    "voice:milestone": ("get", lambda d: {"pk": voice_milestone(d).pk}, None, page(GOV_RUN)),
    "voice:engagement": ("get", {"slug": FED, "code": "C82001"}, None, page(GOV_RUN)),
    "voice:attendance": ("get", {"slug": FED}, None, page(GOV_RUN)),
    "api:consultation_results": (
        "get",
        lambda d: {"pk": voice_consultation(d).pk},
        None,
        api(GOV_RUN),
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
    # what needs the person today: everyone signed in, each told only about their own
    "api:me_needs": ("get", {}, None, api(SIGNED_IN)),
    # service economics: the administrator and finance lead build; the board reads; a practice
    # manager opens a version shared with members and sees their own practice's line alone
    "economics:index": ("get", {}, None, economics_index),
    "economics:list": ("get", {"slug": FED}, None, page(ECON_OPEN)),
    "economics:new": ("get", {"slug": FED}, None, page(ECON_BUILD)),
    "economics:scenario": (
        "get",
        lambda d: {"pk": elr_scenario(d).scenario_id},
        None,
        page(ECON_OPEN, ok=302),
    ),
    "economics:version_new": (
        "get",
        lambda d: {"pk": elr_scenario(d).scenario_id},
        None,
        page(ECON_BUILD),
    ),
    "economics:version": ("get", lambda d: {"pk": elr_scenario(d).pk}, None, page(ECON_OPEN)),
    "economics:recompute": (
        "post",
        lambda d: {"pk": elr_scenario(d).pk},
        {},
        page(ECON_BUILD, ok=302),
    ),
    "economics:share": (
        "post",
        lambda d: {"pk": elr_scenario(d).pk},
        {"shared": "1"},
        page(ECON_BUILD, ok=302),
    ),
    "economics:pdf": ("get", lambda d: {"pk": elr_scenario(d).pk}, None, page(ECON_READ)),
    "api:economics_scenarios": ("get", {"slug": FED}, None, api(ECON_OPEN)),
    "api:economics_version": ("get", lambda d: {"pk": elr_scenario(d).pk}, None, api(ECON_OPEN)),
    # the bids pipeline: the administrator and finance lead run it; the board reads it; a
    # practice manager sees what their practice is asked to commit to and answers for it
    "bids:index": ("get", {}, None, bids_index),
    "bids:pipeline": ("get", {"slug": FED}, None, page(BIDS_OPEN)),
    "bids:history": ("get", {"slug": FED}, None, page(BIDS_READ)),
    "bids:new": ("get", {"slug": FED}, None, page(BIDS_RUN)),
    "bids:import": ("get", {"slug": FED}, None, page(BIDS_RUN)),
    "bids:opportunity": bids_page(BIDS_OPEN),
    "bids:edit": bids_page(BIDS_RUN),
    "bids:criteria": bids_page(BIDS_RUN),
    "bids:document_add": bids_page(BIDS_RUN),
    "bids:stage": bids_page(BIDS_RUN),
    "bids:decision": bids_page(BIDS_RUN),
    "bids:won": bids_page(BIDS_RUN),
    "bids:lost": bids_page(BIDS_RUN),
    "bids:withdraw": bids_page(BIDS_RUN),
    "bids:ask": bids_page(BIDS_RUN),
    "bids:commitment": bids_page([*BIDS_RUN, "practice_manager"]),
    "api:bids_pipeline": ("get", {"slug": FED}, None, api(BIDS_OPEN)),
    # health checks for load balancers: public, JSON, the same answer for everyone; the test
    # world has no task worker, so "ready" answers 503 naming it (tests/operations/test_health.py)
    "health:live": ("get", {}, None, page(SIGNED_IN, anonymous=200)),
    "health:ready": ("get", {}, None, page([], denied=503, anonymous=503)),
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


@pytest.mark.parametrize("actor", ACTORS)
def test_permission_matrix(client, world, actor):
    if actor != "anonymous":
        sign_in_verified(client, world["users"][actor])
    wrong, stored = [], []
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
        private = actor != "anonymous" or url.startswith("/api/v1/")
        if private and "no-store" not in response.get("Cache-Control", ""):
            stored.append(f"{method.upper()} {url}: {response.get('Cache-Control')!r}")
        if actor != "anonymous" and name == "accounts:logout":
            sign_in_verified(client, world["users"][actor])
    assert not wrong and not stored, (
        f"{actor}:\n"
        + "\n".join(wrong)
        + ("\nanswers a browser or proxy may keep:\n" + "\n".join(stored) if stored else "")
    )


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


def test_a_get_to_every_post_only_address_answers_405_with_a_page(client, world):
    """Every address the matrix posts to, opened with a GET (a bookmark, the history, a link
    passed on): those that take no GET answer 405 with the page that says the address is for a
    form's button, keeping the Allow header; none answers a blank page."""
    sign_in_verified(client, world["users"]["superuser"])
    refused = set()
    for name, (method, kwargs, _, _) in RULES.items():
        if method != "post":
            continue
        url = reverse(name, kwargs=kwargs(world) if callable(kwargs) else kwargs)
        with transaction.atomic():
            response = client.get(url)
            transaction.set_rollback(True)
        if name == "accounts:logout":
            sign_in_verified(client, world["users"]["superuser"])
        if response.status_code != 405:
            continue
        refused.add(name)
        assert "POST" in response["Allow"], name
        assert b"This address is for a form's button" in response.content, name
        assert b'href="/"' in response.content, name
    assert {
        "accounts:logout",
        "accounts:token-create",
        "accounts:user-unlock",
        "accounts:invitation-revoke",
        "accounts:invitation-resend",
        "accounts:recovery-codes",
        "registry:consent-withdraw",
    } <= refused
    assert len({name.partition(":")[0] for name in refused}) >= 4, refused
