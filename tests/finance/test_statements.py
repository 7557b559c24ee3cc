"""A value statement is the statement of one practice through one federation: only that
federation's settlements, for the dates the practice was its member, read by those who may
read that federation's money or by the practice's own people through the federation that
granted their role. Every download is audited against the federation it was read through."""

import json
from dataclasses import dataclass
from datetime import date

import pytest
from django.db.models import Sum
from django.urls import reverse

from accounts.services import role_grant
from audit.models import AuditEvent
from finance import selectors
from finance import services as finance
from finance.models import Rule, SettlementRow
from gpfed.cli import main
from registry.models import Federation, FederationMembership
from tests.conftest import sign_in_verified
from tests.factories import UserFactory

OCT = date(2026, 10, 1)
ACTIVITY = (
    b"ODS code,Service,Month,Units\n"
    b"A10001,phlebotomy,2026-10,600\nB10002,phlebotomy,2026-10,300\nC10003,phlebotomy,2026-10,100\n"
)
FORMATS = ("statement", "statement-json", "statement-pdf")


@dataclass
class Two:
    """Test Federation (E) holds Abbey, Brook and Castle. Abbey was a member of Stafford (S)
    in 2015-16; Brook has been a member of both since April 2026."""

    books: object
    east: Federation
    stafford: Federation


@pytest.fixture
def two(books) -> Two:
    east = books.federation
    finance.activity_import(federation=east, data=ACTIVITY, file_name="oct.csv", by=None)
    finance.income_entry_create(
        federation=east,
        month=OCT,
        description="Phlebotomy payments",
        amount_pence=1_000_000,
        rule=Rule.ACTIVITY,
        service=books.phlebotomy,
        by=None,
    )
    finance.settlement_post(federation=east, month=OCT, by=None)

    stafford = Federation.objects.create(name="Stafford GP Federation", slug="stafford")
    abbey, brook = books.practices[0], books.practices[1]
    FederationMembership.objects.create(
        federation=stafford, practice=abbey, start_date=date(2015, 4, 1), end_date=date(2016, 3, 31)
    )
    FederationMembership.objects.create(
        federation=stafford, practice=brook, start_date=date(2026, 4, 1)
    )
    for month, amount in ((date(2015, 10, 1), 50_000), (OCT, 30_000)):
        finance.income_entry_create(
            federation=stafford,
            month=month,
            description="Stafford block",
            amount_pence=amount,
            rule=Rule.EQUAL,
            by=None,
        )
        finance.settlement_post(federation=stafford, month=month, by=None)
    return Two(books, east, stafford)


def _net(federation, practice, first, last) -> int:
    return SettlementRow.objects.filter(
        federation=federation, practice=practice, month__gte=first, month__lte=last
    ).aggregate(n=Sum("net_pence"))["n"]


def _person(client, role, federation):
    user = UserFactory()
    role_grant(user=user, role=role, organisation=federation, by=None)
    return sign_in_verified(client, user)


def _statement(client, code, fmt="statement", **query):
    return client.get(reverse(f"finance:{fmt}", args=[code]), query)


@pytest.mark.parametrize("role", ["finance_lead", "federation_admin"])
def test_a_past_membership_reads_nothing_of_the_federation_holding_the_practice_now(
    client, two, role
):
    reader = _person(client, role, two.stafford)
    abbey = two.books.practices[0].code
    for fmt in FORMATS:
        for query in ({}, {"federation": "stafford"}, {"federation": two.east.slug}):
            response = _statement(reader, abbey, fmt, period="2026-27", **query)
            assert response.status_code == 404, (fmt, query)
    api = reader.get(f"/api/v1/practices/{abbey}/statement", {"period": "2026-27"})
    assert api.status_code == 404
    named = reader.get(
        f"/api/v1/practices/{abbey}/statement", {"period": "2026-27", "federation": "stafford"}
    )
    assert named.status_code == 404
    # the quarter after Abbey left Stafford is not Stafford's to read either
    assert _statement(reader, abbey, period="2016-17-Q1").status_code == 404
    # while the year Abbey was Stafford's reads Stafford's settlement alone
    own = reader.get(f"/api/v1/practices/{abbey}/statement", {"period": "2015-16"}).json()
    assert own["federation"]["slug"] == "stafford"
    assert (
        own["totals"]["net_pence"]
        == 50_000
        == _net(two.stafford, two.books.practices[0], date(2015, 4, 1), date(2016, 3, 1))
    )
    assert [t["month"] for t in own["trend"]] == ["2015-10"]
    page = _statement(reader, abbey, period="2015-16")
    assert page.status_code == 200
    # opened from the list without a period: the last month Abbey was Stafford's
    assert _statement(reader, abbey).context["period"].key == "2016-03"
    assert b"Phlebotomy" not in page.content and b"Stafford GP Federation" in page.content


def test_a_practice_in_two_federations_reads_each_federations_money_apart(client, two):
    brook = two.books.practices[1]
    october = selectors.parse_period("2026-10")
    east = selectors.practice_statement(brook, october, federation=two.east)
    stafford = selectors.practice_statement(brook, october, federation=two.stafford)
    assert east["totals"]["net_pence"] == 210_000 == _net(two.east, brook, OCT, OCT)
    assert [s["code"] for s in east["services"]] == ["hr", "phlebotomy"]
    assert stafford["totals"]["net_pence"] == 30_000 == _net(two.stafford, brook, OCT, OCT)
    assert [s["service"] for s in stafford["services"]] == ["Other income"]
    assert [t["net_pence"] for t in stafford["trend"]] == [30_000]
    assert east["settlements"] != stafford["settlements"]

    east_lead = _person(client, "finance_lead", two.east)
    seen = _statement(east_lead, brook.code, "statement-json", period="2026-10").json()
    assert seen["totals"]["net_pence"] == 210_000 and seen["federation"]["slug"] == two.east.slug
    page = _statement(east_lead, brook.code, period="2026-10")
    assert b"Stafford" not in page.content
    refused = _statement(east_lead, brook.code, period="2026-10", federation="stafford")
    assert refused.status_code == 404


