from datetime import date

import pytest

from audit.models import AuditEvent
from registry.services import (
    RegistryError,
    federation_create,
    federation_membership_add,
    federation_membership_end,
    population_set,
    practice_correct,
)
from tests.factories import (
    FederationFactory,
    FederationMembershipFactory,
    PCNFactory,
    PracticeFactory,
)

pytestmark = pytest.mark.django_db


def test_federation_create_records_who_did_it(user):
    federation = federation_create(name="Hartlepool and Stockton Health", by=user)
    assert federation.slug == "hartlepool-and-stockton-health"
    event = AuditEvent.objects.get(action="federation.create")
    assert event.actor == user
    assert event.changes["name"] == [None, "Hartlepool and Stockton Health"]


def test_federation_create_refuses_a_duplicate_name(user):
    federation_create(name="Fed One", by=user)
    with pytest.raises(RegistryError, match="already exists"):
        federation_create(name="fed one", by=user)


def test_membership_add_and_end(user):
    federation = FederationFactory()
    practice = PracticeFactory()
    membership = federation_membership_add(
        federation=federation, practice=practice, start_date=date(2020, 4, 1), by=user
    )
    federation_membership_end(
        membership=membership, end_date=date(2024, 3, 31), leave_reason="Merged", by=user
    )
    membership.refresh_from_db()
    assert membership.end_date == date(2024, 3, 31)
    assert AuditEvent.objects.filter(action="federation.membership.end").get().changes[
        "end_date"
    ] == [None, "2024-03-31"]


def test_membership_cannot_overlap(user):
    existing = FederationMembershipFactory(start_date=date(2016, 4, 1), end_date=date(2020, 3, 31))
    with pytest.raises(RegistryError, match="memberships cannot overlap"):
        federation_membership_add(
            federation=existing.federation,
            practice=existing.practice,
            start_date=date(2019, 1, 1),
            by=user,
        )
    # After it ended, the practice may join again.
    federation_membership_add(
        federation=existing.federation,
        practice=existing.practice,
        start_date=date(2020, 4, 1),
        by=user,
    )


def test_membership_cannot_start_before_the_practice_opened(user):
    practice = PracticeFactory(open_date=date(2019, 1, 1))
    with pytest.raises(RegistryError, match="before the practice opened") as error:
        federation_membership_add(
            federation=FederationFactory(), practice=practice, start_date=date(2018, 1, 1), by=user
        )
    assert error.value.field == "start_date"


def test_membership_cannot_start_after_the_practice_closed(user):
    practice = PracticeFactory(close_date=date(2019, 1, 1), status="C")
    with pytest.raises(RegistryError, match="after the practice closed"):
        federation_membership_add(
            federation=FederationFactory(), practice=practice, start_date=date(2020, 1, 1), by=user
        )


def test_membership_end_before_start_is_refused(user):
    membership = FederationMembershipFactory(start_date=date(2020, 4, 1))
    with pytest.raises(RegistryError, match="on or after the joining date"):
        federation_membership_end(membership=membership, end_date=date(2020, 1, 1), by=user)


def test_membership_ended_twice_is_refused(user):
    membership = FederationMembershipFactory(end_date=date(2020, 4, 1))
    with pytest.raises(RegistryError, match="already ended"):
        federation_membership_end(membership=membership, end_date=date(2021, 1, 1), by=user)


def test_practice_correct_marks_fields_and_audits(user):
    practice = PracticeFactory(name="OLD NAME")
    practice_correct(practice=practice, by=user, values={"name": "New Name", "phone": "0116"})
    practice.refresh_from_db()
    assert practice.manual_fields == ["name", "phone"]
    event = AuditEvent.objects.get(action="practice.correct")
    assert event.changes["name"] == ["OLD NAME", "New Name"]


def test_practice_correct_refuses_other_fields(user):
    with pytest.raises(RegistryError, match="cannot be corrected"):
        practice_correct(practice=PracticeFactory(), by=user, values={"status": "C"})


def test_population_set_replaces_the_years_figure(user):
    pcn = PCNFactory()
    population_set(pcn=pcn, financial_year=2025, measure="adjusted", value=40000, by=user)
    figure = population_set(
        pcn=pcn, financial_year=2025, measure="adjusted", value=41000.5, by=user
    )
    assert str(figure.value) == "41000.50"
    assert pcn.annual_populations.count() == 1


def test_population_set_refuses_negative(user):
    with pytest.raises(RegistryError, match="zero or more"):
        population_set(pcn=PCNFactory(), financial_year=2025, measure="adjusted", value=-1, by=user)


def test_audit_events_cannot_be_changed(user):
    federation_create(name="Fed", by=user)
    event = AuditEvent.objects.get()
    event.action = "something else"
    with pytest.raises(ValueError, match="cannot be changed"):
        event.save()
    with pytest.raises(ValueError, match="cannot be deleted"):
        event.delete()
