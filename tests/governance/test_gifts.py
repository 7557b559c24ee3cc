"""The gifts and hospitality register: the common NHS thresholds, held per federation, each
refusal writing nothing; the page, the form that says what the rule requires, and the CSV
(audited, formula-safe)."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from governance import gifts, thresholds
from governance import register_selectors as reads
from governance.errors import GovernanceError
from governance.models import Gift
from tests.conftest import sign_in_verified
from tests.factories import GiftFactory, GiftsPolicyFactory

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 2)


def record(gov, **kwargs):
    values = {
        "federation": gov.federation,
        "user": gov.staff,
        "kind": "gift",
        "party": "Acme Supplies Ltd",
        "description": "A bottle of wine",
        "value_pence": 1_500,
        "on": DAY,
        "accepted": True,
        "by": gov.staff,
    }
    return gifts.gift_record(**{**values, **kwargs})


def refused(gov, field, **kwargs):
    events = AuditEvent.objects.count()
    with pytest.raises(GovernanceError) as caught:
        record(gov, **kwargs)
    assert caught.value.field == field
    assert Gift.objects.count() == 0 and AuditEvent.objects.count() == events
    return caught.value.message


# --- the rules, pure --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "supplier", "pence", "accepted", "approved", "says", "field"),
    [
        ("gift", True, 600, True, False, "Under the thresholds", ""),
        ("gift", True, 601, True, False, "Decline", "accepted"),
        ("gift", True, 601, False, False, "Decline", ""),
        ("gift", False, 5_000, True, False, "Under the thresholds", ""),
        ("gift", False, 5_001, True, False, "Declare: a gift worth over £50", ""),
        ("hospitality", True, 2_500, True, False, "Under the thresholds", ""),
        ("hospitality", True, 2_501, True, False, "Declare: hospitality worth over £25", ""),
        ("hospitality", False, 7_500, True, False, "Declare", ""),
        ("hospitality", False, 7_501, True, False, "Approval", "approved_by"),
        ("hospitality", False, 7_501, True, True, "Approval", ""),
        ("hospitality", False, 7_501, False, False, "Approval", ""),
    ],
)
def test_the_thresholds_at_and_over_each_limit(
    kind, supplier, pence, accepted, approved, says, field
):
    rule = thresholds.requirement(
        thresholds.Thresholds(),
        kind=kind,
        direction="offered",
        supplier=supplier,
        value_pence=pence,
        accepted=accepted,
        approved=approved,
    )
    assert rule.says.startswith(says)
    assert rule.field == field and bool(rule.refusal) == bool(field)


def test_a_gift_given_by_us_is_recorded_whatever_its_value():
    rule = thresholds.requirement(
        thresholds.Thresholds(),
        kind="hospitality",
        direction="given",
        supplier=True,
        value_pence=50_000,
        accepted=True,
        approved=False,
    )
    assert not rule.refusal


def test_pounds_are_whole_where_they_can_be():
    assert thresholds.pounds(600) == "£6"
    assert thresholds.pounds(7_550) == "£75.50"
    assert thresholds.pounds(100_000_00) == "£100,000"


# --- the service -----------------------------------------------------------------------------


def test_a_suppliers_gift_over_6_accepted_is_refused_and_nothing_written(gov):
    message = refused(gov, "accepted", supplier=True, value_pence=601)
    assert "must be declined" in message and "£6" in message


def test_a_suppliers_gift_over_6_declined_is_recorded(gov):
    gift = record(gov, supplier=True, value_pence=601, accepted=False)
    assert not gift.accepted
    event = AuditEvent.objects.get(action="governance.gift.record")
    assert event.federation == gov.federation and event.changes["value_pence"] == [None, 601]


def test_hospitality_over_75_accepted_without_approval_is_refused(gov):
    message = refused(gov, "approved_by", kind="hospitality", value_pence=7_501)
    assert "£75" in message and "approval" in message


def test_hospitality_over_75_accepted_with_the_company_secretarys_approval(gov):
    gift = record(gov, kind="hospitality", value_pence=12_000, approved_by=gov.secretary)
    assert gift.approved_by == gov.secretary


def test_approval_by_the_person_offered_it_or_someone_without_the_standing_is_refused(gov):
    refused(
        gov,
        "approved_by",
        kind="hospitality",
        value_pence=9_000,
        user=gov.admin,
        approved_by=gov.admin,
    )
    message = refused(
        gov, "approved_by", kind="hospitality", value_pence=9_000, approved_by=gov.voter
    )
    assert "may not approve" in message


def test_someone_outside_the_federation_a_future_date_and_blanks_are_refused(gov):
    refused(gov, "user", user=gov.other_admin)
    refused(gov, "on", on=date(2999, 1, 1))
    refused(gov, "party", party="  ")
    refused(gov, "value_pence", value_pence=-1)
    refused(gov, "kind", kind="voucher")


def test_the_federations_own_thresholds_apply(gov):
    GiftsPolicyFactory(federation=gov.federation, supplier_gift_decline_over_pence=0)
    message = refused(gov, "accepted", supplier=True, value_pence=1)
    assert "£0" in message
    gifts.gifts_policy_set(
        federation=gov.federation,
        supplier_gift_decline_over_pence=2_000,
        gift_declare_over_pence=5_000,
        hospitality_declare_over_pence=2_500,
        hospitality_approval_over_pence=7_500,
        by=gov.admin,
    )
    assert record(gov, supplier=True, value_pence=1_999).accepted
    event = AuditEvent.objects.get(action="governance.gifts.thresholds")
    assert event.changes == {"supplier_gift_decline_over_pence": [0, 2_000]}


def test_an_approval_threshold_under_the_declaration_threshold_is_refused(gov):
    with pytest.raises(GovernanceError) as caught:
        gifts.gifts_policy_set(
            federation=gov.federation,
            supplier_gift_decline_over_pence=600,
            gift_declare_over_pence=5_000,
            hospitality_declare_over_pence=2_500,
            hospitality_approval_over_pence=2_000,
            by=gov.admin,
        )
    assert caught.value.field == "hospitality_approval_over_pence"
    assert reads.thresholds_of(gov.federation) == thresholds.Thresholds()


# --- the pages -------------------------------------------------------------------------------


def test_the_form_says_the_rules_and_refuses_hospitality_over_75_without_approval(client, gov):
    sign_in_verified(client, gov.staff)
    url = reverse("governance:gift_new", args=["gov-fed"])
    page = client.get(url).content.decode()
    assert "Refuse hospitality worth over £75 unless it is approved." in page
    assert "Decline a gift from a supplier worth over £6." in page
    form = {
        "user": gov.staff.pk,
        "kind": "hospitality",
        "direction": "offered",
        "party": "Acme Supplies Ltd",
        "supplier": "yes",
        "description": "Dinner at a conference",
        "value": "80.00",
        "on": "2026-11-02",
        "accepted": "yes",
        "approved_by": "",
    }
    response = client.post(url, form)
    assert response.status_code == 200
    assert "can be accepted only with approval" in response.content.decode()
    assert not Gift.objects.exists()
    response = client.post(url, {**form, "approved_by": gov.secretary.pk}, follow=True)
    assert "Hospitality from Acme Supplies Ltd recorded. Approval:" in response.content.decode()
    assert Gift.objects.get().value_pence == 8_000


def test_someone_records_only_their_own_entry(client, gov):
    sign_in_verified(client, gov.staff)
    url = reverse("governance:gift_new", args=["gov-fed"])
    response = client.post(
        url,
        {
            "user": gov.voter.pk,
            "kind": "gift",
            "direction": "offered",
            "party": "A patient",
            "supplier": "no",
            "description": "Flowers",
            "value": "10",
            "on": "2026-11-02",
            "accepted": "yes",
        },
    )
    assert response.status_code == 200 and not Gift.objects.exists()


def test_the_register_and_its_csv_audited_and_formula_safe(client, gov):
    GiftFactory(
        federation=gov.federation,
        user=gov.staff,
        party='=HYPERLINK("http://evil")',
        value_pence=1_234,
        on=DAY,
    )
    sign_in_verified(client, gov.voter)
    page = client.get(reverse("governance:gifts", args=["gov-fed"])).content.decode()
    assert "£12.34" in page and "Under the thresholds" in page
    response = client.get(reverse("governance:gifts_csv", args=["gov-fed"]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == reads.GIFT_COLUMNS
    assert rows[1][4].startswith("'=") and rows[1][7] == "12.34"
    event = AuditEvent.objects.get(action="governance.gifts.export")
    assert event.actor == gov.voter and event.changes == {"rows": [None, 1]}


def test_the_thresholds_page_is_for_those_who_run_governance(client, gov):
    url = reverse("governance:gift_thresholds", args=["gov-fed"])
    sign_in_verified(client, gov.staff)
    assert client.get(url).status_code == 404
    sign_in_verified(client, gov.secretary)
    response = client.post(
        url,
        {
            "supplier_gift_decline_over": "10",
            "gift_declare_over": "50",
            "hospitality_declare_over": "25",
            "hospitality_approval_over": "75",
        },
    )
    assert response.status_code == 302
    assert reads.thresholds_of(gov.federation).supplier_gift_decline_over_pence == 1_000
