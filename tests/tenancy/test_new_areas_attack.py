"""Issue 18-19's new areas (economics, bids, voice, the board) attacked as a hostile federation:
federation B's administrator, finance lead, company secretary, the manager B granted for a
practice both federations hold, a network administrator, and a person A has deactivated, each
doing what their roles allow and then trying to reach or change A's scenarios, opportunities,
consultations, meetings and votes; and hostile input (nested and non-numeric JSON, NHS numbers,
CSV formulas, HTML). A passing test is a defence that held; ``xfail(strict=True)`` is a finding
still open (its reason says what and how bad)."""

import copy
import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.services import api_token_create, role_end, role_grant, user_deactivate
from audit.models import AuditEvent
from bids import services as bid_services
from bids.importing import notices_import
from bids.models import Commitment, Opportunity
from bids.ocds import OcdsError, notices_read
from comms.models import Folder, Resource, ResourceVersion
from economics import services as econ
from economics.models import ScenarioVersion
from governance import board_votes, interests, meetings
from governance.errors import GovernanceError
from governance.models import AgendaItem, Interest, Minutes, Vote
from gpfed.cli import main
from registry.models import Federation, FederationMembership, Network, NetworkMembership
from tests.conftest import sign_in_verified
from tests.factories import ListSizeFactory, PracticeFactory, UserFactory
from voice import services as voice
from voice.errors import VoiceError
from voice.models import Response

pytestmark = pytest.mark.django_db

NHS_NUMBER = "9434765919"  # a valid check digit
FORMULA = '=HYPERLINK("http://evil.example","x")'
FTS = Path(__file__).parents[1] / "bids" / "fixtures" / "fts-release-package.json"
A_OCID = "ocds-h6vhtk-0512a1"

SCENARIO = {
    "federation": "alpha",
    "as_of": "2026-10-01",
    "unit": "blood test",
    "volume_per_1000": 30,
    "income_per_unit": 10,
    "levels": {
        "practice": {"fixed_per_year": 500, "cost_per_unit": 2},
        "pcn": {"fixed_per_year": 400, "cost_per_unit": 3},
        "federation": {"fixed_per_year": 600, "cost_per_unit": 1, "overhead_percent": 5},
    },
    "draws": 100,
    "seed": 1,
}


class World:
    pass


def person(email, role, organisation, within=None, name=""):
    user = UserFactory(email=email, full_name=name or email.split("@")[0])
    role_grant(
        user=user,
        role=role,
        organisation=organisation,
        by=None,
        federation=within,
        start_date=date(2026, 1, 1),
    )
    return user


@pytest.fixture
def w(db):
    """A ("alpha") holds AAA001, AAA002 and the shared practice SSS003; B ("beta") holds SSS003
    too and BBB004. Both are members of one network."""
    x = World()
    x.a = Federation.objects.create(name="Alpha Federation", slug="alpha")
    x.b = Federation.objects.create(name="Beta Federation", slug="beta")
    x.p = {}
    for code, name, patients, holders in [
        ("AAA001", "Abbey Surgery", 3_000, [x.a]),
        ("AAA002", FORMULA, 5_000, [x.a]),  # a hostile practice name, for the CSV exports
        ("SSS003", "Shared Surgery", 2_000, [x.a, x.b]),
        ("BBB004", "Beta Surgery", 4_000, [x.b]),
    ]:
        practice = PracticeFactory(code=code, name=name)
        x.p[code] = practice
        ListSizeFactory(practice=practice, extract_date=date(2026, 9, 1), patients=patients)
        for holder in holders:
            FederationMembership.objects.create(
                federation=holder, practice=practice, start_date=date(2020, 4, 1)
            )
    x.net = Network.objects.create(name="The Network", slug="the-net")
    for f in (x.a, x.b):
        NetworkMembership.objects.create(network=x.net, federation=f, start_date=date(2022, 1, 1))
    x.a_admin = person("admin@alpha.example", "federation_admin", x.a)
    x.a_finance = person("finance@alpha.example", "finance_lead", x.a)
    x.a_pm1 = person("pm1@alpha.example", "practice_manager", x.p["AAA001"], x.a, "Pat One")
    x.a_pm_s = person("pms@alpha.example", "practice_manager", x.p["SSS003"], x.a, "Sam Alpha")
    x.b_admin = person("admin@beta.example", "federation_admin", x.b)
    x.b_finance = person("finance@beta.example", "finance_lead", x.b)
    x.b_secretary = person("secretary@beta.example", "company_secretary", x.b)
    x.b_pm_s = person("pms@beta.example", "practice_manager", x.p["SSS003"], x.b, "Sue Beta")
    x.b_pm = person("pm@beta.example", "practice_manager", x.p["BBB004"], x.b)
    x.net_admin = person("net@the-net.example", "network_admin", x.net)
    # a person A had (finance lead and board member), with an API token, then deactivated
    x.former = person("former@alpha.example", "finance_lead", x.a)
    role_grant(user=x.former, role="board_member", organisation=x.a, by=None)
    _, x.former_token = api_token_create(user=x.former, name="script")
    user_deactivate(user=x.former, by=x.a_admin, federation=x.a)
    x.former.refresh_from_db()
    x.attackers = {
        "B's administrator": x.b_admin,
        "B's finance lead": x.b_finance,
        "B's company secretary": x.b_secretary,
        "B's manager of the shared practice": x.b_pm_s,
        "B's practice manager": x.b_pm,
        "the network's administrator": x.net_admin,
    }
    return x


def status(client, url, method="get", data=None, **extra):
    return getattr(client, method)(url, data or {}, **extra).status_code


