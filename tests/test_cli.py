import json
import logging
import subprocess
import sys

import pytest

from demo.loader import DATA
from gpfed.cli import main
from kernel.cli import print_json
from registry.models import ImportRun, Practice

pytestmark = pytest.mark.django_db


def test_gpfed_runs_as_a_module():
    result = subprocess.run(
        [sys.executable, "-m", "gpfed", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert "import" in result.stdout


def test_calling_main_in_a_running_process_leaves_its_logging_alone(capsys):
    # django.setup() configures logging afresh; once Django is up, main() must not call it
    # again, or the log handlers keep this test's captured stderr after it has been closed.
    before = list(logging.getLogger().handlers)
    assert main(["import", "--dry-run", str(DATA / "epraccur-03W-2025-09.csv")]) == 0
    assert logging.getLogger().handlers == before


def test_a_reader_that_stops_early_is_not_a_failure(monkeypatch):
    # `gpfed registers members F | head`: head closes the pipe; no traceback, exit 0
    class Closed:
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            pass

    monkeypatch.setattr(sys, "stdout", Closed())
    assert main(["import", "--dry-run", str(DATA / "epraccur-03W-2025-09.csv")]) == 0


def test_import_prints_counts(capsys):
    code = main(["import", str(DATA / "epraccur-03W-2025-09.csv")])
    out = capsys.readouterr().out
    assert code == 0
    assert "ODS GP practices (epraccur) imported" in out
    assert "76 read" in out
    run = ImportRun.objects.get()
    assert run.origin == "command line"


def test_import_several_files_in_dependency_order_as_json(capsys):
    files = sorted(str(p) for p in DATA.iterdir() if p.is_file())
    code = main(["import", *reversed(files), "--format", "json"])
    results = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [r["kind"] for r in results] == [
        "epraccur",
        "epcn",
        "gp-reg-pat-prac-map",
        "gpad-mapping",
        "gp-reg-pat-prac",
        "gp-reg-pat-prac",
    ]
    assert results[0]["counts"]["created"] > 0


def test_import_dry_run_writes_nothing(capsys):
    code = main(["import", str(DATA / "epraccur-03W-2025-09.csv"), "--dry-run"])
    assert code == 0
    assert "dry run, nothing written" in capsys.readouterr().out
    assert not Practice.objects.exists()


def test_bad_file_exits_2_with_one_line(capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,colour\nAlice,blue\n")
    code = main(["import", str(bad)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "does not recognise" in err


def test_missing_file_exits_2(capsys, tmp_path):
    assert main(["import", str(tmp_path / "nope.csv")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_bad_arguments_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["report", "practice"])
    assert exit_.value.code == 2


def test_report_practice_json(capsys, demo):
    code = main(["report", "practice", "C82001", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["name"] == "SOUTH LEICESTERSHIRE MEDICAL GROUP"
    assert report["status"] == "Active"
    assert report["pcn"]["code"] == "U30213"
    assert report["sub_icb"]["code"] == "03W"
    assert report["icb"]["code"] == "QK1"
    assert report["region"]["code"] == "Y60"
    assert report["list_size"] == {"patients": 25822, "extract_date": "2026-04-01"}
    assert report["federation"]["name"] == "East Leicestershire and Rutland GP Federation"


def test_report_unknown_practice_exits_2(capsys, demo):
    assert main(["report", "practice", "Z99999"]) == 2
    assert "no practice with the ODS code Z99999" in capsys.readouterr().err


def test_demo_load_is_repeatable(demo_books, capsys):
    # The first load is the one each test run makes once (``demo_whole``, as `gpfed demo
    # load` makes it), printed as the command prints it; the second is the command, run again.
    print_json(demo_books)
    first = json.loads(capsys.readouterr().out)
    assert main(["demo", "load", "--format", "json"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert first["practices"] == second["practices"] == 31
    assert first["registered_patients"] == 361969
    assert first["registered_extract_dates"] == ["2021-01-01", "2026-04-01"]
    assert "gp-reg-pat-prac-all-03W-2026-04.csv" in [i["file"] for i in first["imported"]]
    assert any(
        "361,969 registered patients (latest extracts, 1 January 2021 to 1 April 2026)" in line
        for line in first["summary"]
    )
    assert second["imported"] == []
    # The network: three more members from the real files of three other regions' sub-ICB
    # locations, a fourth federation asking to join, an advisory board, named contacts.
    from directory.models import BoardSeat, Contact, JoinRequest
    from directory.selectors import member_rows
    from registry.models import Network

    network = Network.objects.get()
    rows = member_rows(network)
    assert [(r.federation.name, r.practices) for r in rows] == [
        ("East Leicestershire and Rutland GP Federation", 31),
        ("Stafford and Surrounds GP Federation (demo)", 14),
        ("Vale of York GP Federation (demo)", 13),
        ("West Lancashire GP Federation (demo)", 15),
    ]
    assert {c.code for r in rows for c in r.regions} == {"Y60", "Y62", "Y63"}
    assert JoinRequest.objects.get().federation.name == "Southend GP Federation (demo)"
    assert BoardSeat.objects.count() == 4
    assert Contact.objects.filter(federation__slug=first["federation"]["slug"]).count() == 44


def test_report_as_a_person_shows_only_what_they_may_see(capsys, demo):
    from accounts.services import role_grant
    from tests.factories import FederationFactory, UserFactory

    outsider = UserFactory(email="outsider@example.org")
    role_grant(user=outsider, role="board_member", organisation=FederationFactory(), by=None)
    code = main(
        ["--by", "outsider@example.org", "report", "practice", "C82001", "--format", "json"]
    )
    assert code == 0
    assert json.loads(capsys.readouterr().out)["federation"] is None


def test_import_as_a_person_without_the_role_exits_2(capsys, demo):
    code = main(
        ["--by", "board@demo.gpfed.example", "import", str(DATA / "epraccur-03W-2025-09.csv")]
    )
    assert code == 2
    assert "may not import" in capsys.readouterr().err


def test_finance_commands_tell_a_person_of_another_federation_it_does_not_exist(capsys, demo):
    """ADR 0011 at the command line: an outsider is told what a slug that does not exist gets;
    a member of the federation without the role is told she may not."""
    from accounts.services import role_grant
    from registry.models import Federation
    from tests.factories import FederationFactory, UserFactory

    elsewhere = UserFactory(email="admin@elsewhere.example")
    role_grant(
        user=elsewhere,
        role="federation_admin",
        organisation=FederationFactory(name="Elsewhere"),
        by=None,
    )
    fed = Federation.objects.get(slug="east-leicestershire-and-rutland-gp-federation")
    for by, said in (
        ("admin@elsewhere.example", f"there is no federation {fed.slug}"),
        ("board@demo.gpfed.example", f"may not do that for {fed.name}"),
    ):
        code = main(["--by", by, "settlement", "post", fed.slug, "--month", "2026-10"])
        err = capsys.readouterr().err
        assert code == 2 and said in err, err
        assert fed.name not in err or by.startswith("board")
