"""The home page says what needs each person today, from what gpfed already knows, newest risk
first; each item links to where it is done and opens for that person; the API gives the same
list; a person of another federation is told nothing of this one's."""

from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.services import role_grant
from comms.models import Delivery, Registration
from demo import DEMO_NETWORK
from finance import services as finance
from finance.models import IncomeEntry
from home.needs import needs_for
from kernel.needs import INFO, SOON, URGENT, Need, duration_text, newest_risk_first
from registry.models import PCN, Federation, FederationMembership, Practice, PracticePCN
from registry.services import federation_create, federation_membership_add
from rota.models import PlanRun
from tests.conftest import sign_in_verified
from tests.factories import (
    BulletinFactory,
    DeliveryFactory,
    EventFactory,
    PlanRunFactory,
    RegistrationFactory,
    UserFactory,
)

FED = "east-leicestershire-and-rutland-gp-federation"
ELR = "East Leicestershire and Rutland GP Federation"


def person(name: str):
    return get_user_model().objects.get(email=f"{name}@demo.gpfed.example")


def opens(client, user, needs) -> list[str]:
    """Each need's link, as this person: those that do not answer 200."""
    sign_in_verified(client, user)
    return [f"{n.url}: {status}" for n in needs if (status := client.get(n.url).status_code) != 200]


def titles(needs) -> list[str]:
    return [n.title for n in needs]


# --- the order and the words ----------------------------------------------------------------


def test_needs_come_urgent_first_then_by_due_date():
    later = Need("rota", "b", "", "/b", date(2026, 12, 20), SOON)
    sooner = Need("finance", "a", "", "/a", date(2026, 12, 10), SOON)
    late = Need("comms", "c", "", "/c", date(2027, 1, 1), URGENT)
    undated = Need("comms", "d", "", "/d", None, SOON)
    note = Need("comms", "e", "", "/e", date(2026, 1, 1), INFO)
    assert newest_risk_first([note, undated, later, sooner, late]) == [
        late,
        sooner,
        later,
        undated,
        note,
    ]


def test_a_need_refuses_a_severity_it_does_not_know():
    with pytest.raises(ValueError):
        Need("rota", "a", "", "/a", None, "whenever")


def test_durations_read_as_hours_and_minutes():
    assert duration_text(3286) == "54 hours 46 minutes"
    assert duration_text(60) == "1 hour"
    assert duration_text(5) == "5 minutes"
    assert duration_text(0) == "0 minutes"


CARE_HOMES = (
    "Give notice on Enhanced health in care homes: ward rounds (LLR-CH-2025-003) by "
    "30 December 2026"
)
ENHANCED_ACCESS = (
    "Give notice on Enhanced Access subcontract from member PCNs (ELR-PCN-EA-2024) by "
    "31 December 2026"
)
DIAGNOSTICS = (
    "The notice date for Community diagnostics in primary care (LLR-CD-2024-017) passed on "
    "30 September 2026"
)

# --- each role on the demo --------------------------------------------------------------------