def reached(client, urls):
    """The addresses that answered anything but 404 to a GET or a POST (a POST-only address
    answers a GET 405 whatever the id, so that tells nothing)."""
    wrong = [(u, "GET", status(client, u)) for u in urls if status(client, u) not in (404, 405)]
    wrong += [
        (u, "POST", status(client, u, "post"))
        for u in urls
        if not u.startswith("/api/") and status(client, u, "post") != 404
    ]
    return wrong


# --- economics ---------------------------------------------------------------------------


def a_scenario(w, shared=True):
    version = econ.scenario_create(
        federation=w.a, name="Phlebotomy hub", inputs=copy.deepcopy(SCENARIO), by=w.a_admin
    )
    if shared:
        econ.version_share(version=version, shared=True, by=w.a_admin)
    return version


def economics_urls(w, version):
    return [
        "/economics/alpha/",
        "/economics/alpha/new/",
        f"/economics/scenarios/{version.scenario_id}/",
        f"/economics/scenarios/{version.scenario_id}/versions/new/",
        f"/economics/versions/{version.pk}/",
        f"/economics/versions/{version.pk}/recompute/",
        f"/economics/versions/{version.pk}/share/",
        f"/economics/versions/{version.pk}/results.pdf",
        "/api/v1/economics/federations/alpha/scenarios",
        f"/api/v1/economics/versions/{version.pk}",
    ]


def test_b_people_reach_no_scenario_of_a_even_after_building_their_own(client, w):
    version = a_scenario(w)
    before = list(ScenarioVersion.objects.filter(scenario__federation=w.a).values())
    for who, attacker in w.attackers.items():
        sign_in_verified(client, attacker)
        assert not reached(client, economics_urls(w, version)), who
        client.logout()
    # B's administrator builds and shares a scenario of B's own, then guesses the next ids
    sign_in_verified(client, w.b_admin)
    theirs = econ.scenario_create(
        federation=w.b, name="Ours", inputs={**SCENARIO, "federation": "beta"}, by=w.b_admin
    )
    assert client.get(f"/economics/versions/{theirs.pk}/").status_code == 200
    for pk in range(1, theirs.pk + 5):
        if pk != theirs.pk:
            assert client.get(f"/economics/versions/{pk}/").status_code == 404, pk
            assert client.get(f"/api/v1/economics/versions/{pk}").status_code == 404, pk
    # her own scenario's inputs naming A's federation are refused, not worked out
    with pytest.raises(econ.EconomicsError):
        econ.scenario_create(federation=w.b, name="Theirs", inputs=SCENARIO, by=w.b_admin)
    assert list(ScenarioVersion.objects.filter(scenario__federation=w.a).values()) == before


def test_the_shared_practices_manager_within_b_sees_no_line_of_as_shared_scenario(client, w):
    """SSS003 is in both federations; its manager granted within B gets nothing of A's, its
    manager granted within A gets SSS003's line alone (no other code, no paragraph, no PDF)."""
    version = a_scenario(w)
    sign_in_verified(client, w.b_pm_s)
    assert client.get(f"/economics/versions/{version.pk}/").status_code == 404
    assert client.get(f"/api/v1/economics/versions/{version.pk}").status_code == 404
    assert client.get("/api/v1/economics/federations/alpha/scenarios").status_code == 404
    client.logout()
    sign_in_verified(client, w.a_pm_s)
    page = client.get(f"/economics/versions/{version.pk}/").content.decode()
    api = client.get(f"/api/v1/economics/versions/{version.pk}").json()
    assert "SSS003" in page and "SSS003" in json.dumps(api)
    for other in ("AAA001", "AAA002"):
        assert other not in page, other
        assert other not in json.dumps(api), other
    assert [p["code"] for p in api["results"]["practices"]] == ["SSS003"]
    assert "summary" not in api["results"]
    assert client.get(f"/economics/versions/{version.pk}/results.pdf").status_code == 404
    assert (
        client.post(f"/economics/versions/{version.pk}/share/", {"shared": "0"}).status_code == 404
    )


def test_an_unshared_version_is_not_found_by_a_practice_manager_guessing_its_id(client, w):
    a_scenario(w)
    hidden = a_scenario(w, shared=False)
    sign_in_verified(client, w.a_pm1)
    assert client.get(f"/economics/versions/{hidden.pk}/").status_code == 404
    assert client.get(f"/api/v1/economics/versions/{hidden.pk}").status_code == 404
    listed = client.get("/api/v1/economics/federations/alpha/scenarios").json()
    assert hidden.pk not in [v["id"] for s in listed for v in s["versions"]]


def test_a_deactivated_former_person_of_a_gets_nothing_by_session_or_token(client, w):
    version = a_scenario(w)
    token = {"HTTP_AUTHORIZATION": f"Bearer {w.former_token}"}
    for url in (
        "/api/v1/economics/federations/alpha/scenarios",
        f"/api/v1/economics/versions/{version.pk}",
        "/api/v1/federations/alpha/bids",
    ):
        assert client.get(url, **token).status_code in (401, 404), url
    client.force_login(w.former)
    assert client.get(f"/economics/versions/{version.pk}/").status_code in (302, 404)


