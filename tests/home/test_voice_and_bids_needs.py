"""What the members' voice and the bids pipeline add to each person's home page: a consultation
waiting for their organisation's answer (with its deadline) and results published, for those
who answer and read; a bid's deadlines within 14 days for those who run bids, and a practice
asked to commit for its manager. Each item opens for the person, is ordered newest risk first
with the rest, and is in the API; another federation's people are told nothing of it."""

from datetime import timedelta

from django.utils import timezone

from bids import services as bids
from bids.models import Commitment, Opportunity
from home.needs import needs_for
from kernel.needs import INFO, SOON, URGENT
from registry.models import Federation
from tests.conftest import sign_in_verified
from tests.factories import BulletinFactory, ConsultationFactory, OpportunityFactory
from tests.home.test_home import ELR, FED, opens, other_federation, person, titles
from voice import services as voice
from voice.models import Consultation

HUBS = "Extended access hubs from April"  # the demo's open consultation of practices and PCNs
NATIONAL = "The national GP contract: what federations need"  # the network's, of federations
ROUNDS = "Care-home ward rounds, Melton and Rutland"  # the demo's bid due in five days


def of(area, needs):
    return [n for n in needs if n.area == area]


# --- voice: waiting for your answer -----------------------------------------------------------


def test_those_who_answer_are_told_a_consultation_waits_for_them(demo_books, client):
    hubs = Consultation.objects.get(title=HUBS)
    national = Consultation.objects.get(title=NATIONAL)
    deadline = f"{hubs.closes_on.day} {hubs.closes_on:%B %Y}"
    manager = of("voice", needs_for(person("manager.c82001")))
    assert titles(manager) == [
        f"Answer “{HUBS}” for SOUTH LEICESTERSHIRE MEDICAL GROUP by {deadline}"
    ]
    assert manager[0].url == f"/voice/consultations/{hubs.pk}/answer/practice-C82001/"
    assert manager[0].due == hubs.closes_on
    assert f"answers are taken to the end of {deadline}" in manager[0].detail
    director = of("voice", needs_for(person("cd.crosscounties")))
    assert titles(director) == [f"Answer “{HUBS}” for CROSS COUNTIES PCN by {deadline}"]
    assert director[0].url == f"/voice/consultations/{hubs.pk}/answer/pcn-U30213/"
    # The federation's administrator answers the network's consultation for the federation.
    coo = of("voice", needs_for(person("coo")))
    assert [n.url for n in coo] == [f"/voice/consultations/{national.pk}/answer/federation-{FED}/"]
    assert coo[0].title.startswith(f"Answer “{NATIONAL}” for {ELR} by ")
    # Those who answer for nobody (or run it) are not told.
    for name in ("finance", "operations", "comms", "board", "network"):
        assert not of("voice", needs_for(person(name))), name
    for name, found in (("manager.c82001", manager), ("cd.crosscounties", director), ("coo", coo)):
        assert not opens(client, person(name), found), name


def test_the_deadline_decides_how_pressing_an_answer_is(demo_books):
    hubs = Consultation.objects.get(title=HUBS)
    manager = person("manager.c82001")

    def severity(day):
        return [n.severity for n in of("voice", needs_for(manager, day))]

    assert severity(hubs.opens_on - timedelta(days=1)) == []  # not open yet that day
    assert hubs.closes_on - hubs.opens_on == timedelta(days=21)
    assert severity(hubs.opens_on) == [INFO]  # three weeks to go
    assert severity(hubs.closes_on - timedelta(days=14)) == [SOON]
    assert severity(hubs.closes_on - timedelta(days=4)) == [SOON]
    assert severity(hubs.closes_on - timedelta(days=3)) == [URGENT]
    assert severity(hubs.closes_on) == [URGENT]
    assert severity(hubs.closes_on + timedelta(days=1)) == []  # closed: nothing to do


def test_an_answer_given_clears_it_for_everyone_of_that_organisation(demo_books):
    hubs = Consultation.objects.get(title=HUBS)
    manager = person("manager.c82001")
    voice.response_submit(
        consultation=hubs,
        organisation_key="practice-C82001",
        answers={
            q.pk: q.choices[0] if q.kind == "choice" else 3
            for q in hubs.questions.all()
            if q.kind != "text"
        },
        by=manager,
    )
    assert not of("voice", needs_for(manager))
    # The PCN has still not answered.
    assert titles(of("voice", needs_for(person("cd.crosscounties"))))


def test_a_draft_is_nobodys_to_answer(demo_books):
    federation = Federation.objects.get(slug=FED)
    ConsultationFactory(federation=federation, title="Not opened yet")
    assert "Not opened yet" not in " ".join(titles(needs_for(person("manager.c82001"))))


# --- voice: results published ---------------------------------------------------------------


