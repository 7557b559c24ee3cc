"""The audit trail's page and CSV: the action filter finds any part of a name, the CSV holds
exactly what the filter shows (and never another federation's entries), changes name what an
id points at, and long action names may wrap at their dots."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from audit.models import AuditEvent
from audit.selectors import change_lines
from audit.services import audit_record
from registry.models import Federation, FederationMembership, Practice
from tests.conftest import sign_in_verified
from tests.factories import FederationFactory, PracticeFactory, ServiceFactory

pytestmark = pytest.mark.django_db
FED = "east-leicestershire-and-rutland-gp-federation"


def coo() -> User:
    return User.objects.get(email="coo@demo.gpfed.example")


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.fixture
def trail(demo):
    """The demo federation's trail with entries of three kinds, and another federation's
    entry whose name matches the same filter."""
    federation = Federation.objects.get(slug=FED)
    other = FederationFactory(name="Elsewhere Federation")
    practice = Practice.objects.get(code="C82001")
    for action in ("federation.membership.add", "federation.membership.end", "role.grant"):
        audit_record(by=None, action=action, obj=practice, federation=federation)
    audit_record(by=None, action="federation.membership.secret", obj=other, federation=other)
    return federation


def test_the_action_filter_matches_any_part_of_the_name(client, trail):
    sign_in_verified(client, coo())
    page = client.get("/audit/", {"action": "MEMBERSHIP"})
    actions = {e.action for e, _ in page.context["rows"]}
    assert {"federation.membership.add", "federation.membership.end"} <= actions
    assert all("membership" in a for a in actions)
    assert "federation.membership.secret" not in actions  # another federation's
    assert b"role.<wbr>grant" not in page.content


def test_the_csv_link_carries_the_filter_and_the_csv_holds_exactly_its_rows(client, trail):
    sign_in_verified(client, coo())
    page = client.get("/audit/", {"action": "membership", "page": "1"})
    link = page.context["filters"].urlencode()
    assert link == "action=membership"
    assert f'/audit/export.csv?{link}"'.encode() in page.content.replace(b"&amp;", b"&")
    shown = [e.pk for e in AuditEvent.objects.filter(action__icontains="membership")]
    response = client.get(f"/audit/export.csv?{link}")
    rows = csv_rows(response)
    actions = [r["action"] for r in rows]
    assert actions and all("membership" in a for a in actions)
    assert "federation.membership.secret" not in actions
    assert all(r["federation"] != "Elsewhere Federation" for r in rows)
    assert len(rows) == page.context["page"].paginator.count < len(shown)
    [export] = AuditEvent.objects.filter(action="audit.export")
    assert export.changes["filters"][1] == {"action": "membership"}
    assert export.federation == trail


def test_the_csv_never_holds_another_federations_entries_whatever_the_filter(client, trail):
    sign_in_verified(client, coo())
    other = Federation.objects.get(name="Elsewhere Federation")
    for query in ({}, {"action": "secret"}, {"trail": f"federation:{other.slug}"}, {"obj": "Else"}):
        rows = csv_rows(client.get("/audit/export.csv", query))
        assert all("secret" not in r["action"] for r in rows), query
        assert all(r["federation"] != other.name for r in rows), query


def test_a_filter_box_in_error_is_shown_and_the_others_still_filter(client, trail):
    sign_in_verified(client, coo())
    page = client.get("/audit/", {"action": "role", "date_from": "31/02/2026"})
    assert page.status_code == 200 and page.context["form"].errors
    assert {e.action for e, _ in page.context["rows"]} == {"role.grant"}
    rows = csv_rows(client.get("/audit/export.csv", {"action": "role", "date_from": "31/02/2026"}))
    assert {r["action"] for r in rows} == {"role.grant"}


def test_changes_name_what_an_id_points_at_or_keep_the_id(client, demo):
    federation = Federation.objects.get(slug=FED)
    practice = Practice.objects.get(code="C82001")
    membership = FederationMembership.objects.filter(federation=federation).first()
    gone = PracticeFactory()
    gone_id = gone.pk
    gone.delete()
    audit_record(
        by=None,
        action="federation.membership.update",
        obj=membership,
        before={"practice": None, "federation": federation.pk, "leave_reason": ""},
        after={"practice": practice.pk, "federation": gone_id, "leave_reason": "moved"},
        federation=federation,
    )
    audit_record(
        by=None,
        action="federation.membership.update",
        obj=membership,
        before={"practice_id": gone_id},
        after={"practice_id": practice.pk},
        federation=federation,
    )
    sign_in_verified(client, coo())
    page = client.get("/audit/", {"action": "membership.update"})
    text = page.content.decode()
    assert f"practice: – → {practice.name} (C82001)" in text
    assert f"practice_id: {gone_id} → {practice.name} (C82001)" in text
    # an id naming nothing any more stays an id; a field that is no key is shown as it was
    assert f"federation: {federation.name} → {gone_id}" in text
    assert "leave_reason: – → moved" in text


def test_changes_are_named_in_one_query_for_each_kind_of_object(demo):
    federation = Federation.objects.get(slug=FED)
    memberships = list(FederationMembership.objects.filter(federation=federation)[:10])
    for m in memberships:
        audit_record(
            by=None,
            action="federation.membership.update",
            obj=m,
            before={"practice": None, "federation": None},
            after={"practice": m.practice_id, "federation": federation.pk},
            federation=federation,
        )
    events = list(AuditEvent.objects.filter(action="federation.membership.update"))
    with CaptureQueriesContext(connection) as queries:
        lines = change_lines(events)
    assert len(queries) == 2  # the practices, and the federation
    for event in events:
        named = dict((field, after) for field, _, after in lines[event.pk])
        assert named["federation"] == federation.name
        assert named["practice"] == str(Practice.objects.get(pk=event.changes["practice"][1]))


def test_long_action_names_may_wrap_at_their_dots(client, trail):
    sign_in_verified(client, coo())
    page = client.get("/audit/", {"action": "membership.add"})
    assert b"<code>federation.<wbr>membership.<wbr>add</code>" in page.content


def test_a_trail_names_its_own_people_and_rows_and_leaves_anothers_as_ids(demo):
    """In a federation's trail: a national record (a federation) is named; a row of the
    federation's own (a service) and a person holding a role there are named; another
    federation's row written into the same trail, and a person with no role there, stay ids."""
    federation = Federation.objects.get(slug=FED)
    elsewhere = FederationFactory(name="Elsewhere Federation")
    own, theirs = ServiceFactory(federation=federation), ServiceFactory(federation=elsewhere)
    stranger = User.objects.create_user(email="stranger@elsewhere.example", password="x" * 20)
    grant = AuditEvent.objects.create(
        action="test.names",
        object_type="accounts.rolegrant",
        object_id="1",
        changes={"through": [federation.pk, elsewhere.pk], "granted_by": [coo().pk, stranger.pk]},
        federation=federation,
    )
    activity = AuditEvent.objects.create(
        action="test.names",
        object_type="finance.activity",
        object_id="1",
        changes={"service": [own.pk, theirs.pk]},
        federation=federation,
    )
    lines = change_lines([grant, activity])
    through, granted_by = lines[grant.pk]
    assert through == ("through", federation.name, elsewhere.name)
    assert granted_by == ("granted_by", str(coo())[:300], str(stranger.pk))
    assert lines[activity.pk] == [("service", str(own), str(theirs.pk))]