@pytest.mark.parametrize(
    "change, field",
    [
        ({"draws": 10**9}, "draws"),
        ({"draws": -1}, "draws"),
        ({"volume_per_1000": -30}, "volume_per_1000"),
        ({"income_per_unit": 10**12}, "income_per_unit"),
        ({"income_per_unit": {"low": 9, "mode": 8, "high": 7}}, "income_per_unit"),
        ({"seed": 2**70}, "seed"),
    ],
)
def test_hostile_figures_in_a_scenario_are_refused_and_write_nothing(w, change, field):
    inputs = {**copy.deepcopy(SCENARIO), **change}
    with pytest.raises(econ.EconomicsError) as refused:
        econ.scenario_create(federation=w.a, name="Hostile", inputs=inputs, by=w.a_admin)
    assert field in str(refused.value.args) + str(getattr(refused.value, "field", ""))
    assert not ScenarioVersion.objects.exists()


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        '{"draws": NaN}',
        "[" * 50_000 + "]" * 50_000,
        json.dumps({**SCENARIO, "draws": 10**9}),
        json.dumps({**SCENARIO, "federation": "beta"}),
    ],
)
def test_the_economics_command_exits_2_on_hostile_files(w, tmp_path, capsys, text):
    path = tmp_path / "s.json"
    path.write_text(text)
    assert main(["--by", w.a_admin.email, "economics", "run", str(path)]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_the_economics_command_treats_a_as_not_there_for_bs_people(w, tmp_path, capsys):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(SCENARIO))
    for who in (w.b_admin, w.b_finance, w.b_pm_s, w.net_admin, w.former):
        assert main(["--by", who.email, "economics", "run", str(path)]) == 2, who.email
        err = capsys.readouterr()
        assert "AAA001" not in err.out + err.err


# --- bids --------------------------------------------------------------------------------


def a_opportunity(w):
    notices_import(federation=w.a, reading=notices_read(FTS.read_bytes()), by=w.a_admin)
    opportunity = Opportunity.objects.get(federation=w.a, ocid=A_OCID)
    bid_services.commitment_ask(opportunity=opportunity, by=w.a_admin, day=date(2026, 11, 10))
    return opportunity


def bids_urls(opportunity):
    pk = opportunity.pk
    return [
        "/bids/alpha/",
        "/bids/alpha/history/",
        "/bids/alpha/new/",
        "/bids/alpha/import/",
        *(
            f"/bids/alpha/{pk}/{tail}"
            for tail in (
                "",
                "edit/",
                "criteria/",
                "documents/",
                "stage/",
                "decision/",
                "won/",
                "lost/",
                "withdraw/",
                "ask/",
                "commitment/",
            )
        ),
        "/api/v1/federations/alpha/bids",
    ]


def opportunity_state(opportunity):
    o = Opportunity.objects.get(pk=opportunity.pk)
    return (
        {k: v for k, v in o.__dict__.items() if not k.startswith("_")},
        list(o.commitments.order_by("pk").values()),
        list(o.criteria.order_by("pk").values()),
    )


def test_b_people_reach_no_opportunity_of_a_after_importing_the_same_ocid(client, w):
    ours = a_opportunity(w)
    before = opportunity_state(ours)
    sign_in_verified(client, w.b_admin)
    # B imports the same notice, OCID and all, changed: it becomes B's own row, A's is untouched
    package = json.loads(FTS.read_text())
    package["releases"][0]["tender"]["title"] = "Hijacked title"
    package["releases"][0]["tender"]["value"]["amount"] = 1
    upload = SimpleUploadedFile("fts.json", json.dumps(package).encode())
    assert client.post("/bids/beta/import/", {"file": upload, "cpv": "85121100"}).status_code == 302
    theirs = Opportunity.objects.get(federation=w.b, ocid=A_OCID)
    assert theirs.pk != ours.pk and theirs.title == "Hijacked title"
    bid_services.commitment_ask(opportunity=theirs, by=w.b_admin, day=date(2026, 11, 10))
    for who, attacker in w.attackers.items():
        client.logout()
        sign_in_verified(client, attacker)
        assert not reached(client, bids_urls(ours)), who
        # A's opportunity under B's slug, and B's commitment rows posted at A's page
        assert client.get(f"/bids/beta/{ours.pk}/").status_code == 404, who
    assert opportunity_state(ours) == before


def test_the_shared_practices_manager_within_b_cannot_commit_it_to_as_tender(client, w):
    ours = a_opportunity(w)
    shared = Commitment.objects.get(opportunity=ours, practice=w.p["SSS003"])
    sign_in_verified(client, w.b_pm_s)
    url = f"/bids/alpha/{ours.pk}/commitment/"
    data = {"practice": str(shared.pk), "answer": "signed_up", "note": "from B"}
    assert client.get(url).status_code == 404
    assert client.post(url, data).status_code == 404
    shared.refresh_from_db()
    assert shared.answered_at is None and not shared.note


def test_a_practice_manager_cannot_answer_for_another_practice_by_posting_its_row(client, w):
    ours = a_opportunity(w)
    theirs = Commitment.objects.get(opportunity=ours, practice=w.p["AAA002"])
    sign_in_verified(client, w.a_pm1)
    page = client.get(f"/bids/alpha/{ours.pk}/").content.decode()
    assert "AAA002" not in page and "SSS003" not in page
    response = client.post(
        f"/bids/alpha/{ours.pk}/commitment/",
        {"practice": str(theirs.pk), "answer": "signed_up", "note": ""},
    )
    assert response.status_code == 200  # the form again, with the error
    theirs.refresh_from_db()
    assert theirs.answered_at is None


def test_the_bids_command_with_by_treats_a_as_not_there(w, capsys):
    for who in (w.b_admin, w.b_finance, w.b_pm_s, w.net_admin, w.former):
        assert main(["--by", who.email, "bids", "import", "alpha", str(FTS)]) == 2, who.email
        assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert not Opportunity.objects.filter(federation=w.a).exists()


def _package(change):
    package = json.loads(FTS.read_text())
    change(package["releases"][0])
    return json.dumps(package).encode()


def test_an_ocds_file_with_an_nhs_number_in_the_description_is_refused():
    data = _package(lambda r: r["tender"].update(description=f"Patient {NHS_NUMBER} needs"))
    with pytest.raises(OcdsError):
        notices_read(data)