def test_each_demo_role_is_told_what_needs_them_and_every_link_opens(demo_books, client):
    coo = needs_for(person("coo"))
    # The demo's contracts: one whose notice date has passed (overdue: first, and urgent) and
    # two due this month, each named.
    assert CARE_HOMES in titles(coo)
    assert ENHANCED_ACCESS in titles(coo)
    assert titles(coo)[0] == DIAGNOSTICS
    assert [n.title for n in needs_for(person("finance")) if n.area == "finance"] == [
        n.title for n in coo if n.area == "finance"
    ]
    network = needs_for(person("network"))
    assert titles(network) == [f"1 request to join {DEMO_NETWORK} is waiting"]
    assert "Southend GP Federation (demo)" in network[0].detail
    manager = needs_for(person("manager.c82001"))
    assert "SOUTH LEICESTERSHIRE MEDICAL GROUP's statement for November 2026" in titles(manager)
    assert any(n.title.endswith("unread bulletins") for n in manager)
    director = needs_for(person("cd.crosscounties"))
    assert "Your PCN: CROSS COUNTIES PCN" in titles(director)
    pcn = next(n for n in director if n.title == "Your PCN: CROSS COUNTIES PCN")
    assert pcn.url == f"/rota/{FED}/pcns/U30213/access/"  # his PCN's weeks, which he may open
    assert "meets the DES rules for CROSS COUNTIES PCN in" in pcn.detail
    # nobody is told about money, rota or join requests they may not act on
    board = needs_for(person("board"))
    assert not [n for n in board if n.area not in ("comms", "governance")]
    assert "Board pack to read: Board meeting" in titles(board)  # the demo's upcoming meeting
    assert not [n for n in manager if n.area in ("rota", "directory")]
    assert not [n for n in network if n.area != "directory"]
    for name in ("coo", "finance", "operations", "comms", "board", "cd.crosscounties"):
        user = person(name)
        assert not opens(client, user, needs_for(user)), name
    for user, needs in ((person("manager.c82001"), manager), (person("network"), network)):
        assert not opens(client, user, needs)


def test_the_home_page_lists_the_needs_under_a_heading_for_the_role(demo_books, client):
    sign_in_verified(client, person("coo"))
    page = client.get("/").content.decode()
    assert "<h1>Your federation</h1>" in page
    assert "What needs you today" in page
    assert CARE_HOMES in page
    assert page.index("What needs you today") < page.index("The national registry")
    assert "Recent imports" in page  # what the page showed before stays below

    sign_in_verified(client, person("network"))
    page = client.get("/").content.decode()
    assert f"<h1>{DEMO_NETWORK}</h1>" in page
    assert "<h1>Your federation</h1>" not in page
    assert "The network&#x27;s federations" in page
    assert f"1 request to join {DEMO_NETWORK} is waiting" in page

    sign_in_verified(client, person("manager.c82001"))
    page = client.get("/").content.decode()
    assert "<h1>SOUTH LEICESTERSHIRE MEDICAL GROUP</h1>" in page
    assert "statement for November 2026" in page

    sign_in_verified(client, person("cd.crosscounties"))
    assert "<h1>CROSS COUNTIES PCN</h1>" in client.get("/").content.decode()


def test_an_empty_list_says_nothing_needs_you(demo, client):
    sign_in_verified(client, person("board"))
    page = client.get("/").content.decode()
    assert "Nothing needs you today." in page
    assert client.get("/api/v1/me/needs").json()["needs"] == []


def test_someone_without_a_role_is_told_nothing(demo, client):
    client.force_login(UserFactory())
    page = client.get("/").content.decode()
    assert "What needs you today" not in page
    assert "<h1>Welcome to gpfed</h1>" in page
    assert client.get("/api/v1/me/needs").json()["needs"] == []


# --- what each area finds ------------------------------------------------------------------


def test_a_month_ended_without_a_settlement_and_its_missing_activity(demo_books, client):
    # On 5 January 2027 December has ended, unsettled and with no activity recorded.
    found = needs_for(person("finance"), date(2027, 1, 5))
    settle = next(n for n in found if n.title == "Settle December 2026")
    assert settle.severity == SOON
    assert settle.url == f"/finance/{FED}/settlements/2026-12/"
    assert settle.due == date(2026, 12, 31)
    activity = [n for n in found if n.title.startswith("Record ")]
    assert "Record Phlebotomy activity for December 2026" in titles(activity)
    assert all(n.url == f"/finance/{FED}/activity/?month=2026-12" for n in activity)
    # A month later, December is late: urgent, and first.
    later = needs_for(person("finance"), date(2027, 2, 5))
    urgent = [n for n in later if n.severity == URGENT]
    assert "Settle December 2026" in titles(urgent)
    assert "Settle January 2027" not in titles(urgent)  # last month: soon
    assert later[: len(urgent)] == urgent
    # The operations lead records activity but does not settle.
    operations = titles(needs_for(person("operations"), date(2027, 1, 5)))
    assert "Record Phlebotomy activity for December 2026" in operations
    assert "Settle December 2026" not in operations
    assert not opens(client, person("finance"), [settle, *activity])


