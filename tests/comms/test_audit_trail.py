"""Every change to bulletins, events and the library is in the audit trail once, field by
field with before and after (audiences, promotions, attendance), and a network's own changes
are on the network's trail (issue 12, item 10)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from django.utils.html import escape

from accounts.models import User
from accounts.services import role_grant
from audit.models import AuditEvent
from comms import events, library, services
from comms.models import Bulletin, Event, Registration, Resource
from registry.models import PCN, Federation, Network, Practice
from tests.conftest import sign_in_verified
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
FED = "east-leicestershire-and-rutland-gp-federation"


def person(name):
    return User.objects.get(email=f"{name}@demo.gpfed.example")


def elr():
    return Federation.objects.get(slug=FED)


def records(action=None, **filters):
    qs = AuditEvent.objects.order_by("pk").filter(**filters)
    return list(qs.filter(action=action) if action else qs)


def board_members(count):
    """People of the federation, with a federation role that no event narrows away."""
    people = []
    for n in range(count):
        user = UserFactory(email=f"board{n}@example.org")
        role_grant(user=user, role="board_member", organisation=elr(), by=None)
        people.append(user)
    return people


def forum(sender=None, capacity=None, audience=None, days=10):
    sender = sender or elr()
    owner = {"network": sender} if isinstance(sender, Network) else {"federation": sender}
    start = timezone.now() + timedelta(days=days)
    return events.event_save(
        Event(
            title="Members' forum",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            place="Market Harborough hub",
            capacity=capacity,
            **owner,
        ),
        by=None,
        audience=audience,
    )


# --- audiences ------------------------------------------------------------------------------


def test_a_bulletins_audience_change_is_one_record_with_before_and_after(client, demo):
    comms = person("comms")
    sign_in_verified(client, comms)
    pcn = PCN.objects.get(code="U30213")
    fields = {"title": "Flu clinics", "category": "clinical", "body": "From Monday."}
    client.post(f"/comms/federations/{FED}/new", {**fields, "audience_roles": ["board_member"]})
    bulletin = Bulletin.objects.get()
    [created] = records(object_type="comms.Bulletin")
    assert created.action == "comms.bulletin.create" and created.actor == comms
    assert created.changes == {
        "title": [None, "Flu clinics"],
        "category": [None, "clinical"],
        "essential": [None, False],
        "to_contacts": [None, False],
        "body": [None, "From Monday."],
        "status": [None, "draft"],
        "audience_pcns": [None, []],
        "audience_practices": [None, []],
        "audience_roles": [None, ["board_member"]],
    }
    assert created.federation == elr() and created.network is None

    # The audience is widened (1 recipient to more), then narrowed to a PCN's people.
    client.post(f"/comms/bulletins/{bulletin.pk}/edit", fields)
    client.post(f"/comms/bulletins/{bulletin.pk}/edit", {**fields, "audience_pcns": [pcn.pk]})
    first, second = records("comms.bulletin.update")
    assert first.changes == {"audience_roles": [["board_member"], []]}
    assert second.changes == {"audience_pcns": [[], [str(pcn)]]}
    bulletin.refresh_from_db()
    assert len(services.recipients(bulletin)) == 1

    # Saving without a change records nothing.
    client.post(f"/comms/bulletins/{bulletin.pk}/edit", {**fields, "audience_pcns": [pcn.pk]})
    assert len(records(object_type="comms.Bulletin")) == 3


def test_a_network_bulletin_is_on_the_networks_trail(demo):
    network = Network.objects.get()
    bulletin = services.bulletin_save(
        Bulletin(network=network, title="Network briefing", body="For chairs"),
        by=person("network"),
        audience={"federations": [elr()]},
    )
    services.bulletin_send(bulletin, by=person("network"))
    created, sent = records(object_type="comms.Bulletin")
    assert (created.action, sent.action) == ("comms.bulletin.create", "comms.bulletin.send")
    assert created.changes["audience_federations"] == [None, [elr().name]]
    assert "audience_pcns" not in created.changes
    assert sent.changes == {"recipients": [None, len(services.recipients(bulletin))]}
    assert {(e.network, e.federation) for e in (created, sent)} == {(network, None)}


def test_an_events_audience_is_in_the_same_record_as_the_event(demo):
    pcn = PCN.objects.get(code="U30213")
    practice = Practice.objects.get(code="C82001")
    event = forum(audience={"pcns": [pcn]})
    [created] = records(object_type="comms.Event")
    assert created.action == "comms.event.create"
    assert created.changes["audience_pcns"] == [None, [str(pcn)]]
    assert created.changes["audience_practices"] == [None, []]

    events.event_save(event, by=None, audience={"pcns": [], "practices": [practice]})
    [changed] = records("comms.event.update")
    assert changed.changes == {
        "audience_pcns": [[str(pcn)], []],
        "audience_practices": [[], [str(practice)]],
    }
    assert len(records(object_type="comms.Event")) == 2


def test_a_library_upload_is_one_record_and_a_networks_is_on_its_trail(demo):
    comms = person("comms")
    folder = library.folder_add(elr(), "Policies", by=comms)
    resource = library.resource_add(
        Resource(federation=elr(), folder=folder, title="Lone working"),
        file_name="policy.txt",
        data=b"Policy",
        by=comms,
        audience={"practices": [Practice.objects.get(code="C82001")]},
    )
    [upload] = records(object_type="comms.Resource")
    assert upload.action == "comms.library.document.create"
    version = resource.latest
    assert upload.changes == {
        "title": [None, "Lone working"],
        "description": [None, ""],
        "folder": [None, str(folder.pk)],
        "audience_pcns": [None, []],
        "audience_practices": [None, [str(Practice.objects.get(code="C82001"))]],
        "audience_roles": [None, []],
        "version": [None, 1],
        "file": [None, "policy.txt"],
        "sha256": [None, version.sha256],
    }
    assert len(records(action__startswith="comms.")) == 2  # the folder and the document

    network = Network.objects.get()
    admin = person("network")
    papers = library.folder_add(network, "Board papers", by=admin)
    library.resource_add(
        Resource(network=network, folder=papers, title="Terms of reference"),
        file_name="terms.txt",
        data=b"Terms",
        by=admin,
    )
    folder_record, document = records(network=network, action__startswith="comms.")
    assert (folder_record.action, document.action) == (
        "comms.library.folder",
        "comms.library.document.create",
    )
    assert document.federation is None


# --- the waiting list and attendance --------------------------------------------------------


def test_every_promotion_from_the_waiting_list_is_audited(demo):
    people = board_members(8)
    event = forum(capacity=1)
    for user in people:
        events.register(event, user)
    assert event.registrations.filter(status="waiting").count() == 7
    event.capacity = 8
    events.event_save(event, by=person("comms"))
    promotions = records("comms.event.promote")
    assert len(promotions) == 7
    assert {e.object_id for e in promotions} == {
        str(r.pk) for r in event.registrations.exclude(user=people[0])
    }
    assert all(e.changes == {"status": ["waiting", "registered"]} for e in promotions)
    assert all(e.actor == person("comms") and e.federation == elr() for e in promotions)
    [change] = records("comms.event.update")
    assert change.changes == {"capacity": [1, 8]}


def test_attendance_is_audited_as_recorded(client, demo):
    first, second, third = board_members(3)
    event = forum(capacity=2)
    came, stayed_away = events.register(event, first), events.register(event, second)
    waiting = events.register(event, third)
    elsewhere = events.register(forum(capacity=None), first)
    Event.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - timedelta(days=1), ends_at=timezone.now() - timedelta(hours=22)
    )
    comms = person("comms")
    sign_in_verified(client, comms)
    page = f"/comms/events/{event.pk}/"
    # Ticked: only people who had no place at this event.
    strays = [waiting.pk, elsewhere.pk, *range(elsewhere.pk + 1, elsewhere.pk + 50)]
    shown = client.post(page, {"action": "attendance", "attended": strays}, follow=True)
    assert "Attendance recorded: 0 attended." in shown.content.decode()
    marked = records("comms.event.attendance")
    assert sorted(e.object_id for e in marked) == sorted([str(came.pk), str(stayed_away.pk)])
    assert all(e.changes == {"attended": [None, False]} for e in marked)
    assert Registration.objects.filter(attended=True).count() == 0

    shown = client.post(page, {"action": "attendance", "attended": [came.pk]}, follow=True)
    assert "Attendance recorded: 1 attended." in shown.content.decode()
    [ticked] = records("comms.event.attendance")[2:]
    assert (ticked.object_id, ticked.changes) == (str(came.pk), {"attended": [False, True]})
    client.post(page, {"action": "attendance", "attended": [came.pk]})
    assert len(records("comms.event.attendance")) == 3  # nothing changed, nothing recorded


def test_a_network_events_registrations_are_on_the_networks_trail(demo):
    network = Network.objects.get()
    event = forum(sender=network, capacity=1)
    first, second = board_members(2)
    kept, waiting = events.register(event, first), events.register(event, second)
    events.cancel(kept, by=first)
    trail = records(network=network, action__startswith="comms.")
    assert [e.action for e in trail] == [
        "comms.event.create",
        "comms.event.registered",
        "comms.event.waiting",
        "comms.event.cancel",
        "comms.event.promote",
    ]
    assert all(e.federation is None for e in trail)
    assert trail[1].changes == {"event": [None, event.pk], "status": [None, "registered"]}
    assert trail[3].changes == {"status": ["registered", "cancelled"]}
    assert (trail[4].object_id, trail[4].changes) == (
        str(waiting.pk),
        {"status": ["waiting", "registered"]},
    )
    assert trail[4].object_label == f"{second.email} for Members' forum"


def test_the_network_administrator_reads_the_networks_trail(client, demo):
    network = Network.objects.get()
    admin = person("network")
    services.bulletin_save(
        Bulletin(network=network, title="Network briefing", body="Hello"), by=admin
    )
    services.bulletin_save(
        Bulletin(federation=elr(), title="Federation news", body="Hello"), by=person("comms")
    )
    event = forum(sender=network, capacity=None)
    events.register(event, board_members(1)[0])

    sign_in_verified(client, admin)
    home = client.get("/").content.decode()
    assert 'href="/audit/"' in home  # the header's Audit trail link
    page = client.get("/audit/")
    assert page.status_code == 200
    shown = {(e.action, e.object_label) for e in page.context["page"].object_list}
    assert ("comms.bulletin.create", "Network briefing") in shown
    assert ("comms.event.registered", "board0@example.org for Members' forum") in shown
    assert not any(label == "Federation news" for _action, label in shown)
    assert f"This is the trail of {escape(network.name)}." in page.content.decode()
    exported = client.get("/audit/export.csv").content.decode().splitlines()
    assert exported[0].endswith(",federation,network")
    assert any("Network briefing" in row and row.endswith(network.name) for row in exported)

    # The federation's administrator reads the federation's, not the network's.
    sign_in_verified(client, person("coo"))
    labels = {e.object_label for e in client.get("/audit/").context["page"].object_list}
    assert "Federation news" in labels and "Network briefing" not in labels


def test_someone_reading_two_trails_may_look_at_one(client, demo):
    network = Network.objects.get()
    coo = person("coo")
    role_grant(user=coo, role="network_admin", organisation=network, by=None)
    services.bulletin_save(Bulletin(network=network, title="Network briefing", body="Hi"), by=coo)
    services.bulletin_save(Bulletin(federation=elr(), title="Local news", body="Hi"), by=coo)
    sign_in_verified(client, coo)
    labels = {e.object_label for e in client.get("/audit/").context["page"].object_list}
    assert {"Network briefing", "Local news"} <= labels
    only = client.get("/audit/", {"trail": f"network:{network.slug}"})
    assert {e.network for e in only.context["page"].object_list} == {network}
    local = client.get("/audit/", {"trail": f"federation:{FED}"})
    assert {e.federation for e in local.context["page"].object_list} == {elr()}


def test_dates_in_the_trail_filter_still_work(client, demo):
    sign_in_verified(client, person("network"))
    events.register(forum(sender=Network.objects.get()), board_members(1)[0])
    today = date.today().strftime("%d/%m/%Y")
    page = client.get("/audit/", {"date_from": today, "action": "comms.event"})
    assert {e.action for e in page.context["page"].object_list} == {
        "comms.event.create",
        "comms.event.registered",
    }


def test_a_change_of_email_preferences_records_what_changed(client, demo):
    manager = person("manager.c82001")
    sign_in_verified(client, manager)
    choices = {c: "email" for c, _ in Bulletin._meta.get_field("category").choices}
    client.post("/comms/preferences/", {**choices, "finance": "digest"})
    client.post("/comms/preferences/", {**choices, "finance": "digest"})  # no change
    client.post("/comms/preferences/", {**choices, "finance": "off", "events": "off"})
    first, second = records("comms.preferences")
    assert first.changes == {"finance": ["email", "digest"]}
    assert second.changes == {"finance": ["digest", "off"], "events": ["email", "off"]}
    assert first.actor == manager and first.object_id == str(manager.pk)