@pytest.mark.parametrize("where", ["document", "criterion", "ocid"])
def test_an_nhs_number_anywhere_in_an_ocds_file_is_refused(where):
    def change(release):
        if where == "document":
            release["tender"].setdefault("documents", []).append(
                {"title": f"Referral for {NHS_NUMBER}", "url": "https://x.example/a.pdf"}
            )
        elif where == "criterion":
            release["tender"]["awardCriteria"]["criteria"][0]["name"] = f"Case {NHS_NUMBER}"
        else:
            release["ocid"] = f"ocds-{NHS_NUMBER}"

    with pytest.raises(OcdsError):
        notices_read(_package(change))


def test_a_deeply_nested_ocds_file_is_refused_not_crashed(w, tmp_path, capsys):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    assert main(["--by", w.a_admin.email, "bids", "import", "alpha", str(path)]) == 2


def test_a_nan_amount_in_an_ocds_file_is_refused_not_crashed(tmp_path):
    text = json.dumps(json.loads(FTS.read_text())).replace("4500000.5", "NaN", 1)
    with pytest.raises(OcdsError):
        notices_read(text.encode())


def test_hostile_ocds_amounts_and_links_are_refused():
    for amount in ("Infinity", "1e400", "1e30", "-5000"):
        text = json.dumps(json.loads(FTS.read_text())).replace("4500000.5", amount, 1)
        with pytest.raises(OcdsError):
            notices_read(text.encode())
    with pytest.raises(OcdsError):
        notices_read(
            _package(
                lambda r: (
                    r["tender"]
                    .setdefault("documents", [])
                    .append({"title": "x", "url": "javascript:alert(1)"})
                )
            )
        )


def test_html_in_an_imported_title_is_shown_as_text(client, w):
    data = _package(lambda r: r["tender"].update(title="<script>alert(1)</script>"))
    notices_import(federation=w.a, reading=notices_read(data), by=w.a_admin)
    ours = Opportunity.objects.get(federation=w.a, ocid=A_OCID)
    sign_in_verified(client, w.a_admin)
    for url in ("/bids/alpha/", f"/bids/alpha/{ours.pk}/"):
        page = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;" in page


def test_a_huge_ocds_upload_is_refused_with_a_message(client, w, settings):
    settings.GPFED_MAX_UPLOAD_BYTES = 1024
    for key in list(getattr(settings, "GPFED_UPLOAD_LIMITS", {})):
        settings.GPFED_UPLOAD_LIMITS = {**settings.GPFED_UPLOAD_LIMITS, key: 1024}
    sign_in_verified(client, w.a_admin)
    upload = SimpleUploadedFile("big.json", b" " * 6_000_000 + FTS.read_bytes())
    response = client.post("/bids/alpha/import/", {"file": upload, "cpv": "85121100"})
    assert response.status_code in (200, 400, 413)
    assert b"larger than" in response.content
    assert not Opportunity.objects.exists()


# --- voice -------------------------------------------------------------------------------


def a_consultation(w, *, closes_in=7):
    c = voice.consultation_create(
        federation=w.a,
        title="Shared hubs",
        purpose="Should we share hubs?",
        audience="practices_and_pcns",
        opens_on=timezone.localdate() - timedelta(days=1),
        closes_on=timezone.localdate() + timedelta(days=closes_in),
        by=w.a_admin,
    )
    for kind, text, choices in [
        ("choice", "Do you support it?", ["Yes", "No"]),
        ("scale", "How ready are you?", []),
        ("text", "Anything else?", []),
    ]:
        voice.question_add(
            consultation=c, kind=kind, text=text, choices=choices, required=False, by=w.a_admin
        )
    return voice.consultation_open(consultation=c, by=w.a_admin)


def answer_data(c, choice="Yes", scale="3", text=""):
    q = {x.kind: x.pk for x in c.questions.all()}
    return {f"q{q['choice']}": choice, f"q{q['scale']}": scale, f"q{q['text']}": text}


def voice_urls(c):
    pk = c.pk
    return [
        "/voice/federations/alpha/",
        "/voice/federations/alpha/consultations/new/",
        f"/voice/consultations/{pk}/",
        f"/voice/consultations/{pk}/questions/new/",
        f"/voice/consultations/{pk}/open/",
        f"/voice/consultations/{pk}/answer/practice-SSS003/",
        f"/voice/consultations/{pk}/answer/practice-AAA001/",
        f"/voice/consultations/{pk}/remind/",
        f"/voice/consultations/{pk}/results/",
        f"/voice/consultations/{pk}/results.csv",
        f"/voice/consultations/{pk}/summary.pdf",
        f"/voice/consultations/{pk}/outcome/",
        "/voice/federations/alpha/programme/",
        "/voice/federations/alpha/programme/milestones/new/",
        "/voice/federations/alpha/programme/practices/SSS003/",
        "/voice/federations/alpha/programme/meetings/new/",
        f"/api/v1/consultations/{pk}/results",
    ]


def test_b_people_reach_no_consultation_of_a(client, w):
    c = a_consultation(w)
    for who, attacker in w.attackers.items():
        sign_in_verified(client, attacker)
        assert not reached(client, voice_urls(c)), who
        client.logout()
    assert not Response.objects.exists()


def test_the_shared_practices_manager_within_b_cannot_answer_as_consultation(client, w):
    c = a_consultation(w)
    sign_in_verified(client, w.b_pm_s)
    url = f"/voice/consultations/{c.pk}/answer/practice-SSS003/"
    assert client.post(url, answer_data(c)).status_code == 404
    assert client.get(url).status_code == 404
    assert not Response.objects.exists()
    # A's own manager of the practice answers; B's manager still cannot change it
    sign_in_verified(client, w.a_pm_s)
    assert client.post(url, answer_data(c, "Yes")).status_code == 302
    client.logout()
    sign_in_verified(client, w.b_pm_s)
    assert client.post(url, answer_data(c, "No")).status_code == 404
    assert Response.objects.get(consultation=c).responder == w.a_pm_s