def test_income_lines_that_no_longer_match_their_contracts(demo_books, client):
    federation = Federation.objects.get(slug=FED)
    finance_lead = person("finance")
    month = date(2026, 12, 1)  # begun, not settled
    created, _notes = finance.contract_income_accrue(
        federation=federation, month=month, by=finance_lead
    )
    assert created
    assert not [n for n in needs_for(finance_lead) if "out of date" in n.title]
    # What a line rests on changed since Accrue (as a national list import changes it), and
    # one line was removed.
    stale, gone = created[0], created[-1]
    IncomeEntry.objects.filter(pk=stale.pk).update(amount_pence=F("amount_pence") + 100)
    assert gone.pk != stale.pk
    IncomeEntry.objects.filter(pk=gone.pk).delete()
    found = [n for n in needs_for(finance_lead) if "out of date" in n.title]
    assert titles(found) == ["Income for December 2026 is out of date"]
    assert "1 line no longer matches what its contract pays now" in found[0].detail
    assert "1 payment due from contracts has no line" in found[0].detail
    assert found[0].url == f"/finance/{FED}/settlements/2026-12/"
    assert not opens(client, finance_lead, found)
    # Those who may not change income are not told.
    assert not [n for n in needs_for(person("operations")) if "out of date" in n.title]


def test_weeks_not_planned_and_a_failed_run_need_the_planners(demo_books, client):
    operations = person("operations")
    ahead = date(2027, 6, 7)  # far past the demo's planned weeks
    found = needs_for(operations, ahead)
    weeks = [n for n in found if n.title.startswith("Plan the week of")]
    assert titles(weeks) == [
        "Plan the week of 7 June 2027",
        "Plan the week of 14 June 2027",
        "Plan the week of 21 June 2027",
        "Plan the week of 28 June 2027",
    ]
    assert [n.severity for n in weeks] == [URGENT, URGENT, URGENT, SOON]
    federation = Federation.objects.get(slug=FED)
    PlanRunFactory(
        federation=federation,
        start=date(2026, 12, 14),
        weeks=2,
        status=PlanRun.Status.FAILED,
        error="The solver ran out of memory",
    )
    failed = [n for n in needs_for(operations) if "failed" in n.title]
    assert titles(failed) == ["Planning the rota from 14 December 2026 failed"]
    assert failed[0].severity == URGENT
    assert "The solver ran out of memory" in failed[0].detail
    assert not [n for n in needs_for(person("finance")) if n.area == "rota"]
    assert not opens(client, operations, [*weeks, *failed])
    # A run that worked since then clears it.
    PlanRunFactory(federation=federation, start=date(2026, 12, 14), status=PlanRun.Status.DONE)
    assert not [n for n in needs_for(operations) if "failed" in n.title]


def test_a_clinical_director_is_told_his_arrs_claim_is_due(demo_books, client):
    director = person("cd.crosscounties")
    found = needs_for(director, date(2027, 1, 5))  # December's claim is not submitted
    claim = [n for n in found if "ARRS claim" in n.title]
    assert titles(claim) == ["Submit CROSS COUNTIES PCN's ARRS claim for December 2026"]
    assert claim[0].url == f"/rota/{FED}/arrs/U30213/?month=2026-12"
    assert not opens(client, director, claim)
    assert not [n for n in needs_for(person("coo"), date(2027, 1, 5)) if "ARRS" in n.title]


