"""A membership's leaving date can be corrected or removed until it has passed, audited, by the
federation's administrators alone (issue 16); a practice manager's answer to a federation that
asks to hold the practice confirms first."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.services import role_grant
from audit.models import AuditEvent
from registry.models import FederationMembership, MembershipConsent
from registry.services import (
    RegistryError,
    federation_membership_add,
    federation_membership_end,
    federation_membership_end_change,
    federation_membership_request,
)
from tests.conftest import sign_in_verified
from tests.factories import FederationFactory, PracticeFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
JOINED = date(2020, 4, 1)


def membership(end_days: int | None = 116, federation=None, practice=None):
    federation = federation or FederationFactory()
    practice = practice or PracticeFactory(open_date=date(2000, 1, 1))
    spell = federation_membership_add(
        federation=federation, practice=practice, start_date=JOINED, by=None
    )
    if end_days is not None:
        federation_membership_end(
            membership=spell,
            end_date=TODAY + timedelta(days=end_days),
            leave_reason="Joining another federation",
            by=None,
        )
        spell.refresh_from_db()
    return spell


def admin_of(federation, email="admin@fed.example"):
    admin = UserFactory(email=email)
    role_grant(user=admin, role="federation_admin", organisation=federation, by=None)
    return admin


def url(spell):
    return reverse("registry:membership-end-change", args=[spell.federation.slug, spell.pk])


# --- the service -------------------------------------------------------------------------


def test_a_leaving_date_to_come_is_corrected_and_audited(user):
    spell = membership()
    old = spell.end_date
    later = TODAY + timedelta(days=200)
    federation_membership_end_change(membership=spell, end_date=later, by=user)
    spell.refresh_from_db()
    assert spell.end_date == later
    assert spell.leave_reason == "Joining another federation"
    event = AuditEvent.objects.get(action="federation.membership.end_change")
    assert event.actor == user and event.federation == spell.federation
    assert event.changes["end_date"] == [old.isoformat(), later.isoformat()]


def test_a_leaving_date_to_come_is_removed_and_the_practice_stays(user):
    spell = membership()
    old = spell.end_date
    federation_membership_end_change(membership=spell, end_date=None, by=user)
    spell.refresh_from_db()
    assert spell.end_date is None and spell.leave_reason == ""
    event = AuditEvent.objects.get(action="federation.membership.end_remove")
    assert event.changes["end_date"] == [old.isoformat(), None]


def test_the_last_day_itself_can_still_be_changed(user):
    spell = membership(end_days=0)
    federation_membership_end_change(membership=spell, end_date=None, by=user)
    spell.refresh_from_db()
    assert spell.end_date is None


def test_a_leaving_date_that_has_passed_stays(user):
    spell = membership(end_days=-1)
    with pytest.raises(RegistryError, match="a leaving date that has passed cannot be changed"):
        federation_membership_end_change(
            membership=spell, end_date=TODAY + timedelta(days=30), by=user
        )
    with pytest.raises(RegistryError, match="has passed"):
        federation_membership_end_change(membership=spell, end_date=None, by=user)
    assert not AuditEvent.objects.filter(action__startswith="federation.membership.end_").exists()


def test_a_corrected_date_passes_the_checks_of_ending(user):
    spell = membership()
    with pytest.raises(RegistryError, match="on or after the joining date"):
        federation_membership_end_change(membership=spell, end_date=date(2019, 1, 1), by=user)
    with pytest.raises(RegistryError, match="no leaving date to change"):
        federation_membership_end_change(
            membership=membership(end_days=None), end_date=None, by=user
        )


def test_a_later_date_cannot_overlap_the_federations_next_spell(user):
    spell = membership(end_days=30)
    federation_membership_add(
        federation=spell.federation,
        practice=spell.practice,
        start_date=TODAY + timedelta(days=60),
        by=None,
    )
    with pytest.raises(RegistryError, match="memberships cannot overlap"):
        federation_membership_end_change(membership=spell, end_date=None, by=user)
    # an earlier date is fine
    federation_membership_end_change(membership=spell, end_date=TODAY + timedelta(days=10), by=user)


def test_a_later_date_cannot_reach_into_another_federations_hold(user):
    spell = membership(end_days=30)
    other = FederationFactory(name="Next Federation")
    federation_membership_add(
        federation=other,
        practice=spell.practice,
        start_date=TODAY + timedelta(days=31),
        by=None,
    )
    with pytest.raises(RegistryError, match="belongs to a second federation only if it agrees"):
        federation_membership_end_change(
            membership=spell, end_date=TODAY + timedelta(days=45), by=user
        )
    with pytest.raises(RegistryError, match="Next Federation"):
        federation_membership_end_change(membership=spell, end_date=None, by=user)
    spell.refresh_from_db()
    assert spell.end_date == TODAY + timedelta(days=30)


# --- the page ----------------------------------------------------------------------------


def test_the_member_list_leads_to_the_change_page(client):
    spell = membership()
    past = membership(end_days=-10, federation=spell.federation)
    sign_in_verified(client, admin_of(spell.federation))
    page = client.get(reverse("registry:federation", args=[spell.federation.slug]))
    content = page.content.decode()
    assert f"Leaving {spell.end_date:%-d %b %Y}" in content
    assert f'href="{url(spell)}"' in content
    assert f'href="{url(past)}"' not in content


def test_the_administrator_changes_then_removes_the_date(client):
    spell = membership()
    admin = admin_of(spell.federation)
    sign_in_verified(client, admin)
    page = client.get(url(spell))
    assert page.status_code == 200
    assert f"{spell.end_date:%-d/%-m/%Y}" in page.content.decode()  # the form starts from it
    later = TODAY + timedelta(days=150)
    done = client.post(
        url(spell), {"action": "change", "end_date": f"{later:%d/%m/%Y}", "leave_reason": "Moved"}
    )
    assert done.status_code == 302
    spell.refresh_from_db()
    assert (spell.end_date, spell.leave_reason) == (later, "Moved")
    done = client.post(url(spell), {"action": "remove", "end_date": ""}, follow=True)
    assert "it no longer has a leaving date" in done.content.decode()
    spell.refresh_from_db()
    assert spell.end_date is None
    actions = list(
        AuditEvent.objects.filter(actor=admin).order_by("pk").values_list("action", flat=True)
    )
    assert actions[-2:] == ["federation.membership.end_change", "federation.membership.end_remove"]
    # no leaving date now: nothing to change here
    assert client.get(url(spell)).status_code == 404


def test_changing_without_a_date_is_a_form_error(client):
    spell = membership()
    sign_in_verified(client, admin_of(spell.federation))
    response = client.post(url(spell), {"action": "change", "end_date": ""})
    assert response.status_code == 200
    assert "Enter the new last day of membership" in response.content.decode()


def test_a_passed_date_says_it_cannot_be_changed(client):
    spell = membership(end_days=-1)
    sign_in_verified(client, admin_of(spell.federation))
    page = client.get(url(spell))
    text = re.sub(r"\s+", " ", page.content.decode())
    assert page.status_code == 200
    assert "A leaving date that has passed cannot be changed" in text
    assert 'name="action"' not in text
    refused = client.post(url(spell), {"action": "remove"})
    assert "A leaving date that has passed cannot be changed" in refused.content.decode()
    spell.refresh_from_db()
    assert spell.end_date == TODAY - timedelta(days=1)


def test_another_federations_administrator_and_a_practice_manager_cannot(client):
    spell = membership()
    other = FederationFactory(name="Other Federation")
    intruders = [admin_of(other, "admin@other.example"), UserFactory(email="pm@fed.example")]
    role_grant(
        user=intruders[1],
        role="practice_manager",
        organisation=spell.practice,
        federation=spell.federation,
        by=None,
    )
    for person in intruders:
        visitor = type(client)()
        sign_in_verified(visitor, person)
        assert visitor.get(url(spell)).status_code == 404
        assert visitor.post(url(spell), {"action": "remove"}).status_code == 404
        # nor through the other federation's address
        wrong = reverse("registry:membership-end-change", args=[other.slug, spell.pk])
        assert visitor.post(wrong, {"action": "remove"}).status_code == 404
    spell.refresh_from_db()
    assert spell.end_date is not None
    assert not AuditEvent.objects.filter(action__startswith="federation.membership.end_").exists()


# --- a practice's answer to a federation asking to hold it confirms first ----------------


def test_accepting_a_request_confirms_first(client):
    holder = FederationFactory(name="Holding Federation")
    practice = PracticeFactory(open_date=date(2000, 1, 1))
    federation_membership_add(federation=holder, practice=practice, start_date=JOINED, by=None)
    asking = FederationFactory(name="Asking Federation")
    consent = federation_membership_request(
        federation=asking, practice=practice, start_date=TODAY, by=None
    )
    assert isinstance(consent, MembershipConsent)
    manager = UserFactory(email="pm@holder.example")
    role_grant(
        user=manager,
        role="practice_manager",
        organisation=practice,
        federation=holder,
        by=None,
    )
    sign_in_verified(client, manager)
    decide = reverse("registry:consent-decide", args=[practice.code, consent.pk])
    detail = client.get(reverse("registry:practice", args=[practice.code])).content.decode()
    assert f'href="{decide}?decision=accept"' in detail
    assert f'action="{decide}"' not in detail
    page = client.get(decide, {"decision": "accept"})
    text = re.sub(r"\s+", " ", page.content.decode())
    assert "Accept Asking Federation's request?" in text
    assert "becomes a member of Asking Federation too" in text
    consent.refresh_from_db()
    assert consent.status == MembershipConsent.Status.WAITING
    client.post(decide, {"decision": "accept", "note": "Agreed at the partners' meeting"})
    consent.refresh_from_db()
    assert consent.status == MembershipConsent.Status.ACCEPTED
    assert FederationMembership.objects.filter(federation=asking, practice=practice).exists()
    # answered: the page now says so
    again = client.get(decide, {"decision": "decline"}, follow=True)
    assert "This request was already accepted" in again.content.decode()


def test_ending_a_membership_with_a_leaving_date_leads_to_changing_it(client):
    spell = membership()
    sign_in_verified(client, admin_of(spell.federation))
    end = reverse("registry:membership-end", args=[spell.federation.slug, spell.pk])
    assert client.get(end)["Location"] == url(spell)
    assert client.post(end, {"end_date": "1/1/2030"})["Location"] == url(spell)
    spell.refresh_from_db()
    assert spell.end_date == TODAY + timedelta(days=116)