def test_an_answer_after_the_deadline_is_not_taken(client, w):
    c = a_consultation(w)
    sign_in_verified(client, w.a_pm_s)
    url = f"/voice/consultations/{c.pk}/answer/practice-SSS003/"
    assert client.post(url, answer_data(c, "Yes")).status_code == 302
    type(c).objects.filter(pk=c.pk).update(
        opens_on=timezone.localdate() - timedelta(days=9),
        closes_on=timezone.localdate() - timedelta(days=1),
    )
    client.post(url, answer_data(c, "No"))
    response = Response.objects.get(consultation=c, practice=w.p["SSS003"])
    assert response.changed_at is None
    assert not AuditEvent.objects.filter(action="voice.response.change").exists()
    with pytest.raises(VoiceError):
        voice.response_submit(
            consultation=c,
            organisation_key="practice-SSS003",
            answers={},
            by=w.a_pm_s,
        )


def test_a_second_answer_for_one_practice_is_one_row_and_audited(w):
    c = a_consultation(w)
    q = {x.kind: x.pk for x in c.questions.all()}
    for text in ("first", "second"):
        voice.response_submit(
            consultation=c,
            organisation_key="practice-SSS003",
            answers={q["choice"]: "Yes", q["scale"]: 3, q["text"]: text},
            by=w.a_pm_s,
        )
    assert Response.objects.filter(consultation=c).count() == 1
    assert AuditEvent.objects.filter(action="voice.response.change").count() == 1


def test_an_nhs_number_in_a_free_text_answer_is_refused(w):
    c = a_consultation(w)
    q = {x.kind: x.pk for x in c.questions.all()}
    with pytest.raises(VoiceError):
        voice.response_submit(
            consultation=c,
            organisation_key="practice-SSS003",
            answers={
                q["text"]: f"Mrs X, NHS no. {NHS_NUMBER[:3]} {NHS_NUMBER[3:6]} {NHS_NUMBER[6:]}"
            },
            by=w.a_pm_s,
        )
    assert not Response.objects.exists()