def test_the_communications_lead_is_told_of_scheduled_and_failed_bulletins(demo_books, client):
    federation = Federation.objects.get(slug=FED)
    comms = person("comms")
    soon = timezone.now() + timedelta(days=1)
    scheduled = BulletinFactory(
        federation=federation, title="Winter clinics", status="scheduled", send_at=soon
    )
    sent = BulletinFactory(
        federation=federation, title="Flu update", status="sent", sent_at=timezone.now()
    )
    for _ in range(2):
        DeliveryFactory(bulletin=sent, status=Delivery.Status.FAILED, error="550 no such user")
    DeliveryFactory(bulletin=sent, status=Delivery.Status.SENT)
    found = needs_for(comms)
    assert titles(found)[0] == "2 copies of “Flu update” could not be delivered"
    assert found[0].severity == URGENT
    assert "Bulletin scheduled: Winter clinics" in titles(found)
    assert any(n.url == f"/comms/bulletins/{scheduled.pk}/" for n in found)
    assert not opens(client, comms, [n for n in found if n.url.startswith("/comms/bulletins/")])
    # Those who read bulletins but do not send them are not told.
    assert not [n for n in needs_for(person("manager.c82001")) if "Flu update" in n.title]


def test_a_practice_manager_is_told_of_events_she_registered_for(demo_books, client):
    manager = person("manager.c82001")
    federation = Federation.objects.get(slug=FED)
    starts = timezone.now() + timedelta(days=10)
    event = EventFactory(
        federation=federation,
        title="Practice managers' forum",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
    )
    RegistrationFactory(event=event, user=manager, status=Registration.Status.REGISTERED)
    far = EventFactory(
        federation=federation,
        title="Summer conference",
        starts_at=starts + timedelta(days=60),
        ends_at=starts + timedelta(days=60, hours=2),
    )
    RegistrationFactory(event=far, user=manager, status=Registration.Status.REGISTERED)
    events = [n for n in needs_for(manager) if n.url.startswith("/comms/events/")]
    assert len(events) == 1
    assert events[0].title.startswith("Practice managers' forum, ")
    assert "you are registered" in events[0].detail
    assert not opens(client, manager, events)


# --- another federation ---------------------------------------------------------------------


def other_federation():
    """Another federation holding a practice of Cross Counties PCN, with its own
    administrator and its own clinical director for that PCN."""
    other = federation_create(name="Other GP Federation", by=None)
    outsider = (
        Practice.objects.exclude(pk__in=FederationMembership.objects.values("practice_id"))
        .filter(status="A")
        .first()
    )
    federation_membership_add(
        federation=other, practice=outsider, start_date=date(2020, 4, 1), by=None
    )
    PracticePCN.objects.filter(practice=outsider).delete()
    PracticePCN.objects.create(
        practice=outsider, pcn=PCN.objects.get(code="U30213"), start_date=date(2020, 4, 1)
    )
    admin = UserFactory(email="admin@other.example")
    role_grant(user=admin, role="federation_admin", organisation=other, by=None)
    director = UserFactory(email="cd@other.example")
    role_grant(
        user=director,
        role="pcn_clinical_director",
        organisation=PCN.objects.get(code="U30213"),
        federation=other,
        by=None,
    )
    return other, admin, director


def test_a_person_of_another_federation_is_told_nothing_of_this_one(demo_books, client):
    federation = Federation.objects.get(slug=FED)
    BulletinFactory(
        federation=federation,
        title="Winter clinics",
        status="scheduled",
        send_at=timezone.now() + timedelta(days=1),
    )
    sent = BulletinFactory(federation=federation, status="sent", sent_at=timezone.now())
    DeliveryFactory(bulletin=sent, status=Delivery.Status.FAILED)
    PlanRunFactory(federation=federation, status=PlanRun.Status.FAILED)
    _other, admin, director = other_federation()
    for user in (admin, director):
        for day in (None, date(2027, 1, 5), date(2027, 6, 7)):
            found = needs_for(user, day)
            said = " ".join(f"{n.title} {n.detail} {n.url}" for n in found)
            assert ELR not in said and FED not in said, said
        sign_in_verified(client, user)
        answer = client.get("/api/v1/me/needs")
        assert answer.status_code == 200
        assert FED not in answer.content.decode() and ELR not in answer.content.decode()
        page = client.get("/").content.decode()
        assert "Winter clinics" not in page and "LLR-CH-2025-003" not in page
    # Her PCN through her own federation, which keeps no rota: linked, and nothing else.
    found = needs_for(director)
    assert titles(found) == ["Your PCN: CROSS COUNTIES PCN"]
    assert "through Other GP Federation" in found[0].detail
    assert not opens(client, director, found)


