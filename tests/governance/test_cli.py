"""``gpfed resolution tally``: a file of votes against the members on a day; saves nothing."""

import json

import pytest

from audit.models import AuditEvent
from governance.models import Resolution, Vote
from gpfed.cli import main

pytestmark = pytest.mark.django_db

ON = "2026-10-01"


def tally(tmp_path, text, *args, on=ON):
    path = tmp_path / "votes.csv"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    argv = ["resolution", "tally", "gov-fed", "--votes", str(path), "--format", "json", *args]
    if on:
        argv += ["--on", on]
    return main(argv)


def test_special_written_by_list_size_passes_and_names_who_did_not_vote(gov, tmp_path, capsys):
    code = tally(
        tmp_path,
        "ODS code,Vote\nA00001,for\nA00002,FOR\nA00003,against\n",
        "--kind",
        "special",
        "--mode",
        "written",
        "--weighting",
        "list-size",
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["ok"] is True
    assert out["for"] == {"count": 2, "weight": 16_000}
    assert out["against"] == {"count": 1, "weight": 3_000}
    assert out["eligible"] == {"count": 4, "weight": 20_000}
    assert (out["base_weight"], out["required_weight"], out["passed"]) == (20_000, 15_000, True)
    assert out["not_voted"] == [{"code": "A00004", "name": "Practice 4", "weight": 1_000}]
    assert out["threshold"] == "at least 75% of the total voting rights of eligible members"


def test_the_same_votes_by_practice_fail_a_special_resolution(gov, tmp_path, capsys):
    code = tally(
        tmp_path,
        "ODS code,Vote\nA00001,for\nA00002,for\nA00003,against\n",
        "--kind",
        "special",
        "--mode",
        "written",
        "--weighting",
        "practice",
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (out["for"]["weight"], out["eligible"]["weight"], out["passed"]) == (2, 4, False)


def test_members_are_those_on_the_day(gov, tmp_path, capsys):
    # A00004 joined on 1 June 2026: on 1 January it was not a member.
    code = tally(
        tmp_path,
        "ODS code,Vote\nA00001,for\nA00002,for\nA00003,abstain\n",
        "--kind",
        "ordinary",
        "--mode",
        "meeting",
        "--weighting",
        "practice",
        on="2026-01-01",
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["eligible"]["count"] == 3
    assert out["not_voted"] == []
    assert (out["quorum"], out["present"], out["passed"]) == (2, 3, True)


def test_text_output(gov, tmp_path, capsys):
    path = tmp_path / "v.csv"
    path.write_text("ODS code,Vote\nA00001,against\n")
    code = main(
        [
            "resolution",
            "tally",
            "gov-fed",
            "--kind",
            "ordinary",
            "--mode",
            "written",
            "--weighting",
            "practice",
            "--votes",
            str(path),
            "--on",
            ON,
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "NOT PASSED" in out
    assert "A00004 Practice 4" in out


@pytest.mark.parametrize(
    ("text", "row", "column", "words"),
    [
        ("ODS code,Vote\nA00001,for\nZ99999,for\n", 3, "ODS code", "not a practice gpfed knows"),
        ("ODS code,Vote\nB00009,for\n", 2, "ODS code", "B00009 (Outside Surgery) is not a member"),
        (
            "ODS code,Vote\nA00001,for\nA00002,for\na00001,against\n",
            4,
            "ODS code",
            "already voted on row 2",
        ),
        ("ODS code,Vote\nA00001,yes\n", 2, "Vote", "'yes' is not a vote"),
        ("ODS code,Vote\nA00001,\n", 2, "Vote", "a vote is required"),
        ("ODS code,Vote\nA00001,for\n\n\nNOTACODE,for\n", 5, "ODS code", "not a practice ODS code"),
        ("ODS code,Vote,Voter\nA00001,for,Dr Smith\n", 1, "Voter", "does not read this column"),
        ("Practice,Vote\nA00001,for\n", 1, "ODS code or Practice code or Code", "is missing"),
        ("ODS code,Vote\nA00001,for 9434765919\n", 2, "Vote", "NHS number"),
    ],
    ids=[
        "unknown",
        "not-a-member",
        "duplicate",
        "unknown-vote",
        "no-vote",
        "blank-lines-count",
        "extra-column",
        "no-code-column",
        "nhs-number",
    ],
)
def test_a_bad_file_is_refused_naming_the_row_and_column(
    gov, tmp_path, capsys, text, row, column, words
):
    before = (AuditEvent.objects.count(), Resolution.objects.count(), Vote.objects.count())
    code = tally(
        tmp_path, text, "--kind", "ordinary", "--mode", "meeting", "--weighting", "practice"
    )
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert code == 2
    assert out["ok"] is False
    assert any(
        p["row"] == row and p["column"] == column and words in p["message"] for p in out["problems"]
    ), out["problems"]
    assert "nothing was tallied" in captured.err
    assert "9434765919" not in captured.out + captured.err
    assert (AuditEvent.objects.count(), Resolution.objects.count(), Vote.objects.count()) == before


def test_every_problem_is_found_before_giving_up(gov, tmp_path, capsys):
    code = tally(
        tmp_path,
        "ODS code,Vote\nZ99999,for\nA00001,maybe\nA00002,for\nA00002,against\n",
        "--kind",
        "ordinary",
        "--mode",
        "meeting",
        "--weighting",
        "practice",
    )
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert code == 2
    assert sorted(p["row"] for p in problems) == [2, 3, 5]


def test_list_size_weighting_without_a_list_size_on_the_day_is_refused(gov, tmp_path, capsys):
    code = tally(
        tmp_path,
        "ODS code,Vote\nA00001,for\n",
        "--kind",
        "ordinary",
        "--mode",
        "written",
        "--weighting",
        "list-size",
        on="2026-08-01",
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "No list size on or before 1 August 2026" in err


TALLY = "resolution tally {fed} --kind {kind} --mode meeting --weighting practice --votes {votes}"


def tally_argv(fed="gov-fed", kind="ordinary", votes="VOTES", extra="", by="") -> list[str]:
    """A `gpfed resolution tally` command line, as words."""
    return (by + TALLY.format(fed=fed, kind=kind, votes=votes) + extra).split()


@pytest.mark.parametrize(
    "argv",
    [
        tally_argv(fed="no-such-fed"),
        tally_argv(kind="unanimous"),
        tally_argv(extra=" --on 2026-02-30"),
        tally_argv(votes="/no/such/file.csv"),
        tally_argv(by="--by admin@other.example "),
    ],
    ids=["no-federation", "bad-kind", "bad-date", "no-file", "other-federation"],
)
def test_bad_input_exits_2(gov, tmp_path, capsys, argv):
    votes = tmp_path / "votes.csv"
    votes.write_text("ODS code,Vote\nA00001,for\n")
    argv = [str(votes) if a == "VOTES" else a for a in argv]
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse's refusal of an option
        code = exit_.code
    assert code == 2
    assert capsys.readouterr().err.startswith("gpfed:")


def test_the_company_secretary_may_tally(gov, tmp_path, capsys):
    votes = tmp_path / "votes.csv"
    votes.write_text("ODS code,Vote\nA00001,for\n")
    code = main(
        [
            "--by",
            "secretary@gov.example",
            "resolution",
            "tally",
            "gov-fed",
            "--kind",
            "ordinary",
            "--mode",
            "meeting",
            "--weighting",
            "practice",
            "--votes",
            str(votes),
            "--on",
            ON,
        ]
    )
    assert code == 0


# --- gpfed registers: the statutory registers, audited as the page's download is ---------------


@pytest.mark.parametrize(
    ("register", "action", "first_column"),
    [
        ("members", "governance.register.export", "ODS code"),
        ("interests", "governance.interests.export", "name"),
        ("gifts", "governance.gifts.export", "date"),
    ],
)
def test_each_register_from_the_command_line_is_the_csv_and_is_audited(
    gov, capsys, register, action, first_column
):
    assert main(["registers", register, "gov-fed"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split(",")[0] == first_column

    assert (
        main(["--by", gov.staff.email, "registers", register, "gov-fed", "--format", "json"]) == 0
    )
    assert isinstance(json.loads(capsys.readouterr().out), list)
    operator, *staff = AuditEvent.objects.filter(action=action).order_by("pk")
    assert operator.actor is None and operator.origin == "command line"
    assert operator.federation == gov.federation
    assert [e.actor for e in staff] == [gov.staff]


def test_the_members_register_lists_the_members_as_json(gov, capsys):
    assert main(["registers", "members", "gov-fed", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert sorted(r["ODS code"] for r in rows) == sorted(gov.practices)


def test_another_federations_administrator_is_told_there_is_no_such_federation(gov, capsys):
    for register in ("members", "interests", "gifts"):
        argv = ["--by", gov.other_admin.email, "registers", register, "gov-fed"]
        assert main(argv) == 2
        assert capsys.readouterr().err.strip() == "gpfed: there is no federation gov-fed"
    assert main(["registers", "members", "no-such-fed"]) == 2
    assert not AuditEvent.objects.filter(action__endswith=".export").exists()