def test_formulas_in_answers_and_practice_names_are_defused_in_the_results_csv(client, w):
    c = a_consultation(w)
    q = {x.kind: x.pk for x in c.questions.all()}
    for key in ("practice-SSS003", "practice-AAA002"):
        voice.response_submit(
            consultation=c,
            organisation_key=key,
            answers={q["choice"]: "Yes", q["scale"]: 3, q["text"]: FORMULA},
            by=w.a_admin,
        )
    sign_in_verified(client, w.a_admin)
    response = client.get(f"/voice/consultations/{c.pk}/results.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    cells = [cell for row in csv.reader(io.StringIO(text.decode("utf-8-sig"))) for cell in row]
    assert any("HYPERLINK" in cell for cell in cells)
    assert not [
        cell
        for cell in cells
        if cell[:1] in ("=", "+", "-", "@")
        and len(cell) > 1
        and not cell.lstrip("-").replace(".", "").isdigit()
    ]


# --- the board ---------------------------------------------------------------------------


def a_board(w):
    """A's board: director D (board member within A, a seat), a meeting today, an item with a
    board resolution, D present."""
    x = World()
    x.director = person("director@alpha.example", "board_member", w.a, name="Dee Director")
    x.body = meetings.body_create(
        federation=w.a, name="Board", kind="board", quorum=1, by=w.a_admin
    )
    meetings.seat_add(
        body=x.body, user=x.director, office="chair", start_date=date(2026, 1, 1), by=w.a_admin
    )
    now = timezone.now().replace(microsecond=0)
    x.meeting = meetings.meeting_schedule(
        body=x.body,
        title="Board meeting",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
        place="HQ",
        by=w.a_admin,
    )
    x.item = meetings.item_add(meeting=x.meeting, title="Contract", for_decision=True, by=w.a_admin)
    meetings.attendance_record(meeting=x.meeting, statuses={x.director.pk: "present"}, by=w.a_admin)
    x.resolution = board_votes.board_resolution_put(
        item=x.item, title="Sign it", text="That we sign.", by=w.a_admin
    )
    return x


def b_paper(w):
    folder = Folder.objects.create(name="B papers", federation=w.b)
    resource = Resource.objects.create(folder=folder, title="B's secret paper", federation=w.b)
    return ResourceVersion.objects.create(
        resource=resource, number=1, file="x.pdf", file_name="x.pdf", size=1, sha256="0" * 64
    )


def board_urls(x):
    return [
        "/governance/alpha/bodies/",
        "/governance/alpha/bodies/new/",
        f"/governance/bodies/{x.body.pk}/",
        f"/governance/bodies/{x.body.pk}/seats/new/",
        f"/governance/bodies/{x.body.pk}/meetings/new/",
        f"/governance/meetings/{x.meeting.pk}/",
        f"/governance/meetings/{x.meeting.pk}/items/new/",
        f"/governance/meetings/{x.meeting.pk}/declare/",
        f"/governance/meetings/{x.meeting.pk}/minutes/",
        f"/governance/meetings/{x.meeting.pk}/pack.pdf",
        f"/governance/items/{x.item.pk}/resolution/",
        f"/governance/board-resolutions/{x.resolution.pk}/vote/",
        "/governance/alpha/interests/",
        "/governance/alpha/interests.csv",
        "/governance/alpha/interests/declare/",
    ]


def test_b_people_reach_no_meeting_paper_pack_or_vote_of_a(client, w):
    x = a_board(w)
    paper = b_paper(w)
    for who, attacker in w.attackers.items():
        sign_in_verified(client, attacker)
        assert not reached(client, board_urls(x)), who
        # attach B's paper to A's agenda; declare on A's item; vote on A's resolution
        assert (
            client.post(
                f"/governance/meetings/{x.meeting.pk}/items/new/",
                {"title": "Smuggled", "paper": paper.pk},
            ).status_code
            == 404
        ), who
        assert (
            client.post(
                f"/governance/board-resolutions/{x.resolution.pk}/vote/",
                {"director": attacker.pk, "choice": "against"},
            ).status_code
            == 404
        ), who
        client.logout()
    assert list(AgendaItem.objects.filter(meeting=x.meeting)) == [x.item]
    assert not Vote.objects.filter(resolution=x.resolution).exists()


def test_as_administrator_cannot_attach_a_paper_from_bs_library_by_its_id(client, w):
    x = a_board(w)
    paper = b_paper(w)
    sign_in_verified(client, w.a_admin)
    form = client.get(f"/governance/meetings/{x.meeting.pk}/items/new/").content.decode()
    assert "B&#x27;s secret paper" not in form and "B's secret paper" not in form
    response = client.post(
        f"/governance/meetings/{x.meeting.pk}/items/new/", {"title": "Smuggled", "paper": paper.pk}
    )
    assert response.status_code == 200
    assert not AgendaItem.objects.filter(paper=paper).exists()


def test_a_cast_board_vote_cannot_be_changed(client, w):
    x = a_board(w)
    sign_in_verified(client, x.director)
    url = f"/governance/board-resolutions/{x.resolution.pk}/vote/"
    assert client.post(url, {"director": x.director.pk, "choice": "for"}).status_code == 302
    assert client.post(url, {"director": x.director.pk, "choice": "against"}).status_code == 404
    vote = Vote.objects.get(resolution=x.resolution)
    assert vote.choice == "for"
    vote.choice = "against"
    with pytest.raises(ValueError, match="never changed"):
        vote.save()
    with pytest.raises(GovernanceError):
        board_votes.board_vote_cast(
            resolution=x.resolution, director=x.director, choice="against", by=w.a_admin
        )


def test_no_declaration_on_as_item_for_someone_without_a_seat(w):
    x = a_board(w)
    for who in (w.b_admin, w.b_secretary):
        with pytest.raises(GovernanceError):
            interests.item_declare(item=x.item, user=who, note="I have an interest", by=who)


def test_a_former_director_now_in_b_no_longer_opens_as_board(client, w):
    """A ends Dee's board member role; her seat is left open; B makes her its company
    secretary. A's board is no longer hers to read."""
    x = a_board(w)
    for grant in x.director.role_grants.filter(through=w.a):
        role_end(grant=grant, by=w.a_admin, end_date=timezone.localdate() - timedelta(days=1))
    role_grant(user=x.director, role="company_secretary", organisation=w.b, by=None)
    sign_in_verified(client, x.director)
    assert not reached(client, board_urls(x))


def test_a_person_whose_roles_in_a_ended_is_not_offered_a_seat(client, w):
    x = a_board(w)
    gone = person("gone@alpha.example", "board_member", w.a, name="Gone Person")
    for grant in gone.role_grants.all():
        role_end(grant=grant, by=w.a_admin, end_date=timezone.localdate() - timedelta(days=1))
    sign_in_verified(client, w.a_admin)
    page = client.get(f"/governance/bodies/{x.body.pk}/seats/new/").content.decode()
    assert "Gone Person" not in page


def test_html_in_an_item_title_is_text_in_the_board_pack(client, w):
    pypdf = pytest.importorskip("pypdf")
    x = a_board(w)
    meetings.item_add(meeting=x.meeting, title="<b>Bold</b> & <i>co</i>", by=w.a_admin)
    sign_in_verified(client, x.director)
    response = client.get(f"/governance/meetings/{x.meeting.pk}/pack.pdf")
    if response.status_code == 503:
        pytest.skip("WeasyPrint unavailable")
    assert response.status_code == 200
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    assert "<b>Bold</b>" in text


def test_an_nhs_number_in_minutes_is_refused(w):
    x = a_board(w)
    with pytest.raises(GovernanceError):
        meetings.minutes_draft(
            meeting=x.meeting,
            text=f"Discussed the complaint of patient {NHS_NUMBER}.",
            by=w.a_admin,
        )
    assert not Minutes.objects.exists()


def test_an_nhs_number_in_a_declared_interest_is_refused(w):
    x = a_board(w)
    with pytest.raises(GovernanceError):
        interests.interest_declare(
            federation=w.a,
            user=x.director,
            kind="financial",
            party="A patient",
            description=f"Relative of patient {NHS_NUMBER}",
            start_date=date(2026, 1, 1),
            by=x.director,
        )
    assert not Interest.objects.exists()


def test_formulas_in_the_register_of_interests_csv_are_defused(client, w):
    x = a_board(w)
    interests.interest_declare(
        federation=w.a,
        user=x.director,
        kind="financial",
        party=FORMULA,
        description="+cmd|' /C calc'!A0",
        start_date=date(2026, 1, 1),
        by=x.director,
    )
    sign_in_verified(client, w.a_admin)
    response = client.get("/governance/alpha/interests.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    cells = [cell for row in csv.reader(io.StringIO(text.decode("utf-8-sig"))) for cell in row]
    assert any("HYPERLINK" in cell for cell in cells)
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "@")]


# --- a walk as each of A's roles: no page of the new areas answers 500 --------------------