def test_a_reader_of_both_federations_chooses_one(client, two, admin_user):
    brook = two.books.practices[1].code
    both = UserFactory()
    for federation in (two.east, two.stafford):
        role_grant(user=both, role="board_member", organisation=federation, by=None)
    for reader in (sign_in_verified(client, both),):
        choice = _statement(reader, brook, period="2026-10")
        assert choice.status_code == 200
        assert b"?federation=stafford&amp;period=2026-10" in choice.content
        assert f"?federation={two.east.slug}&amp;period=2026-10".encode() in choice.content
        assert b"Phlebotomy" not in choice.content  # no figures until one is chosen
        assert _statement(reader, brook, "statement-json", period="2026-10").status_code == 400
        unnamed = reader.get(f"/api/v1/practices/{brook}/statement", {"period": "2026-10"})
        assert unnamed.status_code == 422 and "federation" in unnamed.json()["detail"]
        for slug, net in ((two.east.slug, 210_000), ("stafford", 30_000)):
            api = reader.get(
                f"/api/v1/practices/{brook}/statement", {"period": "2026-10", "federation": slug}
            ).json()
            assert api["totals"]["net_pence"] == net
            page = _statement(reader, brook, period="2026-10", federation=slug)
            assert page.status_code == 200 and page.context["federation"].slug == slug
    # Abbey's 2026-27 can only be read through Test Federation: implied, no choice
    client.force_login(admin_user)
    implied = _statement(client, "A10001", period="2026-27")
    assert implied.status_code == 200 and implied.context["federation"] == two.east


def test_the_practices_own_people_read_through_the_federation_that_granted_their_role(client, two):
    manager = UserFactory()
    role_grant(
        user=manager,
        role="practice_manager",
        organisation=two.books.practices[1],
        federation=two.east,
        by=None,
    )
    reader = sign_in_verified(client, manager)
    brook = two.books.practices[1].code
    seen = _statement(reader, brook, "statement-json", period="2026-10")
    assert seen.status_code == 200 and seen.json()["totals"]["net_pence"] == 210_000
    assert _statement(reader, brook, period="2026-10", federation="stafford").status_code == 404
    api = reader.get(
        f"/api/v1/practices/{brook}/statement", {"period": "2026-10", "federation": "stafford"}
    )
    assert api.status_code == 404


def test_every_download_is_audited_once_with_its_federation(client, two):
    lead = _person(client, "finance_lead", two.east)
    abbey = two.books.practices[0]

    def downloads():
        return AuditEvent.objects.filter(action="finance.export.statement").order_by("pk")

    assert _statement(lead, abbey.code, "statement-json", period="2026-10").status_code == 200
    (event,) = downloads()
    assert (event.federation, event.object_id) == (two.east, str(abbey.pk))
    assert event.changes["period"] == [None, "2026-10"]
    assert event.changes["format"] == [None, "json"]
    pdf = _statement(lead, abbey.code, "statement-pdf", period="2026-10")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    api = lead.get(f"/api/v1/practices/{abbey.code}/statement", {"period": "2026-10"})
    assert api.status_code == 200
    assert [(e.federation, e.changes["format"][1]) for e in downloads()] == [
        (two.east, "json"),
        (two.east, "pdf"),
        (two.east, "api"),
    ]
    # a refused download records nothing
    assert _statement(lead, abbey.code, "statement-json", period="2015-16").status_code == 404
    assert downloads().count() == 3


def test_cli_statement_names_its_federation_when_ambiguous(two, capsys):
    assert main(["statement", "B10002", "--period", "2026-10"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--federation" in err
    assert "stafford" in err and two.east.slug in err
    for slug, net in ((two.east.slug, 210_000), ("stafford", 30_000)):
        assert (
            main(
                [
                    "statement",
                    "B10002",
                    "--period",
                    "2026-10",
                    "--federation",
                    slug,
                    "--format",
                    "json",
                ]
            )
            == 0
        )
        assert json.loads(capsys.readouterr().out)["totals"]["net_pence"] == net
    events = AuditEvent.objects.filter(action="finance.export.statement").order_by("pk")
    assert [(e.federation.slug, e.origin) for e in events] == [
        (two.east.slug, "command line"),
        ("stafford", "command line"),
    ]
    # one federation for the period: implied
    assert main(["statement", "A10001", "--period", "2015-16", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["federation"]["slug"] == "stafford"
    assert main(["statement", "A10001", "--period", "2026-10", "--federation", "nope"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    stafford_lead = UserFactory()
    role_grant(user=stafford_lead, role="finance_lead", organisation=two.stafford, by=None)
    by = ["--by", stafford_lead.email]
    assert main([*by, "statement", "A10001", "--period", "2026-27"]) == 2
    assert (
        main([*by, "statement", "A10001", "--period", "2026-27", "--federation", "stafford"]) == 2
    )
    assert main([*by, "statement", "A10001", "--period", "2015-16"]) == 0
    assert "£500.00" in capsys.readouterr().out
