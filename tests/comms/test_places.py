"""Places at an event go only to people who can still use them: whenever a place is given,
those the event no longer reaches (deactivated, a role that no longer reaches its audience,
a federation that left the network) are skipped and their places released; the organiser
can take someone off, and the next person in line gets the place (issue 12, item 11)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.models import RoleGrant, User
from accounts.services import role_grant
from audit.models import AuditEvent
from comms import events
from comms.models import Event, Registration
from comms.services import CommsError
from directory.services import membership_end
from registry.models import Federation, Network, NetworkMembership
from registry.services import federation_create
from tests.conftest import sign_in_verified
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
FED = "east-leicestershire-and-rutland-gp-federation"


def elr():
    return Federation.objects.get(slug=FED)


def person(name):
    return User.objects.get(email=f"{name}@demo.gpfed.example")


def member(name, federation=None, role="board_member"):
    user = UserFactory(email=f"{name}@example.org", full_name=name.title())
    role_grant(user=user, role=role, organisation=federation or elr(), by=None)
    return user


def forum(sender=None, capacity=1, roles=(), starts_in=timedelta(days=10)):
    sender = sender or elr()
    owner = {"network": sender} if isinstance(sender, Network) else {"federation": sender}
    start = timezone.now() + starts_in
    return events.event_save(
        Event(
            title="Members' forum",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            place="Market Harborough hub",
            capacity=capacity,
            audience_roles=list(roles),
            **owner,
        ),
        by=None,
    )


def statuses(event):
    return {r.user.email: r.status for r in event.registrations.select_related("user")}


def trail(action):
    return [
        (e.object_label, e.changes) for e in AuditEvent.objects.filter(action=action).order_by("pk")
    ]


def deactivate(user):
    user.is_active = False
    user.save()


def test_a_deactivated_person_on_the_waiting_list_is_skipped_and_released(demo):
    event = forum(capacity=1)
    holder, gone, next_in_line = member("holder"), member("gone"), member("next")
    held = events.register(event, holder)
    events.register(event, gone)
    events.register(event, next_in_line)
    deactivate(gone)

    promoted = events.cancel(held, by=holder)
    assert promoted.user == next_in_line
    assert statuses(event) == {
        "holder@example.org": "cancelled",
        "gone@example.org": "cancelled",
        "next@example.org": "registered",
    }
    assert trail("comms.event.release") == [
        (
            "gone@example.org for Members' forum",
            {"status": ["waiting", "cancelled"], "reason": [None, "account deactivated"]},
        )
    ]
    assert trail("comms.event.promote") == [
        ("next@example.org for Members' forum", {"status": ["waiting", "registered"]})
    ]


def test_a_deactivated_person_does_not_keep_a_place_while_others_wait(demo):
    event = forum(capacity=1)
    gone, waiting, late = member("gone"), member("waiting"), member("late")
    events.register(event, gone)
    events.register(event, waiting)
    deactivate(gone)

    # The next time a place could be given (here, someone else registering) it goes to the
    # first in line, not to the newcomer and not to the deactivated account.
    assert events.register(event, late).status == "waiting"
    assert statuses(event) == {
        "gone@example.org": "cancelled",
        "waiting@example.org": "registered",
        "late@example.org": "waiting",
    }
    [release] = AuditEvent.objects.filter(action="comms.event.release")
    assert release.object_label == "gone@example.org for Members' forum"
    assert release.actor_label == "system"  # gpfed's check, not the newcomer's doing
    assert trail("comms.event.promote") == [
        ("waiting@example.org for Members' forum", {"status": ["waiting", "registered"]})
    ]


def test_reminders_go_to_people_who_can_use_the_place(
    demo, smtp_server, django_capture_on_commit_callbacks
):
    event = forum(capacity=1, starts_in=timedelta(hours=20))
    gone, waiting = member("gone"), member("waiting")
    events.register(event, gone)
    events.register(event, waiting)
    deactivate(gone)
    smtp_server.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert events.send_reminders() == 1
    assert statuses(event) == {"gone@example.org": "cancelled", "waiting@example.org": "registered"}
    assert sorted((m["To"], m["Subject"]) for m in smtp_server) == [
        ("waiting@example.org", "A place came up: you are registered for Members' forum"),
        ("waiting@example.org", "Reminder: Members' forum starts soon"),
    ]
    [release] = AuditEvent.objects.filter(action="comms.event.release")
    assert release.actor is None and release.actor_label == "system"


def test_someone_whose_role_no_longer_reaches_the_audience_is_passed_over(demo):
    event = forum(capacity=1, roles=["board_member"])
    holder, moved_on, next_in_line = member("holder"), member("moved"), member("next")
    held = events.register(event, holder)
    events.register(event, moved_on)
    events.register(event, next_in_line)
    today = timezone.localdate()  # a board member until yesterday, now an administrator
    RoleGrant.objects.filter(user=moved_on).update(
        start_date=today - timedelta(days=90), end_date=today - timedelta(days=1)
    )
    role_grant(user=moved_on, role="federation_admin", organisation=elr(), by=None)

    events.cancel(held, by=holder)
    assert statuses(event)["moved@example.org"] == "cancelled"
    assert statuses(event)["next@example.org"] == "registered"
    assert trail("comms.event.release") == [
        (
            "moved@example.org for Members' forum",
            {
                "status": ["waiting", "cancelled"],
                "reason": [None, "no longer in the event's audience"],
            },
        )
    ]


def test_the_staff_of_a_federation_that_left_the_network_give_up_their_places(demo):
    network = Network.objects.get()
    leaving = federation_create(name="Leaving GP Federation", by=None)
    membership = NetworkMembership.objects.create(
        network=network, federation=leaving, start_date=date(2022, 4, 1)
    )
    event = forum(sender=network, capacity=2)
    placed, queued = member("placed", leaving), member("queued", leaving)
    first, second = member("first"), member("second")
    for user in (placed, first, queued, second):
        events.register(event, user)
    assert statuses(event)["queued@example.org"] == "waiting"
    membership_end(membership, end_date=timezone.localdate() - timedelta(days=1), by=None)

    # The organiser raises nothing and removes nobody: the next change of places does it.
    event.place = "Leicester hub"
    events.event_save(event, by=person("network"))
    assert statuses(event) == {
        "placed@example.org": "cancelled",
        "first@example.org": "registered",
        "queued@example.org": "cancelled",
        "second@example.org": "registered",
    }
    releases = AuditEvent.objects.filter(action="comms.event.release").order_by("pk")
    assert [(e.object_label, e.changes["reason"][1]) for e in releases] == [
        ("placed@example.org for Members' forum", "no longer in the event's audience"),
        ("queued@example.org for Members' forum", "no longer in the event's audience"),
    ]
    assert {(e.network, e.federation, e.actor) for e in releases} == {
        (network, None, person("network"))
    }
    with pytest.raises(CommsError, match="not open to you"):
        events.register(event, member("newcomer", leaving))


def test_the_organiser_removes_a_registration_and_the_next_person_gets_it(client, demo):
    event = forum(capacity=1)
    holder, waiting, other = member("holder"), member("waiting"), member("other")
    held = events.register(event, holder)
    events.register(event, waiting)
    elsewhere = events.register(forum(capacity=None), other)
    page = f"/comms/events/{event.pk}/"

    # Someone who may not manage the event cannot take anyone off it.
    sign_in_verified(client, waiting)
    refused = client.post(page, {"action": "remove", "registration": held.pk})
    assert refused.status_code == 404
    assert statuses(event)["holder@example.org"] == "registered"

    comms = person("comms")
    sign_in_verified(client, comms)
    listed = client.get(page).content.decode()
    assert 'Remove<span class="nhsuk-u-visually-hidden"> Holder</span>' in listed
    wrong_event = client.post(page, {"action": "remove", "registration": elsewhere.pk})
    assert wrong_event.status_code == 404
    assert Registration.objects.get(pk=elsewhere.pk).status == "registered"

    done = client.post(page, {"action": "remove", "registration": held.pk}, follow=True)
    assert "Holder removed. Waiting has the place." in done.content.decode()
    assert statuses(event) == {
        "holder@example.org": "cancelled",
        "waiting@example.org": "registered",
    }
    removal = AuditEvent.objects.get(action="comms.event.remove")
    assert (removal.actor, removal.object_id, removal.changes) == (
        comms,
        str(held.pk),
        {"status": ["registered", "cancelled"]},
    )
    assert trail("comms.event.promote") == [
        ("waiting@example.org for Members' forum", {"status": ["waiting", "registered"]})
    ]


def test_the_organiser_sees_who_the_event_no_longer_reaches(client, demo):
    event = forum(capacity=2)
    gone = member("gone")
    events.register(event, gone)
    deactivate(gone)
    sign_in_verified(client, person("comms"))
    page = client.get(f"/comms/events/{event.pk}/").content.decode()
    assert "No longer in the audience" in page