def test_every_new_page_opens_or_404s_for_each_of_as_roles(client, w):
    version = a_scenario(w)
    opportunity = a_opportunity(w)
    c = a_consultation(w)
    x = a_board(w)
    urls = [
        u
        for u in economics_urls(w, version) + bids_urls(opportunity) + voice_urls(c) + board_urls(x)
        if not u.endswith(("/recompute/", "/share/"))
    ] + ["/economics/", "/bids/", "/voice/", "/governance/"]
    seen = {}
    for who in (w.a_admin, w.a_finance, w.a_pm1, w.a_pm_s, x.director):
        client.logout()
        sign_in_verified(client, who)
        for url in urls:
            code = client.get(url).status_code
            seen[(who.email, url)] = code
            assert code < 500, (who.email, url, code)
    # each role opens the index of the areas it works in
    assert seen[(w.a_admin.email, "/economics/alpha/")] == 200
    assert seen[(w.a_pm_s.email, f"/economics/versions/{version.pk}/")] == 200
    assert seen[(w.a_pm1.email, f"/bids/alpha/{opportunity.pk}/commitment/")] == 200
    assert seen[(x.director.email, f"/governance/meetings/{x.meeting.pk}/")] == 200


# --- members' resolutions: a practice both federations hold -------------------------------


def a_resolution_with_the_shared_practice(w):
    from governance import services as gov

    gov.member_set(federation=w.a, practice=w.p["SSS003"], nominated_voter=w.a_pm_s, by=w.a_admin)
    gov.member_set(federation=w.a, practice=w.p["AAA001"], nominated_voter=w.a_pm1, by=w.a_admin)
    gov.member_set(federation=w.b, practice=w.p["SSS003"], nominated_voter=w.b_pm_s, by=w.b_admin)
    return gov.resolution_circulate(
        federation=w.a,
        title="Adopt the articles",
        text="That the articles be adopted.",
        kind="ordinary",
        mode="written",
        circulated_on=timezone.localdate(),
        by=w.a_admin,
    )


def test_bs_voter_for_the_shared_practice_cannot_vote_on_as_resolution(client, w):
    from governance import services as gov

    resolution = a_resolution_with_the_shared_practice(w)
    url = f"/governance/resolutions/{resolution.pk}/vote/"
    data = {"practice": str(w.p["SSS003"].pk), "choice": "against", "confirm": "yes"}
    sign_in_verified(client, w.b_pm_s)
    assert client.get(url).status_code == 404
    assert client.post(url, data).status_code == 404
    assert client.get(f"/governance/resolutions/{resolution.pk}/").status_code == 404
    with pytest.raises(GovernanceError):
        gov.vote_cast(resolution=resolution, practice=w.p["SSS003"], choice="against", by=w.b_pm_s)
    assert not Vote.objects.filter(resolution=resolution).exists()


def test_a_cast_members_vote_is_not_changed_by_voting_again(client, w):
    resolution = a_resolution_with_the_shared_practice(w)
    url = f"/governance/resolutions/{resolution.pk}/vote/"
    sign_in_verified(client, w.a_pm_s)
    practice = str(w.p["SSS003"].pk)
    assert (
        client.post(url, {"practice": practice, "choice": "for", "confirm": "yes"}).status_code
        == 302
    )
    again = client.post(url, {"practice": practice, "choice": "against", "confirm": "yes"})
    assert again.status_code in (200, 400, 404)  # the form again, or no vote left
    assert list(Vote.objects.filter(resolution=resolution).values_list("choice", flat=True)) == [
        "for"
    ]


def test_two_answers_for_one_practice_at_the_same_moment_leave_one_and_name_who(w, monkeypatch):
    """The second request read "no answer yet" before the first committed (simulated: its
    look-up is made to miss the first's row); the database keeps the first and the second
    is told who answered."""
    from voice import selectors as voice_selectors

    c = a_consultation(w)
    q = {x.kind: x.pk for x in c.questions.all()}
    voice.response_submit(
        consultation=c,
        organisation_key="practice-SSS003",
        answers={q["choice"]: "Yes"},
        by=w.a_pm_s,
    )
    real = voice_selectors.response_of
    calls = []

    def stale(consultation, organisation):
        calls.append(1)
        return None if len(calls) == 1 else real(consultation, organisation)

    monkeypatch.setattr(voice_selectors, "response_of", stale)
    second = UserFactory(email="pm2@alpha.example", full_name="Second Manager")
    role_grant(
        user=second, role="practice_manager", organisation=w.p["SSS003"], by=None, federation=w.a
    )
    with pytest.raises(VoiceError, match="Sam Alpha"):
        voice.response_submit(
            consultation=c,
            organisation_key="practice-SSS003",
            answers={q["choice"]: "No"},
            by=second,
        )
    monkeypatch.undo()
    assert Response.objects.filter(consultation=c).count() == 1
    assert Response.objects.get(consultation=c).responder == w.a_pm_s


def test_b_cannot_answer_a_network_consultation_for_a(client, w):
    c = voice.consultation_create(
        network=w.net,
        title="Network hubs",
        purpose="Should federations share?",
        audience="federations",
        opens_on=timezone.localdate() - timedelta(days=1),
        closes_on=timezone.localdate() + timedelta(days=7),
        by=w.net_admin,
    )
    voice.question_add(
        consultation=c,
        kind="choice",
        text="Yes?",
        choices=["Yes", "No"],
        required=True,
        by=w.net_admin,
    )
    c = voice.consultation_open(consultation=c, by=w.net_admin)
    q = c.questions.get()
    for attacker in (w.b_admin, w.b_secretary):
        sign_in_verified(client, attacker)
        assert (
            client.post(
                f"/voice/consultations/{c.pk}/answer/federation-alpha/", {f"q{q.pk}": "No"}
            ).status_code
            == 404
        )
        assert (
            client.post(
                f"/voice/consultations/{c.pk}/answer/federation-beta/", {f"q{q.pk}": "No"}
            ).status_code
            == 302
        )
        client.logout()
    assert not Response.objects.filter(consultation=c, respondent_federation=w.a).exists()
    assert Response.objects.filter(consultation=c, respondent_federation=w.b).count() == 1