def published(federation, title="Weekend phlebotomy"):
    """A consultation of the federation's practices that closed yesterday, its outcome
    published by its administrator."""
    day = timezone.localdate()
    consultation = ConsultationFactory(
        federation=federation,
        title=title,
        opens_on=day - timedelta(days=20),
        closes_on=day - timedelta(days=1),
        opened_at=timezone.now() - timedelta(days=20),
    )
    return voice.outcome_publish(
        consultation=consultation,
        outcome="You asked for Saturday clinics; we start them in March.",
        bulletin=BulletinFactory(federation=federation, status="sent", sent_at=timezone.now()),
        by=person("coo"),
    )


def test_the_federations_people_are_told_results_are_published(demo_books, client):
    consultation = published(Federation.objects.get(slug=FED))
    for name in ("board", "manager.c82001", "cd.crosscounties", "finance"):
        found = [n for n in of("voice", needs_for(person(name))) if n.title.startswith("Results")]
        assert titles(found) == ["Results published: Weekend phlebotomy"], name
        assert found[0].url == f"/voice/consultations/{consultation.pk}/results/"
        assert found[0].severity == INFO
        assert "“you said, we did”" in found[0].detail
        assert not opens(client, person(name), found), name
    # The administrator published it; a month on, it is old news.
    assert not [n for n in needs_for(person("coo")) if n.title.startswith("Results")]
    later = timezone.localdate() + timedelta(days=31)
    assert not [n for n in needs_for(person("board"), later) if n.title.startswith("Results")]


# --- bids: deadlines for those who run them ---------------------------------------------------


def test_those_who_run_bids_are_told_of_deadlines_within_14_days(demo_books, client):
    federation = Federation.objects.get(slug=FED)
    rounds = Opportunity.objects.get(federation=federation, title=ROUNDS)
    soon = of("bids", needs_for(person("finance")))
    assert [n.url for n in soon] == [f"/bids/{FED}/{rounds.pk}/"]
    assert soon[0].title.startswith(f"Submission deadline for {ROUNDS}: ")
    assert soon[0].severity == SOON  # five days ahead
    assert soon[0].due == timezone.localtime(rounds.submission_deadline).date()
    assert of("bids", needs_for(person("coo"))) == soon
    now = timezone.now()
    OpportunityFactory(
        federation=federation,
        title="Minor surgery",
        clarification_deadline=now + timedelta(days=2),
        submission_deadline=now + timedelta(days=20),
    )
    OpportunityFactory(
        federation=federation,
        title="Already in",
        stage="submitted",
        submission_deadline=now + timedelta(days=4),
    )
    found = of("bids", needs_for(person("finance")))
    assert [n.title.split(":")[0] for n in found] == [
        "Clarification questions deadline for Minor surgery",  # the submission: 20 days off
        f"Submission deadline for {ROUNDS}",
    ]
    assert found[0].severity == URGENT
    for name in ("board", "operations", "comms", "manager.c82001", "network"):
        assert not of("bids", needs_for(person(name))), name
    assert not opens(client, person("finance"), found)


# --- bids: a practice asked to commit -------------------------------------------------------


def test_a_practice_manager_is_told_her_practice_is_asked_to_commit(demo_books, client):
    federation = Federation.objects.get(slug=FED)
    rounds = Opportunity.objects.get(federation=federation, title=ROUNDS)
    manager = person("manager.c82001")
    assert not of("bids", needs_for(manager))  # the demo asked her only about Enhanced Access
    bids.commitment_ask(opportunity=rounds, by=person("coo"))
    found = of("bids", needs_for(manager))
    assert titles(found) == [f"SOUTH LEICESTERSHIRE MEDICAL GROUP is asked to commit to {ROUNDS}"]
    assert found[0].url == f"/bids/{FED}/{rounds.pk}/commitment/"
    assert found[0].severity == SOON
    assert not opens(client, manager, found)
    # Answered, it is done.
    bids.commitment_answer(
        commitment=Commitment.objects.get(opportunity=rounds, practice__code="C82001"),
        answer="declined",
        by=manager,
    )
    assert not of("bids", needs_for(manager))


# --- the order, the API and another federation ------------------------------------------------


def test_the_new_items_take_their_place_in_the_list_and_the_api(demo_books, client):
    manager = person("manager.c82001")
    found = needs_for(manager)
    answer = next(n for n in found if n.area == "voice")
    statement = next(n for n in found if n.title.endswith("statement for November 2026"))
    assert found.index(answer) < found.index(statement)  # due soon before for information
    sign_in_verified(client, manager)
    body = client.get("/api/v1/me/needs").json()
    assert body["needs"] == [n.as_dict() for n in found]
    assert any(n["area"] == "voice" and n["due"] == answer.due.isoformat() for n in body["needs"])
    page = client.get("/").content.decode()
    assert f"Answer “{HUBS}” for SOUTH LEICESTERSHIRE MEDICAL GROUP" in page


def test_another_federations_people_are_told_nothing_of_these(demo_books, client):
    federation = Federation.objects.get(slug=FED)
    published(federation)
    bids.commitment_ask(
        opportunity=Opportunity.objects.get(federation=federation, title=ROUNDS),
        by=person("coo"),
    )
    _other, admin, director = other_federation()
    for user in (admin, director):
        found = [n for n in needs_for(user) if n.area in ("voice", "bids")]
        assert found == [], titles(found)