# --- the API -----------------------------------------------------------------------------


def test_the_api_gives_the_same_list_as_json(demo_books, client):
    coo = person("coo")
    sign_in_verified(client, coo)
    answer = client.get("/api/v1/me/needs")
    assert answer.status_code == 200
    body = answer.json()
    assert body["today"] == timezone.localdate().isoformat()
    assert body["needs"] == [n.as_dict() for n in needs_for(coo)]
    first = body["needs"][0]
    assert first == {
        "area": "finance",
        "title": DIAGNOSTICS,
        "detail": first["detail"],
        "url": first["url"],
        "due": "2026-09-30",
        "severity": "urgent",
    }
    client.logout()
    assert client.get("/api/v1/me/needs").status_code == 401


# --- the directory's words ------------------------------------------------------------------


def test_the_directory_tells_each_person_what_is_true_of_them(demo_books, client):
    sign_in_verified(client, person("network"))
    page = client.get("/directory/").content.decode()
    assert "you are a member" not in page
    assert "you administer it" in page
    sign_in_verified(client, person("coo"))
    page = client.get("/directory/").content.decode()
    assert "your federation is a member" in page
    assert "you administer it" not in page


# --- the cost of the most visited page ------------------------------------------------------


# The rota's assessment of the weeks ahead (the compliance page's) reads each Enhanced Access
# PCN's population: about six queries a PCN (the demo has nine). Everything else is a fixed
# number of queries, however many months, practices, contracts or bulletins there are.
ROTA_PER_PCN = 6
# The members' voice and bids: a query or two each, three more for each consultation waiting for
# the person's answer (its audience and its answers), and the header's links to them (three).
VOICE_AND_BIDS = 10
# Governance: the person's federations, a nominated voter's open resolutions, whether they
# declare interests (with the round, appointments and meetings ahead if so) and, for those who
# run it, minutes awaiting approval, actions and risks overdue: a fixed number a federation.
GOVERNANCE = 8


@pytest.mark.parametrize(
    ("name", "most"),
    [
        ("coo", 35 + 9 * ROTA_PER_PCN + VOICE_AND_BIDS + GOVERNANCE),
        ("operations", 35 + 9 * ROTA_PER_PCN + VOICE_AND_BIDS + GOVERNANCE),
        ("cd.crosscounties", 35 + 9 * ROTA_PER_PCN + VOICE_AND_BIDS + GOVERNANCE),
        ("manager.c82001", 35 + VOICE_AND_BIDS + GOVERNANCE),
        ("network", 35 + VOICE_AND_BIDS + GOVERNANCE),
    ],
)
def test_the_home_page_asks_the_database_a_bounded_number_of_times(
    demo_books, client, django_assert_max_num_queries, name, most
):
    sign_in_verified(client, person(name))
    with django_assert_max_num_queries(most):
        assert client.get("/").status_code == 200


def test_more_months_to_settle_cost_no_more_queries(demo_books):
    """Three months unsettled ask the database no more than one."""
    finance = person("finance")
    needs_for(finance, date(2027, 1, 5))  # the scope, computed once
    with CaptureQueriesContext(connection) as one:
        assert len([n for n in needs_for(finance, date(2027, 1, 5)) if "Settle" in n.title]) == 1
    with CaptureQueriesContext(connection) as three:
        assert len([n for n in needs_for(finance, date(2027, 3, 5)) if "Settle" in n.title]) == 3
    assert len(three.captured_queries) == len(one.captured_queries)


def test_an_installation_administrator_is_not_given_every_federations_work(demo_books, client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    page = client.get("/").content.decode()
    assert "<h1>Federations in gpfed</h1>" in page
    assert "Nothing needs you today." in page
    assert client.get("/api/v1/me/needs").json()["needs"] == []