# --- more sequences: tokens, the results before publication, builders only ------------------


def test_bs_api_token_reaches_no_api_of_as_new_areas_and_as_own_token_does(client, w):
    version = a_scenario(w)
    opportunity = a_opportunity(w)
    c = a_consultation(w)
    apis = [
        "/api/v1/economics/federations/alpha/scenarios",
        f"/api/v1/economics/versions/{version.pk}",
        "/api/v1/federations/alpha/bids",
        f"/api/v1/consultations/{c.pk}/results",
    ]
    for attacker in (w.b_admin, w.b_finance, w.b_pm_s, w.net_admin):
        _, raw = api_token_create(user=attacker, name="probe")
        auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        assert [u for u in apis if client.get(u, **auth).status_code != 404] == [], attacker
        # and a guessed id one either side of A's
        for pk in (version.pk - 1, version.pk + 1, opportunity.pk):
            assert client.get(f"/api/v1/economics/versions/{pk}", **auth).status_code == 404
    _, raw = api_token_create(user=w.a_finance, name="ours")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get(apis[0], **auth).status_code == 200
    assert client.get(apis[2], **auth).status_code == 200


def test_as_own_practice_manager_sees_no_results_before_the_outcome_is_published(client, w):
    c = a_consultation(w)
    voice.response_submit(
        consultation=c,
        organisation_key="practice-AAA001",
        answers={c.questions.get(kind="text").pk: "Our private view"},
        by=w.a_pm1,
    )
    sign_in_verified(client, w.a_pm_s)
    for url in (
        f"/voice/consultations/{c.pk}/results/",
        f"/voice/consultations/{c.pk}/results.csv",
        f"/voice/consultations/{c.pk}/summary.pdf",
        f"/api/v1/consultations/{c.pk}/results",
    ):
        assert client.get(url).status_code == 404, url
    page = client.get(f"/voice/consultations/{c.pk}/").content.decode()
    assert "Our private view" not in page and "Pat One" not in page


def test_only_builders_recompute_or_share_and_a_board_member_reads(client, w):
    version = a_scenario(w, shared=False)
    board = person("board@alpha.example", "board_member", w.a)
    sign_in_verified(client, board)
    assert client.get(f"/economics/versions/{version.pk}/").status_code == 200
    before = AuditEvent.objects.filter(action__startswith="economics.").count()
    assert client.post(f"/economics/versions/{version.pk}/recompute/").status_code == 404
    assert client.post(f"/economics/versions/{version.pk}/share/").status_code == 404
    assert AuditEvent.objects.filter(action__startswith="economics.").count() == before
    version.refresh_from_db()
    assert not version.shared_with_members


def test_the_economics_command_refuses_as_practice_manager_and_board(w, tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(SCENARIO))
    board = person("board2@alpha.example", "board_member", w.a)
    for who in (w.a_pm_s, board):
        assert main(["--by", who.email, "economics", "run", str(path)]) == 2, who.email
    assert main(["--by", w.a_finance.email, "economics", "run", str(path)]) == 0


def test_the_results_csv_and_the_interests_csv_are_audited_each_time(client, w):
    c = a_consultation(w)
    x = a_board(w)
    sign_in_verified(client, w.a_admin)
    for _ in range(2):
        assert client.get(f"/voice/consultations/{c.pk}/results.csv").status_code == 200
        assert client.get("/governance/alpha/interests.csv").status_code == 200
    assert AuditEvent.objects.filter(action="voice.results.export_csv").count() == 2
    assert AuditEvent.objects.filter(action="governance.interests.export").count() == 2
    assert x.body.federation == w.a


def test_html_in_a_scenario_name_and_a_free_text_answer_is_text_in_the_pdfs(client, w):
    pypdf = pytest.importorskip("pypdf")
    version = econ.scenario_create(
        federation=w.a, name="<h1>Big</h1> & co", inputs=copy.deepcopy(SCENARIO), by=w.a_admin
    )
    c = a_consultation(w)
    voice.response_submit(
        consultation=c,
        organisation_key="practice-SSS003",
        answers={c.questions.get(kind="text").pk: "<img src=x> <b>loud</b>"},
        by=w.a_pm_s,
    )
    sign_in_verified(client, w.a_admin)
    for url, literal in (
        (f"/economics/versions/{version.pk}/results.pdf", "<h1>Big</h1>"),
        (f"/voice/consultations/{c.pk}/summary.pdf", "<b>loud</b>"),
    ):
        response = client.get(url)
        if response.status_code == 503:
            pytest.skip("WeasyPrint unavailable")
        assert response.status_code == 200, url
        pages = pypdf.PdfReader(io.BytesIO(response.content)).pages
        assert literal in "".join(p.extract_text() for p in pages), url


def test_a_manager_in_both_federations_sees_only_the_line_a_granted(client, w):
    """Pat manages AAA001 within A; B makes her the manager of the shared SSS003 within B.
    In A's shared scenario she sees AAA001's line, never SSS003's."""
    version = a_scenario(w)
    role_grant(
        user=w.a_pm1,
        role="practice_manager",
        organisation=w.p["SSS003"],
        by=w.b_admin,
        federation=w.b,
    )
    sign_in_verified(client, w.a_pm1)
    page = client.get(f"/economics/versions/{version.pk}/").content.decode()
    api = client.get(f"/api/v1/economics/versions/{version.pk}").json()
    assert [p["code"] for p in api["results"]["practices"]] == ["AAA001"]
    assert "AAA001" in page and "SSS003" not in page
