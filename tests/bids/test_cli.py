"""``gpfed bids import``: exit 0 with the counts, exit 2 with one line on bad input, nothing
written; idempotent by OCID."""

import json

import pytest

from bids.models import Opportunity
from gpfed.cli import main
from tests.bids.conftest import FIXTURES

pytestmark = pytest.mark.django_db


def run(*args):
    return main(["bids", "import", "bid-fed", *map(str, args), "--format", "json"])


def test_an_import_prints_its_counts_and_a_second_updates(bids, capsys):
    assert run(FIXTURES / "fts-release-package.json") == 0
    assert json.loads(capsys.readouterr().out) == {
        "ok": True,
        "federation": "bid-fed",
        "releases": 5,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
    }
    assert run(FIXTURES / "fts-release-package.json", "--cpv", "85121100") == 0
    assert json.loads(capsys.readouterr().out)["unchanged"] == 2
    assert Opportunity.objects.count() == 3


def test_a_buyer_narrows_the_import(bids, capsys):
    assert run(FIXTURES / "fts-release-package.json", "--buyer", "North East") == 0
    assert json.loads(capsys.readouterr().out)["created"] == 1


def test_a_bad_file_exits_2_naming_release_and_field(bids, capsys):
    assert run(FIXTURES / "bad-release-package.json") == 2
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert out["ok"] is False
    assert out["problems"][0] == {
        "release": 0,
        "field": "tender.value.amount",
        "message": "'lots' is not an amount",
    }
    assert captured.err.strip().splitlines()[-1].endswith("nothing was imported")
    assert not Opportunity.objects.exists()


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["nowhere.json"], "no such file"),
        ([FIXTURES / "fts-release-package.json", "--cpv", "851"], "eight digits"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(bids, capsys, args, reason):
    assert run(*args) == 2
    err = capsys.readouterr().err.strip()
    assert reason in err and len(err.splitlines()) == 1


def test_an_unknown_federation_exits_2(db, capsys):
    assert run(FIXTURES / "fts-release-package.json") == 2
    assert "there is no federation bid-fed" in capsys.readouterr().err


def test_a_board_member_may_not_import(bids, capsys):
    code = main(
        [
            "--by",
            bids.board.email,
            "bids",
            "import",
            "bid-fed",
            str(FIXTURES / "fts-release-package.json"),
        ]
    )
    assert code == 2
    assert "may not import" in capsys.readouterr().err
